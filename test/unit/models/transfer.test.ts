// The model transfer codec and the TypeScript model of the node's receiver against the golden
// vectors shared with the firmware (test/vectors/transfer_vectors.{json,h}).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fromHex, sha256, toHex } from '../../../models/crypto/sha256';
import { decodeNack, encodeFrame, encodeSecure, MSG_ACK, MSG_NACK, PayloadError } from '../../../models/protocol';
import {
  decodeModelBegin,
  decodeModelChunk,
  decodeModelCommit,
  decodeModelRollback,
  decodeTransferStatus,
  encodeModelBegin,
  encodeModelChunk,
  encodeModelCommit,
  encodeModelRollback,
  encodeTransferStatus,
  modelBeginMacInput,
  modelBeginTag,
  MSG_MODEL_BEGIN,
  MODEL_CHUNK_DATA_MAX,
  MODEL_CHUNK_DATA_MAX_SECURE,
  MSG_MODEL_CHUNK,
  MSG_MODEL_COMMIT,
  MSG_MODEL_ROLLBACK,
  MSG_MODEL_STATUS,
  TRANSFER_NACK_TEXT,
} from '../../../models/protocol/transfer';
import { baseModel, buildVectors, HEADER_PATH, JSON_PATH, renderHeader, renderJson, vectorImages, type TransferVectors } from '../../../scripts/gen-transfer-vectors';
import { TransferReceiver } from '../../helpers/transferReceiver';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8')) as TransferVectors;

describe('transfer golden vectors', () => {
  it('the committed JSON and C header are what the generator writes', () => {
    const v = buildVectors();
    expect(readFileSync(JSON_PATH, 'utf8')).toBe(renderJson(v));
    expect(readFileSync(HEADER_PATH, 'utf8')).toBe(renderHeader(v));
  });

  it('every image rebuilt from its patches has its SHA-256', () => {
    const imgs = vectorImages(V);
    expect(imgs.length).toBe(8);
    imgs.forEach((b, i) => expect(toHex(sha256(b)), V.images[i].name).toBe(V.images[i].sha256));
    expect(toHex(sha256(baseModel().blob))).toBe(V.base.sha256);
  });

  it('every message decodes to the fields it was written from and encodes back to the same bytes', () => {
    let n = 0;
    for (const m of V.messages) {
      const p = fromHex(m.payload);
      switch (m.type) {
        case MSG_MODEL_BEGIN: {
          const b = decodeModelBegin(p);
          expect(b.version).toBe(8);
          expect(b.tag).toEqual(modelBeginTag(baseModel().key, b.size, b.version, b.sha256));
          expect(encodeModelBegin(b)).toEqual(p);
          break;
        }
        case MSG_MODEL_CHUNK:
          expect(encodeModelChunk(decodeModelChunk(p))).toEqual(p);
          break;
        case MSG_MODEL_COMMIT:
          expect(encodeModelCommit(decodeModelCommit(p))).toEqual(p);
          break;
        case MSG_MODEL_ROLLBACK:
          expect(decodeModelRollback(p)).toBe(7);
          expect(encodeModelRollback(7)).toEqual(p);
          break;
        case MSG_MODEL_STATUS:
          expect(encodeTransferStatus(decodeTransferStatus(p))).toEqual(p);
          break;
        case MSG_NACK:
          expect(TRANSFER_NACK_TEXT[decodeNack(p).reason]).toBeDefined();
          break;
        case MSG_ACK:
          expect(p).toEqual(Uint8Array.of(MSG_MODEL_COMMIT));
          break;
        default:
          expect(p.length).toBe(0);
      }
      n++;
    }
    expect(n).toBe(V.messages.length);
    expect(Object.keys(TRANSFER_NACK_TEXT).map(Number)).toEqual([13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23]);
  });

  it('BEGIN tags and their MAC input', () => {
    for (const t of V.beginTags) {
      const h = fromHex(t.sha256);
      expect(toHex(modelBeginMacInput(t.size, t.version, h))).toBe(t.macInput);
      expect(toHex(modelBeginTag(fromHex(t.key), t.size, t.version, h))).toBe(t.tag);
    }
  });

  it('a payload shorter than its message is a PayloadError, in plain words', () => {
    const decoders: Record<number, (p: Uint8Array) => unknown> = {
      [MSG_MODEL_BEGIN]: decodeModelBegin,
      [MSG_MODEL_CHUNK]: decodeModelChunk,
      [MSG_MODEL_COMMIT]: decodeModelCommit,
      [MSG_MODEL_ROLLBACK]: decodeModelRollback,
      [MSG_MODEL_STATUS]: decodeTransferStatus,
    };
    for (const s of V.shortPayloads) {
      expect(() => decoders[s.type](new Uint8Array(s.len))).toThrow(PayloadError);
      expect(() => decoders[s.type](new Uint8Array(s.len))).toThrow(/payload is \d+ bytes, at least \d+ expected/);
    }
    const bad = new Uint8Array(56);
    bad[0] = 3;
    expect(() => decodeTransferStatus(bad)).toThrow(/state 3/);
    expect(() => encodeModelChunk({ offset: 0, data: new Uint8Array(1021) })).toThrow(/1 to 1020 bytes/);
  });

  it('the largest chunk fits a frame, and inside SECURE the largest SECURE chunk does', () => {
    const chunk = (n: number) => encodeModelChunk({ offset: 0, data: new Uint8Array(n).fill(7) });
    expect(encodeFrame(MSG_MODEL_CHUNK, 1, chunk(MODEL_CHUNK_DATA_MAX)).length).toBeLessThanOrEqual(1040);
    const secure = (n: number) => encodeSecure({ key: new Uint8Array(32), nonce: new Uint8Array(8), seq: 1, counter: 1, innerType: MSG_MODEL_CHUNK, innerPayload: chunk(n) });
    expect(secure(MODEL_CHUNK_DATA_MAX_SECURE).length).toBe(1024 - 3);
    expect(() => secure(MODEL_CHUNK_DATA_MAX_SECURE + 4)).toThrow(/does not fit a frame/);
  });

  it('the receiver model replays every scenario from the JSON', () => {
    const imgs = vectorImages(V);
    const base = baseModel().blob;
    let steps = 0;
    for (const s of V.scenarios) {
      const rx = new TransferReceiver({ key: fromHex(s.key), specHash: base.subarray(48, 80), slotSize: V.slotSize, confirmAfter: V.confirmAfter, running: base, builtinVersion: V.builtinVersion });
      rx.reset();
      for (const st of s.steps) {
        let got: { type: number; payload: Uint8Array } = { type: 0, payload: new Uint8Array(0) };
        if (st.op === 'req') got = rx.handle(st.type, fromHex(st.payload));
        else if (st.op === 'chunk') {
          const data = new Uint8Array(st.len);
          data.set(imgs[st.image].subarray(st.offset, st.offset + st.len));
          if (st.xorAt >= 0) data[st.xorAt] ^= 1;
          got = rx.handle(MSG_MODEL_CHUNK, encodeModelChunk({ offset: st.offset, data }));
        } else if (st.op === 'window') rx.window(st.healthy);
        else rx.reset();
        expect({ type: got.type, payload: toHex(got.payload) }, `${s.name} step ${steps}`).toEqual({ type: st.resp.type, payload: st.resp.payload });
        expect(rx.takeRun().kind).toBe(st.resp.run);
        expect(rx.runningVersion).toBe(st.resp.runningVersion);
        steps++;
      }
    }
    expect(steps).toBeGreaterThan(400);
  });
});
