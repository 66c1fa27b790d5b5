/**
 * The API's event channel names (main to the renderer), and nothing else. Request channels have no
 * list of their own: models/api/contract.ts derives them from its table of argument rules. The
 * type checker refuses an event that ApiEvents (contract.ts) names but this list does not.
 */

export const EVENT_CHANNELS = ['node.updated', 'node.removed', 'node.features', 'node.raw', 'node.event', 'node.log', 'node.model', 'ble.tx', 'ble.devices', 'file.opened', 'gateway.updated', 'gateway.removed'] as const;
export type EventChannel = (typeof EVENT_CHANNELS)[number];


export function isEventChannel(x: unknown): x is EventChannel {
  return (EVENT_CHANNELS as readonly unknown[]).includes(x);
}
