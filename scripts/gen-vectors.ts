/**
 * Generates the golden vectors shared by the TypeScript and C tests:
 *   test/vectors/frames.json        read by the Vitest tests
 *   test/vectors/frames_vectors.h   the same vectors as C arrays, read by the cmocka tests
 * Run: npm run vectors. `npm test` fails when the committed files differ from what this prints
 * (test/protocol/vectors.test.ts), so the two renderings cannot drift apart.
 *
 * The expected outcomes of the error streams are stated by hand below and checked against the TS
 * Deframer at generation time; the C deframer is then held to the same numbers.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { concatBytes } from '../test/helpers/bytes';
import {
  CAP_BLE,
  CAP_CONFIG,
  CAP_LOG,
  CAP_PAIR,
  CAP_PING,
  CAP_RAW_BLOCK,
  CAP_SAMPLES_IN,
  CAP_SECURE,
  CAP_STREAM,
  CAP_TIME,
  checkConfigSet,
  CONFIG_KEY_AXIS_COUNT,
  CONFIG_KEY_HOP,
  CONFIG_KEY_LEARN_WINDOWS,
  CONFIG_KEY_NAME,
  CONFIG_KEY_RANGE_G,
  CONFIG_KEY_SAMPLE_RATE_HZ,
  CONFIG_KEY_SEND_BANDS,
  CONFIG_KEY_SLOW_MACHINE,
  CONFIG_KEY_SHAFT_HZ,
  CONFIG_KEY_WINDOW_LEN,
  configToEntries,
  decodeMessage,
  DETECTOR_BASELINE,
  DETECTOR_LEARNING,
  DETECTOR_MODEL,
  DETECTOR_UNSEEN,
  type DetectorState,
  encodeAck,
  encodeConfigEntries,
  encodeLog,
  encodeNack,
  encodePair,
  encodePing,
  encodeRawBlock,
  encodeSecure,
  encodeStream,
  encodeTime,
  encodeTimeReq,
  entriesToConfig,
  isUnpairKey,
  keyId,
  LINK_BLE,
  LINK_WIRED,
  LOG_CODE_AUTH_FAILURE,
  LOG_CODE_BOOT,
  LOG_CODE_CONFIG_CHANGED,
  LOG_CODE_FRAMES_DROPPED,
  LOG_DEBUG,
  LOG_ERROR,
  LOG_INFO,
  LOG_WARNING,
  MODEL_SOURCE_BUILTIN,
  MODEL_SOURCE_NONE,
  MODEL_SOURCE_SLOT1,
  MSG_ACK,
  MSG_CONFIG,
  MSG_CONFIG_GET,
  MSG_CONFIG_SET,
  MSG_LOG,
  MSG_NACK,
  MSG_PAIR,
  MSG_PING,
  MSG_PONG,
  MSG_RAW_BLOCK,
  MSG_SECURE,
  MSG_STREAM,
  MSG_TIME,
  MSG_TIME_REQ,
  NACK_AUTH_FAILED,
  NACK_AUTH_REQUIRED,
  NACK_BAD_PAYLOAD,
  NACK_NOT_PAIRED,
  NACK_OUT_OF_RANGE,
  NACK_READ_ONLY,
  NACK_REPLAY,
  NACK_STORAGE,
  NACK_UNKNOWN_KEY,
  NACK_UNKNOWN_TYPE,
  NACK_UNSUPPORTED,
  NACK_WIRED_ONLY,
  nackReasonText,
  PayloadError,
  PayloadRangeError,
  quantizeRawSample,
  rawScaleG,
  secureMacInput,
  SENSOR_IIS3DWB,
  SENSOR_NONE,
  SLOT_STATE_CONFIRMED,
  SLOT_STATE_PENDING,
  SLOT_STATE_REJECTED,
  SLOT_STATE_TRYING,
  STREAM_FEATURES,
  STREAM_RAW,
  type HelloInfo,
  cobsEncode,
  crc32,
  Deframer,
  encodeEvent,
  encodeFeatures,
  encodeFrame,
  encodeHello,
  encodeSamplesIn,
  MSG_EVENT,
  MSG_FEATURES,
  MSG_SAMPLES_IN,
  MSG_HELLO,
  MSG_HELLO_REQ,
  utf8Encode,
  type Frame,
  type FrameStats,
} from '../models/protocol/index';
import {
  BAND_TABLES_PATH,
  buildDspVectors,
  HEADER_PATH as DSP_HEADER_PATH,
  JSON_PATH as DSP_JSON_PATH,
  renderBandTables,
  renderDspHeader,
  renderDspJson,
} from './gen-dsp-vectors';
import { generatorStamp, OUT_ROOT } from './generated';

export const GENERATOR = generatorStamp(import.meta.url);

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const concat = (...parts: Uint8Array[]): Uint8Array => concatBytes(parts);

/** Deterministic byte source (xorshift32) so vectors never change between runs. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x & 0xff;
  };
}
const rand = prng(0x5eed1234);
const nonZero = (n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (rand() % 255) + 1;
  return b;
};
const anyBytes = (n: number): Uint8Array => {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rand();
  return b;
};

/** A raw (unencoded) frame with full control over every field, for building broken frames. */
function rawFrame(version: number, type: number, seq: number, payload: Uint8Array, lenField = payload.length, crcXor = 0): Uint8Array {
  const raw = new Uint8Array(6 + payload.length + 4);
  const dv = new DataView(raw.buffer);
  raw[0] = version;
  raw[1] = type;
  dv.setUint16(2, seq, true);
  dv.setUint16(4, lenField, true);
  raw.set(payload, 6);
  dv.setUint32(6 + payload.length, (crc32(raw, 0, 6 + payload.length) ^ crcXor) >>> 0, true);
  return raw;
}
const wireOf = (raw: Uint8Array): Uint8Array => concat(cobsEncode(raw), bytes(0));

export function buildVectors() {
  const crcCases = [
    { name: 'empty', data: new Uint8Array(0) },
    { name: 'check_123456789', data: utf8Encode('123456789') },
    { name: 'single_zero', data: bytes(0) },
    { name: 'all_byte_values', data: Uint8Array.from({ length: 256 }, (_, i) => i) },
    { name: 'random_1024', data: anyBytes(1024) },
  ].map((c) => ({ ...c, crc: crc32(c.data) }));

  const cobsCases = [
    { name: 'empty', decoded: new Uint8Array(0) },
    { name: 'one_zero', decoded: bytes(0x00) },
    { name: 'two_zeros', decoded: bytes(0x00, 0x00) },
    { name: 'zero_inside', decoded: bytes(0x11, 0x22, 0x00, 0x33) },
    { name: 'no_zero', decoded: bytes(0x11, 0x22, 0x33, 0x44) },
    { name: 'trailing_zeros', decoded: bytes(0x11, 0x00, 0x00, 0x00) },
    { name: 'run_253', decoded: nonZero(253) },
    { name: 'run_254', decoded: nonZero(254) },
    { name: 'run_255', decoded: nonZero(255) },
    { name: 'run_254_then_zero', decoded: concat(nonZero(254), bytes(0)) },
    { name: 'mixed_600', decoded: anyBytes(600) },
  ].map((c) => ({ ...c, encoded: cobsEncode(c.decoded) }));

  const helloCases = [
    {
      vec: 'demo_cwru_2axis',
      protocolVersion: 1,
      firmware: { major: 0, minor: 1, patch: 0 },
      uid: Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]),
      board: 0,
      axisCount: 2,
      windowLen: 1024,
      hop: 512,
      sampleRateHz: 48000,
      name: 'virtual-node',
      channels: ['DE_accel', 'FE_accel'],
    },
    {
      vec: 'stm32_3axis_utf8_name',
      protocolVersion: 1,
      firmware: { major: 1, minor: 2, patch: 255 },
      uid: Uint8Array.from([0x30, 0x00, 0x2a, 0x00, 0x0b, 0x51, 0x33, 0x31, 0x37, 0x36, 0x39, 0x38]),
      board: 2,
      axisCount: 3,
      windowLen: 4096,
      hop: 1024,
      sampleRateHz: 26667,
      name: 'bomba-3 (cojinete ñ)',
      channels: ['X', 'Y', 'Z'],
    },
    {
      vec: 'no_strings',
      protocolVersion: 1,
      firmware: { major: 0, minor: 0, patch: 1 },
      uid: new Uint8Array(12),
      board: 1,
      axisCount: 1,
      windowLen: 256,
      hop: 256,
      sampleRateHz: 25600,
      name: '',
      channels: [],
    },
  ].map((h) => ({ ...h, payload: encodeHello(h) }));

  const f = Math.fround;
  const featureCases = [
    { name: 'two_axes_rms', windowIndex: 0, tUs: 21333, shaftHz: 0, values: [[f(0.0625)], [f(0.1)]] },
    { name: 'three_axes_large_time', windowIndex: 0xffffffff, tUs: 5_000_000_123, shaftHz: f(29.95), values: [[f(1.5)], [f(0.000123)], [f(3.25)]] },
    { name: 'future_fields_ignored', windowIndex: 7, tUs: 96000, shaftHz: 0, values: [[f(0.5), f(9.0), f(-1)], [f(0.25), f(2.0), f(7)]] },
  ].map((c) => ({ ...c, payload: encodeFeatures(c) }));

  const frameCases = [
    { name: 'hello_req', type: MSG_HELLO_REQ, seq: 0, payload: new Uint8Array(0) },
    { name: 'hello', type: MSG_HELLO, seq: 0x1234, payload: helloCases[0].payload },
    { name: 'features', type: MSG_FEATURES, seq: 0xffff, payload: featureCases[1].payload },
    { name: 'payload_with_zeros', type: 0x7e, seq: 1, payload: bytes(0, 0, 1, 0, 2, 0) },
    { name: 'max_payload', type: 0x11, seq: 42, payload: anyBytes(1024) },
  ].map((c) => ({ ...c, wire: encodeFrame(c.type, c.seq, c.payload) }));

  const good = (seq: number) => encodeFrame(MSG_HELLO_REQ, seq);
  type Expect = Omit<FrameStats, 'bytes'> & { seqs: number[]; types: number[] };
  const streamCases: { name: string; wire: Uint8Array; expect: Expect }[] = [
    {
      name: 'flush_and_empty_frames',
      wire: concat(bytes(0, 0, 0), good(1), bytes(0, 0), good(2)),
      expect: { frames: 2, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, types: [1, 1], seqs: [1, 2] },
    },
    {
      name: 'garbage_then_frame',
      // Starts mid-frame: the receiver joined late. 05 11 22 claims 4 data bytes but has 2.
      wire: concat(bytes(0x05, 0x11, 0x22, 0x00), good(3)),
      expect: { frames: 1, badCobs: 1, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0, types: [1], seqs: [3] },
    },
    {
      name: 'bad_crc',
      wire: concat(wireOf(rawFrame(1, MSG_FEATURES, 9, featureCases[0].payload, undefined, 0x00010000)), good(4)),
      expect: { frames: 1, badCobs: 0, badCrc: 1, badLength: 0, badVersion: 0, oversize: 0, types: [1], seqs: [4] },
    },
    {
      name: 'too_short_and_length_mismatch',
      wire: concat(wireOf(bytes(1, 2, 3)), wireOf(rawFrame(1, MSG_HELLO, 5, bytes(1, 2, 3, 4), 3)), good(5)),
      expect: { frames: 1, badCobs: 0, badCrc: 0, badLength: 2, badVersion: 0, oversize: 0, types: [1], seqs: [5] },
    },
    {
      name: 'bad_version',
      wire: concat(wireOf(rawFrame(2, MSG_HELLO, 6, bytes(9, 9))), good(6)),
      expect: { frames: 1, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 1, oversize: 0, types: [1], seqs: [6] },
    },
    {
      name: 'oversize',
      wire: concat(nonZero(1100), bytes(0), good(7)),
      expect: { frames: 1, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 1, types: [1], seqs: [7] },
    },
    {
      name: 'decoded_longer_than_max',
      // 1026-byte payload: decodes to 1036 bytes (> 1034) yet encodes in 1037 (< 1039) thanks to zeros.
      wire: concat(wireOf(rawFrame(1, 0x11, 8, concat(...Array.from({ length: 6 }, () => concat(nonZero(170), bytes(0))), nonZero(0)).subarray(0, 1026))), good(8)),
      expect: { frames: 1, badCobs: 0, badCrc: 0, badLength: 1, badVersion: 0, oversize: 0, types: [1], seqs: [8] },
    },
    {
      name: 'mixed_stream',
      wire: concat(
        anyBytes(37).map((b) => b || 1),
        bytes(0),
        frameCases[1].wire,
        wireOf(rawFrame(1, MSG_FEATURES, 10, featureCases[2].payload, undefined, 1)),
        frameCases[2].wire,
        nonZero(2000),
        bytes(0),
        frameCases[4].wire,
      ),
      expect: { frames: 3, badCobs: 1, badCrc: 1, badLength: 0, badVersion: 0, oversize: 1, types: [MSG_HELLO, MSG_FEATURES, 0x11], seqs: [0x1234, 0xffff, 42] },
    },
  ];

  // Hold the TS deframer to the hand-stated outcomes before writing anything.
  for (const s of streamCases) {
    const got: Frame[] = [];
    const d = new Deframer((fr) => got.push(fr));
    d.push(s.wire);
    const { bytes: _b, ...stats } = d.stats;
    const actual = { ...stats, types: got.map((g) => g.type), seqs: got.map((g) => g.seq) };
    if (JSON.stringify(actual) !== JSON.stringify(s.expect)) {
      throw new Error(`stream vector ${s.name}: deframer gave ${JSON.stringify(actual)}, expected ${JSON.stringify(s.expect)}`);
    }
  }

  // ---- Appended by the firmware issue (FEATURES trailer, EVENT, SAMPLES_IN). Everything above is
  // unchanged, and nothing below draws from `rand`, so the earlier vectors stay byte-identical. ----
  const featureExtCases = [
    {
      name: 'two_axes_five_fields_score_bands',
      windowIndex: 12,
      tUs: 149333,
      shaftHz: 0,
      values: [
        [f(0.0625), f(0.31), f(4.96), f(3.1), f(1.25)],
        [f(0.1), f(0.42), f(4.2), f(2.9), f(0.875)],
      ],
      anomalyScore: f(0.0123),
      logBands: [
        [f(-7.5), f(-6.25), f(-5.125)],
        [f(-8), f(-6.5), f(-4.75)],
      ],
    },
    { name: 'no_model_nan_score_no_bands', windowIndex: 0, tUs: 38398, shaftHz: 0, values: [[f(1), f(2), f(2), f(1.5), f(10)]], anomalyScore: NaN, logBands: [[]] },
    {
      name: 'three_axes_32_bands',
      windowIndex: 99,
      tUs: 1921000,
      shaftHz: f(29.95),
      values: [0, 1, 2].map((a) => [f(0.01 * (a + 1)), f(0.05), f(5), f(3), f(0.5 * a)]),
      anomalyScore: f(1.5),
      logBands: [0, 1, 2].map((a) => Array.from({ length: 32 }, (_, b) => f(-9 + a + b / 8))),
    },
  ].map((c) => ({ ...c, payload: encodeFeatures(c) }));

  const eventCases = [
    { name: 'started', eventId: 0, state: 1, debounceK: 3, debounceN: 5, startWindow: 40, endWindow: 42, startTUs: 448000, endTUs: 469333, peakScore: f(0.75), threshold: f(0.05), modelVersion: 1 },
    { name: 'ended_large_times', eventId: 0xfffffffe, state: 0, debounceK: 1, debounceN: 1, startWindow: 0xfffffff0, endWindow: 0xffffffff, startTUs: 2 ** 40 + 5, endTUs: 2 ** 41 + 7, peakScore: f(12.5), threshold: f(0.5), modelVersion: 0xabcdef01 },
  ].map((c) => ({ ...c, payload: encodeEvent(c) }));

  const samplesInCases = [
    { name: 'two_axes_three_frames', firstFrame: 0, axisCount: 2, samples: [0.053196923, 0.14566727, 0.088661538, 0.097796364, -0.25, 1].map(f) },
    { name: 'three_axes_max_frames', firstFrame: 123456, axisCount: 3, samples: Array.from({ length: 3 * 84 }, (_, i) => f(Math.sin(i) * (1 + (i % 3)))) },
  ].map((c) => ({ ...c, payload: encodeSamplesIn(c) }));

  const frameExtCases = [
    { name: 'features_trailer', type: MSG_FEATURES, seq: 7, payload: featureExtCases[0].payload },
    { name: 'event', type: MSG_EVENT, seq: 0x100, payload: eventCases[0].payload },
    { name: 'samples_in', type: MSG_SAMPLES_IN, seq: 3, payload: samplesInCases[1].payload },
  ].map((c) => ({ ...c, wire: encodeFrame(c.type, c.seq, c.payload) }));

  return { crcCases, cobsCases, helloCases, featureCases, frameCases, streamCases, featureExtCases, eventCases, samplesInCases, frameExtCases, link: buildLinkVectors() };
}

export function renderJson(v: ReturnType<typeof buildVectors>): string {
  const out = {
    generator: GENERATOR,
    spec: 'docs/protocol.md',
    crc32: v.crcCases.map((c) => ({ name: c.name, data: hex(c.data), crc: c.crc })),
    cobs: v.cobsCases.map((c) => ({ name: c.name, decoded: hex(c.decoded), encoded: hex(c.encoded) })),
    frames: v.frameCases.map((c) => ({ name: c.name, type: c.type, seq: c.seq, payload: hex(c.payload), wire: hex(c.wire) })),
    hello: v.helloCases.map((h) => ({
      name: h.vec,
      protocolVersion: h.protocolVersion,
      firmware: h.firmware,
      uid: hex(h.uid),
      board: h.board,
      axisCount: h.axisCount,
      windowLen: h.windowLen,
      hop: h.hop,
      sampleRateHz: h.sampleRateHz,
      nodeName: h.name,
      channels: h.channels,
      payload: hex(h.payload),
    })),
    features: v.featureCases.map((c) => ({ name: c.name, windowIndex: c.windowIndex, tUs: c.tUs, shaftHz: c.shaftHz, values: c.values, payload: hex(c.payload) })),
    streams: v.streamCases.map((s) => ({ name: s.name, wire: hex(s.wire), expect: s.expect })),
    featuresExt: v.featureExtCases.map((c) => ({
      name: c.name,
      windowIndex: c.windowIndex,
      tUs: c.tUs,
      shaftHz: c.shaftHz,
      values: c.values,
      anomalyScore: Number.isNaN(c.anomalyScore) ? 'NaN' : c.anomalyScore,
      logBands: c.logBands,
      payload: hex(c.payload),
    })),
    events: v.eventCases.map((c) => ({ ...c, payload: hex(c.payload) })),
    samplesIn: v.samplesInCases.map((c) => ({ ...c, payload: hex(c.payload) })),
    framesExt: v.frameExtCases.map((c) => ({ name: c.name, type: c.type, seq: c.seq, payload: hex(c.payload), wire: hex(c.wire) })),
    ...renderLinkJson(v.link),
  };
  return JSON.stringify(out, null, 1) + '\n';
}

const cBytes = (ident: string, b: Uint8Array): string => {
  if (b.length === 0) return `static const uint8_t ${ident}[1] = {0};\n`;
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += 16) parts.push('  ' + Array.from(b.subarray(i, i + 16), (x) => `0x${x.toString(16).padStart(2, '0')}`).join(', '));
  return `static const uint8_t ${ident}[${b.length}] = {\n${parts.join(',\n')}\n};\n`;
};
const cStr = (s: string): string => '"' + Array.from(utf8Encode(s), (b) => (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}""`)).join('') + '"';
const cFloat = (x: number): string => {
  const s = Math.fround(x).toPrecision(9);
  return (s.includes('.') || s.includes('e') ? s : s + '.0') + 'f';
};

export function renderHeader(v: ReturnType<typeof buildVectors>): string {
  let h = `/* Generated by ${GENERATOR} from models/protocol (TypeScript). Do not edit: run npm run vectors.
 * Spec: docs/protocol.md. The same vectors are in test/vectors/frames.json for the TS tests. */
#ifndef VIGIL_FRAMES_VECTORS_H
#define VIGIL_FRAMES_VECTORS_H
#include <stddef.h>
#include <stdint.h>

typedef struct { const char *name; const uint8_t *data; size_t len; uint32_t crc; } vec_crc32_t;
typedef struct { const char *name; const uint8_t *decoded; size_t decoded_len; const uint8_t *encoded; size_t encoded_len; } vec_cobs_t; /* encoded has no trailing 0x00 */
typedef struct { const char *name; uint8_t type; uint16_t seq; const uint8_t *payload; size_t payload_len; const uint8_t *wire; size_t wire_len; } vec_frame_t; /* wire = COBS(frame) + 0x00 */
typedef struct { const char *name; uint8_t fw_major, fw_minor, fw_patch; uint8_t uid[12]; uint8_t board; uint8_t axis_count; uint16_t window_len, hop; uint32_t sample_rate_hz; const char *node_name; const char *channels; const uint8_t *payload; size_t payload_len; } vec_hello_t;
typedef struct { const char *name; uint32_t window_index; uint64_t t_us; float shaft_hz; uint8_t axis_count; uint8_t fields_per_axis; float values[12]; const uint8_t *payload; size_t payload_len; } vec_features_t;
typedef struct { const char *name; const uint8_t *wire; size_t wire_len; size_t n_frames; const uint8_t *types; const uint16_t *seqs; uint32_t frames, bad_cobs, bad_crc, bad_length, bad_version, oversize; } vec_stream_t;

`;
  v.crcCases.forEach((c, i) => (h += cBytes(`vec_crc32_data_${i}`, c.data)));
  h += `static const vec_crc32_t VEC_CRC32[] = {\n${v.crcCases.map((c, i) => `  {"${c.name}", vec_crc32_data_${i}, ${c.data.length}, 0x${c.crc.toString(16).padStart(8, '0')}u}`).join(',\n')}\n};\nstatic const size_t VEC_CRC32_COUNT = ${v.crcCases.length};\n\n`;
  v.cobsCases.forEach((c, i) => (h += cBytes(`vec_cobs_dec_${i}`, c.decoded) + cBytes(`vec_cobs_enc_${i}`, c.encoded)));
  h += `static const vec_cobs_t VEC_COBS[] = {\n${v.cobsCases.map((c, i) => `  {"${c.name}", vec_cobs_dec_${i}, ${c.decoded.length}, vec_cobs_enc_${i}, ${c.encoded.length}}`).join(',\n')}\n};\nstatic const size_t VEC_COBS_COUNT = ${v.cobsCases.length};\n\n`;
  v.frameCases.forEach((c, i) => (h += cBytes(`vec_frame_payload_${i}`, c.payload) + cBytes(`vec_frame_wire_${i}`, c.wire)));
  h += `static const vec_frame_t VEC_FRAMES[] = {\n${v.frameCases.map((c, i) => `  {"${c.name}", 0x${c.type.toString(16)}, 0x${c.seq.toString(16)}, vec_frame_payload_${i}, ${c.payload.length}, vec_frame_wire_${i}, ${c.wire.length}}`).join(',\n')}\n};\nstatic const size_t VEC_FRAMES_COUNT = ${v.frameCases.length};\n\n`;
  v.helloCases.forEach((c, i) => (h += cBytes(`vec_hello_payload_${i}`, c.payload)));
  h += `static const vec_hello_t VEC_HELLO[] = {\n${v.helloCases
    .map(
      (c, i) =>
        `  {"${c.vec}", ${c.firmware.major}, ${c.firmware.minor}, ${c.firmware.patch}, {${Array.from(c.uid, (x) => `0x${x.toString(16).padStart(2, '0')}`).join(', ')}}, ${c.board}, ${c.axisCount}, ${c.windowLen}, ${c.hop}, ${c.sampleRateHz}u, ${cStr(c.name)}, ${cStr(c.channels.join(','))}, vec_hello_payload_${i}, ${c.payload.length}}`,
    )
    .join(',\n')}\n};\nstatic const size_t VEC_HELLO_COUNT = ${v.helloCases.length};\n\n`;
  v.featureCases.forEach((c, i) => (h += cBytes(`vec_features_payload_${i}`, c.payload)));
  h += `static const vec_features_t VEC_FEATURES[] = {\n${v.featureCases
    .map(
      (c, i) =>
        `  {"${c.name}", ${c.windowIndex}u, ${c.tUs}ull, ${cFloat(c.shaftHz)}, ${c.values.length}, ${c.values[0].length}, {${c.values.flat().map(cFloat).join(', ')}}, vec_features_payload_${i}, ${c.payload.length}}`,
    )
    .join(',\n')}\n};\nstatic const size_t VEC_FEATURES_COUNT = ${v.featureCases.length};\n\n`;
  v.streamCases.forEach((s, i) => {
    h += cBytes(`vec_stream_wire_${i}`, s.wire);
    h += `static const uint8_t vec_stream_types_${i}[${Math.max(1, s.expect.types.length)}] = {${s.expect.types.join(', ') || '0'}};\n`;
    h += `static const uint16_t vec_stream_seqs_${i}[${Math.max(1, s.expect.seqs.length)}] = {${s.expect.seqs.join(', ') || '0'}};\n`;
  });
  h += `static const vec_stream_t VEC_STREAMS[] = {\n${v.streamCases
    .map((s, i) => {
      const e = s.expect;
      return `  {"${s.name}", vec_stream_wire_${i}, ${s.wire.length}, ${e.types.length}, vec_stream_types_${i}, vec_stream_seqs_${i}, ${e.frames}, ${e.badCobs}, ${e.badCrc}, ${e.badLength}, ${e.badVersion}, ${e.oversize}}`;
    })
    .join(',\n')}\n};\nstatic const size_t VEC_STREAMS_COUNT = ${v.streamCases.length};\n\n`;
  h += renderHeaderExt(v);
  h += renderHeaderLink(v.link);
  return h + '#endif /* VIGIL_FRAMES_VECTORS_H */\n';
}

/** The vectors appended by the firmware issue: FEATURES with its trailer, EVENT, SAMPLES_IN. */
function renderHeaderExt(v: ReturnType<typeof buildVectors>): string {
  const cF = (x: number) => (Number.isNaN(x) ? 'NAN' : cFloat(x));
  let h = `/* ---- FEATURES trailer, EVENT, SAMPLES_IN (docs/protocol.md §3.2 to §3.4) ---- */
#include <math.h> /* NAN */
typedef struct { const char *name; uint32_t window_index; uint64_t t_us; float shaft_hz; uint8_t axis_count; uint8_t fields_per_axis; float values[15]; float anomaly_score; uint8_t band_count; const float *log_bands; const uint8_t *payload; size_t payload_len; } vec_features_ext_t;
typedef struct { const char *name; uint32_t event_id; uint8_t state, debounce_k, debounce_n; uint32_t start_window, end_window; uint64_t start_t_us, end_t_us; float peak_score, threshold; uint32_t model_version; const uint8_t *payload; size_t payload_len; } vec_event_t;
typedef struct { const char *name; uint32_t first_frame; uint8_t axis_count; uint16_t frame_count; const float *samples; const uint8_t *payload; size_t payload_len; } vec_samples_in_t;

`;
  v.featureExtCases.forEach((c, i) => {
    h += cBytes(`vec_features_ext_payload_${i}`, c.payload);
    const bands = c.logBands.flat();
    h += `static const float vec_features_ext_bands_${i}[${Math.max(1, bands.length)}] = {${bands.map(cF).join(', ') || '0'}};\n`;
  });
  h += `static const vec_features_ext_t VEC_FEATURES_EXT[] = {\n${v.featureExtCases
    .map(
      (c, i) =>
        `  {"${c.name}", ${c.windowIndex}u, ${c.tUs}ull, ${cF(c.shaftHz)}, ${c.values.length}, ${c.values[0].length}, {${c.values.flat().map(cF).join(', ')}}, ${cF(c.anomalyScore)}, ${c.logBands[0].length}, vec_features_ext_bands_${i}, vec_features_ext_payload_${i}, ${c.payload.length}}`,
    )
    .join(',\n')}\n};\nstatic const size_t VEC_FEATURES_EXT_COUNT = ${v.featureExtCases.length};\n\n`;
  v.eventCases.forEach((c, i) => (h += cBytes(`vec_event_payload_${i}`, c.payload)));
  h += `static const vec_event_t VEC_EVENTS[] = {\n${v.eventCases
    .map(
      (c, i) =>
        `  {"${c.name}", ${c.eventId}u, ${c.state}, ${c.debounceK}, ${c.debounceN}, ${c.startWindow}u, ${c.endWindow}u, ${c.startTUs}ull, ${c.endTUs}ull, ${cF(c.peakScore)}, ${cF(c.threshold)}, ${c.modelVersion}u, vec_event_payload_${i}, ${c.payload.length}}`,
    )
    .join(',\n')}\n};\nstatic const size_t VEC_EVENTS_COUNT = ${v.eventCases.length};\n\n`;
  v.samplesInCases.forEach((c, i) => {
    h += cBytes(`vec_samples_in_payload_${i}`, c.payload);
    h += `static const float vec_samples_in_frames_${i}[${c.samples.length}] = {${c.samples.map(cF).join(', ')}};\n`;
  });
  h += `static const vec_samples_in_t VEC_SAMPLES_IN[] = {\n${v.samplesInCases
    .map((c, i) => `  {"${c.name}", ${c.firstFrame}u, ${c.axisCount}, ${c.samples.length / c.axisCount}, vec_samples_in_frames_${i}, vec_samples_in_payload_${i}, ${c.payload.length}}`)
    .join(',\n')}\n};\nstatic const size_t VEC_SAMPLES_IN_COUNT = ${v.samplesInCases.length};\n\n`;
  v.frameExtCases.forEach((c, i) => (h += cBytes(`vec_frame_ext_payload_${i}`, c.payload) + cBytes(`vec_frame_ext_wire_${i}`, c.wire)));
  h += `static const vec_frame_t VEC_FRAMES_EXT[] = {\n${v.frameExtCases.map((c, i) => `  {"${c.name}", 0x${c.type.toString(16)}, 0x${c.seq.toString(16)}, vec_frame_ext_payload_${i}, ${c.payload.length}, vec_frame_ext_wire_${i}, ${c.wire.length}}`).join(',\n')}\n};\nstatic const size_t VEC_FRAMES_EXT_COUNT = ${v.frameExtCases.length};\n\n`;
  return h;
}

// ---- Protocol 1.1: every message of §3. Nothing here draws from `rand`. ----

/** window_len the CONFIG_SET checks assume (the expected NACKs of VEC_PAYLOAD_CHECKS). */
export const CHECK_WINDOW_LEN = 1024;
const seqBytes = (n: number, f: (i: number) => number) => Uint8Array.from({ length: n }, (_, i) => f(i) & 0xff);
/** The pairing key of the SECURE and HELLO INFO vectors: 0x00 0x07 0x0e ... (i*7 mod 256). */
export const LINK_KEY = seqBytes(32, (i) => i * 7);
export const LINK_NONCE = Uint8Array.from([0x6e, 0x6f, 0x6e, 0x63, 0x65, 0x21, 0x00, 0xa5]);

const nodeAnswer = (type: number, p: Uint8Array): { ok: boolean; reason: number; detail: number } => {
  if (type === MSG_CONFIG_SET) {
    const n = checkConfigSet(p, CHECK_WINDOW_LEN);
    return n ? { ok: false, reason: n.reason, detail: n.detail } : { ok: true, reason: 0, detail: 0 };
  }
  try {
    decodeMessage(type, p);
    return { ok: true, reason: 0, detail: 0 };
  } catch (e) {
    if (!(e instanceof PayloadError)) throw e;
    if (e instanceof PayloadRangeError) return { ok: false, reason: e.reason, detail: e.detail };
    return { ok: false, reason: NACK_BAD_PAYLOAD, detail: 0 };
  }
};
const withWire = <T extends { type: number; seq: number; payload: Uint8Array }>(c: T) => ({ ...c, wire: encodeFrame(c.type, c.seq, c.payload) });

export function buildLinkVectors() {
  const f = Math.fround;
  const baseHello = {
    protocolVersion: 1,
    firmware: { major: 0, minor: 2, patch: 0 },
    uid: Uint8Array.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]),
    board: 0,
    axisCount: 2,
    windowLen: 1024,
    hop: 512,
    sampleRateHz: 48000,
    name: 'virtual-node',
    channels: ['DE_accel', 'FE_accel'],
  };
  const emptySlots = [
    { state: 0, seq: 0, modelVersion: 0 },
    { state: 0, seq: 0, modelVersion: 0 },
  ];
  const helloInfoCases = [
    {
      name: 'info_unpaired_wired_host',
      type: MSG_HELLO,
      seq: 0x0001,
      hello: {
        ...baseHello,
        info: {
          protocolMinor: 1,
          capabilities: CAP_PAIR | CAP_CONFIG | CAP_STREAM | CAP_RAW_BLOCK | CAP_TIME | CAP_PING | CAP_LOG | CAP_SAMPLES_IN | CAP_SECURE,
          link: LINK_WIRED,
          paired: 0,
          keyId: new Uint8Array(4),
          linkNonce: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]),
          sensor: SENSOR_NONE,
          rangeG: 4,
          streamMode: STREAM_FEATURES,
          rawDecimation: 1,
          modelVersion: 1,
          modelSource: MODEL_SOURCE_BUILTIN,
          slots: emptySlots,
        },
      },
    },
    {
      name: 'info_paired_ble_stm32',
      type: MSG_HELLO,
      seq: 0xfffe,
      hello: {
        ...baseHello,
        firmware: { major: 1, minor: 1, patch: 3 },
        uid: Uint8Array.from([0x30, 0x00, 0x2a, 0x00, 0x0b, 0x51, 0x33, 0x31, 0x37, 0x36, 0x39, 0x38]),
        board: 2,
        axisCount: 3,
        windowLen: 4096,
        hop: 1024,
        sampleRateHz: 26667,
        name: 'bomba-3 (cojinete ñ)',
        channels: ['X', 'Y', 'Z'],
        info: {
          protocolMinor: 1,
          capabilities: CAP_PAIR | CAP_CONFIG | CAP_STREAM | CAP_RAW_BLOCK | CAP_TIME | CAP_PING | CAP_LOG | CAP_SECURE | CAP_BLE,
          link: LINK_BLE,
          paired: 1,
          keyId: keyId(LINK_KEY),
          linkNonce: LINK_NONCE,
          sensor: SENSOR_IIS3DWB,
          rangeG: 16,
          streamMode: STREAM_FEATURES | STREAM_RAW,
          rawDecimation: 64,
          modelVersion: 0xa1b2c3d4,
          modelSource: MODEL_SOURCE_SLOT1,
          slots: [
            { state: SLOT_STATE_CONFIRMED, seq: 7, modelVersion: 0x01020304 },
            { state: SLOT_STATE_TRYING, seq: 0xfffffffe, modelVersion: 0xa1b2c3d4 },
          ],
        },
      },
    },
    {
      name: 'info_longest_170_bytes',
      type: MSG_HELLO,
      seq: 0x8000,
      hello: {
        ...baseHello,
        board: 1,
        axisCount: 3,
        name: 'n'.repeat(30) + 'ñ',
        channels: ['accel_channel_x_0123456789', 'accel_channel_y_01234567', 'accel_chan_z'],
        info: {
          protocolMinor: 7,
          capabilities: 0xffffffff,
          link: LINK_WIRED,
          paired: 1,
          keyId: Uint8Array.from([0xff, 0x00, 0xff, 0x00]),
          linkNonce: Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]),
          sensor: SENSOR_NONE,
          rangeG: 2,
          streamMode: 0,
          rawDecimation: 33,
          modelVersion: 0,
          modelSource: MODEL_SOURCE_NONE,
          slots: [
            { state: SLOT_STATE_REJECTED, seq: 0xffffffff, modelVersion: 0 },
            { state: SLOT_STATE_PENDING, seq: 1, modelVersion: 0xffffffff },
          ],
        },
      },
    },
    { name: 'no_info_1_0_node', type: MSG_HELLO, seq: 0x0002, hello: { ...baseHello } },
  ].map((c) => withWire({ ...c, payload: encodeHello(c.hello) }));
  if (helloInfoCases[2].payload.length !== 170) throw new Error(`longest HELLO is ${helloInfoCases[2].payload.length} bytes, not 170`);

  const ackCases = [
    { name: 'ack_pair', type: MSG_ACK, seq: 0x0010, reqType: MSG_PAIR },
    { name: 'ack_config_set', type: MSG_ACK, seq: 0x0011, reqType: MSG_CONFIG_SET },
    { name: 'ack_stream', type: MSG_ACK, seq: 0xffff, reqType: MSG_STREAM },
  ].map((c) => withWire({ ...c, payload: encodeAck(c.reqType) }));

  const nackCases = [
    { name: 'unknown_type', reqType: 0x15, reason: NACK_UNKNOWN_TYPE, detail: 0 },
    { name: 'bad_payload', reqType: MSG_CONFIG_SET, reason: NACK_BAD_PAYLOAD, detail: 0 },
    { name: 'out_of_range_range_g', reqType: MSG_CONFIG_SET, reason: NACK_OUT_OF_RANGE, detail: CONFIG_KEY_RANGE_G },
    { name: 'out_of_range_stream', reqType: MSG_STREAM, reason: NACK_OUT_OF_RANGE, detail: 0 },
    { name: 'read_only_window_len', reqType: MSG_CONFIG_SET, reason: NACK_READ_ONLY, detail: CONFIG_KEY_WINDOW_LEN },
    { name: 'unknown_key', reqType: MSG_CONFIG_SET, reason: NACK_UNKNOWN_KEY, detail: 0x2a },
    { name: 'not_paired', reqType: MSG_STREAM, reason: NACK_NOT_PAIRED, detail: 0 },
    { name: 'auth_required', reqType: MSG_CONFIG_SET, reason: NACK_AUTH_REQUIRED, detail: 0 },
    { name: 'auth_failed', reqType: MSG_SECURE, reason: NACK_AUTH_FAILED, detail: 0 },
    { name: 'replay', reqType: MSG_SECURE, reason: NACK_REPLAY, detail: 0 },
    { name: 'wired_only', reqType: MSG_PAIR, reason: NACK_WIRED_ONLY, detail: 0 },
    { name: 'storage', reqType: MSG_CONFIG_SET, reason: NACK_STORAGE, detail: 0 },
    { name: 'unsupported_inner', reqType: MSG_PING, reason: NACK_UNSUPPORTED, detail: 0 },
    { name: 'future_reason_large_detail', reqType: 0xff, reason: 200, detail: 0xbeef },
  ].map((c, i) => withWire({ ...c, type: MSG_NACK, seq: 0x0100 + i, payload: encodeNack(c), text: nackReasonText(c.reason, c.detail) }));

  const pairCases = [
    { name: 'pair_with_name', key: LINK_KEY, nodeName: 'bomba-3 (cojinete ñ)' },
    { name: 'pair_keep_name', key: seqBytes(32, (i) => 255 - i), nodeName: '' },
    { name: 'pair_name_32_bytes', key: seqBytes(32, (i) => (i * 37 + 11) | 1), nodeName: 'abcdefghijklmnopqrstuvwxyz012345' },
    { name: 'unpair', key: new Uint8Array(32), nodeName: '' },
  ].map((c, i) => withWire({ ...c, type: MSG_PAIR, seq: 0x0200 + i, payload: encodePair({ key: c.key, name: c.nodeName }) }));

  const fullConfig = [
    ...configToEntries({ name: 'virtual-node', rangeG: 4, hop: 512, shaftHz: f(29.95), sendBands: true }),
    { key: CONFIG_KEY_AXIS_COUNT, value: bytes(2) },
    { key: CONFIG_KEY_WINDOW_LEN, value: bytes(0x00, 0x04) },
    { key: CONFIG_KEY_SAMPLE_RATE_HZ, value: bytes(0x80, 0xbb, 0x00, 0x00) },
    ...configToEntries({ slowMachine: false }),
  ];
  const configCases = [
    { name: 'config_full', type: MSG_CONFIG, entries: fullConfig },
    { name: 'config_1_0_defaults_no_name', type: MSG_CONFIG, entries: [...configToEntries({ rangeG: 16, hop: 1024, shaftHz: 0, sendBands: false }), ...fullConfig.slice(5, 8)] },
    { name: 'set_range_and_shaft', type: MSG_CONFIG_SET, entries: configToEntries({ rangeG: 8, shaftHz: f(0.1) }) },
    { name: 'set_name_and_hop', type: MSG_CONFIG_SET, entries: configToEntries({ name: 'línea 2', hop: 1024 }) },
    { name: 'set_send_bands_off', type: MSG_CONFIG_SET, entries: configToEntries({ sendBands: false }) },
    { name: 'set_shaft_max', type: MSG_CONFIG_SET, entries: configToEntries({ shaftHz: 1000 }) },
    { name: 'set_nothing', type: MSG_CONFIG_SET, entries: [] },
    { name: 'set_slow_machine', type: MSG_CONFIG_SET, entries: configToEntries({ slowMachine: true }) },
  ].map((c, i) => {
    const payload = encodeConfigEntries(c.entries);
    return withWire({ ...c, seq: 0x0300 + i, payload, values: entriesToConfig(c.entries) });
  });

  const streamMsgCases = [
    { name: 'off', mode: 0, rawDecimation: 1 },
    { name: 'features_boot_default', mode: STREAM_FEATURES, rawDecimation: 1 },
    { name: 'raw_decimated_8', mode: STREAM_RAW, rawDecimation: 8 },
    { name: 'both_decimation_64', mode: STREAM_FEATURES | STREAM_RAW, rawDecimation: 64 },
  ].map((c, i) => withWire({ ...c, type: MSG_STREAM, seq: 0x0400 + i, payload: encodeStream(c) }));

  // RAW_BLOCK: the float32 means m of the spec, quantised as the node does (section 3.9).
  const rawCase = (name: string, seq: number, firstFrame: number, axisCount: number, decimation: number, rangeG: number, means: number[]) => {
    const scaleG = rawScaleG(rangeG);
    const m = means.map(f);
    const samples = Int16Array.from(m, (x) => quantizeRawSample(x, scaleG));
    return withWire({ name, type: MSG_RAW_BLOCK, seq, firstFrame, axisCount, decimation, rangeG, scaleG, means: m, samples, payload: encodeRawBlock({ firstFrame, axisCount, decimation, scaleG, samples }) });
  };
  const lsb2 = 2 / 32768;
  const rawBlockCases = [
    // Ties round up (floor(x + 0.5)); beyond full scale clamps.
    rawCase('one_axis_rounding_and_clamp', 0x0500, 0, 1, 1, 2, [0, 0.001, -0.001, 0.5 * lsb2, -0.5 * lsb2, 1.5 * lsb2, -1.5 * lsb2, 1.9999, -2, 2.5, -3, 100, -100]),
    rawCase('two_axis_full_252', 0x0501, 51200, 2, 1, 4, Array.from({ length: 2 * 252 }, (_, i) => (i % 2 === 0 ? 4.2 * Math.sin((2 * Math.PI * (i >> 1)) / 50) : -0.75 + 0.5 * Math.cos((2 * Math.PI * (i >> 1)) / 21)))),
    rawCase('three_axis_decimated', 0x0502, 0xffffff00, 3, 8, 16, [0.01, -0.02, 1, 15.9995, -15.9995, -16.1, 0, 0, 0, -1e-4, 2e-4, 8]),
    rawCase('one_axis_full_505', 0x0503, 1234567, 1, 2, 8, Array.from({ length: 505 }, (_, i) => 8 * Math.sin(i / 7) * Math.cos(i / 31))),
  ];
  if (rawBlockCases[1].payload.length !== 1022 || rawBlockCases[1].wire.length > 1038) throw new Error('full 2-axis RAW_BLOCK is not 1022 payload bytes in at most 1038 wire bytes');
  if (rawBlockCases[3].payload.length !== 1024) throw new Error('full 1-axis RAW_BLOCK is not 1024 bytes');

  const timeReqCases = [
    { name: 'zero', hostTimeUs: 0 },
    { name: 'unix_2023', hostTimeUs: 1_700_000_000_123_456 },
    { name: 'max_safe', hostTimeUs: Number.MAX_SAFE_INTEGER },
  ].map((c, i) => withWire({ ...c, type: MSG_TIME_REQ, seq: 0x0600 + i, payload: encodeTimeReq(c.hostTimeUs) }));
  const timeCases = [
    { name: 'zero', hostTimeUs: 0, uptimeUs: 0, streamTUs: 0 },
    { name: 'typical', hostTimeUs: 1_700_000_000_123_456, uptimeUs: 15_000_321, streamTUs: 14_999_979 },
    { name: 'large_u64', hostTimeUs: 2 ** 52 + 1, uptimeUs: 2 ** 32, streamTUs: Number.MAX_SAFE_INTEGER },
  ].map((c, i) => withWire({ ...c, type: MSG_TIME, seq: 0x0600 + i, payload: encodeTime(c) }));

  const pingCases = [
    { name: 'ping_empty', type: MSG_PING, data: new Uint8Array(0) },
    { name: 'ping_8', type: MSG_PING, data: bytes(0, 1, 2, 3, 0xfc, 0xfd, 0xfe, 0xff) },
    { name: 'pong_8', type: MSG_PONG, data: bytes(0, 1, 2, 3, 0xfc, 0xfd, 0xfe, 0xff) },
    { name: 'ping_64', type: MSG_PING, data: seqBytes(64, (i) => i * 3) },
  ].map((c, i) => withWire({ ...c, seq: [0x0700, 0x0701, 0x0701, 0x0702][i], payload: encodePing(c.data) }));

  const logCases = [
    { name: 'boot', level: LOG_INFO, code: LOG_CODE_BOOT, text: 'vigil 0.2.0 booted (host board)' },
    { name: 'frames_dropped', level: LOG_WARNING, code: LOG_CODE_FRAMES_DROPPED, text: 'link 1 dropped 12 frames' },
    { name: 'auth_failure', level: LOG_ERROR, code: LOG_CODE_AUTH_FAILURE, text: 'SECURE tag did not verify' },
    { name: 'unknown_code_empty', level: LOG_DEBUG, code: 0xbeef, text: '' },
    { name: 'text_96_bytes', level: LOG_INFO, code: LOG_CODE_CONFIG_CHANGED, text: 'ñ'.repeat(40) + 'x'.repeat(16) },
  ].map((c, i) => withWire({ ...c, type: MSG_LOG, seq: 0x0800 + i, payload: encodeLog(c) }));
  if (logCases[4].payload.length !== 4 + 96) throw new Error('LOG text vector is not 96 bytes');

  const secureCase = (name: string, seq: number, counter: number, innerType: number, innerPayload: Uint8Array, tamper = false) => {
    const payload = encodeSecure({ key: LINK_KEY, nonce: LINK_NONCE, seq, counter, innerType, innerPayload });
    if (tamper) payload[payload.length - 1] ^= 0x01;
    const tag = payload.slice(payload.length - 16);
    return withWire({ name, type: MSG_SECURE, seq, key: LINK_KEY, keyId: keyId(LINK_KEY), nonce: LINK_NONCE, counter, innerType, innerPayload, macInput: secureMacInput(LINK_NONCE, seq, counter, innerType, innerPayload), tag, valid: !tamper, payload });
  };
  const secureCases = [
    secureCase('config_set_range_8', 0x0203, 1, MSG_CONFIG_SET, encodeConfigEntries(configToEntries({ rangeG: 8 }))),
    secureCase('stream_both_d8', 0x0204, 2, MSG_STREAM, encodeStream({ mode: 3, rawDecimation: 8 })),
    secureCase('stream_counter_max', 0xffff, 0xffffffff, MSG_STREAM, encodeStream({ mode: 1, rawDecimation: 1 })),
    secureCase('empty_inner_unsupported', 0x0000, 5, MSG_PING, new Uint8Array(0)),
    secureCase('tampered_tag', 0x0203, 1, MSG_CONFIG_SET, encodeConfigEntries(configToEntries({ rangeG: 8 })), true),
  ];

  // Payloads every decoder must refuse (ok = false) or accept (ok = true: the extension rule), with
  // the NACK a node answers for a host-to-node type (reason 0 for node-to-host types: a decode error).
  const host = new Set([MSG_PAIR, MSG_PING, MSG_CONFIG_SET, MSG_STREAM, MSG_TIME_REQ, MSG_SECURE]);
  const cs = (...xs: number[]) => bytes(...xs);
  const rawP = rawBlockCases[0].payload;
  const withByte = (p: Uint8Array, at: number, v: number) => {
    const c = p.slice();
    c[at] = v;
    return c;
  };
  const helloP = helloInfoCases[0].payload;
  const stateFeatures = encodeFeatures({
    windowIndex: 5, tUs: 128000, shaftHz: f(40), values: [[f(0.5), f(1), f(2), f(3), f(4)]],
    anomalyScore: -1, logBands: [[f(-6), f(-5)]], state: { detector: DETECTOR_UNSEEN, learnPercent: 100 },
  });
  // The detector state with its values (1.3; threshold 1.4): each decodes to these fields and, decoded
  // and encoded again, gives back its bytes.
  const stateHello = helloInfoCases[0].hello;
  if (!('info' in stateHello)) throw new Error('the first HELLO vector must have an INFO block');
  const stateCase = (name: string, type: number, state: DetectorState) => {
    const payload =
      type === MSG_HELLO
        ? encodeHello({ ...stateHello, info: { ...stateHello.info, protocolMinor: state.threshold === undefined ? 3 : 4, state } })
        : encodeFeatures({
            windowIndex: 9, tUs: 192000, shaftHz: f(16.667), values: [[f(0.5), f(1), f(2), f(3), f(4)], [f(0.25), f(0.5), f(2), f(3), f(2)]],
            anomalyScore: state.detector === DETECTOR_MODEL || state.detector === DETECTOR_BASELINE ? f(1.25) : -1, logBands: [[f(-6), f(-5)], [f(-4), f(-3)]], state,
          });
    return { name, type, payload, detector: state.detector, learnPercent: state.learnPercent, hasThreshold: state.threshold !== undefined, threshold: state.threshold ?? -1 };
  };
  const stateCases = [
    stateCase('hello_learning_1_3', MSG_HELLO, { detector: DETECTOR_LEARNING, learnPercent: 37 }),
    stateCase('hello_learning_no_threshold', MSG_HELLO, { detector: DETECTOR_LEARNING, learnPercent: 12, threshold: -1 }),
    stateCase('hello_baseline_threshold', MSG_HELLO, { detector: DETECTOR_BASELINE, learnPercent: 100, threshold: f(3.6041) }),
    stateCase('features_model_threshold', MSG_FEATURES, { detector: DETECTOR_MODEL, learnPercent: 0, threshold: f(1.6523) }),
    stateCase('features_baseline_threshold', MSG_FEATURES, { detector: DETECTOR_BASELINE, learnPercent: 100, threshold: f(0.0123) }),
    stateCase('features_unseen_no_threshold', MSG_FEATURES, { detector: DETECTOR_UNSEEN, learnPercent: 100, threshold: -1 }),
    stateCase('features_baseline_1_3', MSG_FEATURES, { detector: DETECTOR_BASELINE, learnPercent: 100 }),
  ];
  const thresholdFeatures = stateCases[4].payload;
  const checks: { name: string; type: number; payload: Uint8Array }[] = [
    { name: 'ack_empty', type: MSG_ACK, payload: new Uint8Array(0) },
    { name: 'ack_trailing_ok', type: MSG_ACK, payload: cs(MSG_STREAM, 0xaa) },
    { name: 'nack_3_bytes', type: MSG_NACK, payload: nackCases[2].payload.subarray(0, 3) },
    { name: 'nack_trailing_ok', type: MSG_NACK, payload: concat(nackCases[2].payload, cs(1, 2)) },
    { name: 'hello_info_cut_45', type: MSG_HELLO, payload: helloP.subarray(0, helloP.length - 1) },
    { name: 'hello_info_one_byte', type: MSG_HELLO, payload: concat(helloInfoCases[3].payload, cs(1)) },
    { name: 'hello_info_trailing_ok', type: MSG_HELLO, payload: concat(helloP, cs(9, 9, 9, 9, 9, 9, 9)) },
    { name: 'pair_32_bytes', type: MSG_PAIR, payload: pairCases[0].payload.subarray(0, 32) },
    { name: 'pair_name_len_33', type: MSG_PAIR, payload: concat(LINK_KEY, cs(33), new Uint8Array(33).fill(0x61)) },
    { name: 'pair_name_overrun', type: MSG_PAIR, payload: pairCases[0].payload.subarray(0, pairCases[0].payload.length - 1) },
    { name: 'pair_trailing_ok', type: MSG_PAIR, payload: concat(pairCases[1].payload, cs(7)) },
    { name: 'ping_65_bytes', type: MSG_PING, payload: new Uint8Array(65).fill(1) },
    { name: 'config_empty', type: MSG_CONFIG, payload: new Uint8Array(0) },
    { name: 'config_count_overrun', type: MSG_CONFIG, payload: cs(2, CONFIG_KEY_RANGE_G, 1, 4) },
    { name: 'config_value_overrun', type: MSG_CONFIG, payload: cs(1, CONFIG_KEY_HOP, 2, 0) },
    { name: 'config_unknown_key_ok', type: MSG_CONFIG, payload: concat(cs(2, 0x40, 3, 1, 2, 3), cs(CONFIG_KEY_RANGE_G, 1, 4)) },
    { name: 'set_unknown_key', type: MSG_CONFIG_SET, payload: cs(1, 0x2a, 1, 0) },
    { name: 'set_read_only', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_WINDOW_LEN, 2, 0, 8) },
    { name: 'set_range_g_3', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_RANGE_G, 1, 3) },
    { name: 'set_hop_0', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_HOP, 2, 0, 0) },
    { name: 'set_hop_above_window_len', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_HOP, 2, 0x01, 0x04) },
    { name: 'set_shaft_1001', type: MSG_CONFIG_SET, payload: concat(cs(1, CONFIG_KEY_SHAFT_HZ, 4), new Uint8Array(Float32Array.of(1001).buffer)) },
    { name: 'set_shaft_0_05', type: MSG_CONFIG_SET, payload: concat(cs(1, CONFIG_KEY_SHAFT_HZ, 4), new Uint8Array(Float32Array.of(0.05).buffer)) },
    { name: 'set_shaft_nan', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_SHAFT_HZ, 4, 0x00, 0x00, 0xc0, 0x7f) },
    { name: 'set_shaft_negative', type: MSG_CONFIG_SET, payload: concat(cs(1, CONFIG_KEY_SHAFT_HZ, 4), new Uint8Array(Float32Array.of(-5).buffer)) },
    { name: 'set_send_bands_2', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_SEND_BANDS, 1, 2) },
    { name: 'set_slow_machine_2', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_SLOW_MACHINE, 1, 2) },
    { name: 'set_name_empty', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_NAME, 0) },
    { name: 'set_name_33', type: MSG_CONFIG_SET, payload: concat(cs(1, CONFIG_KEY_NAME, 33), new Uint8Array(33).fill(0x61)) },
    { name: 'set_hop_len_1', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_HOP, 1, 8) },
    { name: 'set_repeated_key', type: MSG_CONFIG_SET, payload: cs(2, CONFIG_KEY_RANGE_G, 1, 4, CONFIG_KEY_RANGE_G, 1, 8) },
    { name: 'set_first_bad_wins', type: MSG_CONFIG_SET, payload: cs(3, CONFIG_KEY_SEND_BANDS, 1, 1, CONFIG_KEY_RANGE_G, 1, 5, 0x2a, 1, 0) },
    { name: 'set_read_only_before_unknown', type: MSG_CONFIG_SET, payload: cs(2, CONFIG_KEY_AXIS_COUNT, 1, 2, 0x2a, 1, 0) },
    { name: 'set_trailing_ok', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_RANGE_G, 1, 8, 0xee) },
    { name: 'stream_1_byte', type: MSG_STREAM, payload: cs(1) },
    { name: 'stream_mode_bit_2', type: MSG_STREAM, payload: cs(4, 1) },
    { name: 'stream_mode_0x81', type: MSG_STREAM, payload: cs(0x81, 1) },
    { name: 'stream_decimation_0', type: MSG_STREAM, payload: cs(1, 0) },
    { name: 'stream_decimation_65', type: MSG_STREAM, payload: cs(2, 65) },
    { name: 'stream_trailing_ok', type: MSG_STREAM, payload: cs(3, 8, 0) },
    { name: 'time_req_7', type: MSG_TIME_REQ, payload: new Uint8Array(7) },
    { name: 'time_23', type: MSG_TIME, payload: new Uint8Array(23) },
    { name: 'time_trailing_ok', type: MSG_TIME, payload: new Uint8Array(30) },
    { name: 'log_3', type: MSG_LOG, payload: cs(1, 1, 0) },
    { name: 'log_text_97', type: MSG_LOG, payload: concat(cs(1, 1, 0, 97), new Uint8Array(97).fill(0x61)) },
    { name: 'log_text_overrun', type: MSG_LOG, payload: logCases[0].payload.subarray(0, logCases[0].payload.length - 1) },
    { name: 'secure_20', type: MSG_SECURE, payload: secureCases[3].payload.subarray(0, 20) },
    { name: 'raw_13', type: MSG_RAW_BLOCK, payload: rawP.subarray(0, 13) },
    { name: 'raw_format_1', type: MSG_RAW_BLOCK, payload: withByte(rawP, 6, 1) },
    { name: 'raw_axis_0', type: MSG_RAW_BLOCK, payload: withByte(rawP, 4, 0) },
    { name: 'raw_axis_4', type: MSG_RAW_BLOCK, payload: withByte(rawP, 4, 4) },
    { name: 'raw_decimation_0', type: MSG_RAW_BLOCK, payload: withByte(rawP, 5, 0) },
    { name: 'raw_decimation_65', type: MSG_RAW_BLOCK, payload: withByte(rawP, 5, 65) },
    { name: 'raw_samples_cut', type: MSG_RAW_BLOCK, payload: rawP.subarray(0, rawP.length - 1) },
    { name: 'raw_reserved_and_trailing_ok', type: MSG_RAW_BLOCK, payload: concat(withByte(rawP, 7, 0x5a), cs(0, 0, 0)) },
    // Protocol 1.3: the node's own baseline (HELLO STATE block, FEATURES state, CONFIG key 10).
    { name: 'hello_state_learning_ok', type: MSG_HELLO, payload: concat(helloP, cs(DETECTOR_LEARNING, 37)) },
    { name: 'hello_state_cut', type: MSG_HELLO, payload: concat(helloP, cs(DETECTOR_LEARNING)) },
    { name: 'features_state_unseen_ok', type: MSG_FEATURES, payload: stateFeatures },
    { name: 'features_state_cut', type: MSG_FEATURES, payload: stateFeatures.subarray(0, stateFeatures.length - 1) },
    // Protocol 1.4: the threshold after the state, all or nothing.
    { name: 'hello_state_threshold_ok', type: MSG_HELLO, payload: concat(helloP, cs(DETECTOR_BASELINE, 100, 0x00, 0x00, 0x40, 0x40)) },
    { name: 'hello_state_threshold_cut', type: MSG_HELLO, payload: concat(helloP, cs(DETECTOR_BASELINE, 100, 0x00, 0x00, 0x40)) },
    { name: 'hello_state_threshold_one_byte', type: MSG_HELLO, payload: concat(helloP, cs(DETECTOR_BASELINE, 100, 0x00)) },
    { name: 'features_state_threshold_ok', type: MSG_FEATURES, payload: thresholdFeatures },
    { name: 'features_state_threshold_trailing_ok', type: MSG_FEATURES, payload: concat(thresholdFeatures, cs(0xee)) },
    { name: 'features_state_threshold_cut', type: MSG_FEATURES, payload: thresholdFeatures.subarray(0, thresholdFeatures.length - 1) },
    { name: 'set_learn_windows_63', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_LEARN_WINDOWS, 4, 63, 0, 0, 0) },
    { name: 'set_learn_windows_2_bytes', type: MSG_CONFIG_SET, payload: cs(1, CONFIG_KEY_LEARN_WINDOWS, 2, 0, 4) },
    { name: 'set_learn_windows_2600_ok', type: MSG_CONFIG_SET, payload: encodeConfigEntries(configToEntries({ learnWindows: 2600 })) },
  ];
  const payloadChecks = checks.map((c) => {
    const a = nodeAnswer(c.type, c.payload);
    return { ...c, ok: a.ok, nackReason: a.ok || !host.has(c.type) ? 0 : a.reason, nackDetail: a.ok || !host.has(c.type) ? 0 : a.detail };
  });
  for (const c of payloadChecks) if (c.name.endsWith('_ok') !== c.ok) throw new Error(`payload check ${c.name}: ok = ${c.ok}`);

  const framesLink = [
    { name: 'hello_req_flush_seq', type: MSG_HELLO_REQ, seq: 0x0001, payload: new Uint8Array(0) },
    { name: 'config_get', type: MSG_CONFIG_GET, seq: 0x0002, payload: new Uint8Array(0) },
    ...[helloInfoCases, ackCases, nackCases, pairCases, configCases, streamMsgCases, rawBlockCases, timeReqCases, timeCases, pingCases, logCases, secureCases]
      .flat()
      .map((c) => ({ name: `${typeName(c.type)}_${c.name}`, type: c.type, seq: c.seq, payload: c.payload })),
  ].map(withWire);

  return { helloInfoCases, ackCases, nackCases, pairCases, configCases, streamMsgCases, rawBlockCases, timeReqCases, timeCases, pingCases, logCases, secureCases, stateCases, payloadChecks, framesLink };
}

const TYPE_NAMES: Record<number, string> = {
  [MSG_HELLO_REQ]: 'hello_req', [MSG_HELLO]: 'hello', [MSG_PAIR]: 'pair', [MSG_ACK]: 'ack', [MSG_NACK]: 'nack', [MSG_PING]: 'ping', [MSG_PONG]: 'pong',
  [MSG_CONFIG_GET]: 'config_get', [MSG_CONFIG]: 'config', [MSG_CONFIG_SET]: 'config_set', [MSG_STREAM]: 'stream', [MSG_TIME_REQ]: 'time_req',
  [MSG_TIME]: 'time', [MSG_SECURE]: 'secure', [MSG_RAW_BLOCK]: 'raw_block', [MSG_LOG]: 'log',
};
const typeName = (t: number) => TYPE_NAMES[t] ?? `type_${t}`;

/** JSON for the link vectors: byte arrays as hex, int16 arrays as numbers. */
function jsonify(x: unknown): unknown {
  if (x instanceof Uint8Array) return hex(x);
  if (x instanceof Int16Array) return Array.from(x);
  if (Array.isArray(x)) return x.map(jsonify);
  if (typeof x === 'number' && Number.isNaN(x)) return 'NaN';
  if (x && typeof x === 'object') return Object.fromEntries(Object.entries(x).map(([k, v]) => [k, jsonify(v)]));
  return x;
}

export function renderLinkJson(v: ReturnType<typeof buildLinkVectors>) {
  const omit = <T extends object>(o: T, ...keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
  return {
    linkKey: hex(LINK_KEY),
    linkNonce: hex(LINK_NONCE),
    checkWindowLen: CHECK_WINDOW_LEN,
    helloInfo: v.helloInfoCases.map((c) => jsonify({ name: c.name, type: c.type, seq: c.seq, ...omit(c.hello, 'name'), nodeName: c.hello.name, payload: c.payload, wire: c.wire })),
    acks: jsonify(v.ackCases),
    nacks: jsonify(v.nackCases),
    pairs: jsonify(v.pairCases),
    configs: jsonify(v.configCases),
    streamMsgs: jsonify(v.streamMsgCases),
    rawBlocks: jsonify(v.rawBlockCases),
    timeReqs: jsonify(v.timeReqCases),
    times: jsonify(v.timeCases),
    pings: jsonify(v.pingCases),
    logs: jsonify(v.logCases),
    secures: jsonify(v.secureCases),
    states: jsonify(v.stateCases),
    payloadChecks: jsonify(v.payloadChecks),
    framesLink: jsonify(v.framesLink),
  };
}

const cHexList = (b: ArrayLike<number>) => Array.from(b, (x) => `0x${x.toString(16).padStart(2, '0')}`).join(', ');
const cI16 = (ident: string, s: Int16Array) => `static const int16_t ${ident}[${Math.max(1, s.length)}] = {${Array.from(s).join(', ') || '0'}};\n`;
const cU64 = (x: number) => `${x}ull`;

export function renderHeaderLink(v: ReturnType<typeof buildLinkVectors>): string {
  const FR = 'uint8_t type; uint16_t seq; const uint8_t *payload; size_t payload_len; const uint8_t *wire; size_t wire_len;';
  let h = `/* ---- Protocol 1.1 link messages (docs/protocol.md §3.1 INFO, §3.5 to §3.13) ----
 * Every message struct ends with its frame: type, seq, payload/payload_len (the message body) and
 * wire/wire_len (COBS(frame) + 0x00). Decode payload and compare with the fields; encode the fields
 * and compare with payload; frame it and compare with wire.
 *  vec_hello_info_t  HELLO, has_info = 0 for a 1.0 HELLO (then the INFO fields are 0)
 *  vec_ack_t, vec_nack_t (§3.5)  vec_pair_t (§3.6; unpair = all-zero key)
 *  vec_config_t (§3.7)  CONFIG or CONFIG_SET (type): the entries in payload order, and the typed
 *      values; bit k of present is set when key k is in the payload
 *  vec_stream_msg_t (§3.8)  vec_raw_block_t (§3.9): means are the float32 values m the samples were
 *      quantised from, q = floor(m / scale_g + 0.5) clamped, in float32; scale_g = range_g / 32768
 *  vec_time_req_t, vec_time_t (§3.10)  vec_ping_t (§3.11: PING or PONG, the payload is the data)
 *  vec_log_t (§3.12)  vec_secure_t (§3.13): key (32) and nonce (8) are LINK_KEY / LINK_NONCE, seq is
 *      the frame's; mac_input is m, tag the first 16 bytes of HMAC-SHA256(key, m); valid = 0 for a
 *      tampered tag (the node answers NACK AUTH_FAILED)
 *  vec_state_t  the detector state (§3.1 STATE block, §3.2 state; 1.3, threshold 1.4) in a HELLO or a
 *      FEATURES payload (type): its detector, learn_percent and, when has_threshold, threshold
 *      (−1: none now); decoded and encoded again it gives back its bytes
 *  vec_payload_check_t  payloads a decoder must refuse (ok = 0) or accept (ok = 1, the extension
 *      rule: trailing bytes ignored). For host-to-node types nack_reason/nack_detail is the NACK the
 *      node answers (CONFIG_SET checked with window_len = VEC_CHECK_WINDOW_LEN: first the payload
 *      must decode, else BAD_PAYLOAD: overrun, repeated key, wrong len for a known key; then the
 *      first bad entry in payload order: UNKNOWN_KEY, READ_ONLY, OUT_OF_RANGE with its key);
 *      0/0 for node-to-host types (a decode error, badPayload at the session layer)
 *  VEC_FRAMES_LINK (vec_frame_t)  every frame above, plus HELLO_REQ and CONFIG_GET, as one list
 */
typedef struct { uint8_t state; uint32_t seq; uint32_t model_version; } vec_slot_t;
typedef struct { const char *name; uint8_t fw_major, fw_minor, fw_patch; uint8_t uid[12]; uint8_t board; uint8_t axis_count; uint16_t window_len, hop; uint32_t sample_rate_hz; const char *node_name; const char *channels; uint8_t has_info; uint8_t protocol_minor; uint32_t capabilities; uint8_t link, paired; uint8_t key_id[4]; uint8_t link_nonce[8]; uint8_t sensor, range_g, stream_mode, raw_decimation; uint32_t model_version; uint8_t model_source; vec_slot_t slots[2]; ${FR} } vec_hello_info_t;
typedef struct { const char *name; uint8_t req_type; ${FR} } vec_ack_t;
typedef struct { const char *name; uint8_t req_type, reason; uint16_t detail; ${FR} } vec_nack_t;
typedef struct { const char *name; uint8_t key[32]; const char *node_name; uint8_t unpair; ${FR} } vec_pair_t;
typedef struct { uint8_t key; uint8_t len; const uint8_t *value; } vec_config_entry_t;
typedef struct { const char *name; uint8_t n_entries; const vec_config_entry_t *entries; uint32_t present; const char *node_name; uint8_t range_g; uint16_t hop; float shaft_hz; uint8_t send_bands, axis_count; uint16_t window_len; uint32_t sample_rate_hz; ${FR} } vec_config_t;
typedef struct { const char *name; uint8_t mode, raw_decimation; ${FR} } vec_stream_msg_t;
typedef struct { const char *name; uint32_t first_frame; uint8_t axis_count, decimation, format, range_g; float scale_g; uint16_t frame_count; const float *means; const int16_t *samples; ${FR} } vec_raw_block_t;
typedef struct { const char *name; uint64_t host_time_us; ${FR} } vec_time_req_t;
typedef struct { const char *name; uint64_t host_time_us, uptime_us, stream_t_us; ${FR} } vec_time_t;
typedef struct { const char *name; ${FR} } vec_ping_t;
typedef struct { const char *name; uint8_t level; uint16_t code; const char *text; ${FR} } vec_log_t;
typedef struct { const char *name; uint8_t key[32]; uint8_t key_id[4]; uint8_t nonce[8]; uint32_t counter; uint8_t inner_type; const uint8_t *inner_payload; size_t inner_len; const uint8_t *mac_input; size_t mac_input_len; uint8_t tag[16]; uint8_t valid; ${FR} } vec_secure_t;
typedef struct { const char *name; uint8_t type; const uint8_t *payload; size_t payload_len; uint8_t detector, learn_percent, has_threshold; float threshold; } vec_state_t;
typedef struct { const char *name; uint8_t type; const uint8_t *payload; size_t payload_len; uint8_t ok; uint8_t nack_reason; uint16_t nack_detail; } vec_payload_check_t;

static const uint8_t VEC_LINK_KEY[32] = {${cHexList(LINK_KEY)}};
static const uint8_t VEC_LINK_NONCE[8] = {${cHexList(LINK_NONCE)}};
static const uint16_t VEC_CHECK_WINDOW_LEN = ${CHECK_WINDOW_LEN};

`;
  const frameBytes = (prefix: string, i: number, c: { payload: Uint8Array; wire: Uint8Array }) => cBytes(`${prefix}_payload_${i}`, c.payload) + cBytes(`${prefix}_wire_${i}`, c.wire);
  const fr = (prefix: string, i: number, c: { type: number; seq: number; payload: Uint8Array; wire: Uint8Array }) =>
    `0x${c.type.toString(16).padStart(2, '0')}, 0x${c.seq.toString(16)}, ${prefix}_payload_${i}, ${c.payload.length}, ${prefix}_wire_${i}, ${c.wire.length}`;
  const table = <T>(ctype: string, ident: string, cases: T[], row: (c: T, i: number) => string) =>
    `static const ${ctype} ${ident}[] = {\n${cases.map((c, i) => `  {${row(c, i)}}`).join(',\n')}\n};\nstatic const size_t ${ident}_COUNT = ${cases.length};\n\n`;
  const cF = (x: number) => (Number.isNaN(x) ? 'NAN' : cFloat(x));

  v.helloInfoCases.forEach((c, i) => (h += frameBytes('vec_hello_info', i, c)));
  h += table('vec_hello_info_t', 'VEC_HELLO_INFO', v.helloInfoCases, (c, i) => {
    const x = c.hello;
    const n = (x as { info?: HelloInfo }).info;
    const info = n
      ? `1, ${n.protocolMinor}, 0x${n.capabilities.toString(16)}u, ${n.link}, ${n.paired}, {${cHexList(n.keyId)}}, {${cHexList(n.linkNonce)}}, ${n.sensor}, ${n.rangeG}, ${n.streamMode}, ${n.rawDecimation}, ${n.modelVersion}u, ${n.modelSource}, {${n.slots.map((s) => `{${s.state}, ${s.seq}u, ${s.modelVersion}u}`).join(', ')}}`
      : `0, 0, 0u, 0, 0, {0}, {0}, 0, 0, 0, 0, 0u, 0, {{0, 0u, 0u}, {0, 0u, 0u}}`;
    return `"${c.name}", ${x.firmware.major}, ${x.firmware.minor}, ${x.firmware.patch}, {${cHexList(x.uid)}}, ${x.board}, ${x.axisCount}, ${x.windowLen}, ${x.hop}, ${x.sampleRateHz}u, ${cStr(x.name)}, ${cStr(x.channels.join(','))}, ${info}, ${fr('vec_hello_info', i, c)}`;
  });
  v.ackCases.forEach((c, i) => (h += frameBytes('vec_ack', i, c)));
  h += table('vec_ack_t', 'VEC_ACKS', v.ackCases, (c, i) => `"${c.name}", 0x${c.reqType.toString(16).padStart(2, '0')}, ${fr('vec_ack', i, c)}`);
  v.nackCases.forEach((c, i) => (h += frameBytes('vec_nack', i, c)));
  h += table('vec_nack_t', 'VEC_NACKS', v.nackCases, (c, i) => `"${c.name}", 0x${c.reqType.toString(16).padStart(2, '0')}, ${c.reason}, ${c.detail}, ${fr('vec_nack', i, c)}`);
  v.pairCases.forEach((c, i) => (h += frameBytes('vec_pair', i, c)));
  h += table('vec_pair_t', 'VEC_PAIRS', v.pairCases, (c, i) => `"${c.name}", {${cHexList(c.key)}}, ${cStr(c.nodeName)}, ${isUnpairKey(c.key) ? 1 : 0}, ${fr('vec_pair', i, c)}`);
  v.configCases.forEach((c, i) => {
    h += frameBytes('vec_config', i, c);
    c.entries.forEach((e, k) => (h += cBytes(`vec_config_value_${i}_${k}`, e.value)));
    h += `static const vec_config_entry_t vec_config_entries_${i}[${Math.max(1, c.entries.length)}] = {${c.entries.map((e, k) => `{${e.key}, ${e.value.length}, vec_config_value_${i}_${k}}`).join(', ') || '{0, 0, 0}'}};\n`;
  });
  h += table('vec_config_t', 'VEC_CONFIGS', v.configCases, (c, i) => {
    const x = c.values;
    const present = c.entries.reduce((m, e) => m | (1 << e.key), 0);
    return `"${c.name}", ${c.entries.length}, vec_config_entries_${i}, 0x${present.toString(16)}u, ${cStr(x.name ?? '')}, ${x.rangeG ?? 0}, ${x.hop ?? 0}, ${cF(x.shaftHz ?? 0)}, ${x.sendBands ? 1 : 0}, ${x.axisCount ?? 0}, ${x.windowLen ?? 0}, ${x.sampleRateHz ?? 0}u, ${fr('vec_config', i, c)}`;
  });
  v.streamMsgCases.forEach((c, i) => (h += frameBytes('vec_stream_msg', i, c)));
  h += table('vec_stream_msg_t', 'VEC_STREAM_MSGS', v.streamMsgCases, (c, i) => `"${c.name}", ${c.mode}, ${c.rawDecimation}, ${fr('vec_stream_msg', i, c)}`);
  v.rawBlockCases.forEach((c, i) => {
    h += frameBytes('vec_raw_block', i, c);
    h += `static const float vec_raw_block_means_${i}[${c.means.length}] = {${c.means.map(cF).join(', ')}};\n`;
    h += cI16(`vec_raw_block_samples_${i}`, c.samples);
  });
  h += table('vec_raw_block_t', 'VEC_RAW_BLOCKS', v.rawBlockCases, (c, i) => `"${c.name}", ${c.firstFrame}u, ${c.axisCount}, ${c.decimation}, 0, ${c.rangeG}, ${cF(c.scaleG)}, ${c.samples.length / c.axisCount}, vec_raw_block_means_${i}, vec_raw_block_samples_${i}, ${fr('vec_raw_block', i, c)}`);
  v.timeReqCases.forEach((c, i) => (h += frameBytes('vec_time_req', i, c)));
  h += table('vec_time_req_t', 'VEC_TIME_REQS', v.timeReqCases, (c, i) => `"${c.name}", ${cU64(c.hostTimeUs)}, ${fr('vec_time_req', i, c)}`);
  v.timeCases.forEach((c, i) => (h += frameBytes('vec_time', i, c)));
  h += table('vec_time_t', 'VEC_TIMES', v.timeCases, (c, i) => `"${c.name}", ${cU64(c.hostTimeUs)}, ${cU64(c.uptimeUs)}, ${cU64(c.streamTUs)}, ${fr('vec_time', i, c)}`);
  v.pingCases.forEach((c, i) => (h += frameBytes('vec_ping', i, c)));
  h += table('vec_ping_t', 'VEC_PINGS', v.pingCases, (c, i) => `"${c.name}", ${fr('vec_ping', i, c)}`);
  v.logCases.forEach((c, i) => (h += frameBytes('vec_log', i, c)));
  h += table('vec_log_t', 'VEC_LOGS', v.logCases, (c, i) => `"${c.name}", ${c.level}, ${c.code}, ${cStr(c.text)}, ${fr('vec_log', i, c)}`);
  v.secureCases.forEach((c, i) => (h += frameBytes('vec_secure', i, c) + cBytes(`vec_secure_inner_${i}`, c.innerPayload) + cBytes(`vec_secure_mac_input_${i}`, c.macInput)));
  h += table(
    'vec_secure_t',
    'VEC_SECURES',
    v.secureCases,
    (c, i) =>
      `"${c.name}", {${cHexList(c.key)}}, {${cHexList(c.keyId)}}, {${cHexList(c.nonce)}}, ${c.counter}u, 0x${c.innerType.toString(16).padStart(2, '0')}, vec_secure_inner_${i}, ${c.innerPayload.length}, vec_secure_mac_input_${i}, ${c.macInput.length}, {${cHexList(c.tag)}}, ${c.valid ? 1 : 0}, ${fr('vec_secure', i, c)}`,
  );
  v.stateCases.forEach((c, i) => (h += cBytes(`vec_state_${i}`, c.payload)));
  h += table('vec_state_t', 'VEC_STATES', v.stateCases, (c, i) => `"${c.name}", 0x${c.type.toString(16).padStart(2, '0')}, vec_state_${i}, ${c.payload.length}, ${c.detector}, ${c.learnPercent}, ${c.hasThreshold ? 1 : 0}, ${cF(c.threshold)}`);
  v.payloadChecks.forEach((c, i) => (h += cBytes(`vec_payload_check_${i}`, c.payload)));
  h += table('vec_payload_check_t', 'VEC_PAYLOAD_CHECKS', v.payloadChecks, (c, i) => `"${c.name}", 0x${c.type.toString(16).padStart(2, '0')}, vec_payload_check_${i}, ${c.payload.length}, ${c.ok ? 1 : 0}, ${c.nackReason}, ${c.nackDetail}`);
  v.framesLink.forEach((c, i) => (h += frameBytes('vec_frame_link', i, c)));
  h += table('vec_frame_t', 'VEC_FRAMES_LINK', v.framesLink, (c, i) => `"${c.name}", ${fr('vec_frame_link', i, c)}`);
  return h;
}

export const JSON_PATH = join(OUT_ROOT, 'test', 'vectors', 'frames.json');
export const HEADER_PATH = join(OUT_ROOT, 'test', 'vectors', 'frames_vectors.h');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = buildVectors();
  writeFileSync(JSON_PATH, renderJson(v));
  writeFileSync(HEADER_PATH, renderHeader(v));
  console.log(`wrote ${JSON_PATH} and ${HEADER_PATH}`);
  // npm run vectors regenerates every shared vector set: the feature vectors too.
  const d = buildDspVectors();
  writeFileSync(DSP_JSON_PATH, renderDspJson(d));
  writeFileSync(DSP_HEADER_PATH, renderDspHeader(d));
  writeFileSync(BAND_TABLES_PATH, renderBandTables());
  console.log(`wrote ${DSP_JSON_PATH}, ${DSP_HEADER_PATH} and ${BAND_TABLES_PATH}`);
}
