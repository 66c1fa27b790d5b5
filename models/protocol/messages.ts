/**
 * Message payloads of protocol version 1: HELLO_REQ, HELLO (with the 1.1 INFO block), FEATURES
 * (with its appended anomaly score and band energies), EVENT, SAMPLES_IN. The other 1.1 messages
 * are in linkMessages.ts.
 * Spec: docs/protocol.md section 3. The C twin is firmware/src/proto/msg.c.
 *
 * Decoders follow the extension rule: they read the fields they know, ignore trailing bytes, and
 * throw PayloadError (never anything else) when a payload is shorter than its known minimum.
 */

import { utf8Decode, utf8Encode } from './utf8';

export const MSG_HELLO_REQ = 0x01;
export const MSG_HELLO = 0x02;
export const MSG_FEATURES = 0x10;
export const MSG_EVENT = 0x11;
export const MSG_SAMPLES_IN = 0x13;

export const BOARD_NAMES = ['host', 'qemu', 'stm32f405'] as const;
export type BoardName = (typeof BOARD_NAMES)[number] | 'unknown';

export const HELLO_MIN_LEN = 28;
/** HELLO INFO block (protocol 1.1, section 3.1): appended after the channel list, all or nothing. */
export const HELLO_INFO_LEN = 46;
/** The node's detector state (HELLO STATE block and FEATURES state, protocol 1.3): 2 bytes. */
export const STATE_LEN = 2;
/** Protocol 1.4 appends the threshold (f32) to that state: 6 bytes in all. */
export const STATE_THRESHOLD_LEN = 4;
export const DETECTOR_NONE = 0;
export const DETECTOR_MODEL = 1;
export const DETECTOR_LEARNING = 2;
export const DETECTOR_BASELINE = 3;
export const DETECTOR_UNSEEN = 4;

/** What detects on the node (section 3.1, 3.2): none, a model, or its own baseline. */
export interface DetectorState {
  /** DETECTOR_*: 0 none, 1 model, 2 learning its baseline, 3 its learned baseline, 4 that baseline at a speed it never saw. */
  detector: number;
  /** Learning progress 0..100 (100 once learned). */
  learnPercent: number;
  /**
   * Protocol 1.4: the alarm threshold of what detects, as a score (FEATURES anomaly_score's units);
   * negative (−1) or NaN when none applies now. Absent from a 1.3 node.
   */
  threshold?: number;
}
export const SLOT_STATE_EMPTY = 0;
export const SLOT_STATE_PENDING = 1;
export const SLOT_STATE_TRYING = 2;
export const SLOT_STATE_CONFIRMED = 3;
export const SLOT_STATE_REJECTED = 4;
export const MODEL_SOURCE_NONE = 0;
export const MODEL_SOURCE_BUILTIN = 1;
export const MODEL_SOURCE_SLOT0 = 2;
export const MODEL_SOURCE_SLOT1 = 3;
export const LINK_WIRED = 0;
export const LINK_BLE = 1;
export const SENSOR_NONE = 0;
export const SENSOR_IIS3DWB = 1;
export const HELLO_MAX_NAME = 32;
export const HELLO_MAX_CHANNELS = 64;
export const FEATURES_HEADER_LEN = 18;
/** Names of the per-axis FEATURES fields this decoder knows, in wire order. */
export const FEATURE_FIELDS = ['rms', 'peak', 'crest', 'kurtosis', 'velocityRmsMmS'] as const;
export type FeatureField = (typeof FEATURE_FIELDS)[number];
/** FEATURES trailer (section 3.2): anomaly score (4) + band count (1), then the band energies. */
export const FEATURES_TRAILER_MIN = 5;
export const FEATURES_BANDS_MAX = 64;
/** The anomaly score a node sends when it runs no model (protocol 1.2; a 1.1 node sends NaN). */
export const FEATURES_NO_MODEL_SCORE = -1;

/** True when a FEATURES anomaly score says "no model runs": a score is never negative, and a 1.1
 * node sent NaN (section 3.2). */
export function isNoModelScore(score: number): boolean {
  return Number.isNaN(score) || score < 0;
}
export const EVENT_LEN = 44;
export const SAMPLES_IN_HEADER_LEN = 8;
export const SAMPLES_FORMAT_F32 = 0;

export class PayloadError extends Error {}

export interface Hello {
  protocolVersion: number;
  firmware: { major: number; minor: number; patch: number };
  /** 12 bytes. */
  uid: Uint8Array;
  board: number;
  axisCount: number;
  windowLen: number;
  hop: number;
  sampleRateHz: number;
  name: string;
  /** One name per axis (may be empty when the node sent none). */
  channels: string[];
  /** The INFO block of a 1.1+ node; absent from a 1.0 node's HELLO (protocol minor 0). */
  info?: HelloInfo;
}

/** One model store slot as HELLO INFO reports it. */
export interface HelloSlot {
  /** SLOT_STATE_*: 0 empty, 1 pending, 2 trying, 3 confirmed, 4 rejected. */
  state: number;
  /** Sequence number of the slot (u32). */
  seq: number;
  /** Model version in the slot (u32), 0 if unknown. */
  modelVersion: number;
}

/** HELLO INFO block (section 3.1, protocol 1.1). */
export interface HelloInfo {
  protocolMinor: number;
  /** CAP_* bit set (u32). */
  capabilities: number;
  /** LINK_WIRED (0) or LINK_BLE (1): the link this HELLO travels on. */
  link: number;
  /** 0 unpaired, 1 paired. */
  paired: number;
  /** First 4 bytes of SHA-256(key); zero when unpaired. */
  keyId: Uint8Array;
  /** This link's current SECURE nonce (8 bytes). */
  linkNonce: Uint8Array;
  /** SENSOR_NONE (0) or SENSOR_IIS3DWB (1). */
  sensor: number;
  rangeG: number;
  streamMode: number;
  rawDecimation: number;
  modelVersion: number;
  /** MODEL_SOURCE_*. */
  modelSource: number;
  /** Exactly two slots. */
  slots: HelloSlot[];
  /** The STATE block after INFO (protocol 1.3); absent from a 1.2 node. */
  state?: DetectorState;
}

export interface Features {
  windowIndex: number;
  /** Microseconds; a Number is exact up to 2^53 us (285 years of uptime). */
  tUs: number;
  shaftHz: number;
  axisCount: number;
  fieldsPerAxis: number;
  /** rms[axis], in g. */
  rms: number[];
  /** Every per-axis field as sent, values[axis][field], in FEATURE_FIELDS order (more may follow). */
  values: number[][];
  /** The known fields per axis, by name (absent when the node did not send that field). */
  axes: Partial<Record<FeatureField, number>>[];
  /** Mean squared reconstruction error of this window; FEATURES_NO_MODEL_SCORE (a 1.1 node: NaN)
   * when the node runs no model (isNoModelScore); undefined when the payload has no trailer
   * (firmware older than the anomaly score). */
  anomalyScore?: number;
  /** log10 band energies (g^2) per axis, logBands[axis][band]; undefined or empty when not sent. */
  logBands?: number[][];
  /** The node's detector state after the band energies (protocol 1.3); absent from older nodes. */
  state?: DetectorState;
}

/** EVENT (section 3.3): an anomaly that started or ended. */
export interface AnomalyEvent {
  eventId: number;
  /** 1 = started, 0 = ended. */
  state: number;
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

/** SAMPLES_IN (section 3.4): sensor samples for a node without a sensor (QEMU, host boards). */
export interface SamplesIn {
  /** Index of the first frame since the stream started; 0 starts a new stream. */
  firstFrame: number;
  axisCount: number;
  format: number;
  /** Interleaved frames (x0 y0 z0 x1 ...), float32, g. */
  samples: Float32Array;
}


export function boardName(board: number): BoardName {
  return BOARD_NAMES[board] ?? 'unknown';
}

export function uidHex(uid: Uint8Array): string {
  let s = '';
  for (const b of uid) s += b.toString(16).padStart(2, '0');
  return s;
}

export function decodeHello(p: Uint8Array): Hello {
  if (p.length < HELLO_MIN_LEN) throw new PayloadError(`HELLO payload is ${p.length} bytes, shorter than ${HELLO_MIN_LEN}`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const nameLen = p[26];
  if (nameLen > HELLO_MAX_NAME) throw new PayloadError(`HELLO name length ${nameLen} exceeds ${HELLO_MAX_NAME}`);
  const chanLenAt = 27 + nameLen;
  if (p.length < chanLenAt + 1) throw new PayloadError('HELLO payload ends inside the node name');
  const chanLen = p[chanLenAt];
  if (chanLen > HELLO_MAX_CHANNELS) throw new PayloadError(`HELLO channel list length ${chanLen} exceeds ${HELLO_MAX_CHANNELS}`);
  if (p.length < chanLenAt + 1 + chanLen) throw new PayloadError('HELLO payload ends inside the channel list');
  const axisCount = p[17];
  if (axisCount < 1 || axisCount > 3) throw new PayloadError(`HELLO axis count ${axisCount} is not 1 to 3`);
  const channelsText = utf8Decode(p.subarray(chanLenAt + 1, chanLenAt + 1 + chanLen));
  const infoAt = chanLenAt + 1 + chanLen;
  const out: Hello = {
    protocolVersion: p[0],
    firmware: { major: p[1], minor: p[2], patch: p[3] },
    uid: p.slice(4, 16),
    board: p[16],
    axisCount,
    windowLen: dv.getUint16(18, true),
    hop: dv.getUint16(20, true),
    sampleRateHz: dv.getUint32(22, true),
    name: utf8Decode(p.subarray(27, 27 + nameLen)),
    channels: channelsText.length === 0 ? [] : channelsText.split(','),
  };
  // The INFO block is all or nothing: none (a 1.0 node), or all 46 bytes (more may follow).
  if (p.length > infoAt) {
    if (p.length < infoAt + HELLO_INFO_LEN) throw new PayloadError(`HELLO ends inside its INFO block (${p.length - infoAt} of ${HELLO_INFO_LEN} bytes)`);
    out.info = decodeHelloInfo(dv, infoAt);
    // The STATE block (1.3, threshold 1.4) after INFO is all or nothing too.
    const stateAt = infoAt + HELLO_INFO_LEN;
    if (p.length > stateAt) out.info.state = decodeState(p, dv, stateAt, 'HELLO ends inside its STATE block');
  }
  return out;
}

function decodeHelloInfo(dv: DataView, at: number): HelloInfo {
  const u8 = (o: number) => dv.getUint8(at + o);
  const u32 = (o: number) => dv.getUint32(at + o, true);
  const bytesAt = (o: number, n: number) => new Uint8Array(dv.buffer.slice(dv.byteOffset + at + o, dv.byteOffset + at + o + n));
  const slot = (o: number): HelloSlot => ({ state: u8(o), seq: u32(o + 1), modelVersion: u32(o + 5) });
  return {
    protocolMinor: u8(0),
    capabilities: u32(1),
    link: u8(5),
    paired: u8(6),
    keyId: bytesAt(7, 4),
    linkNonce: bytesAt(11, 8),
    sensor: u8(19),
    rangeG: u8(20),
    streamMode: u8(21),
    rawDecimation: u8(22),
    modelVersion: u32(23),
    modelSource: u8(27),
    slots: [slot(28), slot(37)],
  };
}

/** The state from `at` on: 1.3 (2 bytes) or 1.4 (6 bytes, with the threshold); all or nothing. */
function decodeState(p: Uint8Array, dv: DataView, at: number, cut: string): DetectorState {
  const left = p.length - at;
  if (left < STATE_LEN || (left > STATE_LEN && left < STATE_LEN + STATE_THRESHOLD_LEN)) throw new PayloadError(cut);
  const st: DetectorState = { detector: p[at], learnPercent: p[at + 1] };
  if (left > STATE_LEN) st.threshold = dv.getFloat32(at + STATE_LEN, true);
  return st;
}

/** Bytes the state takes on the wire: 2 (1.3) or 6 (1.4, with the threshold). */
function stateLen(st: DetectorState): number {
  return STATE_LEN + (st.threshold === undefined ? 0 : STATE_THRESHOLD_LEN);
}

function encodeState(st: DetectorState, p: Uint8Array, at: number): void {
  checkByte('detector', st.detector);
  if (!Number.isInteger(st.learnPercent) || st.learnPercent < 0 || st.learnPercent > 100) throw new PayloadError(`learn_percent ${st.learnPercent} is not 0 to 100`);
  p[at] = st.detector;
  p[at + 1] = st.learnPercent;
  if (st.threshold !== undefined) new DataView(p.buffer, p.byteOffset, p.byteLength).setFloat32(at + STATE_LEN, st.threshold, true);
}

function checkByte(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xff) throw new PayloadError(`${what} ${v} is not a byte`);
}
function checkU32(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new PayloadError(`${what} ${v} is not a u32`);
}

function encodeHelloInfo(info: HelloInfo, dv: DataView, at: number): void {
  if (info.keyId.length !== 4) throw new PayloadError('HELLO INFO key_id must be 4 bytes');
  if (info.linkNonce.length !== 8) throw new PayloadError('HELLO INFO link_nonce must be 8 bytes');
  if (info.slots.length !== 2) throw new PayloadError('HELLO INFO carries exactly 2 slots');
  const bytes = { protocolMinor: 0, link: 5, paired: 6, sensor: 19, rangeG: 20, streamMode: 21, rawDecimation: 22, modelSource: 27 } as const;
  for (const [k, o] of Object.entries(bytes)) {
    const v = info[k as keyof typeof bytes];
    checkByte(`HELLO INFO ${k}`, v);
    dv.setUint8(at + o, v);
  }
  checkU32('HELLO INFO capabilities', info.capabilities);
  checkU32('HELLO INFO model_version', info.modelVersion);
  dv.setUint32(at + 1, info.capabilities, true);
  dv.setUint32(at + 23, info.modelVersion, true);
  for (let i = 0; i < 4; i++) dv.setUint8(at + 7 + i, info.keyId[i]);
  for (let i = 0; i < 8; i++) dv.setUint8(at + 11 + i, info.linkNonce[i]);
  info.slots.forEach((s, i) => {
    const o = at + 28 + 9 * i;
    checkByte('HELLO INFO slot state', s.state);
    checkU32('HELLO INFO slot seq', s.seq);
    checkU32('HELLO INFO slot model_version', s.modelVersion);
    dv.setUint8(o, s.state);
    dv.setUint32(o + 1, s.seq, true);
    dv.setUint32(o + 5, s.modelVersion, true);
  });
}

export function encodeHello(h: Omit<Hello, 'channels'> & { channels: string[] }): Uint8Array {
  const name = utf8Encode(h.name);
  const channels = utf8Encode(h.channels.join(','));
  if (name.length > HELLO_MAX_NAME) throw new PayloadError(`node name is ${name.length} bytes, more than ${HELLO_MAX_NAME}`);
  if (channels.length > HELLO_MAX_CHANNELS) throw new PayloadError(`channel list is ${channels.length} bytes, more than ${HELLO_MAX_CHANNELS}`);
  if (h.uid.length !== 12) throw new PayloadError('node uid must be 12 bytes');
  const p = new Uint8Array(HELLO_MIN_LEN + name.length + channels.length + (h.info ? HELLO_INFO_LEN + (h.info.state ? stateLen(h.info.state) : 0) : 0));
  const dv = new DataView(p.buffer);
  p[0] = h.protocolVersion;
  p[1] = h.firmware.major;
  p[2] = h.firmware.minor;
  p[3] = h.firmware.patch;
  p.set(h.uid, 4);
  p[16] = h.board;
  p[17] = h.axisCount;
  dv.setUint16(18, h.windowLen, true);
  dv.setUint16(20, h.hop, true);
  dv.setUint32(22, h.sampleRateHz, true);
  p[26] = name.length;
  p.set(name, 27);
  p[27 + name.length] = channels.length;
  p.set(channels, 28 + name.length);
  if (h.info) {
    const at = HELLO_MIN_LEN + name.length + channels.length;
    encodeHelloInfo(h.info, dv, at);
    if (h.info.state) encodeState(h.info.state, p, at + HELLO_INFO_LEN);
  }
  return p;
}

export function decodeFeatures(p: Uint8Array): Features {
  if (p.length < FEATURES_HEADER_LEN) {
    throw new PayloadError(`FEATURES payload is ${p.length} bytes, shorter than ${FEATURES_HEADER_LEN}`);
  }
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const axisCount = p[16];
  const fieldsPerAxis = p[17];
  if (axisCount < 1 || axisCount > 3) throw new PayloadError(`FEATURES axis count ${axisCount} is not 1 to 3`);
  if (fieldsPerAxis < 1) throw new PayloadError('FEATURES carries no field per axis');
  const need = FEATURES_HEADER_LEN + 4 * axisCount * fieldsPerAxis;
  if (p.length < need) throw new PayloadError(`FEATURES payload is ${p.length} bytes, ${need} expected`);
  // One pass, no closures: this runs for every window of every node (bench: frames).
  const values: number[][] = new Array(axisCount);
  const rms: number[] = new Array(axisCount);
  const axes: Partial<Record<FeatureField, number>>[] = new Array(axisCount);
  const known = Math.min(fieldsPerAxis, FEATURE_FIELDS.length);
  for (let a = 0; a < axisCount; a++) {
    const row: number[] = new Array(fieldsPerAxis);
    const base = FEATURES_HEADER_LEN + 4 * a * fieldsPerAxis;
    for (let k = 0; k < fieldsPerAxis; k++) row[k] = dv.getFloat32(base + 4 * k, true);
    // Fixed object shape (fast in V8); fields the node did not send are left out.
    const o: Partial<Record<FeatureField, number>> =
      known === FEATURE_FIELDS.length ? { rms: row[0], peak: row[1], crest: row[2], kurtosis: row[3], velocityRmsMmS: row[4] } : {};
    if (known < FEATURE_FIELDS.length) for (let k = 0; k < known; k++) o[FEATURE_FIELDS[k]] = row[k];
    values[a] = row;
    rms[a] = row[0];
    axes[a] = o;
  }
  const lo = dv.getUint32(4, true);
  const hi = dv.getUint32(8, true);
  const out: Features = {
    windowIndex: dv.getUint32(0, true),
    tUs: hi * 4294967296 + lo,
    shaftHz: dv.getFloat32(12, true),
    axisCount,
    fieldsPerAxis,
    rms,
    values,
    axes,
  };
  // The trailer is all or nothing: no byte after the values (older nodes), or score + band block.
  if (p.length > need) {
    if (p.length < need + FEATURES_TRAILER_MIN) throw new PayloadError('FEATURES trailer is cut short');
    const bandCount = p[need + 4];
    if (bandCount > FEATURES_BANDS_MAX) throw new PayloadError(`FEATURES band count ${bandCount} exceeds ${FEATURES_BANDS_MAX}`);
    const bandsAt = need + FEATURES_TRAILER_MIN;
    if (p.length < bandsAt + 4 * axisCount * bandCount) throw new PayloadError('FEATURES ends inside the band energies');
    out.anomalyScore = dv.getFloat32(need, true);
    out.logBands = [];
    for (let a = 0; a < axisCount; a++) {
      const row: number[] = [];
      for (let b = 0; b < bandCount; b++) row.push(dv.getFloat32(bandsAt + 4 * (a * bandCount + b), true));
      out.logBands.push(row);
    }
    // The state (1.3, threshold 1.4) after the bands: all or nothing.
    const stateAt = bandsAt + 4 * axisCount * bandCount;
    if (p.length > stateAt) out.state = decodeState(p, dv, stateAt, 'FEATURES ends inside its state');
  }
  return out;
}

/**
 * Encodes FEATURES with `values[axis][field]` (every axis the same number of fields). With
 * `anomalyScore` (NaN for "no model") the trailer follows, with `logBands[axis][band]` when given.
 */
export function encodeFeatures(f: {
  windowIndex: number;
  tUs: number;
  shaftHz: number;
  values: number[][];
  anomalyScore?: number;
  logBands?: number[][];
  state?: DetectorState;
}): Uint8Array {
  const axisCount = f.values.length;
  const fields = axisCount > 0 ? f.values[0].length : 0;
  if (axisCount < 1 || axisCount > 3) throw new PayloadError('FEATURES needs 1 to 3 axes');
  if (fields < 1 || f.values.some((v) => v.length !== fields)) throw new PayloadError('FEATURES needs the same field count (>= 1) on every axis');
  const bands = f.logBands ?? [];
  const bandCount = bands.length > 0 ? bands[0].length : 0;
  if (f.anomalyScore === undefined && f.logBands !== undefined) throw new PayloadError('FEATURES band energies need the anomaly score field before them');
  if (f.logBands !== undefined && (bands.length !== axisCount || bands.some((b) => b.length !== bandCount))) {
    throw new PayloadError('FEATURES needs the same band count on every axis');
  }
  if (bandCount > FEATURES_BANDS_MAX) throw new PayloadError(`FEATURES carries at most ${FEATURES_BANDS_MAX} bands`);
  if (f.state !== undefined && f.anomalyScore === undefined) throw new PayloadError('FEATURES state needs the anomaly score field before it');
  const valuesEnd = FEATURES_HEADER_LEN + 4 * axisCount * fields;
  const trailer = f.anomalyScore === undefined ? 0 : FEATURES_TRAILER_MIN + 4 * axisCount * bandCount + (f.state ? stateLen(f.state) : 0);
  const p = new Uint8Array(valuesEnd + trailer);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, f.windowIndex >>> 0, true);
  dv.setUint32(4, f.tUs % 4294967296, true);
  dv.setUint32(8, Math.floor(f.tUs / 4294967296), true);
  dv.setFloat32(12, f.shaftHz, true);
  p[16] = axisCount;
  p[17] = fields;
  for (let a = 0; a < axisCount; a++) {
    for (let k = 0; k < fields; k++) dv.setFloat32(FEATURES_HEADER_LEN + 4 * (a * fields + k), f.values[a][k], true);
  }
  if (f.anomalyScore !== undefined) {
    dv.setFloat32(valuesEnd, f.anomalyScore, true);
    p[valuesEnd + 4] = bandCount;
    for (let a = 0; a < axisCount; a++) {
      for (let b = 0; b < bandCount; b++) dv.setFloat32(valuesEnd + FEATURES_TRAILER_MIN + 4 * (a * bandCount + b), bands[a][b], true);
    }
    if (f.state) encodeState(f.state, p, valuesEnd + FEATURES_TRAILER_MIN + 4 * axisCount * bandCount);
  }
  return p;
}

export function decodeEvent(p: Uint8Array): AnomalyEvent {
  if (p.length < EVENT_LEN) throw new PayloadError(`EVENT payload is ${p.length} bytes, shorter than ${EVENT_LEN}`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const u64 = (o: number) => dv.getUint32(o + 4, true) * 4294967296 + dv.getUint32(o, true);
  const state = p[4];
  if (state > 1) throw new PayloadError(`EVENT state ${state} is not 0 (ended) or 1 (started)`);
  return {
    eventId: dv.getUint32(0, true),
    state,
    debounceK: p[5],
    debounceN: p[6],
    startWindow: dv.getUint32(8, true),
    endWindow: dv.getUint32(12, true),
    startTUs: u64(16),
    endTUs: u64(24),
    peakScore: dv.getFloat32(32, true),
    threshold: dv.getFloat32(36, true),
    modelVersion: dv.getUint32(40, true),
  };
}

export function encodeEvent(e: AnomalyEvent): Uint8Array {
  if (e.state !== 0 && e.state !== 1) throw new PayloadError('EVENT state must be 0 (ended) or 1 (started)');
  const p = new Uint8Array(EVENT_LEN);
  const dv = new DataView(p.buffer);
  const u64 = (o: number, v: number) => {
    dv.setUint32(o, v % 4294967296, true);
    dv.setUint32(o + 4, Math.floor(v / 4294967296), true);
  };
  dv.setUint32(0, e.eventId >>> 0, true);
  p[4] = e.state;
  p[5] = e.debounceK;
  p[6] = e.debounceN;
  dv.setUint32(8, e.startWindow >>> 0, true);
  dv.setUint32(12, e.endWindow >>> 0, true);
  u64(16, e.startTUs);
  u64(24, e.endTUs);
  dv.setFloat32(32, e.peakScore, true);
  dv.setFloat32(36, e.threshold, true);
  dv.setUint32(40, e.modelVersion >>> 0, true);
  return p;
}

/** Frames per SAMPLES_IN that fit MAX_PAYLOAD (1024 bytes) for a number of axes. */
export function samplesInMaxFrames(axisCount: number): number {
  return Math.floor((1024 - SAMPLES_IN_HEADER_LEN) / (4 * axisCount));
}

export function decodeSamplesIn(p: Uint8Array): SamplesIn {
  if (p.length < SAMPLES_IN_HEADER_LEN) throw new PayloadError(`SAMPLES_IN payload is ${p.length} bytes, shorter than ${SAMPLES_IN_HEADER_LEN}`);
  const dv = new DataView(p.buffer, p.byteOffset, p.byteLength);
  const axisCount = p[4];
  const format = p[5];
  const frames = dv.getUint16(6, true);
  if (axisCount < 1 || axisCount > 3) throw new PayloadError(`SAMPLES_IN axis count ${axisCount} is not 1 to 3`);
  if (format !== SAMPLES_FORMAT_F32) throw new PayloadError(`SAMPLES_IN format ${format} is unknown`);
  const need = SAMPLES_IN_HEADER_LEN + 4 * axisCount * frames;
  if (p.length < need) throw new PayloadError(`SAMPLES_IN payload is ${p.length} bytes, ${need} expected`);
  const samples = new Float32Array(axisCount * frames);
  for (let i = 0; i < samples.length; i++) samples[i] = dv.getFloat32(SAMPLES_IN_HEADER_LEN + 4 * i, true);
  return { firstFrame: dv.getUint32(0, true), axisCount, format, samples };
}

export function encodeSamplesIn(m: { firstFrame: number; axisCount: number; samples: ArrayLike<number> }): Uint8Array {
  const { axisCount } = m;
  if (axisCount < 1 || axisCount > 3) throw new PayloadError('SAMPLES_IN needs 1 to 3 axes');
  if (m.samples.length % axisCount !== 0) throw new PayloadError('SAMPLES_IN needs whole frames');
  const frames = m.samples.length / axisCount;
  if (frames > samplesInMaxFrames(axisCount)) throw new PayloadError(`SAMPLES_IN carries at most ${samplesInMaxFrames(axisCount)} frames of ${axisCount} axes`);
  const p = new Uint8Array(SAMPLES_IN_HEADER_LEN + 4 * m.samples.length);
  const dv = new DataView(p.buffer);
  dv.setUint32(0, m.firstFrame >>> 0, true);
  p[4] = axisCount;
  p[5] = SAMPLES_FORMAT_F32;
  dv.setUint16(6, frames, true);
  for (let i = 0; i < m.samples.length; i++) dv.setFloat32(SAMPLES_IN_HEADER_LEN + 4 * i, m.samples[i], true);
  return p;
}
