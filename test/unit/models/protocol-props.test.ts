/**
 * Property tests of the TypeScript receiver and message codec (docs/protocol.md §1, §3), with a
 * small seeded generator (no fast-check). The seed is printed; rerun a failure with
 *   PROTOCOL_PROP_SEED=<seed> npx vitest run test/unit/models/protocol-props.test.ts
 * (PROTOCOL_PROP_SEED=random picks a new one). Every assertion message names the seed and the case.
 *
 * The Deframer is compared, frame by frame and counter by counter, with a reference receiver
 * written the slow, obvious way (split at 0x00, cobsDecode, check lengths, crc32, version), on
 * random streams and on valid streams with every kind of damage a serial line does.
 */
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../helpers/bytes';
import {
  cobsDecodeInto,
  configToEntries,
  crc32,
  decodeAck,
  decodeConfigEntries,
  decodeEvent,
  decodeFeatures,
  decodeHello,
  decodeLog,
  decodeMessage,
  decodeNack,
  decodePair,
  decodePing,
  decodeRawBlock,
  decodeSamplesIn,
  decodeSecure,
  decodeStream,
  decodeTime,
  decodeTimeReq,
  Deframer,
  encodeAck,
  encodeConfigEntries,
  encodeEvent,
  encodeFeatures,
  encodeFrame,
  encodeHello,
  encodeLog,
  encodeNack,
  encodePair,
  encodePing,
  encodeRawBlock,
  encodeSamplesIn,
  encodeSecure,
  encodeStream,
  encodeTime,
  encodeTimeReq,
  entriesToConfig,
  checkConfigSet,
  KNOWN_TYPES,
  MAX_DECODED,
  MAX_ENCODED,
  MAX_PAYLOAD,
  PayloadError,
  rawBlockMaxFrames,
  rawScaleG,
  samplesInMaxFrames,
  verifySecure,
  type Frame,
  type FrameStats,
  type HelloInfo,
} from '../../../models/protocol/index';

// ---- seeded generator ----
const envSeed = process.env.PROTOCOL_PROP_SEED;
const SEED = envSeed === 'random' ? (Math.random() * 2 ** 32) >>> 0 : envSeed ? Number(envSeed) >>> 0 : 0x5eed2024;
console.log(`protocol property tests: seed ${SEED} (PROTOCOL_PROP_SEED=${SEED} to reproduce)`);

class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 1;
  }
  /** mulberry32 */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  int(n: number): number {
    return n <= 1 ? 0 : this.u32() % n;
  }
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  bool(p = 0.5): boolean {
    return this.u32() / 2 ** 32 < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }
  bytes(n: number, zeroP = 1 / 256): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.bool(zeroP) ? 0 : 1 + this.int(255);
    return b;
  }
  f32(): number {
    return Math.fround((this.u32() / 2 ** 32 - 0.5) * 10 ** this.range(-6, 6));
  }
  u64(): number {
    return this.pick([0, 1, 2 ** 32 - 1, 2 ** 32, Number.MAX_SAFE_INTEGER, this.u32(), this.u32() * 2 ** 21 + this.int(2 ** 21)]);
  }
  /** A string of valid code points (1- to 4-byte UTF-8), at most maxBytes bytes of UTF-8, no comma. */
  text(maxBytes: number): string {
    let s = '';
    let n = 0;
    const want = this.int(maxBytes + 1);
    for (;;) {
      const kind = this.int(4);
      const cp = kind === 0 ? 0x20 + this.int(0x5f) : kind === 1 ? 0x80 + this.int(0x780) : kind === 2 ? this.pick([0x800 + this.int(0xd000), 0xe000 + this.int(0x2000)]) : 0x10000 + this.int(0x100000);
      const len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
      if (n + len > want) return s;
      s += cp === 0x2c ? 'x' : String.fromCodePoint(cp);
      n += len;
    }
  }
}
const R = new Rng(SEED);

// ---- reference receiver: the spec's receiver rules, written the obvious way ----
type Stats = Omit<FrameStats, 'bytes'>;
function referenceDeframe(wire: Uint8Array): { frames: { type: number; seq: number; payload: string }[]; stats: Stats } {
  const stats: Stats = { frames: 0, badCobs: 0, badCrc: 0, badLength: 0, badVersion: 0, oversize: 0 };
  const frames: { type: number; seq: number; payload: string }[] = [];
  const buf = new Uint8Array(MAX_ENCODED);
  let start = 0;
  for (let i = 0; i <= wire.length; i++) {
    if (i < wire.length && wire[i] !== 0) continue;
    const seg = wire.subarray(start, i);
    const terminated = i < wire.length;
    start = i + 1;
    if (seg.length > MAX_ENCODED) {
      stats.oversize++;
      continue;
    }
    if (!terminated || seg.length === 0) continue;
    const n = cobsDecodeInto(seg, 0, seg.length, buf);
    if (n < 0) {
      stats.badCobs++;
      continue;
    }
    if (n < 10 || n > MAX_DECODED || (buf[4] | (buf[5] << 8)) !== n - 10) {
      stats.badLength++;
      continue;
    }
    const crc = (buf[n - 4] | (buf[n - 3] << 8) | (buf[n - 2] << 16) | (buf[n - 1] << 24)) >>> 0;
    if (crc32(buf, 0, n - 4) !== crc) {
      stats.badCrc++;
      continue;
    }
    if (buf[0] !== 1) {
      stats.badVersion++;
      continue;
    }
    stats.frames++;
    frames.push({ type: buf[1], seq: buf[2] | (buf[3] << 8), payload: Buffer.from(buf.subarray(6, n - 4)).toString('hex') });
  }
  return { frames, stats };
}

/** Runs the Deframer over `wire` in random chunks, checking the memory bound after every chunk. */
function deframe(wire: Uint8Array, rng: Rng, what: string) {
  const frames: { type: number; seq: number; payload: string }[] = [];
  const d = new Deframer((f: Frame) => frames.push({ type: f.type, seq: f.seq, payload: Buffer.from(f.payload).toString('hex') }));
  let i = 0;
  while (i < wire.length) {
    const n = rng.pick([1, 2, 3, 17, 64, 255, 1000, 4096, 70000]);
    d.push(wire.subarray(i, i + n));
    i += n;
    if (d.pending > MAX_ENCODED || d.capacity !== MAX_ENCODED) throw new Error(`${what}: pending ${d.pending}, capacity ${d.capacity}`);
  }
  const { bytes, ...stats } = d.stats;
  expect(bytes, what).toBe(wire.length);
  return { frames, stats, d };
}

/** Number of 0x00-terminated non-empty segments, plus an unterminated oversize tail. */
function segmentsEnded(wire: Uint8Array): number {
  let n = 0;
  let len = 0;
  for (const b of wire) {
    if (b === 0) {
      if (len > 0) n++;
      len = 0;
    } else len++;
  }
  return n + (len > MAX_ENCODED ? 1 : 0);
}

function checkAgainstReference(wire: Uint8Array, rng: Rng, what: string) {
  const got = deframe(wire, rng, what);
  const ref = referenceDeframe(wire);
  expect(got.stats, what).toEqual(ref.stats);
  expect(got.frames, what).toEqual(ref.frames);
  const s = got.stats;
  expect(s.frames + s.badCobs + s.badCrc + s.badLength + s.badVersion + s.oversize, `${what}: counters add up`).toBe(segmentsEnded(wire));
  return got;
}

// ---- random valid messages: [type, payload, re-encode from the decoded value] ----
type Gen = { type: number; payload: Uint8Array; reencode: (p: Uint8Array) => Uint8Array };
const bytesN = (r: Rng, n: number) => Uint8Array.from({ length: n }, () => r.int(256));
const helloInfo = (r: Rng): HelloInfo => ({
  protocolMinor: r.int(256),
  capabilities: r.u32(),
  link: r.int(2),
  paired: r.int(2),
  keyId: bytesN(r, 4),
  linkNonce: bytesN(r, 8),
  sensor: r.int(2),
  rangeG: r.pick([2, 4, 8, 16]),
  streamMode: r.int(4),
  rawDecimation: r.range(1, 64),
  modelVersion: r.u32(),
  modelSource: r.int(4),
  slots: [0, 1].map(() => ({ state: r.int(5), seq: r.u32(), modelVersion: r.u32() })),
});
const GENS: Record<string, (r: Rng) => Gen> = {
  hello: (r) => {
    const axisCount = r.range(1, 3);
    const channels = r.bool(0.3) ? [] : Array.from({ length: axisCount }, () => r.text(64 / axisCount - 1) || 'a');
    const h = { protocolVersion: 1, firmware: { major: r.int(256), minor: r.int(256), patch: r.int(256) }, uid: bytesN(r, 12), board: r.int(3), axisCount, windowLen: r.int(65536), hop: r.int(65536), sampleRateHz: r.u32(), name: r.text(32), channels, ...(r.bool() ? { info: helloInfo(r) } : {}) };
    return { type: 0x02, payload: encodeHello(h), reencode: (p) => encodeHello(decodeHello(p)) };
  },
  features: (r) => {
    const axes = r.range(1, 3);
    const fields = r.range(1, 6);
    const withTrailer = r.bool();
    const bands = r.int(12);
    const f = { windowIndex: r.u32(), tUs: r.u64(), shaftHz: r.f32(), values: Array.from({ length: axes }, () => Array.from({ length: fields }, () => r.f32())), ...(withTrailer ? { anomalyScore: r.f32(), logBands: Array.from({ length: axes }, () => Array.from({ length: bands }, () => r.f32())) } : {}) };
    return { type: 0x10, payload: encodeFeatures(f), reencode: (p) => encodeFeatures(decodeFeatures(p)) };
  },
  event: (r) => {
    const e = { eventId: r.u32(), state: r.int(2), debounceK: r.int(256), debounceN: r.int(256), startWindow: r.u32(), endWindow: r.u32(), startTUs: r.u64(), endTUs: r.u64(), peakScore: r.f32(), threshold: r.f32(), modelVersion: r.u32() };
    return { type: 0x11, payload: encodeEvent(e), reencode: (p) => encodeEvent(decodeEvent(p)) };
  },
  samplesIn: (r) => {
    const axisCount = r.range(1, 3);
    const s = { firstFrame: r.u32(), axisCount, samples: Array.from({ length: axisCount * r.int(samplesInMaxFrames(axisCount) + 1) }, () => r.f32()) };
    return { type: 0x13, payload: encodeSamplesIn(s), reencode: (p) => encodeSamplesIn(decodeSamplesIn(p)) };
  },
  pair: (r) => ({ type: 0x03, payload: encodePair({ key: r.bool(0.1) ? new Uint8Array(32) : bytesN(r, 32), name: r.text(32) }), reencode: (p) => encodePair(decodePair(p)) }),
  ack: (r) => ({ type: 0x04, payload: encodeAck(r.int(256)), reencode: (p) => encodeAck(decodeAck(p).reqType) }),
  nack: (r) => ({ type: 0x05, payload: encodeNack({ reqType: r.int(256), reason: r.int(256), detail: r.int(65536) }), reencode: (p) => encodeNack(decodeNack(p)) }),
  ping: (r) => ({ type: r.pick([0x06, 0x07]), payload: encodePing(bytesN(r, r.int(65))), reencode: (p) => encodePing(decodePing(p)) }),
  config: (r) => {
    const changes = {
      ...(r.bool() ? { name: r.text(32) || 'n' } : {}),
      ...(r.bool() ? { rangeG: r.pick([2, 4, 8, 16]) } : {}),
      ...(r.bool() ? { hop: r.range(1, 65535) } : {}),
      ...(r.bool() ? { shaftHz: r.bool(0.2) ? 0 : Math.fround(0.1 + (r.u32() / 2 ** 32) * 999.9) } : {}),
      ...(r.bool() ? { sendBands: r.bool() } : {}),
    };
    const extra = r.bool(0.3) ? [{ key: 0x40 + r.int(0xc0), value: bytesN(r, r.int(40)) }] : [];
    const entries = [...configToEntries(changes), ...extra];
    const payload = encodeConfigEntries(entries);
    return {
      type: r.pick([0x09, 0x0a]),
      payload,
      reencode: (p) => {
        const d = decodeConfigEntries(p);
        expect(entriesToConfig(d)).toEqual(changes);
        return encodeConfigEntries([...configToEntries(entriesToConfig(d)), ...d.filter((e) => e.key >= 0x40)]);
      },
    };
  },
  stream: (r) => ({ type: 0x0b, payload: encodeStream({ mode: r.int(4), rawDecimation: r.range(1, 64) }), reencode: (p) => encodeStream(decodeStream(p)) }),
  timeReq: (r) => ({ type: 0x0c, payload: encodeTimeReq(r.u64()), reencode: (p) => encodeTimeReq(decodeTimeReq(p)) }),
  time: (r) => ({ type: 0x0d, payload: encodeTime({ hostTimeUs: r.u64(), uptimeUs: r.u64(), streamTUs: r.u64() }), reencode: (p) => encodeTime(decodeTime(p)) }),
  secure: (r) => {
    const key = bytesN(r, 32);
    const nonce = bytesN(r, 8);
    const seq = r.int(65536);
    const payload = encodeSecure({ key, nonce, seq, counter: r.u32(), innerType: r.int(256), innerPayload: bytesN(r, r.int(60)) });
    return {
      type: 0x0e,
      payload,
      reencode: (p) => {
        const d = decodeSecure(p);
        expect(verifySecure(key, nonce, seq, d)).toBe(true);
        return encodeSecure({ key, nonce, seq, counter: d.counter, innerType: d.innerType, innerPayload: d.innerPayload });
      },
    };
  },
  rawBlock: (r) => {
    const axisCount = r.range(1, 3);
    const b = { firstFrame: r.u32(), axisCount, decimation: r.range(1, 64), scaleG: rawScaleG(r.pick([2, 4, 8, 16])), samples: Int16Array.from({ length: axisCount * r.int(rawBlockMaxFrames(axisCount) + 1) }, () => r.int(65536) - 32768) };
    return { type: 0x12, payload: encodeRawBlock(b), reencode: (p) => encodeRawBlock(decodeRawBlock(p)) };
  },
  log: (r) => ({ type: 0x14, payload: encodeLog({ level: r.int(4), code: r.int(65536), text: r.text(96) }), reencode: (p) => encodeLog(decodeLog(p)) }),
  empty: (r) => ({ type: r.pick([0x01, 0x08]), payload: new Uint8Array(0), reencode: (p) => p }),
};
const GEN_NAMES = Object.keys(GENS);
const randomMessage = (r: Rng): Gen => GENS[r.pick(GEN_NAMES)](r);

/** A valid frame of a random message, or of random bytes (any type, 0 to 1024 bytes). */
function randomFrame(r: Rng): Uint8Array {
  if (r.bool(0.6)) {
    const m = randomMessage(r);
    return encodeFrame(m.type, r.int(65536), m.payload);
  }
  const n = r.pick([0, 1, 253, 254, 255, 1024, r.int(1025)]);
  return encodeFrame(r.int(256), r.int(65536), r.bytes(n, r.pick([0, 1 / 256, 0.1, 0.9])));
}

const DECODERS: [string, (p: Uint8Array) => unknown][] = [
  ...KNOWN_TYPES.map((t): [string, (p: Uint8Array) => unknown] => [`decodeMessage(0x${t.toString(16)})`, (p) => decodeMessage(t, p)]),
  ['entriesToConfig', (p) => entriesToConfig(decodeConfigEntries(p))],
  ['checkConfigSet', (p) => checkConfigSet(p, 1024)],
  ['verifySecure', (p) => verifySecure(new Uint8Array(32), new Uint8Array(8), 0, decodeSecure(p))],
];

function mutate(r: Rng, wire: Uint8Array, frames: Uint8Array[]): { wire: Uint8Array; how: string } {
  let w = wire;
  const hows: string[] = [];
  const k = r.range(1, 4);
  for (let m = 0; m < k; m++) {
    const at = r.int(w.length + 1);
    const kind = r.int(9);
    hows.push(`${kind}@${at}`);
    switch (kind) {
      case 0: {
        // bit flips
        w = w.slice();
        for (let j = r.range(1, 3); j > 0 && w.length > 0; j--) w[r.int(w.length)] ^= 1 << r.int(8);
        break;
      }
      case 1: // truncation
        w = w.subarray(0, at);
        break;
      case 2: // inserted bytes
        w = concatBytes([w.subarray(0, at), r.bytes(r.range(1, 20), 0.2), w.subarray(at)]);
        break;
      case 3: // deleted bytes
        w = concatBytes([w.subarray(0, at), w.subarray(Math.min(w.length, at + r.range(1, 50)))]);
        break;
      case 4: {
        // duplicated range
        const n = r.range(1, 300);
        w = concatBytes([w.subarray(0, at + n), w.subarray(at, at + n), w.subarray(at + n)]);
        break;
      }
      case 5: {
        // spliced frames: the head of one frame glued to the tail of another
        const a = r.pick(frames);
        const b = r.pick(frames);
        w = concatBytes([w.subarray(0, at), a.subarray(0, r.int(a.length)), b.subarray(r.int(b.length)), w.subarray(at)]);
        break;
      }
      case 6: // a run of zeros
        w = concatBytes([w.subarray(0, at), new Uint8Array(r.range(1, 8)), w.subarray(at)]);
        break;
      case 7: // an oversize run without a delimiter
        w = concatBytes([w.subarray(0, at), r.bytes(r.range(MAX_ENCODED - 2, 3 * MAX_ENCODED), 0), w.subarray(at)]);
        break;
      default: // a byte replaced by 0x00 (a frame cut in two)
        if (w.length > 0) {
          w = w.slice();
          w[r.int(w.length)] = 0;
        }
    }
  }
  return { wire: w, how: hows.join(',') };
}

describe(`Deframer properties (seed ${SEED})`, () => {
  it('random byte streams: never throws, bounded, identical to the reference receiver', () => {
    const r = new Rng(R.u32());
    for (let c = 0; c < 1500; c++) {
      const zeroP = r.pick([0, 1 / 1024, 1 / 256, 1 / 16, 0.5]);
      const wire = r.bytes(r.int(r.pick([16, 300, 3000, 12000])), zeroP);
      checkAgainstReference(wire, r, `seed ${SEED} random stream ${c}`);
    }
  });

  it('valid frame streams deliver every frame; mutated ones match the reference receiver', () => {
    const r = new Rng(R.u32());
    for (let c = 0; c < 1500; c++) {
      const frames = Array.from({ length: r.range(1, 12) }, () => randomFrame(r));
      const lead = r.bool(0.3) ? [Uint8Array.of(0)] : [];
      const wire = concatBytes([...lead, ...frames]);
      if (c % 4 === 0) {
        const got = checkAgainstReference(wire, r, `seed ${SEED} clean stream ${c}`);
        expect(got.stats.frames).toBe(frames.length);
        continue;
      }
      const m = mutate(r, wire, frames);
      checkAgainstReference(m.wire, r, `seed ${SEED} mutated stream ${c} (${m.how})`);
    }
  });

  it('resynchronises: after any garbage, 0x00 and a valid frame deliver that frame', () => {
    const r = new Rng(R.u32());
    for (let c = 0; c < 1500; c++) {
      const garbage = r.bool(0.5) ? r.bytes(r.int(3000), r.pick([0, 0.01, 0.3])) : mutate(r, randomFrame(r), [randomFrame(r)]).wire;
      const frame = randomFrame(r);
      const got: Frame[] = [];
      const d = new Deframer((f) => got.push(f));
      d.push(garbage);
      const before = got.length;
      d.push(Uint8Array.of(0));
      for (let i = 0; i < frame.length; i += 97) d.push(frame.subarray(i, i + 97));
      const what = `seed ${SEED} resync case ${c}`;
      expect(got.length, what).toBeGreaterThan(before);
      const last = got[got.length - 1];
      expect(Buffer.from(encodeFrame(last.type, last.seq, last.payload)).equals(Buffer.from(frame)), what).toBe(true);
      expect(d.pending, what).toBe(0);
    }
  });

  it('20 MB without a delimiter: one oversize frame, constant memory', () => {
    const d = new Deframer(() => {
      throw new Error('no frame expected');
    });
    const chunk = new Uint8Array(64 * 1024).fill(0xa5);
    const total = 20 * 1024 * 1024;
    const heap0 = process.memoryUsage().heapUsed;
    let maxPending = 0;
    for (let n = 0; n < total; n += chunk.length) {
      d.push(chunk);
      if (d.pending > maxPending) maxPending = d.pending;
    }
    const grown = process.memoryUsage().heapUsed - heap0;
    d.push(Uint8Array.of(0));
    expect(d.stats.oversize).toBe(1);
    expect(d.stats.bytes).toBe(total + 1);
    expect(maxPending).toBeLessThanOrEqual(MAX_ENCODED);
    expect(d.capacity).toBe(MAX_ENCODED);
    expect(grown, `heap grew by ${grown} bytes`).toBeLessThan(2 * 1024 * 1024);
    // and it still works afterwards
    const got: Frame[] = [];
    const d2 = new Deframer((f) => got.push(f));
    for (let n = 0; n < total; n += chunk.length) d2.push(chunk);
    d2.push(concatBytes([Uint8Array.of(0), encodeFrame(1, 77)]));
    expect(got.map((f) => f.seq)).toEqual([77]);
  });
});

describe(`message codec properties (seed ${SEED})`, () => {
  it('every decoder, on any payload, returns or throws PayloadError (never anything else)', () => {
    const r = new Rng(R.u32());
    const seeds = Array.from({ length: 200 }, () => randomMessage(r).payload);
    let cases = 0;
    for (const [name, dec] of DECODERS) {
      for (let c = 0; c < 600; c++) {
        let p: Uint8Array;
        const kind = r.int(4);
        if (kind === 0) p = bytesN(r, r.int(r.pick([8, 64, 300, MAX_PAYLOAD + 64])));
        else {
          p = r.pick(seeds).slice();
          if (kind === 1 && p.length > 0) p = p.subarray(0, r.int(p.length));
          else for (let j = r.range(1, 4); j > 0 && p.length > 0; j--) p[r.int(p.length)] = r.pick([0, 1, 2, 3, 0x7f, 0x80, 0xff, r.int(256)]);
          if (kind === 3) p = concatBytes([p, bytesN(r, r.int(8))]);
        }
        try {
          dec(p);
        } catch (e) {
          if (!(e instanceof PayloadError)) throw new Error(`seed ${SEED}: ${name} threw ${(e as Error)?.name}: ${(e as Error)?.message} on ${Buffer.from(p).toString('hex')}`);
        }
        cases++;
      }
    }
    expect(cases).toBe(DECODERS.length * 600);
  });

  it('encode then decode round-trips random valid messages, byte for byte', () => {
    const r = new Rng(R.u32());
    for (const name of GEN_NAMES) {
      for (let c = 0; c < 400; c++) {
        const m = GENS[name](r);
        const what = `seed ${SEED} ${name} case ${c}`;
        expect(m.payload.length, what).toBeLessThanOrEqual(MAX_PAYLOAD);
        expect(decodeMessage(m.type, m.payload), what).not.toBeNull();
        expect(Buffer.from(m.reencode(m.payload)).toString('hex'), what).toBe(Buffer.from(m.payload).toString('hex'));
        // and through the frame layer
        const got: Frame[] = [];
        new Deframer((f) => got.push(f)).push(encodeFrame(m.type, c, m.payload));
        expect(got.length, what).toBe(1);
        expect(Buffer.from(got[0].payload).equals(Buffer.from(m.payload)), what).toBe(true);
      }
    }
  });
});
