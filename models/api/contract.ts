/**
 * The one typed API between the app's Node side (main/) and its UI (renderer/).
 *
 * It is served two ways with the same channels and the same validation:
 *  - the Electron shell: the preload exposes `window.vigil` (invoke + on) through contextBridge;
 *  - browser mode: a WebSocket on 127.0.0.1 (see main/host/server.ts), JSON messages.
 *
 * It lives in models/ (pure TypeScript: no Node, no DOM) so main/, the preload and the renderer
 * share its types and its values. Every request argument is validated in main/ with
 * `validateRequest` before it reaches a handler; the value bounds come from the protocol
 * (models/protocol/bounds.ts), as the node checks them.
 */
import { CONFIG_NAME_MAX, HOP_MAX, LEARN_WINDOWS_MAX, LEARN_WINDOWS_MIN, isRangeG, isShaftHz, RANGE_G_VALUES, RAW_DECIMATION_MAX, SHAFT_HZ_MAX, type RangeG } from '../protocol/bounds';
import type { FrameStats } from '../protocol/frame';
import type { AnomalyEvent } from '../protocol/messages';
import { utf8Encode } from '../protocol/utf8';
import type { EventChannel } from './channels';
import { ApiError, type ApiErrorCode } from './errors';
import { MODEL_FILE_MAX_BYTES, OPENED_FILE_ID_RE, OPENED_FILE_MAX_BYTES, type OpenedFileChunk, type OpenedFileNotice } from './files';
import type { NodeCondition } from './condition';
import type { ModelProgress } from './modelUpdate';
import { brokerUrl, filePath, GATEWAY_ID_RE, GATEWAY_PASSWORD_MAX, GATEWAY_PATH_RE, GATEWAY_USER_MAX, SPARKPLUG_ID_RE, type GatewayAdd, type GatewayInfo, type NodeGatewayRef } from './gateway';

export * from './channels';
export * from './errors';
export * from './files';
export * from './condition';
export * from './gateway';
export * from './modelUpdate';

export interface PortInfo {
  path: string;
  manufacturer?: string;
  serialNumber?: string;
  vendorId?: string;
  productId?: string;
  /** True when Vigil itself started this port (a demo node). */
  demo: boolean;
}

/** Frame-layer error counters for one link (see docs/protocol.md, "Receiver rules"), and the session's own. */
export interface LinkStats extends FrameStats {
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

/**
 * How the app reaches the node: a serial port, Bluetooth LE relayed by the renderer (docs/protocol.md
 * 4.2), or a plant gateway's MQTT broker (Sparkplug B, docs/gateway.md; read only from here).
 */
export type LinkKind = 'serial' | 'ble' | 'gateway';

/** Capability names, HELLO INFO bit order (docs/protocol.md 3.1). */
export const CAPABILITIES = ['pair', 'config', 'stream', 'raw', 'time', 'ping', 'log', 'samples-in', 'secure', 'ble', 'model-update'] as const;
export type Capability = (typeof CAPABILITIES)[number];

export type SlotState = 'empty' | 'pending' | 'trying' | 'confirmed' | 'rejected';

/**
 * What detects on the node (HELLO STATE block, FEATURES state; protocol 1.3): a model, its own
 * baseline being learned (learnPercent) or learned, that baseline at a speed it never saw
 * ('unseen-condition': not a fault), or nothing. detectorText (models/api/detector.ts) words it.
 */
export interface DetectorStatus {
  kind: 'none' | 'model' | 'learning' | 'baseline' | 'unseen-condition' | 'unknown';
  learnPercent: number;
  /**
   * The alarm threshold the node states for what detects (protocol 1.4), as a score in the units of
   * the FEATURES anomaly score; null when the node says none applies now (nothing, learning, an
   * unseen condition); absent when the node does not say (firmware before 1.4).
   */
  threshold?: number | null;
}

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
  /**
   * Set when this workstation paired the node before and a HELLO since showed another key: it was
   * re-paired by another workstation (main/node/keys.ts noteHello). Plain words for the Nodes page.
   */
  rePaired?: string;
  sensor: 'none' | 'iis3dwb' | 'unknown';
  rangeG: number;
  stream: StreamSettings;
  modelVersion: number;
  modelSource: 'none' | 'built-in' | 'slot 0' | 'slot 1' | 'unknown';
  slots: { state: SlotState | 'unknown'; seq: number; modelVersion: number }[];
  /** What detects, as of this HELLO (absent from a node before protocol 1.3). */
  detector?: DetectorStatus;
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
  rangeG: RangeG;
  hop: number;
  /** 0 = unknown, else 0.1..1000 Hz. */
  shaftHz: number;
  sendBands: boolean;
  axisCount: number;
  windowLen: number;
  sampleRateHz: number;
  /** Velocity RMS over 2-1000 Hz (ISO 20816, machines below 600 rpm) instead of 10-1000 Hz; absent on firmware without CONFIG key 9. */
  slowMachine?: boolean;
  /**
   * The node's learning period in windows (CONFIG key 10, protocol 1.3). Written, it is the
   * technician's reset: the running model stops and the node learns its machine afresh for that
   * many windows (docs/detection.md §4). Absent on firmware without the key.
   */
  learnWindows?: number;
}
export type NodeConfigChanges = Partial<Pick<NodeConfig, 'name' | 'rangeG' | 'hop' | 'shaftHz' | 'sendBands' | 'slowMachine' | 'learnWindows'>>;

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
  /** The node's alarm, detector and latest levels as main keeps them (absent from an older host). */
  condition?: NodeCondition;
  /** link 'gateway': which gateway the node is reached through (its path is gateway:GROUP/EDGE/DEVICE). */
  gateway?: NodeGatewayRef;
  /** Data that did not arrive, the latest last (at most DATA_LOSS_KEPT), for the technician (absent: none). */
  losses?: DataLoss[];
}

/**
 * Why data did not arrive: 'node-buffer' the node's send buffer was full because the link (or the
 * computer reading it) could not keep up, and the node said so (LOG 7); 'link-lost' the connection
 * was lost meanwhile; 'unknown' the windows are missing and the node reported no drop (damaged or
 * lost on the way).
 */
export type DataLossCause = 'node-buffer' | 'link-lost' | 'unknown';

/** One loss: a burst of missing windows (and raw sample frames), merged while it goes on. */
export interface DataLoss {
  /** Wall clock of the first missing window (from the node's clock), ms since the epoch. */
  atMs: number;
  /** Wall clock when the last missing window of this burst was noticed. */
  untilMs: number;
  /** FEATURES windows missing. */
  windows: number;
  /** Raw input sample frames missing (a raw stream), 0 when none. */
  rawFrames: number;
  cause: DataLossCause;
}

export const DATA_LOSS_KEPT = 5;

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
  /** What detected on this window (absent from a node before protocol 1.3). */
  detector?: DetectorStatus;
  /** Set on the first frame after a reconnect when windows were lost meanwhile. */
  gapReason?: 'link-lost';
}

/** One RAW_BLOCK (docs/protocol.md 3.9). */
export interface RawBlock {
  firstFrame: number;
  axisCount: number;
  decimation: number;
  /** g per count of the node's int16 samples (a power of two for the node's ranges: 2–16 g / 32768). */
  scaleG: number;
  frameCount: number;
  /**
   * The samples in g (the node's int16 count × scaleG, exact in float32 for a power-of-two scale),
   * interleaved by axis: frame k, axis j at k * axisCount + j. Never a JSON array: a typed array over
   * Electron IPC (structured clone), a binary frame over the WebSocket (models/api/rawWire.ts).
   */
  samples: Float32Array;
  /** Set on the first block after a reconnect when frames were lost meanwhile. */
  gapReason?: 'link-lost';
}

export interface RawBatch {
  path: string;
  blocks: RawBlock[];
}

/** EVENT (docs/protocol.md 3.3), forwarded as it arrives. */
export interface NodeEventInfo extends Omit<AnomalyEvent, 'state'> {
  path: string;
  state: 'started' | 'ended';
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

/** The names of the recordings a demo node can replay (their files: main/node/virtualNode.ts). */
export const DEMO_RECORDINGS = ['cwru-normal', 'cwru-inner-race'] as const;
export type DemoRecording = (typeof DEMO_RECORDINGS)[number];

/** What each request channel answers; its arguments are what its rule in REQUESTS below returns. */
export interface ApiResults extends Record<RequestChannel, unknown> {
  'ports.list': PortInfo[];
  'nodes.list': NodeInfo[];
  'nodes.connect': NodeInfo;
  'nodes.disconnect': { ok: true };
  'demo.start': NodeInfo;
  'demo.stop': { ok: true };
  /** Pairs over the cable: main makes a random 256-bit key, keeps it, sends PAIR (docs/protocol.md 3.6). */
  'nodes.pair': NodeInfo;
  'nodes.config.get': NodeConfig;
  'nodes.config.set': NodeConfig;
  'nodes.stream': NodeInfo;
  'nodes.time': TimeSync;
  'nodes.ping': { rttMs: number };
  'nodes.model.deploy': ModelProgress;
  'nodes.model.rollback': ModelProgress;
  'nodes.model.status': ModelProgress | null;
  /** The renderer connected a BLE device's NUS characteristics; main starts (or resumes) its session. */
  'ble.open': NodeInfo;
  /** Bytes the renderer received from the TX characteristic (base64, at most 8192 bytes decoded). */
  'ble.rx': { ok: true };
  /** The GATT connection dropped; the session waits for 'ble.open' with the same device. */
  'ble.closed': { ok: true };
  /** The technician's choice in the app's Bluetooth device picker (Electron); null cancels. */
  'ble.select': { ok: true };
  /** The maintenance report page (models/report/html.ts) printed to PDF by the Electron shell (docs/report.md). */
  'report.pdf': { pdfBase64: string };
  /** The files the app was opened with that the page has not read yet (a page that loaded after 'file.opened'). */
  'files.opened': OpenedFileNotice[];
  /** A piece of an opened file, by its id (never a path), from `offset`. */
  'files.read': OpenedFileChunk;
  /** The gateways' brokers this workstation subscribes to. */
  'gateways.list': GatewayInfo[];
  /** Adds (and keeps, in main's data folder) a gateway's broker; its nodes then come as node.updated with link 'gateway'. */
  'gateways.add': GatewayInfo;
  /** Disconnects and forgets a gateway's broker; its nodes are removed (node.removed). */
  'gateways.remove': { ok: true };
}

/** Events pushed from main/ to the UI. */
export interface ApiEvents extends Record<EventChannel, unknown> {
  'node.updated': NodeInfo;
  'node.removed': { path: string };
  'node.features': FeatureBatch;
  'node.raw': RawBatch;
  'node.event': NodeEventInfo;
  'node.log': NodeLogEntry;
  'node.model': ModelProgress;
  /** Bytes main wants written to a BLE node's RX characteristic (base64). */
  'ble.tx': { path: string; data: string };
  /** Electron found Bluetooth devices for a requestDevice() call: show the picker. */
  'ble.devices': { requestId: string; devices: BleDeviceChoice[] };
  /** The app was opened with a file (checked by main, or refused with the reason): the page reads and opens it. */
  'file.opened': OpenedFileNotice;
  /** A gateway's broker entry changed: its connection state (and reason), its gateways, its nodes, its gap-fill counters. */
  'gateway.updated': GatewayInfo;
  /** A gateway's broker entry was removed (gateways.remove). */
  'gateway.removed': { id: string };
}

/** How both transports answer a request (the preload bridge and the WebSocket host alike). */
export type ApiReply = { ok: true; result: unknown } | { ok: false; error: { code: ApiErrorCode; message: string } };

/** The path of a BLE session: "ble:" + the Web Bluetooth device id. */
export function blePath(deviceId: string): string {
  return `ble:${deviceId}`;
}

// ---- Validation: one rule per request channel ----

type RawArgs = Record<string, unknown>;

/** A request's allowed argument keys, and the function that checks them and returns their typed form. */
interface Rule<A> {
  keys: readonly string[];
  args(a: RawArgs, channel: string): A;
}

const rule = <A>(keys: readonly string[], args: (a: RawArgs, channel: string) => A): Rule<A> => ({ keys, args });

const MAX_PATH_LEN = 256;
const BLE_ID_RE = /^[A-Za-z0-9+/=_-]{1,64}$/;
const MAX_BLE_RX_BYTES = 8192;
/** A report page is a few hundred kB (charts are decimated); far more is not one of ours. */
export const MAX_REPORT_HTML_CHARS = 8 * 1024 * 1024;

/** A whole HTML page as models/report/html.ts writes it: the printer loads nothing else. */
function reportHtml(v: unknown, channel: string): string {
  if (typeof v !== 'string' || v.length > MAX_REPORT_HTML_CHARS || !v.startsWith('<!doctype html>')) {
    throw new ApiError('bad-request', `${channel}: "html" must be a report page (text starting "<!doctype html>", at most ${MAX_REPORT_HTML_CHARS} characters)`);
  }
  return v;
}

function isPlainObject(x: unknown): x is RawArgs {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function onlyKeys(obj: RawArgs, allowed: readonly string[], channel: string): void {
  for (const k of Object.keys(obj)) {
    if (!allowed.includes(k)) throw new ApiError('bad-request', `${channel}: unexpected argument "${k}"`);
  }
}

/** A serial port path, a BLE session path ("ble:<device id>") or a gateway node's ("gateway:GROUP/EDGE/DEVICE"). */
function nodePath(obj: RawArgs, channel: string): string {
  const p = obj.path;
  if (typeof p === 'string' && p.startsWith('ble:')) return blePathArg(obj, channel);
  if (typeof p === 'string' && p.startsWith('gateway:')) {
    if (!GATEWAY_PATH_RE.test(p)) throw new ApiError('bad-request', `${channel}: "path" must be "gateway:" and GROUP/EDGE/DEVICE, each 1 to 64 letters, digits or _ . : -`);
    return p;
  }
  return portPath(obj, channel);
}

function gatewayAdd(a: RawArgs, ch: string): GatewayAdd {
  const out: GatewayAdd = { url: brokerUrl(a.url, ch), group: 'plant' };
  if (a.caPath !== undefined && a.caPath !== '') out.caPath = filePath(a.caPath, ch, 'caPath');
  if (a.username !== undefined && a.username !== '') out.username = text(a.username, ch, 'username', 1, GATEWAY_USER_MAX);
  if (a.password !== undefined && a.password !== '') out.password = text(a.password, ch, 'password', 1, GATEWAY_PASSWORD_MAX);
  if (a.group !== undefined && a.group !== '') {
    if (typeof a.group !== 'string' || !SPARKPLUG_ID_RE.test(a.group)) throw new ApiError('bad-request', `${ch}: "group" must be a Sparkplug group id: 1 to 64 letters, digits or _ . : -`);
    out.group = a.group;
  }
  return out;
}

function blePathArg(obj: RawArgs, channel: string): string {
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
  if (typeof v !== 'string' || v.length < min || utf8Encode(v).length > maxBytes || /[\u0000-\u001f\u007f]/.test(v)) {
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

/** A model file (.vgm) as base64: 48 bytes (its header) to MODEL_FILE_MAX_BYTES. */
function modelFile(v: unknown, channel: string): string {
  const most = Math.ceil(MODEL_FILE_MAX_BYTES / 3) * 4;
  if (typeof v !== 'string' || v.length < 64 || v.length > most || v.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(v)) {
    throw new ApiError('bad-request', `${channel}: "model" must be a model file (.vgm) as base64, 48 to ${MODEL_FILE_MAX_BYTES} bytes`);
  }
  return v;
}

function configChanges(v: unknown, channel: string): NodeConfigChanges {
  if (!isPlainObject(v)) throw new ApiError('bad-request', `${channel}: "changes" must be an object`);
  onlyKeys(v, ['name', 'rangeG', 'hop', 'shaftHz', 'sendBands', 'slowMachine', 'learnWindows'], channel);
  const out: NodeConfigChanges = {};
  if (v.name !== undefined) out.name = text(v.name, channel, 'name', 1, CONFIG_NAME_MAX);
  if (v.rangeG !== undefined) {
    if (!isRangeG(v.rangeG)) throw new ApiError('bad-request', `${channel}: "rangeG" must be ${RANGE_G_VALUES.slice(0, -1).join(', ')} or ${RANGE_G_VALUES.at(-1)}`);
    out.rangeG = v.rangeG;
  }
  if (v.hop !== undefined) out.hop = intIn(v.hop, channel, 'hop', 1, HOP_MAX);
  if (v.shaftHz !== undefined) {
    const f = v.shaftHz;
    if (typeof f !== 'number' || !Number.isFinite(f) || !isShaftHz(f)) {
      throw new ApiError('bad-request', `${channel}: "shaftHz" must be 0 (unknown) or from 0.1 to ${SHAFT_HZ_MAX} Hz`);
    }
    out.shaftHz = f;
  }
  if (v.sendBands !== undefined) out.sendBands = flag(v.sendBands, channel, 'sendBands');
  if (v.slowMachine !== undefined) out.slowMachine = flag(v.slowMachine, channel, 'slowMachine');
  if (v.learnWindows !== undefined) out.learnWindows = intIn(v.learnWindows, channel, 'learnWindows', LEARN_WINDOWS_MIN, LEARN_WINDOWS_MAX);
  if (Object.keys(out).length === 0) throw new ApiError('bad-request', `${channel}: "changes" names nothing to change`);
  return out;
}

function portPath(obj: RawArgs, channel: string): string {
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

const NO_ARGS = rule([], (): Record<string, never> => ({}));
/** A serial port only (connecting, demo nodes). */
const PORT = rule(['path'], (a, ch) => ({ path: portPath(a, ch) }));
/** Any session: a serial port or a BLE path. */
const NODE = rule(['path'], (a, ch) => ({ path: nodePath(a, ch) }));

/** The argument rule of every request channel: the one list of request channels (REQUEST_CHANNELS below). */
const REQUESTS = {
  'ports.list': NO_ARGS,
  'nodes.list': NO_ARGS,
  'nodes.connect': PORT,
  'nodes.disconnect': NODE,
  'demo.start': rule(['recording'], (a, ch): DemoOptions => {
    const rec = a.recording;
    if (rec === undefined) return {};
    if (!(DEMO_RECORDINGS as readonly unknown[]).includes(rec)) throw new ApiError('bad-request', `${ch}: "recording" must be one of ${DEMO_RECORDINGS.join(', ')}`);
    return { recording: rec as DemoRecording };
  }),
  'demo.stop': PORT,
  // Pairing is over the cable only (docs/protocol.md 3.6).
  'nodes.pair': rule(['path', 'name'], (a, ch): { path: string; name?: string } => {
    const path = portPath(a, ch);
    return a.name === undefined ? { path } : { path, name: text(a.name, ch, 'name', 1, CONFIG_NAME_MAX) };
  }),
  'nodes.config.get': NODE,
  'nodes.config.set': rule(['path', 'changes'], (a, ch) => ({ path: nodePath(a, ch), changes: configChanges(a.changes, ch) })),
  'nodes.stream': rule(['path', 'features', 'raw', 'rawDecimation'], (a, ch): { path: string } & StreamSettings => ({
    path: nodePath(a, ch),
    features: flag(a.features, ch, 'features'),
    raw: flag(a.raw, ch, 'raw'),
    rawDecimation: intIn(a.rawDecimation, ch, 'rawDecimation', 1, RAW_DECIMATION_MAX),
  })),
  'nodes.time': NODE,
  'nodes.ping': NODE,
  'nodes.model.deploy': rule(['path', 'model'], (a, ch) => ({ path: nodePath(a, ch), model: modelFile(a.model, ch) })),
  'nodes.model.rollback': rule(['path', 'version'], (a, ch) => ({ path: nodePath(a, ch), version: intIn(a.version, ch, 'version', 1, 0xffffffff) })),
  'nodes.model.status': NODE,
  // The node's name comes from its HELLO, not from what the browser calls the device.
  'ble.open': rule(['deviceId'], (a, ch) => ({ deviceId: bleDeviceId(a.deviceId, ch) })),
  'ble.rx': rule(['path', 'data'], (a, ch) => ({ path: blePathArg(a, ch), data: base64Bytes(a.data, ch) })),
  'ble.closed': rule(['path', 'reason'], (a, ch): { path: string; reason?: string } => {
    const path = blePathArg(a, ch);
    return a.reason === undefined ? { path } : { path, reason: text(a.reason, ch, 'reason', 0, 200) };
  }),
  'ble.select': rule(['requestId', 'deviceId'], (a, ch) => ({
    requestId: text(a.requestId, ch, 'requestId', 1, 64),
    deviceId: a.deviceId === null ? null : bleDeviceId(a.deviceId, ch),
  })),
  'report.pdf': rule(['html'], (a, ch) => ({ html: reportHtml(a.html, ch) })),
  'files.opened': NO_ARGS,
  'files.read': rule(['id', 'offset'], (a, ch) => {
    if (typeof a.id !== 'string' || !OPENED_FILE_ID_RE.test(a.id)) throw new ApiError('bad-request', `${ch}: "id" must be the 32 hex digits of an opened file`);
    return { id: a.id, offset: intIn(a.offset, ch, 'offset', 0, OPENED_FILE_MAX_BYTES.bundle) };
  }),
  'gateways.list': NO_ARGS,
  'gateways.add': rule(['url', 'caPath', 'username', 'password', 'group'], gatewayAdd),
  'gateways.remove': rule(['id'], (a, ch) => {
    if (typeof a.id !== 'string' || !GATEWAY_ID_RE.test(a.id)) throw new ApiError('bad-request', `${ch}: "id" must be the 16 hex digits of a gateway entry`);
    return { id: a.id };
  }),
} satisfies Record<string, Rule<unknown>>;

/** A request channel: a key of the rule table, so a channel without an argument rule cannot exist. */
export type RequestChannel = keyof typeof REQUESTS;
export const REQUEST_CHANNELS = Object.freeze(Object.keys(REQUESTS) as RequestChannel[]);

export function isRequestChannel(x: unknown): x is RequestChannel {
  return typeof x === 'string' && Object.hasOwn(REQUESTS, x);
}

// The type checker's proof that results name no channel without a rule, and events none that channels.ts does not list.
const _noStrayChannel: [Exclude<keyof ApiResults, RequestChannel>, Exclude<keyof ApiEvents, EventChannel>] extends [never, never] ? true : never = true;

export type ArgsOf<C extends RequestChannel> = ReturnType<(typeof REQUESTS)[C]['args']>;
export type ResultOf<C extends RequestChannel> = ApiResults[C];

/** What both transports (preload bridge, WebSocket client) give the UI. */
export interface VigilApi {
  invoke<C extends RequestChannel>(channel: C, args: ArgsOf<C>): Promise<ResultOf<C>>;
  /** Subscribe to an event; returns the unsubscribe function. */
  on<E extends EventChannel>(event: E, listener: (payload: ApiEvents[E]) => void): () => void;
}

/** A checked request: its channel and its arguments in their typed form. */
export type ValidRequest = { [C in RequestChannel]: { channel: C; args: ArgsOf<C> } }[RequestChannel];

/** Checks the arguments of one known channel; returns their typed form or throws ApiError('bad-request'). */
export function validateArgs<C extends RequestChannel>(channel: C, args: unknown): ArgsOf<C> {
  const a = args === undefined ? {} : args;
  if (!isPlainObject(a)) throw new ApiError('bad-request', `${channel}: arguments must be an object`);
  const r: Rule<unknown> = REQUESTS[channel];
  onlyKeys(a, r.keys, channel);
  return r.args(a, channel) as ArgsOf<C>;
}

/**
 * Checks a request's channel and arguments; returns them in their typed form or throws
 * ApiError('bad-request') with a sentence that names the problem.
 */
export function validateRequest(channel: unknown, args: unknown): ValidRequest {
  if (!isRequestChannel(channel)) throw new ApiError('bad-request', `unknown request channel ${JSON.stringify(channel)}`);
  return { channel, args: validateArgs(channel, args) } as ValidRequest;
}
