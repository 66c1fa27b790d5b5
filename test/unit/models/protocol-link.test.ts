/**
 * Protocol 1.1 link messages (docs/protocol.md §3.1 INFO, §3.5 to §3.13) against the golden vectors
 * of test/vectors/frames.json (the same vectors the C tests read from frames_vectors.h): every vector
 * decodes to its fields, re-encodes to its bytes, and frames to its wire bytes.
 */
import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  checkConfigSet,
  CONFIG_KEY_RANGE_G,
  configToEntries,
  decodeAck,
  decodeConfigEntries,
  decodeHello,
  decodeLog,
  decodeFeatures,
  decodeMessage,
  decodeNack,
  decodePair,
  decodePing,
  decodeRawBlock,
  decodeSecure,
  decodeStream,
  decodeTime,
  decodeTimeReq,
  Deframer,
  encodeAck,
  encodeConfigEntries,
  encodeFrame,
  encodeFeatures,
  encodeHello,
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
  KNOWN_TYPES,
  MSG_CONFIG_SET,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_STREAM,
  NACK_BAD_PAYLOAD,
  NACK_OUT_OF_RANGE,
  NACK_READ_ONLY,
  NACK_UNKNOWN_KEY,
  nackReasonText,
  PayloadError,
  PayloadRangeError,
  quantizeRawSample,
  rawBlockMaxFrames,
  rawScaleG,
  secureMacInput,
  secureTag,
  verifySecure,
  type Frame,
  type HelloInfo,
} from '../../../models/protocol/index';

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const V = JSON.parse(readFileSync(new URL('../../vectors/frames.json', import.meta.url), 'utf8'));

function deframeOne(wire: Uint8Array): Frame {
  const got: Frame[] = [];
  const d = new Deframer((f) => got.push(f));
  d.push(wire);
  expect(got).toHaveLength(1);
  expect(d.stats.frames).toBe(1);
  return got[0];
}

/** Payload, frame and wire of a vector, both ways. */
function checkFrame(c: { name: string; type: number; seq: number; payload: string; wire: string }, encoded: Uint8Array): void {
  expect(toHex(encoded), `${c.name}: encode`).toBe(c.payload);
  expect(toHex(encodeFrame(c.type, c.seq, encoded)), `${c.name}: frame`).toBe(c.wire);
  const f = deframeOne(fromHex(c.wire));
  expect([f.type, f.seq, toHex(f.payload)], c.name).toEqual([c.type, c.seq, c.payload]);
  expect(decodeMessage(c.type, f.payload), `${c.name}: decodeMessage`).not.toBeNull();
}

const infoFromJson = (i: Record<string, unknown>): HelloInfo => ({ ...(i as unknown as HelloInfo), keyId: fromHex(i.keyId as string), linkNonce: fromHex(i.linkNonce as string) });

describe('protocol 1.1 golden vectors', () => {
  it('has every message type of section 3 in VEC_FRAMES_LINK or the earlier frame lists', () => {
    const types = new Set<number>([...V.framesLink, ...V.frames, ...V.framesExt].map((c: { type: number }) => c.type));
    for (const t of KNOWN_TYPES) expect(types.has(t), `type 0x${t.toString(16)}`).toBe(true);
    for (const c of V.framesLink) {
      expect(toHex(encodeFrame(c.type, c.seq, fromHex(c.payload))), c.name).toBe(c.wire);
      expect(toHex(deframeOne(fromHex(c.wire)).payload)).toBe(c.payload);
    }
  });

  it('HELLO with and without the INFO block', () => {
    for (const c of V.helloInfo) {
      const h = { protocolVersion: c.protocolVersion, firmware: c.firmware, uid: fromHex(c.uid), board: c.board, axisCount: c.axisCount, windowLen: c.windowLen, hop: c.hop, sampleRateHz: c.sampleRateHz, name: c.nodeName, channels: c.channels, ...(c.info ? { info: infoFromJson(c.info) } : {}) };
      checkFrame(c, encodeHello(h));
      const d = decodeHello(fromHex(c.payload));
      expect(d).toEqual(h);
      expect('info' in d).toBe(c.info !== undefined);
    }
    expect(fromHex(V.helloInfo[2].payload).length).toBe(170);
    expect(fromHex(V.helloInfo[0].payload).length).toBe(74 + 'virtual-node'.length + 'DE_accel,FE_accel'.length);
    // key_id is the first 4 bytes of SHA-256(key), here checked against node:crypto.
    const paired = V.helloInfo.find((c: { name: string }) => c.name === 'info_paired_ble_stm32');
    expect(paired.info.keyId).toBe(createHash('sha256').update(fromHex(V.linkKey)).digest('hex').slice(0, 8));
  });

  it('the detector state and its threshold (1.3, 1.4) in HELLO and FEATURES: fields, and the bytes again', () => {
    expect(V.states.length).toBeGreaterThan(0);
    for (const c of V.states) {
      const p = fromHex(c.payload);
      const h = c.type === MSG_HELLO ? decodeHello(p) : null;
      const f = c.type === MSG_FEATURES ? decodeFeatures(p) : null;
      const st = h ? h.info?.state : f?.state;
      expect(st, c.name).toBeDefined();
      expect([st!.detector, st!.learnPercent], c.name).toEqual([c.detector, c.learnPercent]);
      expect(st!.threshold !== undefined, c.name).toBe(c.hasThreshold === true);
      if (c.hasThreshold) expect(Object.is(st!.threshold, c.threshold), c.name).toBe(true);
      const again = h ? encodeHello(h) : encodeFeatures({ windowIndex: f!.windowIndex, tUs: f!.tUs, shaftHz: f!.shaftHz, values: f!.values, anomalyScore: f!.anomalyScore, logBands: f!.logBands, state: f!.state });
      expect(toHex(again), c.name).toBe(c.payload);
    }
  });

  it('ACK and NACK', () => {
    for (const c of V.acks) {
      checkFrame(c, encodeAck(c.reqType));
      expect(decodeAck(fromHex(c.payload))).toEqual({ reqType: c.reqType });
    }
    for (const c of V.nacks) {
      const n = { reqType: c.reqType, reason: c.reason, detail: c.detail };
      checkFrame(c, encodeNack(n));
      expect(decodeNack(fromHex(c.payload))).toEqual(n);
      expect(nackReasonText(c.reason, c.detail)).toBe(c.text);
    }
  });

  it('NACK reasons read as plain sentences', () => {
    for (let r = 1; r <= 12; r++) expect(nackReasonText(r, 0)).toMatch(/^[A-Z].*\.$/);
    expect(nackReasonText(NACK_OUT_OF_RANGE, CONFIG_KEY_RANGE_G)).toContain('range_g');
    expect(nackReasonText(NACK_READ_ONLY, 7)).toContain('window_len');
    expect(nackReasonText(NACK_UNKNOWN_KEY, 42)).toContain('42');
    expect(nackReasonText(99, 3)).toContain('99');
  });

  it('PAIR', () => {
    for (const c of V.pairs) {
      const key = fromHex(c.key);
      checkFrame(c, encodePair({ key, name: c.nodeName }));
      expect(decodePair(fromHex(c.payload))).toEqual({ key, name: c.nodeName });
      expect(isUnpairKey(key)).toBe(c.name === 'unpair');
    }
  });

  it('CONFIG and CONFIG_SET: entries and typed values', () => {
    for (const c of V.configs) {
      const entries = c.entries.map((e: { key: number; value: string }) => ({ key: e.key, value: fromHex(e.value) }));
      checkFrame(c, encodeConfigEntries(entries));
      const d = decodeConfigEntries(fromHex(c.payload));
      expect(d).toEqual(entries);
      expect(entriesToConfig(d)).toEqual(c.values);
      if (c.type === MSG_CONFIG_SET) {
        expect(checkConfigSet(fromHex(c.payload), V.checkWindowLen), c.name).toBeNull();
        expect(encodeConfigEntries(configToEntries(c.values)), c.name).toEqual(fromHex(c.payload));
      }
    }
    const full = entriesToConfig(decodeConfigEntries(fromHex(V.configs[0].payload)));
    expect(full).toEqual({ name: 'virtual-node', rangeG: 4, hop: 512, shaftHz: Math.fround(29.95), sendBands: true, axisCount: 2, windowLen: 1024, sampleRateHz: 48000, slowMachine: false });
  });

  it('STREAM', () => {
    for (const c of V.streamMsgs) {
      checkFrame(c, encodeStream({ mode: c.mode, rawDecimation: c.rawDecimation }));
      expect(decodeStream(fromHex(c.payload))).toEqual({ mode: c.mode, rawDecimation: c.rawDecimation });
    }
  });

  it('RAW_BLOCK: samples, quantisation of the means, full blocks', () => {
    for (const c of V.rawBlocks) {
      const samples = Int16Array.from(c.samples);
      checkFrame(c, encodeRawBlock({ firstFrame: c.firstFrame, axisCount: c.axisCount, decimation: c.decimation, scaleG: c.scaleG, samples }));
      expect(decodeRawBlock(fromHex(c.payload))).toEqual({ firstFrame: c.firstFrame, axisCount: c.axisCount, decimation: c.decimation, format: 0, scaleG: c.scaleG, frameCount: samples.length / c.axisCount, samples });
      expect(c.scaleG).toBe(rawScaleG(c.rangeG));
      expect(c.means.map((m: number) => quantizeRawSample(m, c.scaleG))).toEqual(c.samples);
    }
    expect([1, 2, 3].map(rawBlockMaxFrames)).toEqual([505, 252, 168]);
    const full = V.rawBlocks.find((c: { name: string }) => c.name === 'two_axis_full_252');
    expect(fromHex(full.payload).length).toBe(1022);
    expect(fromHex(full.wire).length).toBeLessThanOrEqual(1038);
    // floor(x + 0.5): ties go up, also below zero; clamping at both ends.
    const s = rawScaleG(2);
    expect([0.5, -0.5, 1.5, -1.5, -2.5].map((k) => quantizeRawSample(k * s, s))).toEqual([1, 0, 2, -1, -2]);
    expect([quantizeRawSample(3, s), quantizeRawSample(-3, s), quantizeRawSample(NaN, s)]).toEqual([32767, -32768, 0]);
  });

  it('TIME_REQ and TIME, u64 exact up to 2^53', () => {
    for (const c of V.timeReqs) {
      checkFrame(c, encodeTimeReq(c.hostTimeUs));
      expect(decodeTimeReq(fromHex(c.payload))).toBe(c.hostTimeUs);
    }
    for (const c of V.times) {
      const t = { hostTimeUs: c.hostTimeUs, uptimeUs: c.uptimeUs, streamTUs: c.streamTUs };
      checkFrame(c, encodeTime(t));
      expect(decodeTime(fromHex(c.payload))).toEqual(t);
      const dv = new DataView(fromHex(c.payload).buffer);
      expect(dv.getBigUint64(16, true)).toBe(BigInt(c.streamTUs));
    }
    expect(() => encodeTimeReq(2 ** 53)).toThrow(PayloadError);
    expect(() => encodeTimeReq(-1)).toThrow(PayloadError);
  });

  it('PING, PONG and LOG', () => {
    for (const c of V.pings) {
      checkFrame(c, encodePing(fromHex(c.data)));
      expect(toHex(decodePing(fromHex(c.payload)))).toBe(c.data);
    }
    for (const c of V.logs) {
      checkFrame(c, encodeLog({ level: c.level, code: c.code, text: c.text }));
      expect(decodeLog(fromHex(c.payload))).toEqual({ level: c.level, code: c.code, text: c.text });
    }
  });

  it('SECURE: tag, MAC input, verification (HMAC checked against node:crypto)', () => {
    for (const c of V.secures) {
      const key = fromHex(c.key);
      const nonce = fromHex(c.nonce);
      const inner = fromHex(c.innerPayload);
      expect(toHex(secureMacInput(nonce, c.seq, c.counter, c.innerType, inner))).toBe(c.macInput);
      expect(fromHex(c.macInput).subarray(0, 6)).toEqual(Uint8Array.from(Buffer.from('VGSEC1')));
      const tag = secureTag(key, nonce, c.seq, c.counter, c.innerType, inner);
      expect(toHex(tag)).toBe(createHmac('sha256', key).update(fromHex(c.macInput)).digest('hex').slice(0, 32));
      const d = decodeSecure(fromHex(c.payload));
      expect({ ...d, innerPayload: toHex(d.innerPayload), tag: toHex(d.tag) }).toEqual({ counter: c.counter, innerType: c.innerType, innerPayload: c.innerPayload, tag: c.tag });
      expect(verifySecure(key, nonce, c.seq, d)).toBe(c.valid);
      if (c.valid) {
        expect(toHex(tag)).toBe(c.tag);
        checkFrame(c, encodeSecure({ key, nonce, seq: c.seq, counter: c.counter, innerType: c.innerType, innerPayload: inner }));
        // The tag binds seq, nonce, counter and key.
        expect(verifySecure(key, nonce, (c.seq + 1) & 0xffff, d)).toBe(false);
        expect(verifySecure(key, Uint8Array.from(nonce, (b, i) => (i === 0 ? b ^ 1 : b)), c.seq, d)).toBe(false);
        expect(verifySecure(key, nonce, c.seq, { ...d, counter: d.counter ^ 1 })).toBe(false);
        expect(verifySecure(new Uint8Array(32), nonce, c.seq, d)).toBe(false);
      }
      expect(toHex(keyId(key))).toBe(c.keyId);
    }
  });

  it('payload checks: refused with PayloadError (and the NACK a node answers), or accepted by the extension rule', () => {
    for (const c of V.payloadChecks) {
      const p = fromHex(c.payload);
      if (c.type === MSG_CONFIG_SET) {
        const n = checkConfigSet(p, V.checkWindowLen);
        expect(n === null, c.name).toBe(c.ok);
        if (n) expect([n.reason, n.detail], c.name).toEqual([c.nackReason, c.nackDetail]);
        if ([NACK_BAD_PAYLOAD].includes(c.nackReason)) expect(() => decodeConfigEntries(p), c.name).toThrow(PayloadError);
        if ([NACK_UNKNOWN_KEY, NACK_READ_ONLY, NACK_OUT_OF_RANGE].includes(c.nackReason)) expect(() => decodeConfigEntries(p), c.name).not.toThrow();
        continue;
      }
      if (c.ok) {
        expect(() => decodeMessage(c.type, p), c.name).not.toThrow();
        continue;
      }
      let err: unknown;
      try {
        decodeMessage(c.type, p);
      } catch (e) {
        err = e;
      }
      expect(err, c.name).toBeInstanceOf(PayloadError);
      if (c.type === MSG_STREAM && c.nackReason === NACK_OUT_OF_RANGE) {
        expect(err).toBeInstanceOf(PayloadRangeError);
        expect((err as PayloadRangeError).detail).toBe(c.nackDetail);
      }
    }
  });
});

describe('protocol 1.1 encoders refuse what a receiver would refuse', () => {
  it('throws PayloadError for out-of-range fields', () => {
    const bad: (() => unknown)[] = [
      () => encodeStream({ mode: 4, rawDecimation: 1 }),
      () => encodeStream({ mode: 1, rawDecimation: 0 }),
      () => encodeStream({ mode: 1, rawDecimation: 65 }),
      () => encodePair({ key: new Uint8Array(31), name: '' }),
      () => encodePair({ key: new Uint8Array(32), name: 'x'.repeat(33) }),
      () => encodePing(new Uint8Array(65)),
      () => encodeLog({ level: 1, code: 1, text: 'x'.repeat(97) }),
      () => encodeNack({ reqType: 1, reason: 1, detail: 0x10000 }),
      () => encodeRawBlock({ firstFrame: 0, axisCount: 2, decimation: 1, scaleG: rawScaleG(4), samples: new Int16Array(2 * 253) }),
      () => encodeRawBlock({ firstFrame: 0, axisCount: 1, decimation: 1, scaleG: rawScaleG(4), samples: [40000] }),
      () => encodeRawBlock({ firstFrame: 0, axisCount: 2, decimation: 1, scaleG: rawScaleG(4), samples: [1] }),
      () => configToEntries({ rangeG: 3 }),
      () => configToEntries({ hop: 0 }),
      () => configToEntries({ shaftHz: 0.05 }),
      () => configToEntries({ shaftHz: Infinity }),
      () => configToEntries({ name: '' }),
      () => configToEntries({ name: 'ñ'.repeat(17) }),
      () => encodeSecure({ key: new Uint8Array(32), nonce: new Uint8Array(7), seq: 0, counter: 1, innerType: MSG_STREAM, innerPayload: new Uint8Array(2) }),
      () => encodeSecure({ key: new Uint8Array(32), nonce: new Uint8Array(8), seq: 0, counter: 1, innerType: MSG_STREAM, innerPayload: new Uint8Array(1004) }),
    ];
    bad.forEach((f, i) => expect(f, `case ${i}`).toThrow(PayloadError));
  });
  it('an out-of-range CONFIG value from a node is a PayloadRangeError naming the key', () => {
    try {
      entriesToConfig([{ key: CONFIG_KEY_RANGE_G, value: Uint8Array.of(5) }]);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(PayloadRangeError);
      expect((e as PayloadRangeError).detail).toBe(CONFIG_KEY_RANGE_G);
    }
    expect(entriesToConfig([{ key: 0x40, value: Uint8Array.of(1, 2) }])).toEqual({});
  });
});
