/**
 * The one typed API between the app's Node side (main/) and its UI (renderer/).
 *
 * It is served two ways with the same channels and the same validation:
 *  - the Electron shell: the preload exposes `window.vigil` (invoke + on) through contextBridge;
 *  - browser mode: a WebSocket on 127.0.0.1 (see main/host/server.ts), JSON messages.
 *
 * This file is pure TypeScript (no Node, no DOM) so the renderer may import its types and the
 * validators may run anywhere. Every request argument is validated in main/ with `validateRequest`
 * before it reaches a handler.
 */

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** True when Vigil itself started this port (a demo node). */
  demo: boolean;
}

/** Frame-layer error counters for one link (see docs/protocol.md, "Receiver rules"). */
export interface LinkStats {
  bytes: number;
  frames: number;
  badCobs: number;
  badCrc: number;
  badLength: number;
  badVersion: number;
  oversize: number;
  unknownType: number;
  badPayload: number;
  /** FEATURES windows missing between consecutive frames (window_index jumps). */
  missedWindows: number;
}

export type NodeStatus = 'connecting' | 'online' | 'offline' | 'error';

export interface NodeInfo {
  /** Session key: the port path the node is connected on. */
  path: string;
  status: NodeStatus;
  /** Plain-words reason when status is 'error' or 'offline'. */
  message?: string;
  demo: boolean;
  /** From the node's HELLO; absent until it arrives. */
  hello?: {
    uid: string; // 24 hex digits
    name: string;
    board: 'host' | 'qemu' | 'stm32f405' | 'unknown';
    firmware: string; // "major.minor.patch"
    protocolVersion: number;
    axisCount: number;
    windowLen: number;
    hop: number;
    sampleRateHz: number;
    channels: string[];
  };
  stats: LinkStats;
}

/** One FEATURES frame as the UI sees it. */
export interface FeatureFrame {
  windowIndex: number;
  /** Node time of the window's last sample, microseconds (sample clock). */
  tUs: number;
  /** Shaft speed in Hz, 0 when unknown. */
  shaftHz: number;
  /** Mean-removed RMS per axis, g. */
  rmsG: number[];
}

/** Features are pushed in small batches (about every 100 ms) rather than one event per window. */
export interface FeatureBatch {
  path: string;
  frames: FeatureFrame[];
}

export interface DemoOptions {
  /** Which shipped recording the demo node replays. */
  recording?: DemoRecording;
}

export const DEMO_RECORDINGS = ['cwru-normal', 'cwru-inner-race'] as const;
export type DemoRecording = (typeof DEMO_RECORDINGS)[number];

/** Request channels: name -> argument and result types. */
export interface ApiRequests {
  'ports.list': { args: Record<string, never>; result: PortInfo[] };
  'nodes.list': { args: Record<string, never>; result: NodeInfo[] };
  'nodes.connect': { args: { path: string }; result: NodeInfo };
  'nodes.disconnect': { args: { path: string }; result: { ok: true } };
  'demo.start': { args: DemoOptions; result: NodeInfo };
  'demo.stop': { args: { path: string }; result: { ok: true } };
}

/** Events pushed from main/ to the UI. */
export interface ApiEvents {
  'node.updated': NodeInfo;
  'node.removed': { path: string };
  'node.features': FeatureBatch;
}

export type RequestChannel = keyof ApiRequests;
export type EventChannel = keyof ApiEvents;
export type ArgsOf<C extends RequestChannel> = ApiRequests[C]['args'];
export type ResultOf<C extends RequestChannel> = ApiRequests[C]['result'];

export const REQUEST_CHANNELS: readonly RequestChannel[] = [
  'ports.list',
  'nodes.list',
  'nodes.connect',
  'nodes.disconnect',
  'demo.start',
  'demo.stop',
];
export const EVENT_CHANNELS: readonly EventChannel[] = ['node.updated', 'node.removed', 'node.features'];

/** What both transports (preload bridge, WebSocket client) give the UI. */
export interface VigilApi {
  invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** An error a technician can read; `code` lets the UI choose how to show it. */
export class ApiError extends Error {
  constructor(
    public readonly code: 'bad-request' | 'not-found' | 'port-busy' | 'port-failed' | 'timeout' | 'internal',
    message: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export function isRequestChannel(x: unknown): x is RequestChannel {
  return typeof x === 'string' && (REQUEST_CHANNELS as readonly string[]).includes(x);
}

const MAX_PATH_LEN = 256;

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(obj: Record<string, unknown>, allowed: string[], channel: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ApiError('bad-request', `${channel}: unexpected argument "${k}"`);
  }
}

function portPath(obj: Record<string, unknown>, channel: string): string {
  const p = obj.path;
  if (typeof p !== 'string' || p.length === 0 || p.length > MAX_PATH_LEN) {
    throw new ApiError('bad-request', `${channel}: "path" must be a port path of 1 to ${MAX_PATH_LEN} characters`);
  }
  // Serial ports are device paths (/dev/ttyUSB0, /dev/pts/3, COM4). Refuse anything else early.
  if (!/^(\/dev\/[A-Za-z0-9._\-/]+|COM[0-9]{1,3}|\\\\\.\\COM[0-9]{1,3})$/.test(p) || p.includes('..')) {
    throw new ApiError('bad-request', `${channel}: "${p}" is not a serial port path`);
  }
  return p;
}

/**
 * Checks a request's channel and arguments; returns the arguments in their typed form or throws
 * ApiError('bad-request') with a sentence that names the problem.
 */
export function validateRequest<C extends RequestChannel>(channel: unknown, args: unknown): { channel: C; args: ArgsOf<C> } {
  if (!isRequestChannel(channel)) throw new ApiError('bad-request', `unknown request channel ${JSON.stringify(channel)}`);
  const a = args === undefined ? {} : args;
  if (!isPlainObject(a)) throw new ApiError('bad-request', `${channel}: arguments must be an object`);
  switch (channel) {
    case 'ports.list':
    case 'nodes.list':
      onlyKeys(a, [], channel);
      return { channel: channel as C, args: {} as ArgsOf<C> };
    case 'nodes.connect':
    case 'nodes.disconnect':
    case 'demo.stop':
      onlyKeys(a, ['path'], channel);
      return { channel: channel as C, args: { path: portPath(a, channel) } as ArgsOf<C> };
    case 'demo.start': {
      onlyKeys(a, ['recording'], channel);
      const rec = a.recording;
      if (rec !== undefined && !(typeof rec === 'string' && (DEMO_RECORDINGS as readonly string[]).includes(rec))) {
        throw new ApiError('bad-request', `demo.start: "recording" must be one of ${DEMO_RECORDINGS.join(', ')}`);
      }
      return { channel: channel as C, args: (rec === undefined ? {} : { recording: rec }) as ArgsOf<C> };
    }
  }
}
