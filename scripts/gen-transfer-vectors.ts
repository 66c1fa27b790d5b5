/**
 * Generates the golden vectors of the model transfer (docs/protocol.md section 3.14):
 *   test/vectors/transfer_vectors.json   read by the Vitest tests
 *   test/vectors/transfer_vectors.h      the same vectors as C arrays, read by the cmocka tests
 * Run: npx tsx scripts/gen-transfer-vectors.ts. The unit test fails when the committed files differ
 * from what this prints (test/unit/models/transfer.test.ts).
 *
 * Three parts: message payloads (both codecs), model images derived from the model of
 * test/vectors/nn_vectors.json (version 7, signed with its test key) as byte patches, and scenarios:
 * whole exchanges with a node running that model, whose responses the TypeScript model of the
 * receiver (test/helpers/transferReceiver.ts) writes here and the C receiver must reproduce.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { signModelBlob } from '../models/nn/modelFile';
import { fromHex, sha256, toHex } from '../models/crypto/sha256';
import { crc32, encodeNack, MSG_ACK } from '../models/protocol';
import {
  encodeModelBegin,
  encodeModelChunk,
  encodeModelCommit,
  encodeModelRollback,
  encodeTransferStatus,
  modelBeginMacInput,
  modelBeginTag,
  MSG_MODEL_ABORT,
  MSG_MODEL_BEGIN,
  MSG_MODEL_CHUNK,
  MSG_MODEL_COMMIT,
  MSG_MODEL_ROLLBACK,
  MSG_MODEL_STATUS,
  MSG_MODEL_STATUS_REQ,
  TRANSFER_NACK_TEXT,
  TRANSFER_RECEIVING,
  TRANSFER_TRIAL,
} from '../models/protocol/transfer';
import { TransferReceiver, type RunRequest } from '../test/helpers/transferReceiver';
import { generatorStamp, OUT_ROOT, REPO_ROOT } from './generated';

export const GENERATOR = generatorStamp(import.meta.url);
const ROOT = REPO_ROOT;
export const JSON_PATH = join(OUT_ROOT, 'test', 'vectors', 'transfer_vectors.json');
export const HEADER_PATH = join(OUT_ROOT, 'test', 'vectors', 'transfer_vectors.h');

/** Slot size (with the store's 32-byte trailer), chunk size and confirmation count of the scenarios. */
export const SLOT_SIZE = 10240;
export const CHUNK = 240;
export const CONFIRM_AFTER = 3;
export const BUILTIN_VERSION = 1;
const ZERO_KEY = new Uint8Array(32);
const OTHER_KEY = Uint8Array.from({ length: 32 }, (_, i) => 0x20 + i);

interface NnModelVectors {
  model: { testKey: string; blob: string };
}

export function baseModel(): { blob: Uint8Array; key: Uint8Array } {
  const nn = JSON.parse(readFileSync(join(ROOT, 'test', 'vectors', 'nn_vectors.json'), 'utf8')) as NnModelVectors;
  return { blob: fromHex(nn.model.blob), key: fromHex(nn.model.testKey) };
}

/** A copy of the base blob with another version (and, optionally, hop or self-test sum), CRC and tag. */
function derive(base: Uint8Array, key: Uint8Array, o: { version: number; hop?: number; sumsqDelta?: number }): Uint8Array {
  const b = base.slice();
  const v = new DataView(b.buffer);
  v.setUint32(12, o.version, true);
  if (o.hop !== undefined) {
    // docs/model-format.md 2.2: hop at spec +38; the spec hash covers spec +32 .. +56 + 2(B+1).
    v.setUint16(48 + 38, o.hop, true);
    const bands = v.getUint16(48 + 34, true);
    b.set(sha256(b.subarray(48 + 32, 48 + 56 + 2 * (bands + 1))), 48);
  }
  const crcOffset = v.getUint32(44, true);
  if (o.sumsqDelta !== undefined) v.setUint32(crcOffset - 4, (v.getUint32(crcOffset - 4, true) + o.sumsqDelta) >>> 0, true);
  v.setUint32(crcOffset, crc32(b, 0, crcOffset), true);
  return signModelBlob(b, key);
}

interface Patch {
  offset: number;
  bytes: string;
}

function patchesFrom(base: Uint8Array, img: Uint8Array): Patch[] {
  const out: Patch[] = [];
  let i = 0;
  while (i < img.length) {
    if (img[i] === base[i]) {
      i++;
      continue;
    }
    const start = i;
    while (i < img.length && img[i] !== base[i]) i++;
    out.push({ offset: start, bytes: toHex(img.subarray(start, i)) });
  }
  return out;
}

export interface ImageVector {
  name: string;
  length: number;
  sha256: string;
  patches: Patch[];
}

export type Step =
  | { op: 'req'; type: number; payload: string; resp: Resp }
  | { op: 'chunk'; image: number; offset: number; len: number; xorAt: number; resp: Resp }
  | { op: 'window'; healthy: boolean; resp: Resp }
  | { op: 'reset'; resp: Resp };

/** What the node answers (type 0 and no payload for windows and resets), what it must load next, and the version it runs. */
export interface Resp {
  type: number;
  payload: string;
  run: RunRequest['kind'];
  runSlot: number;
  runningVersion: number;
}

export interface Scenario {
  name: string;
  key: string;
  steps: Step[];
}

export interface TransferVectors {
  generator: string;
  spec: string;
  slotSize: number;
  chunk: number;
  confirmAfter: number;
  builtinVersion: number;
  base: { from: string; length: number; sha256: string; specHash: string };
  messages: { name: string; type: number; payload: string }[];
  beginTags: { key: string; size: number; version: number; sha256: string; macInput: string; tag: string }[];
  shortPayloads: { type: number; len: number }[];
  images: ImageVector[];
  scenarios: Scenario[];
}

class ScenarioWriter {
  readonly steps: Step[] = [];
  readonly rx: TransferReceiver;
  constructor(
    readonly key: Uint8Array,
    base: Uint8Array,
    private readonly imgs: Uint8Array[],
  ) {
    this.rx = new TransferReceiver({ key, specHash: base.subarray(48, 80), slotSize: SLOT_SIZE, confirmAfter: CONFIRM_AFTER, running: base, builtinVersion: BUILTIN_VERSION });
    this.rx.reset(); // the boot: store_boot under this node's key
  }
  private resp(type: number, payload: Uint8Array): Resp {
    const run = this.rx.takeRun();
    return { type, payload: toHex(payload), run: run.kind, runSlot: run.kind === 'slot' ? run.slot : 0, runningVersion: this.rx.runningVersion };
  }
  req(type: number, payload: Uint8Array = new Uint8Array(0)): this {
    const r = this.rx.handle(type, payload);
    this.steps.push({ op: 'req', type, payload: toHex(payload), resp: this.resp(r.type, r.payload) });
    return this;
  }
  begin(image: number, o: { version?: number; tagKey?: Uint8Array; size?: number } = {}): this {
    const img = this.imgs[image];
    const size = o.size ?? img.length;
    const version = o.version ?? new DataView(img.buffer, img.byteOffset).getUint32(12, true);
    const h = sha256(img);
    return this.req(MSG_MODEL_BEGIN, encodeModelBegin({ size, version, sha256: h, tag: modelBeginTag(o.tagKey ?? this.key, size, version, h) }));
  }
  commit(image: number): this {
    return this.req(MSG_MODEL_COMMIT, encodeModelCommit(sha256(this.imgs[image])));
  }
  /** A chunk of `len` bytes of the image from `offset` (zeros past its end). */
  chunk(image: number, offset: number, len = CHUNK, xorAt = -1): this {
    const img = this.imgs[image];
    const n = len;
    const data = new Uint8Array(n);
    data.set(img.subarray(offset, offset + n));
    if (xorAt >= 0) data[xorAt] ^= 0x01;
    const r = this.rx.handle(MSG_MODEL_CHUNK, encodeModelChunk({ offset, data }));
    this.steps.push({ op: 'chunk', image, offset, len: n, xorAt, resp: this.resp(r.type, r.payload) });
    return this;
  }
  /** Every chunk from `from` to the end, in order (chunk `corrupt` with one bit flipped). */
  rest(image: number, from = 0, corrupt = -1): this {
    const len = this.imgs[image].length;
    for (let o = from; o < len; o += CHUNK) this.chunk(image, o, Math.min(CHUNK, len - o), o / CHUNK === corrupt ? 7 : -1);
    return this;
  }
  window(healthy: boolean): this {
    this.rx.window(healthy);
    this.steps.push({ op: 'window', healthy, resp: this.resp(0, new Uint8Array(0)) });
    return this;
  }
  reset(): this {
    this.rx.reset();
    this.steps.push({ op: 'reset', resp: this.resp(0, new Uint8Array(0)) });
    return this;
  }
}

export function buildVectors(): TransferVectors {
  const { blob: base, key } = baseModel();
  // Image 0 is the base model itself (the running one: a replay of it must be refused).
  const defs: [string, Uint8Array][] = [
    ['v7: the running model (replayed)', base],
    ['v8: newer, same features, signed with the pairing key', derive(base, key, { version: 8 })],
    ['v9: newer still', derive(base, key, { version: 9 })],
    ['v5: older, signed with the pairing key', derive(base, key, { version: 5 })],
    ['v8 signed with another key', derive(base, OTHER_KEY, { version: 8 })],
    ['v8 built for another hop (feature spec)', derive(base, key, { version: 8, hop: 256 })],
    ['v8 whose self-test sum is off by one', derive(base, key, { version: 8, sumsqDelta: 1 })],
  ];
  const v8 = defs[1][1];
  defs.push(['v8 truncated by 100 bytes', v8.slice(0, v8.length - 100)]);
  const imgs = defs.map(([, b]) => b);
  const [V7, V8, V9, V5, WRONG_KEY, OTHER_SPEC, BAD_SELFTEST, TRUNCATED] = [0, 1, 2, 3, 4, 5, 6, 7];
  const images = defs.map(([name, b]) => ({ name, length: b.length, sha256: toHex(sha256(b)), patches: patchesFrom(base, b) }));
  const chunks = Math.ceil(v8.length / CHUNK);

  const scenarios: Scenario[] = [];
  const scenario = (name: string, k: Uint8Array, build: (w: ScenarioWriter) => void) => {
    const w = new ScenarioWriter(k, base, imgs);
    build(w);
    scenarios.push({ name, key: toHex(k), steps: w.steps });
  };

  scenario('update in a window of 4 with a lost and a repeated chunk; trial, confirmation, rollback', key, (w) => {
    w.req(MSG_MODEL_STATUS_REQ).begin(V8);
    for (let i = 0; i < 4; i++) w.chunk(V8, i * CHUNK);
    // chunk 4 is lost: 5 and 6 arrive past it and are dropped; the sender goes back to 4.
    w.chunk(V8, 5 * CHUNK).chunk(V8, 6 * CHUNK);
    w.chunk(V8, 0); // a late repeat
    w.rest(V8, 4 * CHUNK);
    w.commit(V8).commit(V8).req(MSG_MODEL_STATUS_REQ);
    w.begin(V9); // a model on trial: refused until confirmed
    w.window(true).window(true).req(MSG_MODEL_STATUS_REQ).window(true).req(MSG_MODEL_STATUS_REQ);
    w.reset().req(MSG_MODEL_STATUS_REQ);
    w.req(MSG_MODEL_ROLLBACK, encodeModelRollback(7)).req(MSG_MODEL_ROLLBACK, encodeModelRollback(7));
    w.reset().req(MSG_MODEL_STATUS_REQ);
    w.req(MSG_MODEL_ROLLBACK, encodeModelRollback(8)).req(MSG_MODEL_ROLLBACK, encodeModelRollback(3));
    w.begin(V8).rest(V8).commit(V8).window(true).window(true).window(true).req(MSG_MODEL_STATUS_REQ);
  });

  scenario('resume after a disconnect; an unhealthy window on trial reverts', key, (w) => {
    w.begin(V8);
    for (let i = 0; i < 10; i++) w.chunk(V8, i * CHUNK);
    w.req(MSG_MODEL_STATUS_REQ).begin(V8).rest(V8, 10 * CHUNK).commit(V8).window(true).window(false);
    w.req(MSG_MODEL_STATUS_REQ).reset().req(MSG_MODEL_STATUS_REQ);
  });

  scenario('a reset before the confirmation reverts; the transfer starts again', key, (w) => {
    w.begin(V8).rest(V8).commit(V8).window(true).reset().req(MSG_MODEL_STATUS_REQ);
    w.begin(V8).chunk(V8, CHUNK).rest(V8).commit(V8).req(MSG_MODEL_STATUS_REQ);
  });

  scenario('rollback to the built-in model: every stored model rejected, also after a reset', key, (w) => {
    w.begin(V8).rest(V8).commit(V8).window(true).window(true).window(true).req(MSG_MODEL_STATUS_REQ);
    w.req(MSG_MODEL_ROLLBACK, encodeModelRollback(BUILTIN_VERSION)).req(MSG_MODEL_STATUS_REQ);
    w.req(MSG_MODEL_ROLLBACK, encodeModelRollback(7)).reset().req(MSG_MODEL_STATUS_REQ);
    w.begin(V8).rest(V8).commit(V8).req(MSG_MODEL_STATUS_REQ);
  });

  scenario('refusals, each with its reason; the running model keeps running', key, (w) => {
    w.chunk(V8, 0).commit(V8);
    w.begin(V8, { tagKey: OTHER_KEY }).begin(V5).begin(V7).begin(V8, { size: SLOT_SIZE });
    w.req(MSG_MODEL_BEGIN, new Uint8Array(55));
    w.req(MSG_MODEL_CHUNK, new Uint8Array(4)).req(MSG_MODEL_COMMIT, new Uint8Array(31)).req(MSG_MODEL_ROLLBACK, new Uint8Array(3));
    w.begin(V8).chunk(V8, 2, 8).chunk(V8, 0, 6).chunk(V8, (chunks - 1) * CHUNK, CHUNK);
    for (let i = 0; i < chunks / 2; i++) w.chunk(V8, i * CHUNK);
    w.commit(V9).commit(V8).req(MSG_MODEL_ABORT).req(MSG_MODEL_STATUS_REQ).req(MSG_MODEL_ABORT);
    w.begin(V8).rest(V8, 0, 3).commit(V8).req(MSG_MODEL_STATUS_REQ);
    for (const img of [WRONG_KEY, OTHER_SPEC, BAD_SELFTEST, TRUNCATED]) w.begin(img).rest(img).commit(img);
    w.begin(V5, { version: 8 }).rest(V5).commit(V5); // a replayed older image under a newer claim
    w.req(MSG_MODEL_STATUS_REQ).req(0x2f);
    w.begin(V8).rest(V8).commit(V8).req(MSG_MODEL_STATUS_REQ);
  });

  scenario('an unpaired node refuses updates', ZERO_KEY, (w) => {
    w.req(MSG_MODEL_STATUS_REQ).begin(V8).chunk(V8, 0).req(MSG_MODEL_ROLLBACK, encodeModelRollback(7));
  });

  const sha8 = sha256(v8);
  const messages = [
    { name: 'MODEL_BEGIN v8', type: MSG_MODEL_BEGIN, payload: encodeModelBegin({ size: v8.length, version: 8, sha256: sha8, tag: modelBeginTag(key, v8.length, 8, sha8) }) },
    { name: 'MODEL_CHUNK at 240, 8 bytes', type: MSG_MODEL_CHUNK, payload: encodeModelChunk({ offset: 240, data: v8.slice(240, 248) }) },
    { name: 'MODEL_CHUNK, last 3 bytes', type: MSG_MODEL_CHUNK, payload: encodeModelChunk({ offset: 7976, data: Uint8Array.of(1, 2, 3) }) },
    { name: 'MODEL_COMMIT v8', type: MSG_MODEL_COMMIT, payload: encodeModelCommit(sha8) },
    { name: 'MODEL_ABORT', type: MSG_MODEL_ABORT, payload: new Uint8Array(0) },
    { name: 'MODEL_STATUS_REQ', type: MSG_MODEL_STATUS_REQ, payload: new Uint8Array(0) },
    { name: 'MODEL_ROLLBACK to 7', type: MSG_MODEL_ROLLBACK, payload: encodeModelRollback(7) },
    {
      name: 'MODEL_STATUS receiving',
      type: MSG_MODEL_STATUS,
      payload: encodeTransferStatus({ state: TRANSFER_RECEIVING, trialWindows: 0, confirmAfter: 16, maxChunk: 1020, offset: 2400, size: v8.length, version: 8, runningVersion: 7, sha256: sha8 }),
    },
    {
      name: 'MODEL_STATUS trial',
      type: MSG_MODEL_STATUS,
      payload: encodeTransferStatus({ state: TRANSFER_TRIAL, trialWindows: 255, confirmAfter: 255, maxChunk: 1020, offset: 0xfffffffc, size: 0xffffffff, version: 0x80000008, runningVersion: 0xffffffff, sha256: sha8 }),
    },
    ...Object.keys(TRANSFER_NACK_TEXT).map((r) => ({
      name: `NACK ${TRANSFER_NACK_TEXT[Number(r)][0]}`,
      type: 0x05,
      payload: encodeNack({ reqType: MSG_MODEL_COMMIT, reason: Number(r), detail: 0 }),
    })),
    { name: 'ACK MODEL_COMMIT', type: MSG_ACK, payload: Uint8Array.of(MSG_MODEL_COMMIT) },
  ].map((m) => ({ ...m, payload: toHex(m.payload) }));

  const beginTags = [
    { key, size: v8.length, version: 8 },
    { key: OTHER_KEY, size: 1, version: 0xffffffff },
    { key: ZERO_KEY, size: 0xffffffff, version: 1 },
  ].map((t, i) => {
    const h = sha256(Uint8Array.of(i));
    return { key: toHex(t.key), size: t.size, version: t.version, sha256: toHex(h), macInput: toHex(modelBeginMacInput(t.size, t.version, h)), tag: toHex(modelBeginTag(t.key, t.size, t.version, h)) };
  });

  return {
    generator: GENERATOR,
    spec: 'docs/protocol.md section 3.14',
    slotSize: SLOT_SIZE,
    chunk: CHUNK,
    confirmAfter: CONFIRM_AFTER,
    builtinVersion: BUILTIN_VERSION,
    base: { from: 'test/vectors/nn_vectors.json model.blob', length: base.length, sha256: toHex(sha256(base)), specHash: toHex(base.subarray(48, 80)) },
    messages,
    beginTags,
    shortPayloads: [
      { type: MSG_MODEL_BEGIN, len: 55 },
      { type: MSG_MODEL_CHUNK, len: 4 },
      { type: MSG_MODEL_COMMIT, len: 31 },
      { type: MSG_MODEL_ROLLBACK, len: 3 },
      { type: MSG_MODEL_STATUS, len: 55 },
    ],
    images,
    scenarios,
  };
}

/** The vector images, rebuilt from the base model and their patches. */
export function vectorImages(v: Pick<TransferVectors, 'images'>): Uint8Array[] {
  const { blob } = baseModel();
  return v.images.map((img) => {
    const b = new Uint8Array(img.length);
    b.set(blob.subarray(0, Math.min(img.length, blob.length)));
    for (const p of img.patches) b.set(fromHex(p.bytes), p.offset);
    return b;
  });
}

export function renderJson(v: TransferVectors): string {
  return JSON.stringify(v, null, 1) + '\n';
}

const hexList = (h: string): string => Array.from(fromHex(h), (b) => `0x${b.toString(16).padStart(2, '0')}`).join(', ');
const bytesOrNull = (name: string, h: string, out: string[]): string => {
  if (h.length === 0) return 'NULL';
  out.push(`static const uint8_t ${name}[${h.length / 2}] = {${hexList(h)}};`);
  return name;
};
const RUN = { none: 0, slot: 1, builtin: 2 } as const;
const OP = { req: 0, chunk: 1, window: 2, reset: 3 } as const;

export function renderHeader(v: TransferVectors): string {
  const out: string[] = [];
  out.push(`/* Generated by ${v.generator} (TypeScript). Do not edit: run npm run generate.
 * Spec: ${v.spec}. The same vectors are in test/vectors/transfer_vectors.json for the TS tests.
 * Images are patches of the model in nn_vectors.h (VEC_NN_MODEL_BLOB): include that first. */
#ifndef VIGIL_TRANSFER_VECTORS_H
#define VIGIL_TRANSFER_VECTORS_H
#include <stddef.h>
#include <stdint.h>

#define VEC_OTA_SLOT_SIZE ${v.slotSize}u
#define VEC_OTA_CONFIRM_AFTER ${v.confirmAfter}u
#define VEC_OTA_BUILTIN_VERSION ${v.builtinVersion}u
#define VEC_OTA_OP_REQ 0u
#define VEC_OTA_OP_CHUNK 1u /* payload: offset, then image bytes [offset, offset + len), data byte xor_at ^ 0x01 */
#define VEC_OTA_OP_WINDOW 2u
#define VEC_OTA_OP_RESET 3u /* the node restarts: store_boot, then ota_init with the booted version */
#define VEC_OTA_RUN_NONE 0u
#define VEC_OTA_RUN_SLOT 1u
#define VEC_OTA_RUN_BUILTIN 2u

typedef struct { const char *name; uint8_t type; const uint8_t *payload; size_t len; } vec_ota_msg_t;
typedef struct { uint8_t key[32]; uint32_t size, version; uint8_t sha256[32]; uint8_t mac_input[46]; uint8_t tag[16]; } vec_ota_tag_t;
typedef struct { uint8_t type; size_t len; } vec_ota_short_t;
typedef struct { uint32_t offset; const uint8_t *bytes; size_t len; } vec_ota_patch_t;
typedef struct { const char *name; uint32_t length; uint8_t sha256[32]; const vec_ota_patch_t *patches; size_t patch_count; } vec_ota_image_t;
typedef struct {
    uint8_t op, type;                    /* REQ: type and payload */
    const uint8_t *payload; size_t payload_len;
    uint8_t image; uint32_t offset; uint16_t len; int32_t xor_at; /* CHUNK */
    uint8_t healthy;                     /* WINDOW */
    uint8_t resp_type; const uint8_t *resp; size_t resp_len; /* REQ, CHUNK: the response */
    uint8_t run, run_slot; uint32_t running_version;         /* after the step */
} vec_ota_step_t;
typedef struct { const char *name; uint8_t key[32]; const vec_ota_step_t *steps; size_t step_count; } vec_ota_scenario_t;
`);
  out.push(`static const uint8_t VEC_OTA_BASE_SHA256[32] = {${hexList(v.base.sha256)}};`);
  out.push(`static const size_t VEC_OTA_BASE_LEN = ${v.base.length};`);
  const msgs = v.messages.map((m, i) => `    {"${m.name}", 0x${m.type.toString(16).padStart(2, '0')}, ${bytesOrNull(`vec_ota_msg_${i}`, m.payload, out)}, ${m.payload.length / 2}}`);
  out.push(`static const vec_ota_msg_t VEC_OTA_MSGS[] = {\n${msgs.join(',\n')}\n};\nstatic const size_t VEC_OTA_MSGS_COUNT = ${v.messages.length};`);
  out.push(
    `static const vec_ota_tag_t VEC_OTA_TAGS[] = {\n${v.beginTags
      .map((t) => `    {{${hexList(t.key)}}, ${t.size}u, ${t.version}u, {${hexList(t.sha256)}}, {${hexList(t.macInput)}}, {${hexList(t.tag)}}}`)
      .join(',\n')}\n};\nstatic const size_t VEC_OTA_TAGS_COUNT = ${v.beginTags.length};`,
  );
  out.push(`static const vec_ota_short_t VEC_OTA_SHORT[] = {${v.shortPayloads.map((s) => `{0x${s.type.toString(16)}, ${s.len}}`).join(', ')}};\nstatic const size_t VEC_OTA_SHORT_COUNT = ${v.shortPayloads.length};`);
  v.images.forEach((img, i) => {
    const ps = img.patches.map((p, j) => `{${p.offset}u, ${bytesOrNull(`vec_ota_image_${i}_patch_${j}`, p.bytes, out)}, ${p.bytes.length / 2}}`);
    out.push(ps.length ? `static const vec_ota_patch_t vec_ota_image_${i}_patches[] = {${ps.join(', ')}};` : '');
  });
  out.push(
    `static const vec_ota_image_t VEC_OTA_IMAGES[] = {\n${v.images
      .map((img, i) => `    {"${img.name}", ${img.length}u, {${hexList(img.sha256)}}, ${img.patches.length ? `vec_ota_image_${i}_patches` : 'NULL'}, ${img.patches.length}}`)
      .join(',\n')}\n};\nstatic const size_t VEC_OTA_IMAGES_COUNT = ${v.images.length};`,
  );
  v.scenarios.forEach((s, i) => {
    const rows = s.steps.map((st, j) => {
      const r = st.resp;
      const resp = bytesOrNull(`vec_ota_s${i}_resp_${j}`, r.payload, out);
      const tail = `0x${r.type.toString(16).padStart(2, '0')}, ${resp}, ${r.payload.length / 2}, ${RUN[r.run]}, ${r.runSlot}, ${r.runningVersion}u`;
      switch (st.op) {
        case 'req':
          return `    {${OP.req}, 0x${st.type.toString(16).padStart(2, '0')}, ${bytesOrNull(`vec_ota_s${i}_req_${j}`, st.payload, out)}, ${st.payload.length / 2}, 0, 0, 0, -1, 0, ${tail}}`;
        case 'chunk':
          return `    {${OP.chunk}, 0x21, NULL, 0, ${st.image}, ${st.offset}u, ${st.len}, ${st.xorAt}, 0, ${tail}}`;
        case 'window':
          return `    {${OP.window}, 0, NULL, 0, 0, 0, 0, -1, ${st.healthy ? 1 : 0}, ${tail}}`;
        default:
          return `    {${OP.reset}, 0, NULL, 0, 0, 0, 0, -1, 0, ${tail}}`;
      }
    });
    out.push(`static const vec_ota_step_t vec_ota_s${i}_steps[] = {\n${rows.join(',\n')}\n};`);
  });
  out.push(
    `static const vec_ota_scenario_t VEC_OTA_SCENARIOS[] = {\n${v.scenarios
      .map((s, i) => `    {"${s.name}", {${hexList(s.key)}}, vec_ota_s${i}_steps, ${s.steps.length}}`)
      .join(',\n')}\n};\nstatic const size_t VEC_OTA_SCENARIOS_COUNT = ${v.scenarios.length};`,
  );
  out.push('#endif /* VIGIL_TRANSFER_VECTORS_H */');
  return out.filter((l) => l !== '').join('\n') + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const v = buildVectors();
  writeFileSync(JSON_PATH, renderJson(v));
  writeFileSync(HEADER_PATH, renderHeader(v));
  console.log(`wrote ${JSON_PATH} and ${HEADER_PATH}`);
}
