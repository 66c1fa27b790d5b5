import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cobsDecode,
  cobsEncode,
  crc32,
  decodeEvent,
  decodeFeatures,
  FEATURES_NO_MODEL_SCORE,
  isNoModelScore,
  decodeHello,
  decodeSamplesIn,
  Deframer,
  encodeEvent,
  encodeFeatures,
  encodeFrame,
  encodeHello,
  encodeSamplesIn,
  samplesInMaxFrames,
  FrameError,
  MAX_ENCODED,
  MAX_PAYLOAD,
  PayloadError,
  uidHex,
  utf8Decode,
  utf8Encode,
  type Frame,
} from '../../../models/protocol/index';
import { buildVectors, HEADER_PATH, JSON_PATH, renderHeader, renderJson } from '../../../scripts/gen-vectors';

const fromHex = (h: string): Uint8Array => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const V = JSON.parse(readFileSync(JSON_PATH, 'utf8'));

function deframeAll(wire: Uint8Array, chunk = wire.length) {
  const frames: Frame[] = [];
  const d = new Deframer((f) => frames.push(f));
  for (let i = 0; i < wire.length; i += chunk) d.push(wire.subarray(i, i + chunk));
  return { frames, stats: d.stats };
}

describe('known answers (independent of the generated vectors)', () => {
  it('CRC-32 check value', () => {
    expect(crc32(utf8Encode('123456789'))).toBe(0xcbf43926);
    expect(crc32(new Uint8Array(0))).toBe(0);
  });
  it('COBS examples from Cheshire & Baker', () => {
    expect(toHex(cobsEncode(fromHex('00')))).toBe('0101');
    expect(toHex(cobsEncode(fromHex('0000')))).toBe('010101');
    expect(toHex(cobsEncode(fromHex('11220033')))).toBe('0311220233');
    expect(toHex(cobsEncode(fromHex('11223344')))).toBe('0511223344');
    expect(toHex(cobsEncode(fromHex('11000000')))).toBe('0211010101');
    const run254 = new Uint8Array(254).fill(7);
    expect(toHex(cobsEncode(run254))).toBe('ff' + '07'.repeat(254));
    const run255 = new Uint8Array(255).fill(7);
    expect(toHex(cobsEncode(run255))).toBe('ff' + '07'.repeat(254) + '0207');
  });
  it('rejects corrupt COBS', () => {
    expect(() => cobsDecode(fromHex('051122'))).toThrow();
  });
  it('UTF-8 round trip', () => {
    for (const s of ['', 'abc', 'cojinete ñ', 'µs ≥ 1', '😀']) expect(utf8Decode(utf8Encode(s))).toBe(s);
    expect(Buffer.from(utf8Encode('ñ€😀')).toString('utf8')).toBe('ñ€😀');
    expect(utf8Decode(Uint8Array.from([0xc3]))).toBe('\ufffd');
  });
});

describe('golden vectors (test/vectors/frames.json, also checked by the C tests)', () => {
  it('are up to date with the generator', () => {
    const v = buildVectors();
    expect(readFileSync(JSON_PATH, 'utf8')).toBe(renderJson(v));
    expect(readFileSync(HEADER_PATH, 'utf8')).toBe(renderHeader(v));
  });
  it('CRC-32', () => {
    for (const c of V.crc32) expect(crc32(fromHex(c.data)), c.name).toBe(c.crc);
  });
  it('COBS both ways', () => {
    for (const c of V.cobs) {
      expect(toHex(cobsEncode(fromHex(c.decoded))), c.name).toBe(c.encoded);
      expect(toHex(cobsDecode(fromHex(c.encoded))), c.name).toBe(c.decoded);
    }
  });
  it('frames encode byte for byte and deframe to their fields', () => {
    for (const c of V.frames) {
      expect(toHex(encodeFrame(c.type, c.seq, fromHex(c.payload))), c.name).toBe(c.wire);
      const { frames, stats } = deframeAll(fromHex(c.wire));
      expect(frames).toHaveLength(1);
      expect(frames[0].type).toBe(c.type);
      expect(frames[0].seq).toBe(c.seq);
      expect(toHex(frames[0].payload)).toBe(c.payload);
      expect(stats.frames).toBe(1);
    }
  });
  it('HELLO payloads', () => {
    for (const c of V.hello) {
      const fields = {
        protocolVersion: c.protocolVersion,
        firmware: c.firmware,
        uid: fromHex(c.uid),
        board: c.board,
        axisCount: c.axisCount,
        windowLen: c.windowLen,
        hop: c.hop,
        sampleRateHz: c.sampleRateHz,
        name: c.nodeName,
        channels: c.channels,
      };
      expect(toHex(encodeHello(fields)), c.name).toBe(c.payload);
      const d = decodeHello(fromHex(c.payload));
      expect({ ...d, uid: uidHex(d.uid) }).toEqual({ ...fields, uid: c.uid });
    }
  });
  it('FEATURES payloads', () => {
    for (const c of V.features) {
      expect(toHex(encodeFeatures(c)), c.name).toBe(c.payload);
      const d = decodeFeatures(fromHex(c.payload));
      expect(d.windowIndex).toBe(c.windowIndex);
      expect(d.tUs).toBe(c.tUs);
      expect(d.shaftHz).toBe(c.shaftHz);
      expect(d.fieldsPerAxis).toBe(c.values[0].length);
      expect(d.rms).toEqual(c.values.map((v: number[]) => v[0]));
    }
  });
  it('error streams: counted, skipped, and the next good frame still arrives', () => {
    for (const s of V.streams) {
      for (const chunk of [1, 7, 64, 100000]) {
        const { frames, stats } = deframeAll(fromHex(s.wire), chunk);
        const { bytes, ...counters } = stats;
        expect(bytes).toBe(s.wire.length / 2);
        expect({ ...counters, types: frames.map((f) => f.type), seqs: frames.map((f) => f.seq) }, `${s.name} chunk ${chunk}`).toEqual(s.expect);
      }
    }
  });
});

describe('FEATURES trailer, EVENT and SAMPLES_IN (appended by the firmware issue; also checked by the C tests)', () => {
  const nanOr = (x: number | string) => (x === 'NaN' ? NaN : (x as number));
  it('FEATURES with the anomaly score and band energies', () => {
    for (const c of V.featuresExt) {
      const fields = { ...c, anomalyScore: nanOr(c.anomalyScore) };
      expect(toHex(encodeFeatures(fields)), c.name).toBe(c.payload);
      const d = decodeFeatures(fromHex(c.payload));
      expect(d.values).toEqual(c.values);
      expect(d.rms).toEqual(c.values.map((v: number[]) => v[0]));
      expect(d.axes[0]).toEqual({ rms: c.values[0][0], peak: c.values[0][1], crest: c.values[0][2], kurtosis: c.values[0][3], velocityRmsMmS: c.values[0][4] });
      expect(Object.is(d.anomalyScore, nanOr(c.anomalyScore)) || d.anomalyScore === c.anomalyScore).toBe(true);
      expect(d.logBands).toEqual(c.logBands);
    }
  });
  it('"no model" is a score of -1 (protocol 1.2) or NaN (1.1); every score from 0 up is a score', () => {
    expect(isNoModelScore(FEATURES_NO_MODEL_SCORE)).toBe(true);
    expect(isNoModelScore(NaN)).toBe(true);
    expect(isNoModelScore(-0.5)).toBe(true);
    expect(isNoModelScore(0)).toBe(false);
    expect(isNoModelScore(3.25)).toBe(false);
    const d = decodeFeatures(encodeFeatures({ windowIndex: 1, tUs: 2, shaftHz: 0, values: [[1, 2, 3, 4, 5]], anomalyScore: FEATURES_NO_MODEL_SCORE }));
    expect(d.anomalyScore).toBe(-1);
    expect(isNoModelScore(d.anomalyScore!)).toBe(true);
  });
  it('FEATURES without the trailer still decode, and a cut trailer is a PayloadError', () => {
    const old = decodeFeatures(fromHex(V.features[0].payload));
    expect(old.anomalyScore).toBeUndefined();
    expect(old.logBands).toBeUndefined();
    const p = fromHex(V.featuresExt[0].payload);
    const valuesEnd = 18 + 4 * 2 * 5;
    for (let n = valuesEnd + 1; n < p.length; n++) expect(() => decodeFeatures(p.subarray(0, n))).toThrow(PayloadError);
    expect(() => encodeFeatures({ windowIndex: 0, tUs: 0, shaftHz: 0, values: [[1]], logBands: [[1]] })).toThrow(PayloadError);
  });
  it('EVENT payloads', () => {
    for (const c of V.events) {
      const { name: _n, payload, ...fields } = c;
      expect(toHex(encodeEvent(fields)), c.name).toBe(payload);
      expect(decodeEvent(fromHex(payload))).toEqual(fields);
    }
    const p = fromHex(V.events[0].payload);
    for (let n = 0; n < p.length; n++) expect(() => decodeEvent(p.subarray(0, n))).toThrow(PayloadError);
    const bad = p.slice();
    bad[4] = 2;
    expect(() => decodeEvent(bad)).toThrow(PayloadError);
  });
  it('SAMPLES_IN payloads', () => {
    for (const c of V.samplesIn) {
      expect(toHex(encodeSamplesIn(c)), c.name).toBe(c.payload);
      const d = decodeSamplesIn(fromHex(c.payload));
      expect(d.firstFrame).toBe(c.firstFrame);
      expect(d.axisCount).toBe(c.axisCount);
      expect(Array.from(d.samples)).toEqual(c.samples);
    }
    expect(samplesInMaxFrames(3)).toBe(84);
    expect(samplesInMaxFrames(2)).toBe(127);
    expect(() => encodeSamplesIn({ firstFrame: 0, axisCount: 3, samples: new Float32Array(3 * 85) })).toThrow(PayloadError);
    const p = fromHex(V.samplesIn[0].payload);
    for (let n = 0; n < p.length; n++) expect(() => decodeSamplesIn(p.subarray(0, n))).toThrow(PayloadError);
  });
  it('frames of the new types', () => {
    for (const c of V.framesExt) expect(toHex(encodeFrame(c.type, c.seq, fromHex(c.payload))), c.name).toBe(c.wire);
  });
});

describe('hostile input', () => {
  it('refuses to build frames it could not receive', () => {
    expect(() => encodeFrame(1, 0, new Uint8Array(MAX_PAYLOAD + 1))).toThrow(FrameError);
    expect(() => encodeFrame(256, 0)).toThrow(FrameError);
    expect(() => encodeFrame(1, 70000)).toThrow(FrameError);
  });
  it('short or inconsistent payloads raise PayloadError, never anything else', () => {
    const hello = fromHex(V.hello[0].payload);
    for (let n = 0; n < hello.length; n++) {
      try {
        decodeHello(hello.subarray(0, n));
      } catch (e) {
        expect(e).toBeInstanceOf(PayloadError);
      }
    }
    expect(() => decodeHello(hello.subarray(0, 27))).toThrow(PayloadError);
    const feat = fromHex(V.features[1].payload);
    for (let n = 0; n < feat.length; n++) expect(() => decodeFeatures(feat.subarray(0, n))).toThrow(PayloadError);
  });
  it('random chunking and random corruption never crash, never deliver a corrupted frame, and resync', () => {
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const good: Uint8Array[] = [];
    for (let i = 0; i < 200; i++) {
      const p = new Uint8Array(rnd(300));
      for (let k = 0; k < p.length; k++) p[k] = rnd(256);
      good.push(encodeFrame(0x10, i, p));
    }
    // Corrupt one byte in every third frame; the frames after it must still arrive intact.
    const sent: { seq: number; payload: string; corrupted: boolean }[] = [];
    const parts: Uint8Array[] = [];
    good.forEach((w, i) => {
      const copy = w.slice();
      const corrupted = i % 3 === 0;
      if (corrupted) copy[rnd(copy.length - 1)] ^= 1 + rnd(255);
      parts.push(copy);
      sent.push({ seq: i, payload: '', corrupted });
    });
    const wire = Buffer.concat(parts);
    const frames: Frame[] = [];
    const d = new Deframer((f) => frames.push(f));
    let i = 0;
    while (i < wire.length) {
      const n = 1 + rnd(97);
      d.push(wire.subarray(i, i + n));
      i += n;
    }
    const delivered = new Set(frames.map((f) => f.seq));
    for (const s of sent) if (!s.corrupted) expect(delivered.has(s.seq), `frame ${s.seq}`).toBe(true);
    for (const f of frames) {
      const original = good[f.seq];
      expect(toHex(encodeFrame(f.type, f.seq, f.payload))).toBe(toHex(original));
    }
    // Bounded memory: a long run with no delimiter is dropped as one oversize frame.
    const d2 = new Deframer(() => {});
    d2.push(new Uint8Array(10 * MAX_ENCODED).fill(0x55));
    d2.push(Uint8Array.of(0));
    expect(d2.stats.oversize).toBe(1);
  });
});

describe('joining a stream under way (docs/protocol.md section 1)', () => {
  const a = encodeFrame(0x10, 1, Uint8Array.of(1, 2, 3, 4, 5));
  const b = encodeFrame(0x10, 2, Uint8Array.of(6, 7, 8));
  const receive = (bytes: Uint8Array, join: boolean) => {
    const got: number[] = [];
    const d = new Deframer((f) => got.push(f.seq));
    if (join) d.joinMidStream();
    d.push(bytes);
    return { got, errors: d.stats.badCobs + d.stats.badCrc + d.stats.badLength + d.stats.badVersion + d.stats.oversize };
  };
  it('the tail of a frame sent before the receiver listened is dropped without counting an error', () => {
    const tail = a.subarray(3);
    expect(receive(Buffer.concat([tail, b]), true)).toEqual({ got: [2], errors: 0 });
    // Without the join, the same bytes count one damaged frame.
    expect(receive(Buffer.concat([tail, b]), false).errors).toBe(1);
  });
  it('a whole first frame is still delivered, and damage after the first delimiter is counted', () => {
    expect(receive(Buffer.concat([a, b]), true)).toEqual({ got: [1, 2], errors: 0 });
    const damaged = b.slice();
    damaged[2] ^= 0x40;
    expect(receive(Buffer.concat([a.subarray(3), damaged, b]), true)).toEqual({ got: [2], errors: 1 });
  });
});
