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
import { dirname, join } from 'node:path';
import {
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

export const GENERATOR = 'scripts/gen-vectors.ts v1';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const bytes = (...xs: number[]): Uint8Array => Uint8Array.from(xs);
const concat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

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

  return { crcCases, cobsCases, helloCases, featureCases, frameCases, streamCases, featureExtCases, eventCases, samplesInCases, frameExtCases };
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

const here = dirname(fileURLToPath(import.meta.url));
export const JSON_PATH = join(here, '..', 'test', 'vectors', 'frames.json');
export const HEADER_PATH = join(here, '..', 'test', 'vectors', 'frames_vectors.h');

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
