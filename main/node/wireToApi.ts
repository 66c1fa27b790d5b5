/**
 * The node's wire messages as the app's API shows them (models/api/contract.ts): HELLO, INFO,
 * CONFIG, FEATURES, RAW_BLOCK, EVENT and LOG, and the link counters. Pure functions; the session
 * (session.ts) decides when to call them.
 */
import {
  boardName,
  isNoModelScore,
  STREAM_FEATURES,
  STREAM_RAW,
  uidHex,
  type ConfigValues,
  type Features,
  type FrameStats,
  type Hello,
  type HelloInfo,
  type AnomalyEvent,
  type RawBlockMessage,
  type LogMessage,
} from '../../models/protocol/index';
import {
  CAPABILITIES,
  type Capability,
  type FeatureFrame,
  type LinkStats,
  type NodeConfig,
  type NodeEventInfo,
  type NodeInfo,
  type NodeLinkInfo,
  type NodeLogEntry,
  type RawBlock,
} from '../../models/api/contract';
import { detectorStatus } from '../../models/api/detector';

export type HelloBase = Omit<NonNullable<NodeInfo['hello']>, 'info'>;

/** The counters the session keeps besides the deframer's (the rest of LinkStats). */
export type SessionCounters = Omit<LinkStats, 'bytes' | 'frames' | 'badCobs' | 'badCrc' | 'badLength' | 'badVersion' | 'oversize'>;

export function emptySessionCounters(): SessionCounters {
  return { unknownType: 0, badPayload: 0, missedWindows: 0, rawBlocks: 0, missedRawFrames: 0, retries: 0, failedRequests: 0, nacks: 0, reconnects: 0 };
}

const LOG_LEVELS: NodeLogEntry['level'][] = ['debug', 'info', 'warning', 'error'];
const SLOT_STATES = ['empty', 'pending', 'trying', 'confirmed', 'rejected'] as const;
const MODEL_SOURCES = ['none', 'built-in', 'slot 0', 'slot 1'] as const;
export const CAPABILITY_WORDS: Record<Capability, string> = {
  pair: 'pairing',
  config: 'configuration',
  stream: 'stream settings',
  raw: 'raw samples',
  time: 'time sync',
  ping: 'ping',
  log: 'log messages',
  'samples-in': 'samples from the app',
  secure: 'authenticated commands',
  ble: 'Bluetooth LE',
  'model-update': 'model updates',
};

export function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

export function addStats(a: FrameStats, b: FrameStats): FrameStats {
  const out = { ...a };
  for (const k of Object.keys(b) as (keyof FrameStats)[]) out[k] += b[k];
  return out;
}

export function linkStats(s: FrameStats, counters: SessionCounters): LinkStats {
  return {
    bytes: s.bytes,
    frames: s.frames,
    badCobs: s.badCobs,
    badCrc: s.badCrc,
    badLength: s.badLength,
    badVersion: s.badVersion,
    oversize: s.oversize,
    ...counters,
  };
}

export function helloToApi(h: Hello): HelloBase {
  return {
    uid: uidHex(h.uid),
    name: h.name,
    board: boardName(h.board),
    firmware: `${h.firmware.major}.${h.firmware.minor}.${h.firmware.patch}`,
    protocolVersion: h.protocolVersion,
    axisCount: h.axisCount,
    windowLen: h.windowLen,
    hop: h.hop,
    sampleRateHz: h.sampleRateHz,
    channels: h.channels.length === h.axisCount ? h.channels : Array.from({ length: h.axisCount }, (_, i) => `axis ${i + 1}`),
  };
}

/** The INFO block; `keyKnown` says whether the app holds the key it names. */
export function linkInfoToApi(i: HelloInfo, keyKnown: (keyId: string) => boolean): NodeLinkInfo {
  const keyId = i.paired === 1 ? hex(i.keyId) : '';
  return {
    protocolMinor: i.protocolMinor,
    capabilities: CAPABILITIES.filter((_, bit) => (i.capabilities >>> bit) & 1),
    link: i.link === 1 ? 'ble' : 'wired',
    paired: i.paired === 1,
    keyId,
    keyKnown: keyId !== '' && keyKnown(keyId),
    sensor: i.sensor === 0 ? 'none' : i.sensor === 1 ? 'iis3dwb' : 'unknown',
    rangeG: i.rangeG,
    stream: { features: (i.streamMode & STREAM_FEATURES) !== 0, raw: (i.streamMode & STREAM_RAW) !== 0, rawDecimation: i.rawDecimation },
    modelVersion: i.modelVersion,
    modelSource: MODEL_SOURCES[i.modelSource] ?? 'unknown',
    slots: i.slots.map((s) => ({ state: SLOT_STATES[s.state] ?? 'unknown', seq: s.seq, modelVersion: s.modelVersion })),
    ...(i.state ? { detector: detectorStatus(i.state.detector, i.state.learnPercent, i.state.threshold) } : {}),
  };
}

/** CONFIG entries as read; what the node left out comes from its HELLO and INFO. */
export function configToApi(values: ConfigValues, h: HelloBase, wire: HelloInfo | undefined): NodeConfig {
  const rg = values.rangeG ?? wire?.rangeG ?? 16;
  return {
    name: values.name ?? h.name,
    rangeG: ([2, 4, 8, 16].includes(rg) ? rg : 16) as NodeConfig['rangeG'],
    hop: values.hop ?? h.hop,
    shaftHz: values.shaftHz ?? 0,
    sendBands: values.sendBands ?? false,
    axisCount: values.axisCount ?? h.axisCount,
    windowLen: values.windowLen ?? h.windowLen,
    sampleRateHz: values.sampleRateHz ?? h.sampleRateHz,
    ...(values.slowMachine !== undefined ? { slowMachine: values.slowMachine } : {}),
    ...(values.learnWindows !== undefined ? { learnWindows: values.learnWindows } : {}),
  };
}

export function featuresToApi(m: Features): FeatureFrame {
  const out: FeatureFrame = { windowIndex: m.windowIndex, tUs: m.tUs, shaftHz: m.shaftHz, rmsG: m.rms };
  const F = m.fieldsPerAxis;
  if (F >= 2) out.peakG = m.values.map((v) => v[1]);
  if (F >= 3) out.crest = m.values.map((v) => v[2]);
  if (F >= 4) out.kurtosis = m.values.map((v) => v[3]);
  if (F >= 5) out.velocityMmS = m.values.map((v) => v[4]);
  if (m.anomalyScore !== undefined) out.anomalyScore = isNoModelScore(m.anomalyScore) ? null : m.anomalyScore;
  if (m.logBands && m.logBands.length > 0 && m.logBands[0].length > 0) out.logBands = m.logBands;
  if (m.state) out.detector = detectorStatus(m.state.detector, m.state.learnPercent, m.state.threshold);
  return out;
}

/** The API's raw block: the int16 counts scaled to g once here, as float32 (docs/architecture.md, "Raw samples on the wire"). */
export function rawToApi(b: RawBlockMessage): RawBlock {
  const samples = new Float32Array(b.samples.length);
  for (let i = 0; i < samples.length; i++) samples[i] = b.samples[i] * b.scaleG;
  return {
    firstFrame: b.firstFrame,
    axisCount: b.axisCount,
    decimation: b.decimation,
    scaleG: b.scaleG,
    frameCount: b.frameCount,
    samples,
  };
}

export function eventToApi(path: string, e: AnomalyEvent): NodeEventInfo {
  return {
    path,
    eventId: e.eventId,
    state: e.state === 1 ? 'started' : 'ended',
    debounceK: e.debounceK,
    debounceN: e.debounceN,
    startWindow: e.startWindow,
    endWindow: e.endWindow,
    startTUs: e.startTUs,
    endTUs: e.endTUs,
    peakScore: e.peakScore,
    threshold: e.threshold,
    modelVersion: e.modelVersion,
  };
}

export function logToApi(path: string, l: LogMessage, atMs: number): NodeLogEntry {
  return { path, level: LOG_LEVELS[l.level] ?? 'info', code: l.code, text: l.text, atMs };
}
