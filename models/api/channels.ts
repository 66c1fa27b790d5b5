/**
 * The API's channel names, and nothing else: the Electron preload (main/electron/preload.ts) imports
 * only this module, so its sandboxed bundle stays a few lines long. models/api/contract.ts gives
 * every request channel its argument rule and result type; the type checker refuses a channel that
 * is missing there or named there but not here.
 */

export const REQUEST_CHANNELS = [
  'ports.list',
  'nodes.list',
  'nodes.connect',
  'nodes.disconnect',
  'demo.start',
  'demo.stop',
  'nodes.pair',
  'nodes.config.get',
  'nodes.config.set',
  'nodes.stream',
  'nodes.time',
  'nodes.ping',
  'nodes.model.deploy',
  'nodes.model.rollback',
  'nodes.model.status',
  'ble.open',
  'ble.rx',
  'ble.closed',
  'ble.select',
  'report.pdf',
  'files.opened',
  'files.read',
] as const;
export type RequestChannel = (typeof REQUEST_CHANNELS)[number];

export const EVENT_CHANNELS = ['node.updated', 'node.removed', 'node.features', 'node.raw', 'node.event', 'node.log', 'node.model', 'ble.tx', 'ble.devices', 'file.opened'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];

export function isRequestChannel(x: unknown): x is RequestChannel {
  return (REQUEST_CHANNELS as readonly unknown[]).includes(x);
}

export function isEventChannel(x: unknown): x is EventChannel {
  return (EVENT_CHANNELS as readonly unknown[]).includes(x);
}
