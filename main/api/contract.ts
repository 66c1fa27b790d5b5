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
  /** RAW_BLOCK frames received, and input sample frames missing between blocks (first_frame jumps). */
  rawBlocks: number;
  missedRawFrames: number;
  /** Requests sent again after a timeout, requests that failed after every attempt, NACKs received. */
  retries: number;
  failedRequests: number;
  nacks: number;
  /** Times the link was lost and came back. */
  reconnects: number;
}

/** 'reconnecting': the link was lost unexpectedly and the session is waiting for it to return. */
export type NodeStatus = 'connecting' | 'online' | 'reconnecting' | 'offline' | 'error';

/** How the app reaches the node: a serial port, or Bluetooth LE relayed by the renderer (docs/protocol.md 4.2). */
export type LinkKind = 'serial' | 'ble';

/** Capability names, HELLO INFO bit order (docs/protocol.md 3.1). */
export const CAPABILITIES = ['pair', 'config', 'stream', 'raw', 'time', 'ping', 'log', 'samples-in', 'secure', 'ble', 'model-update'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type SlotState = 'empty' | 'pending' | 'trying' | 'confirmed' | 'rejected';

/** The HELLO INFO block (protocol 1.1), as the UI sees it. Absent for a 1.0 node. */
export interface NodeLinkInfo {
  protocolMinor: number;
  capabilities: Capability[];
  /** The node's side of this link. */
  link: 'wired' | 'ble';
  paired: boolean;
  /** First 4 bytes of SHA-256(key), 8 hex digits; '' when unpaired. */
  keyId: string;
  /** The app holds the key whose key_id this is (it can send SECURE commands). */
  keyKnown: boolean;
  sensor: 'none' | 'iis3dwb' | 'unknown';
  rangeG: number;
  stream: StreamSettings;
  modelVersion: number;
  modelSource: 'none' | 'built-in' | 'slot 0' | 'slot 1' | 'unknown';
  slots: { state: SlotState | 'unknown'; seq: number; modelVersion: number }[];
}

/** STREAM (docs/protocol.md 3.8) for one link. */
export interface StreamSettings {
  features: boolean;
  raw: boolean;
  /** 1..64: each raw sample is the mean of this many input frames. */
  rawDecimation: number;
}

/** The node's CONFIG keys (docs/protocol.md 3.7). */
export interface NodeConfig {
  name: string;
  rangeG: 2 | 4 | 8 | 16;
  hop: number;
  /** 0 = unknown, else 0.1..1000 Hz. */
  shaftHz: number;
  sendBands: boolean;
  axisCount: number;
  windowLen: number;
  sampleRateHz: number;
}
export type NodeConfigChanges = Partial<Pick<NodeConfig, 'name' | 'rangeG' | 'hop' | 'shaftHz' | 'sendBands'>>;

/** Node clock to wall clock (TIME, docs/protocol.md 3.10): wall ms of a window = (tUs + offsetUs) / 1000. */
export interface TimeSync {
  offsetUs: number;
  rttUs: number;
  /** Wall time of the sync, ms since the Unix epoch. */
  atMs: number;
}

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
    /** Protocol 1.1 INFO block; absent for a 1.0 node. */
    info?: NodeLinkInfo;
  };
  /** The transport this session runs on. */
  link: LinkKind;
  /** The node's configuration, once read (CONFIG_GET after the handshake, when the node has it). */
  config?: NodeConfig;
  /** The stream settings the app asked for on this link; re-applied after every reconnect. */
  stream?: StreamSettings;
  time?: TimeSync;
  /** While status is 'reconnecting': attempts so far and when the link was lost (ms since epoch). */
  reconnect?: { attempts: number; sinceMs: number };
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
  /** The other FEATURES fields per axis, when the node sends them (docs/protocol.md 3.2). */
  peakG?: number[];
  crest?: number[];
  kurtosis?: number[];
  velocityMmS?: number[];
  /** Anomaly score; null when the node runs no model (NaN on the wire), absent from a 1.0 node. */
  anomalyScore?: number | null;
  /** log10 band energies per axis, logBands[axis][band], when the node sends them (send_bands): the model's input. */
  logBands?: number[][];
  /** Set on the first frame after a reconnect when windows were lost meanwhile. */
  gapReason?: 'link-lost';
}

/** One RAW_BLOCK (docs/protocol.md 3.9). */
export interface RawBlock {
  firstFrame: number;
  axisCount: number;
  decimation: number;
  scaleG: number;
  frameCount: number;
  /** int16 counts, interleaved by axis; g = count * scaleG. */
  samples: number[];
  /** Set on the first block after a reconnect when frames were lost meanwhile. */
  gapReason?: 'link-lost';
}

export interface RawBatch {
  path: string;
  blocks: RawBlock[];
}

/** EVENT (docs/protocol.md 3.3), forwarded as it arrives. */
export interface NodeEventInfo {
  path: string;
  eventId: number;
  state: 'started' | 'ended';
  debounceK: number;
  debounceN: number;
  startWindow: number;
  endWindow: number;
  startTUs: number;
  endTUs: number;
  peakScore: number;
  threshold: number;
  modelVersion: number;
}

/** LOG (docs/protocol.md 3.12). */
export interface NodeLogEntry {
  path: string;
  level: 'debug' | 'info' | 'warning' | 'error';
  code: number;
  text: string;
  atMs: number;
}

/** A Bluetooth LE device offered by Electron's select-bluetooth-device (the app's device picker). */
export interface BleDeviceChoice {
  deviceId: string;
  name: string;
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
  /** Pairs over the cable: main makes a random 256-bit key, keeps it, sends PAIR (docs/protocol.md 3.6). */
  'nodes.pair': { args: { path: string; name?: string }; result: NodeInfo };
  'nodes.config.get': { args: { path: string }; result: NodeConfig };
  'nodes.config.set': { args: { path: string; changes: NodeConfigChanges }; result: NodeConfig };
  'nodes.stream': { args: { path: string } & StreamSettings; result: NodeInfo };
  'nodes.time': { args: { path: string }; result: TimeSync };
  'nodes.ping': { args: { path: string }; result: { rttMs: number } };
  /** The renderer connected a BLE device's NUS characteristics; main starts (or resumes) its session. */
  'ble.open': { args: { deviceId: string; name: string }; result: NodeInfo };
  /** Bytes the renderer received from the TX characteristic (base64, at most 8192 bytes decoded). */
  'ble.rx': { args: { path: string; data: string }; result: { ok: true } };
  /** The GATT connection dropped; the session waits for 'ble.open' with the same device. */
  'ble.closed': { args: { path: string; reason?: string }; result: { ok: true } };
  /** The technician's choice in the app's Bluetooth device picker (Electron); null cancels. */
  'ble.select': { args: { requestId: string; deviceId: string | null }; result: { ok: true } };
}

/** Events pushed from main/ to the UI. */
export interface ApiEvents {
  'node.updated': NodeInfo;
  'node.removed': { path: string };
  'node.features': FeatureBatch;
  'node.raw': RawBatch;
  'node.event': NodeEventInfo;
  'node.log': NodeLogEntry;
  /** Bytes main wants written to a BLE node's RX characteristic (base64). */
  'ble.tx': { path: string; data: string };
  /** Electron found Bluetooth devices for a requestDevice() call: show the picker. */
  'ble.devices': { requestId: string; devices: BleDeviceChoice[] };
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
  'nodes.pair',
  'nodes.config.get',
  'nodes.config.set',
  'nodes.stream',
  'nodes.time',
  'nodes.ping',
  'ble.open',
  'ble.rx',
  'ble.closed',
  'ble.select',
];
export const EVENT_CHANNELS: readonly EventChannel[] = [
  'node.updated',
  'node.removed',
  'node.features',
  'node.raw',
  'node.event',
  'node.log',
  'ble.tx',
  'ble.devices',
];

/** The path of a BLE session: "ble:" + the Web Bluetooth device id. */
export function blePath(deviceId: string): string {
  return `ble:${deviceId}`;
}

/** What both transports (preload bridge, WebSocket client) give the UI. */
export interface VigilApi {
  invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** An error a technician can read; `code` lets the UI choose how to show it. */
export class ApiError extends Error {
  constructor(
    /** 'refused': the node answered NACK (the message gives its reason in plain words);
     * 'unsupported': the node's firmware does not offer this (its HELLO capabilities). */
    public readonly code: 'bad-request' | 'not-found' | 'port-busy' | 'port-failed' | 'timeout' | 'refused' | 'unsupported' | 'internal',
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

const BLE_ID_RE = /^[A-Za-z0-9+/=_-]{1,64}$/;
const MAX_BLE_RX_BYTES = 8192;

/** A serial port path or a BLE session path ("ble:<device id>"). */
function nodePath(obj: Record<string, unknown>, channel: string): string {
  const p = obj.path;
  if (typeof p === 'string' && p.startsWith('ble:')) return blePathArg(obj, channel);
  return portPath(obj, channel);
}

function blePathArg(obj: Record<string, unknown>, channel: string): string {
  const p = obj.path;
  if (typeof p !== 'string' || !p.startsWith('ble:') || !BLE_ID_RE.test(p.slice(4))) {
    throw new ApiError('bad-request', `${channel}: "path" must be "ble:" and a Bluetooth device id of 1 to 64 letters, digits or +/=_-`);
  }
  return p;
}

function bleDeviceId(v: unknown, channel: string): string {
  if (typeof v !== 'string' || !BLE_ID_RE.test(v)) {
    throw new ApiError('bad-request', `${channel}: "deviceId" must be a Bluetooth device id of 1 to 64 letters, digits or +/=_-`);
  }
  return v;
}

function text(v: unknown, channel: string, key: string, min: number, maxBytes: number): string {
  if (typeof v !== 'string' || v.length < min || new TextEncoder().encode(v).length > maxBytes || /[\u0000-\u001f\u007f]/.test(v)) {
    throw new ApiError('bad-request', `${channel}: "${key}" must be text of ${min} to ${maxBytes} bytes without control characters`);
  }
  return v;
}

function flag(v: unknown, channel: string, key: string): boolean {
  if (typeof v !== 'boolean') throw new ApiError('bad-request', `${channel}: "${key}" must be true or false`);
  return v;
}

function intIn(v: unknown, channel: string, key: string, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < lo || v > hi) {
    throw new ApiError('bad-request', `${channel}: "${key}" must be a whole number from ${lo} to ${hi}`);
  }
  return v;
}

function base64Bytes(v: unknown, channel: string): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > Math.ceil(MAX_BLE_RX_BYTES / 3) * 4 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v) || v.length % 4 !== 0) {
    throw new ApiError('bad-request', `${channel}: "data" must be base64 of 1 to ${MAX_BLE_RX_BYTES} bytes`);
  }
  return v;
}

function configChanges(v: unknown, channel: string): NodeConfigChanges {
  if (!isPlainObject(v)) throw new ApiError('bad-request', `${channel}: "changes" must be an object`);
  onlyKeys(v, ['name', 'rangeG', 'hop', 'shaftHz', 'sendBands'], channel);
  const out: NodeConfigChanges = {};
  if (v.name !== undefined) out.name = text(v.name, channel, 'name', 1, 32);
  if (v.rangeG !== undefined) {
    if (![2, 4, 8, 16].includes(v.rangeG as number)) throw new ApiError('bad-request', `${channel}: "rangeG" must be 2, 4, 8 or 16`);
    out.rangeG = v.rangeG as NodeConfig['rangeG'];
  }
  if (v.hop !== undefined) out.hop = intIn(v.hop, channel, 'hop', 1, 65535);
  if (v.shaftHz !== undefined) {
    const f = v.shaftHz;
    if (typeof f !== 'number' || !Number.isFinite(f) || !(f === 0 || (f >= 0.1 && f <= 1000))) {
      throw new ApiError('bad-request', `${channel}: "shaftHz" must be 0 (unknown) or from 0.1 to 1000 Hz`);
    }
    out.shaftHz = f;
  }
  if (v.sendBands !== undefined) out.sendBands = flag(v.sendBands, channel, 'sendBands');
  if (Object.keys(out).length === 0) throw new ApiError('bad-request', `${channel}: "changes" names nothing to change`);
  return out;
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
    case 'demo.stop':
      onlyKeys(a, ['path'], channel);
      return { channel: channel as C, args: { path: portPath(a, channel) } as ArgsOf<C> };
    case 'nodes.disconnect':
    case 'nodes.config.get':
    case 'nodes.time':
    case 'nodes.ping':
      onlyKeys(a, ['path'], channel);
      return { channel: channel as C, args: { path: nodePath(a, channel) } as ArgsOf<C> };
    case 'nodes.pair': {
      onlyKeys(a, ['path', 'name'], channel);
      const path = portPath(a, channel); // pairing is over the cable only (docs/protocol.md 3.6)
      return { channel: channel as C, args: (a.name === undefined ? { path } : { path, name: text(a.name, channel, 'name', 1, 32) }) as ArgsOf<C> };
    }
    case 'nodes.config.set':
      onlyKeys(a, ['path', 'changes'], channel);
      return { channel: channel as C, args: { path: nodePath(a, channel), changes: configChanges(a.changes, channel) } as ArgsOf<C> };
    case 'nodes.stream':
      onlyKeys(a, ['path', 'features', 'raw', 'rawDecimation'], channel);
      return {
        channel: channel as C,
        args: {
          path: nodePath(a, channel),
          features: flag(a.features, channel, 'features'),
          raw: flag(a.raw, channel, 'raw'),
          rawDecimation: intIn(a.rawDecimation, channel, 'rawDecimation', 1, 64),
        } as ArgsOf<C>,
      };
    case 'ble.open':
      onlyKeys(a, ['deviceId', 'name'], channel);
      return { channel: channel as C, args: { deviceId: bleDeviceId(a.deviceId, channel), name: text(a.name ?? '', channel, 'name', 0, 64) } as ArgsOf<C> };
    case 'ble.rx':
      onlyKeys(a, ['path', 'data'], channel);
      return { channel: channel as C, args: { path: blePathArg(a, channel), data: base64Bytes(a.data, channel) } as ArgsOf<C> };
    case 'ble.closed':
      onlyKeys(a, ['path', 'reason'], channel);
      return {
        channel: channel as C,
        args: (a.reason === undefined ? { path: blePathArg(a, channel) } : { path: blePathArg(a, channel), reason: text(a.reason, channel, 'reason', 0, 200) }) as ArgsOf<C>,
      };
    case 'ble.select': {
      onlyKeys(a, ['requestId', 'deviceId'], channel);
      const requestId = text(a.requestId, channel, 'requestId', 1, 64);
      const deviceId = a.deviceId === null ? null : bleDeviceId(a.deviceId, channel);
      return { channel: channel as C, args: { requestId, deviceId } as ArgsOf<C> };
    }
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
