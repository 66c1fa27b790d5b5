// The session's request layer at its boundary: a scripted ByteLink that answers with the real codec
// (models/protocol), so seq/type matching, timeouts, retries, NACKs, capabilities, SECURE, gap
// accounting and the reconnect loop are checked without a node process.
import { mkdtempSync, statSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiError, type FeatureFrame, type NodeInfo } from '../../../models/api/contract';
import { KeyStore, keyIdHex } from '../../../main/node/keys';
import { decodeModelChunk, MSG_MODEL_BEGIN, MSG_MODEL_CHUNK, MSG_MODEL_COMMIT } from '../../../models/protocol/transfer';
import { defaultModelBlob, modelFileWithVersion } from '../../helpers/modelImage';
import { NodeSession } from '../../../main/node/session';
import type { ByteLink } from '../../../main/transport/byteLink';
import {
  checkConfigSet,
  decodePair,
  DETECTOR_BASELINE,
  DETECTOR_LEARNING,
  DETECTOR_MODEL,
  type DetectorState,
  decodeSecure,
  decodeStream,
  decodeTimeReq,
  Deframer,
  encodeAck,
  encodeConfigEntries,
  encodeEvent,
  encodeFeatures,
  encodeFrame,
  FEATURES_NO_MODEL_SCORE,
  encodeHello,
  encodeNack,
  encodeRawBlock,
  encodeTime,
  keyId,
  MSG_ACK,
  MSG_CONFIG,
  MSG_CONFIG_GET,
  MSG_CONFIG_SET,
  MSG_EVENT,
  MSG_FEATURES,
  MSG_HELLO,
  MSG_HELLO_REQ,
  MSG_NACK,
  MSG_PAIR,
  MSG_PING,
  MSG_PONG,
  MSG_RAW_BLOCK,
  MSG_SECURE,
  MSG_STREAM,
  MSG_TIME,
  MSG_TIME_REQ,
  NACK_OUT_OF_RANGE,
  verifySecure,
  type Frame,
} from '../../../models/protocol/index';

const ALL_CAPS = 0x1ff | (1 << 9); // pair .. ble

interface NodeOpts {
  kind?: 'wired' | 'ble';
  caps?: number;
  info?: boolean;
  /** Return false to leave a request unanswered. */
  answer?: (f: Frame, attempt: number) => boolean;
  /** HELLO INFO protocol_minor (default 1). */
  minor?: number;
  /** Answer an ACK naming this type instead of the request's. */
  ackType?: number;
}

/** What the scripted node runs: its model (HELLO INFO), its detector state (protocol 1.3), an alarm it repeats after HELLO_REQ. */
interface ScriptedDetector {
  modelVersion: number;
  modelSource: number;
  state?: DetectorState;
  /** The EVENT payload of an alarm that is on: sent again after every HELLO answered, as the firmware does (docs/protocol.md 3.3). */
  alarm?: Uint8Array;
}

/** A fake node behind a ByteLink: answers with the real codec. */
class ScriptedNode {
  written: Frame[] = [];
  links: ScriptedLink[] = [];
  key: Uint8Array | undefined;
  nonce = new Uint8Array(8);
  seq = 0x8000;
  counts = new Map<number, number>();
  config = { name: 'scripted', hop: 512 };
  streamMode = 1;
  decimation = 1;
  detector: ScriptedDetector = { modelVersion: 0, modelSource: 1 };

  constructor(public o: NodeOpts = {}) {}

  link(path = '/dev/fake0'): ScriptedLink {
    const l = new ScriptedLink(path, this);
    this.links.push(l);
    return l;
  }

  hello(seq: number): Uint8Array {
    const paired = this.key !== undefined;
    return encodeFrame(
      MSG_HELLO,
      seq,
      encodeHello({
        protocolVersion: 1,
        firmware: { major: 0, minor: 2, patch: 0 },
        uid: Uint8Array.from({ length: 12 }, (_, i) => i + 1),
        board: 0,
        axisCount: 2,
        windowLen: 1024,
        hop: this.config.hop,
        sampleRateHz: 48000,
        name: this.config.name,
        channels: ['x', 'y'],
        ...(this.o.info === false
          ? {}
          : {
              info: {
                protocolMinor: this.o.minor ?? 1,
                capabilities: this.o.caps ?? ALL_CAPS,
                link: this.o.kind === 'ble' ? 1 : 0,
                paired: paired ? 1 : 0,
                keyId: paired ? keyId(this.key!) : new Uint8Array(4),
                linkNonce: this.nonce,
                sensor: 0,
                rangeG: 16,
                streamMode: this.streamMode,
                rawDecimation: this.decimation,
                modelVersion: this.detector.modelVersion,
                modelSource: this.detector.modelSource,
                slots: [
                  { state: 0, seq: 0, modelVersion: 0 },
                  { state: 0, seq: 0, modelVersion: 0 },
                ],
                ...(this.detector.state ? { state: this.detector.state } : {}),
              },
            }),
      }),
    );
  }

  receive(l: ScriptedLink, f: Frame): void {
    this.written.push(f);
    const n = (this.counts.get(f.type) ?? 0) + 1;
    this.counts.set(f.type, n);
    if (this.o.answer && !this.o.answer(f, n)) return;
    const reply = (type: number, payload: Uint8Array) => l.toApp(encodeFrame(type, f.seq, payload));
    const ack = (t: number) => reply(MSG_ACK, encodeAck(this.o.ackType ?? t));
    switch (f.type) {
      case MSG_HELLO_REQ:
        this.nonce = Uint8Array.from({ length: 8 }, () => Math.floor(Math.random() * 256));
        l.toApp(this.hello(f.seq));
        if (this.detector.alarm && (this.streamMode & 1) !== 0) l.toApp(encodeFrame(MSG_EVENT, this.seq++, this.detector.alarm));
        break;
      case MSG_CONFIG_GET:
        reply(MSG_CONFIG, encodeConfigEntries([
          { key: 1, value: new TextEncoder().encode(this.config.name) },
          { key: 3, value: Uint8Array.of(this.config.hop & 0xff, this.config.hop >> 8) },
          { key: 7, value: Uint8Array.of(0, 4) },
        ]));
        break;
      case MSG_CONFIG_SET: {
        const nack = checkConfigSet(f.payload, 1024);
        if (nack) reply(MSG_NACK, encodeNack(nack));
        else ack(MSG_CONFIG_SET);
        break;
      }
      case MSG_STREAM: {
        const s = decodeStream(f.payload);
        this.streamMode = s.mode;
        this.decimation = s.rawDecimation;
        ack(MSG_STREAM);
        break;
      }
      case MSG_TIME_REQ:
        reply(MSG_TIME, encodeTime({ hostTimeUs: decodeTimeReq(f.payload), uptimeUs: 5_000_000, streamTUs: 4_000_000 }));
        break;
      case MSG_PING:
        reply(MSG_PONG, f.payload);
        break;
      case MSG_PAIR:
        this.key = decodePair(f.payload).key;
        ack(MSG_PAIR);
        l.toApp(this.hello(this.seq++));
        break;
      case MSG_SECURE: {
        const m = decodeSecure(f.payload);
        if (!this.key || !verifySecure(this.key, this.nonce, f.seq, m)) {
          reply(MSG_NACK, encodeNack({ reqType: m.innerType, reason: 8, detail: 0 }));
          break;
        }
        ack(m.innerType);
        break;
      }
    }
  }
}

class ScriptedLink implements ByteLink {
  private data: ((c: Uint8Array) => void)[] = [];
  private closers: ((e?: Error) => void)[] = [];
  private deframer: Deframer;
  closed = false;
  constructor(
    readonly path: string,
    private node: ScriptedNode,
  ) {
    this.deframer = new Deframer((f) => this.node.receive(this, f));
  }
  write(bytes: Uint8Array): Promise<void> {
    if (this.closed) return Promise.reject(new Error('closed'));
    const copy = bytes.slice();
    setImmediate(() => this.deframer.push(copy));
    return Promise.resolve();
  }
  toApp(bytes: Uint8Array): void {
    if (!this.closed) setImmediate(() => this.data.forEach((l) => l(bytes)));
  }
  close(): Promise<void> {
    this.end();
    return Promise.resolve();
  }
  pull(): void {
    this.end(new Error('cable pulled'));
  }
  onData(l: (c: Uint8Array) => void): void {
    this.data.push(l);
  }
  onClose(l: (e?: Error) => void): void {
    this.closers.push(l);
  }
  private end(e?: Error): void {
    if (this.closed) return;
    this.closed = true;
    this.closers.forEach((l) => l(e));
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function started(node: ScriptedNode, extra: ConstructorParameters<typeof NodeSession>[1] = {}): Promise<NodeSession> {
  const s = new NodeSession(node.link(), { requestTimeoutMs: 40, helloRetryMs: 30, helloTimeoutMs: 500, ...extra });
  await s.start();
  return s;
}

function features(windowIndex: number, score = NaN): Uint8Array {
  return encodeFrame(MSG_FEATURES, 1, encodeFeatures({ windowIndex, tUs: windowIndex * 1000, shaftHz: 0, values: [[1, 2, 3, 4, 5], [6, 7, 8, 9, 10]], anomalyScore: score }));
}

describe('NodeSession request layer', () => {
  it('handshakes, then reads the configuration and syncs the clock of a 1.1 node', async () => {
    const node = new ScriptedNode();
    const s = await started(node);
    const info = s.info();
    expect(info.status).toBe('online');
    expect(info.hello?.info?.capabilities).toEqual(['pair', 'config', 'stream', 'raw', 'time', 'ping', 'log', 'samples-in', 'secure', 'ble']);
    expect(info.config).toMatchObject({ name: 'scripted', hop: 512, windowLen: 1024 });
    expect(node.counts.get(MSG_TIME_REQ)).toBe(3);
    expect(info.time!.rttUs).toBeGreaterThan(0);
    // offset = host time + rtt/2 - stream time: the node's stream clock read 4 s
    expect(Math.abs(info.time!.offsetUs + 4_000_000 - Date.now() * 1000)).toBeLessThan(1_000_000);
    expect(node.counts.get(MSG_STREAM)).toBeUndefined(); // nothing chosen yet: nothing re-applied
    await s.close();
  });

  it('retries a lost request with a new seq, and counts the retry', async () => {
    const node = new ScriptedNode({ answer: (f, n) => !(f.type === MSG_PING && n === 1) });
    const s = await started(node);
    const r = await s.ping();
    expect(r.rttMs).toBeGreaterThan(0);
    const pings = node.written.filter((f) => f.type === MSG_PING);
    expect(pings).toHaveLength(2);
    expect(pings[0].seq).not.toBe(pings[1].seq);
    expect(s.info().stats).toMatchObject({ retries: 1, failedRequests: 0 });
    await s.close();
  });

  it('fails after three attempts in plain words', async () => {
    const node = new ScriptedNode({ answer: (f) => f.type !== MSG_PING });
    const s = await started(node);
    const err = await s.ping().catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('timeout');
    expect(err.message).toMatch(/did not answer ping \(3 attempts, 40 ms each\)/);
    expect(new Set(node.written.filter((f) => f.type === MSG_PING).map((f) => f.seq)).size).toBe(3);
    expect(s.info().stats).toMatchObject({ retries: 2, failedRequests: 1 });
    await s.close();
  });

  it('takes an ACK as the answer only when it names the request type', async () => {
    const node = new ScriptedNode({ ackType: MSG_PAIR });
    const s = await started(node);
    const err = await s.setStream({ features: true, raw: false, rawDecimation: 1 }).catch((e) => e);
    expect(err.code).toBe('timeout');
    expect(node.written.filter((f) => f.type === MSG_STREAM)).toHaveLength(3);
    await s.close();
  });

  it('ignores a response with the right seq but the wrong type', async () => {
    // The node answers CONFIG_GET's seq with a PONG first, then (on the retry) properly.
    const node = new ScriptedNode();
    const s = await started(node);
    node.o.answer = (f, n) => {
      if (f.type === MSG_CONFIG_GET && n === 2) {
        node.links[0].toApp(encodeFrame(MSG_PONG, f.seq, new Uint8Array(0)));
        return false;
      }
      return true;
    };
    const cfg = await s.getConfig();
    expect(cfg.name).toBe('scripted');
    expect(s.info().stats.retries).toBe(1);
    await s.close();
  });

  it('surfaces a NACK as a plain-words refusal', async () => {
    const node = new ScriptedNode();
    const s = await started(node);
    const err = await s.setConfig({ hop: 4096 }).catch((e) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err.code).toBe('refused');
    expect(err.message).toMatch(/The node refused changing the configuration: The value of the setting "hop" \(key 3\) is outside its allowed range. \(OUT_OF_RANGE\)/);
    expect(s.info().stats.nacks).toBe(1);
    expect(NACK_OUT_OF_RANGE).toBe(3);
    await s.close();
  });

  it('never sends what the node lacks: a 1.0 node gets features only', async () => {
    const node = new ScriptedNode({ info: false });
    const s = await started(node);
    expect(node.written.map((f) => f.type)).toEqual([MSG_HELLO_REQ]);
    for (const p of [s.getConfig(), s.ping(), s.syncTime(), s.setStream({ features: true, raw: true, rawDecimation: 2 })]) {
      const e = await p.catch((x) => x);
      expect(e.code).toBe('unsupported');
      expect(e.message).toMatch(/firmware \(0\.2\.0\) is too old for/);
    }
    expect(node.written.map((f) => f.type)).toEqual([MSG_HELLO_REQ]);
    await s.close();
  });

  it('forwards FEATURES with every field, the "no model" score (1.2: -1, 1.1: NaN) as null', async () => {
    const node = new ScriptedNode();
    const s = await started(node);
    const got: FeatureFrame[] = [];
    s.on('features', (f) => got.push(f));
    node.links[0].toApp(features(0));
    node.links[0].toApp(features(1, 0.25));
    node.links[0].toApp(features(2, FEATURES_NO_MODEL_SCORE));
    node.links[0].toApp(features(3, 0));
    await sleep(20);
    expect(got[0]).toMatchObject({ windowIndex: 0, rmsG: [1, 6], peakG: [2, 7], crest: [3, 8], kurtosis: [4, 9], velocityMmS: [5, 10], anomalyScore: null });
    expect(got[1].anomalyScore).toBe(0.25);
    expect(got[2].anomalyScore).toBeNull();
    expect(got[3].anomalyScore).toBe(0);
    expect(got[1].logBands).toBeUndefined();
    node.links[0].toApp(encodeFrame(MSG_FEATURES, 1, encodeFeatures({ windowIndex: 4, tUs: 2000, shaftHz: 0, values: [[1], [6]], anomalyScore: NaN, logBands: [[-3, -4], [-5, -6]] })));
    await sleep(20);
    expect(got[4].logBands).toEqual([[-3, -4], [-5, -6]]);
    await s.close();
  });
});

describe('pairing and SECURE', () => {
  it('stores the key (0600) before PAIR, and the fresh HELLO shows it paired with that key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-keys-'));
    const keys = new KeyStore(dir);
    const node = new ScriptedNode();
    let keyFileAtPair: string | undefined;
    node.o.answer = (f) => {
      if (f.type === MSG_PAIR) keyFileAtPair = readFileSync(join(dir, 'node-keys.json'), 'utf8');
      return true;
    };
    const s = await started(node, { keys });
    const info = await s.pair('pump-7');
    expect(decodePair(node.written.find((f) => f.type === MSG_PAIR)!.payload).name).toBe('pump-7');
    expect(info.hello?.info).toMatchObject({ paired: true, keyId: keyIdHex(node.key!), keyKnown: true });
    expect(keyFileAtPair).toContain(keyIdHex(node.key!));
    expect(statSync(join(dir, 'node-keys.json')).mode & 0o777).toBe(0o600);
    // A second store on the same folder finds it.
    expect(new KeyStore(dir).find(info.hello!.uid, keyIdHex(node.key!))).toEqual(node.key);
    await s.close();
  });

  it('refuses to pair over Bluetooth LE', async () => {
    const node = new ScriptedNode({ kind: 'ble' });
    const s = await started(node, { kind: 'ble', keys: new KeyStore() });
    await expect(s.pair()).rejects.toThrow(/over the cable only/);
    await s.close();
  });

  it('notes a HELLO showing a key this workstation did not give, and says the node was re-paired', async () => {
    const keys = new KeyStore();
    const node = new ScriptedNode();
    node.key = new Uint8Array(32).fill(9); // paired elsewhere since
    const uid = '0102030405060708090a0b0c';
    keys.add(uid, new Uint8Array(32).fill(3));
    const s = await started(node, { keys });
    const info = s.info().hello!.info!;
    expect(info.keyKnown).toBe(false);
    expect(info.rePaired).toMatch(/re-paired by another workstation; by design anyone with the cable can re-pair it/);
    expect(keys.rePaired(uid)?.keyId).toBe(keyIdHex(node.key));
    await s.close();
  });

  it('over BLE wraps STREAM in SECURE under the key and the latest nonce', async () => {
    const keys = new KeyStore();
    const node = new ScriptedNode({ kind: 'ble' });
    node.key = new Uint8Array(32).fill(7);
    const s = await started(node, { kind: 'ble', keys });
    keys.add(s.info().hello!.uid, node.key);
    await s.setStream({ features: true, raw: true, rawDecimation: 8 });
    await s.setStream({ features: true, raw: false, rawDecimation: 1 });
    const sec = node.written.filter((f) => f.type === MSG_SECURE).map((f) => decodeSecure(f.payload));
    expect(sec.map((m) => [m.innerType, m.counter])).toEqual([[MSG_STREAM, 1], [MSG_STREAM, 2]]);
    expect(node.written.some((f) => f.type === MSG_STREAM)).toBe(false);
    expect(node.streamMode).toBe(1);
    await s.close();
  });

  it('over BLE sends a model with BEGIN and COMMIT in SECURE, its chunks in the clear to a 1.3 node and in SECURE (996 bytes) to an older one', async () => {
    const file = modelFileWithVersion(defaultModelBlob(join(__dirname, '..', '..', '..')), 9);
    for (const minor of [3, 2]) {
      const keys = new KeyStore();
      const node = new ScriptedNode({ kind: 'ble', minor, caps: ALL_CAPS | (1 << 10) });
      node.key = new Uint8Array(32).fill(7);
      const s = await started(node, { kind: 'ble', keys });
      keys.add(s.info().hello!.uid, node.key);
      s.deployModel(file); // BEGIN, the first window and (when the image fits it) COMMIT go out at once
      await sleep(20);
      const sec = node.written.filter((f) => f.type === MSG_SECURE).map((f) => decodeSecure(f.payload));
      const clear = node.written.filter((f) => f.type === MSG_MODEL_CHUNK).map((f) => decodeModelChunk(f.payload));
      const inner = sec.filter((m) => m.innerType === MSG_MODEL_CHUNK).map((m) => decodeModelChunk(m.innerPayload));
      expect(sec.map((m) => m.innerType).filter((t) => t !== MSG_MODEL_CHUNK), `minor ${minor}`).toEqual(
        // 8 chunks of 1020 hold the image; 8 of 996 do not, so COMMIT waits for the node's statuses.
        minor >= 3 ? [MSG_MODEL_BEGIN, MSG_MODEL_COMMIT] : [MSG_MODEL_BEGIN],
      );
      const chunks = minor >= 3 ? clear : inner;
      expect(minor >= 3 ? inner : clear).toEqual([]);
      expect(chunks[0].data.length).toBe(minor >= 3 ? 1020 : 996);
      expect(chunks.every((c, i) => c.offset === i * chunks[0].data.length)).toBe(true);
      await s.close();
    }
  });

  it('over BLE a stranger\'s HELLO_REQ between the handshake and a SECURE command does not make it fail', async () => {
    const keys = new KeyStore();
    const node = new ScriptedNode({ kind: 'ble' });
    node.key = new Uint8Array(32).fill(7);
    const s = await started(node, { kind: 'ble', keys });
    keys.add(s.info().hello!.uid, node.key);
    // Anyone in range may send HELLO_REQ: the node draws a new nonce the app has not seen.
    node.nonce = Uint8Array.from({ length: 8 }, (_, i) => 0xa0 + i);
    await expect(s.setStream({ features: true, raw: true, rawDecimation: 8 })).resolves.toBeDefined();
    // One re-read of the nonce, one retry: not a loop.
    expect(node.written.filter((f) => f.type === MSG_SECURE)).toHaveLength(2);
    await s.close();
  });
});

describe('reconnect and gaps', () => {
  it('reconnects after the link is lost, re-applies the stream, and marks the first frame after the gap', async () => {
    const node = new ScriptedNode();
    let present = true;
    const updates: NodeInfo[] = [];
    const s = new NodeSession(node.link(), {
      requestTimeoutMs: 40,
      helloRetryMs: 30,
      helloTimeoutMs: 500,
      pollMs: 20,
      present: () => present,
      reopen: async () => {
        if (!present) throw new Error('ENOENT');
        return node.link();
      },
    });
    s.on('update', (u) => updates.push(u));
    const frames: FeatureFrame[] = [];
    s.on('features', (f) => frames.push(f));
    await s.start();
    await s.setStream({ features: true, raw: true, rawDecimation: 4 });
    const raws: { firstFrame: number; gapReason?: string }[] = [];
    s.on('raw', (b) => raws.push(b));
    node.links[0].toApp(features(10));
    node.links[0].toApp(encodeFrame(MSG_RAW_BLOCK, 2, encodeRawBlock({ firstFrame: 0, axisCount: 2, decimation: 4, scaleG: 16 / 32768, samples: [1, 2, 3, 4] })));
    await sleep(20);
    present = false;
    node.links[0].pull();
    expect(s.info().status).toBe('reconnecting');
    await sleep(100);
    expect(s.info().reconnect).toMatchObject({ attempts: 0 });
    const streamsBefore = node.counts.get(MSG_STREAM);
    present = true;
    await new Promise<void>((r) => s.on('update', (u) => u.status === 'online' && r()));
    expect(node.counts.get(MSG_STREAM)).toBe(streamsBefore! + 1);
    expect(node.links).toHaveLength(2);
    node.links[1].toApp(features(15));
    node.links[1].toApp(encodeFrame(MSG_RAW_BLOCK, 3, encodeRawBlock({ firstFrame: 400, axisCount: 2, decimation: 4, scaleG: 16 / 32768, samples: [1, 2] })));
    node.links[1].toApp(features(16));
    await sleep(20);
    expect(frames.map((f) => [f.windowIndex, f.gapReason])).toEqual([[10, undefined], [15, 'link-lost'], [16, undefined]]);
    expect(raws.map((b) => [b.firstFrame, b.gapReason])).toEqual([[0, undefined], [400, 'link-lost']]);
    expect(s.info().stats).toMatchObject({ reconnects: 1, missedWindows: 4, missedRawFrames: 392 });
    expect(updates.some((u) => u.status === 'reconnecting' && u.reconnect !== undefined)).toBe(true);
    // A stream that goes back (node restart) is not a gap.
    node.links[1].toApp(features(0));
    await sleep(20);
    expect(frames.at(-1)!.gapReason).toBeUndefined();
    expect(s.info().stats.missedWindows).toBe(4);
    await s.close();
    expect(s.info().status).toBe('offline');
  });

  it('goes offline, not reconnecting, when the technician disconnects or the node is gone for good', async () => {
    const node = new ScriptedNode();
    const s = await started(node, { reopen: async () => node.link() });
    await s.lost('The demo node stopped (SIGKILL)');
    expect(s.info()).toMatchObject({ status: 'offline', message: 'The demo node stopped (SIGKILL)' });
    await sleep(50);
    expect(node.links).toHaveLength(1);
  });
});

describe("the node's condition kept by main (NodeInfo.condition)", () => {
  const alarm = (state: 0 | 1, over: Partial<{ eventId: number; startWindow: number; endWindow: number; modelVersion: number; peakScore: number }> = {}) =>
    encodeEvent({ eventId: 3, state, debounceK: 3, debounceN: 5, startWindow: 40, endWindow: 42, startTUs: 40_000, endTUs: 42_000, peakScore: 14.5, threshold: 1.65, modelVersion: 1, ...over });
  const detectorFeatures = (windowIndex: number, state: DetectorState, score: number) =>
    encodeFrame(MSG_FEATURES, 1, encodeFeatures({ windowIndex, tUs: windowIndex * 1000, shaftHz: 29.95, values: [[1, 2, 3, 4, 2.5], [6, 7, 8, 9, 3.5]], anomalyScore: score, logBands: [[-6], [-6]], state }));

  it('an EVENT started makes the alarm active, its end clears it; the update carries it and nodes.list shows it', async () => {
    const node = new ScriptedNode({ minor: 3 });
    node.detector = { modelVersion: 1, modelSource: 1, state: { detector: DETECTOR_MODEL, learnPercent: 0 } };
    const s = await started(node);
    const updates: NodeInfo[] = [];
    s.on('update', (u) => updates.push(u));
    expect(s.info().condition).toMatchObject({ alarm: null, detector: { kind: 'model', modelVersion: 1, modelSource: 'built-in' } });
    const before = Date.now();
    node.links[0].toApp(detectorFeatures(42, { detector: DETECTOR_MODEL, learnPercent: 0 }, 14.5));
    node.links[0].toApp(encodeFrame(MSG_EVENT, 2, alarm(1)));
    await sleep(20);
    const on = s.info().condition!;
    expect(on.alarm).toMatchObject({ active: true, eventId: 3, startWindow: 40, endWindow: 42, peakScore: 14.5, modelVersion: 1, debounceK: 3, debounceN: 5 });
    expect(on.alarm!.threshold).toBeCloseTo(1.65, 5);
    expect(on.alarm!.sinceMs).toBeGreaterThanOrEqual(before);
    expect(on.lastSeenMs).toBeGreaterThanOrEqual(before);
    expect(on.latest).toMatchObject({ windowIndex: 42, shaftHz: expect.closeTo(29.95, 3), velocityMmS: [2.5, 3.5], anomalyScore: 14.5 });
    // Pushed on the node-update channel at once, not only in the once-a-second refresh.
    expect(updates.at(-1)!.condition!.alarm!.active).toBe(true);
    // Windows go on over the threshold: still on, whatever a page saw.
    node.links[0].toApp(detectorFeatures(60, { detector: DETECTOR_MODEL, learnPercent: 0 }, 12));
    await sleep(20);
    expect(s.info().condition!.alarm!.active).toBe(true);
    // The node ends event 3: cleared, with when and why.
    node.links[0].toApp(encodeFrame(MSG_EVENT, 3, alarm(0, { endWindow: 61 })));
    await sleep(20);
    expect(s.info().condition!.alarm).toMatchObject({ active: false, eventId: 3, endWindow: 61, endedBy: 'node', sinceMs: on.alarm!.sinceMs });
    expect(updates.at(-1)!.condition!.alarm!.active).toBe(false);
    await s.close();
  });

  it('an alarm the node repeats after a HELLO_REQ stays on with its start time; one it does not repeat ended unseen', async () => {
    const node = new ScriptedNode({ minor: 3 });
    node.detector = { modelVersion: 1, modelSource: 1, state: { detector: DETECTOR_MODEL, learnPercent: 0 }, alarm: alarm(1) };
    let present = true;
    const s = new NodeSession(node.link(), { requestTimeoutMs: 40, helloRetryMs: 30, helloTimeoutMs: 500, pollMs: 20, present: () => present, reopen: async () => node.link() });
    await s.start();
    // The node was in alarm before the app connected: it said so right after its HELLO.
    await sleep(20);
    const first = s.info().condition!.alarm!;
    expect(first).toMatchObject({ active: true, eventId: 3 });
    // The link drops and comes back; the node repeats the alarm after the new HELLO: same start.
    present = false;
    node.links[0].pull();
    await sleep(40);
    present = true;
    await new Promise<void>((r) => s.on('update', (u) => u.status === 'online' && r()));
    await sleep(20);
    expect(s.info().condition!.alarm).toMatchObject({ active: true, eventId: 3, sinceMs: first.sinceMs });
    // The alarm ends while the link is down: after the next HELLO no EVENT, then a window.
    present = false;
    node.links[1].pull();
    node.detector.alarm = undefined;
    await sleep(40);
    present = true;
    await new Promise<void>((r) => s.on('update', (u) => u.status === 'online' && r()));
    expect(s.info().condition!.alarm!.active).toBe(true); // not known yet
    node.links[2].toApp(detectorFeatures(900, { detector: DETECTOR_MODEL, learnPercent: 0 }, 0.5));
    await sleep(20);
    expect(s.info().condition!.alarm).toMatchObject({ active: false, endedBy: 'unconfirmed' });
    await s.close();
  });

  it('follows the learning percent, and a HELLO with another model ends the old model\'s alarm', async () => {
    const node = new ScriptedNode({ minor: 3 });
    node.detector = { modelVersion: 1, modelSource: 1, state: { detector: DETECTOR_MODEL, learnPercent: 0 } };
    const s = await started(node);
    const updates: NodeInfo[] = [];
    s.on('update', (u) => updates.push(u));
    node.links[0].toApp(encodeFrame(MSG_EVENT, 2, alarm(1)));
    await sleep(20);
    expect(s.info().condition!.alarm!.active).toBe(true);
    // A new model (slot 0, version 2) says HELLO: model 1's alarm cannot be on any more.
    node.detector = { modelVersion: 2, modelSource: 2, state: { detector: DETECTOR_MODEL, learnPercent: 0 } };
    node.links[0].toApp(node.hello(node.seq++));
    await sleep(20);
    expect(s.info().condition).toMatchObject({ alarm: { active: false, endedBy: 'detector', modelVersion: 1 }, detector: { kind: 'model', modelVersion: 2, modelSource: 'slot 0' } });
    expect(updates.at(-1)!.condition!.detector.modelVersion).toBe(2);
    // The technician resets the node to learn its machine: the percent goes up window by window.
    for (const [i, pct] of [[1, 0], [2, 37], [3, 38]] as const) node.links[0].toApp(detectorFeatures(i, { detector: DETECTOR_LEARNING, learnPercent: pct }, NaN));
    await sleep(20);
    expect(s.info().condition!.detector).toMatchObject({ kind: 'learning', learnPercent: 38, modelVersion: 2 });
    // Pushed at once, then at most every 250 ms (the manager's refresh carries the rest).
    const learning = () => updates.filter((u) => u.condition!.detector.kind === 'learning').map((u) => u.condition!.detector.learnPercent);
    expect(learning()).toEqual([0]);
    await sleep(260);
    node.links[0].toApp(detectorFeatures(4, { detector: DETECTOR_LEARNING, learnPercent: 39 }, NaN));
    await sleep(20);
    expect(learning()).toEqual([0, 39]);
    // Learned: the node's own baseline raises alarms with model_version 0.
    node.links[0].toApp(detectorFeatures(5, { detector: DETECTOR_BASELINE, learnPercent: 100 }, 2));
    node.links[0].toApp(encodeFrame(MSG_EVENT, 3, alarm(1, { eventId: 7, modelVersion: 0 })));
    await sleep(20);
    expect(s.info().condition).toMatchObject({ alarm: { active: true, eventId: 7, modelVersion: 0 }, detector: { kind: 'baseline', learnPercent: 100 } });
    await s.close();
  });

  it('keeps the threshold the node states (1.4): from its HELLO before any window, then window by window; none while learning', async () => {
    const node = new ScriptedNode({ minor: 4 });
    node.detector = { modelVersion: 0, modelSource: 0, state: { detector: DETECTOR_BASELINE, learnPercent: 100, threshold: Math.fround(3.6) } };
    const s = await started(node);
    const updates: NodeInfo[] = [];
    s.on('update', (u) => updates.push(u));
    // Before any window or EVENT: the learned baseline's threshold, from the HELLO.
    expect(s.info().condition!.detector).toMatchObject({ kind: 'baseline', threshold: Math.fround(3.6) });
    expect(s.info().condition!.alarm).toBeNull();
    // A new speed: the threshold the window was compared with changes, and main pushes it.
    node.links[0].toApp(detectorFeatures(1, { detector: DETECTOR_BASELINE, learnPercent: 100, threshold: Math.fround(4.25) }, 1));
    await sleep(20);
    expect(s.info().condition!.detector.threshold).toBe(Math.fround(4.25));
    expect(updates.at(-1)!.condition!.detector.threshold).toBe(Math.fround(4.25));
    // The technician resets it: learning, the node says none (−1 on the wire).
    node.links[0].toApp(detectorFeatures(2, { detector: DETECTOR_LEARNING, learnPercent: 0, threshold: -1 }, -1));
    await sleep(20);
    expect(s.info().condition!.detector).toMatchObject({ kind: 'learning', threshold: null });
    await s.close();
    // A 1.3 node says nothing about it: absent, not null.
    const old = new ScriptedNode({ minor: 3 });
    old.detector = { modelVersion: 0, modelSource: 0, state: { detector: DETECTOR_BASELINE, learnPercent: 100 } };
    const s3 = await started(old);
    old.links[0].toApp(detectorFeatures(1, { detector: DETECTOR_BASELINE, learnPercent: 100 }, 1));
    await sleep(20);
    expect('threshold' in s3.info().condition!.detector).toBe(false);
    await s3.close();
  });

  it('a node that restarts (an unasked HELLO with a new nonce) has no alarm on', async () => {
    const node = new ScriptedNode({ minor: 3 });
    node.detector = { modelVersion: 1, modelSource: 1, state: { detector: DETECTOR_MODEL, learnPercent: 0 } };
    const s = await started(node);
    node.links[0].toApp(encodeFrame(MSG_EVENT, 2, alarm(1)));
    await sleep(20);
    expect(s.info().condition!.alarm!.active).toBe(true);
    node.nonce = Uint8Array.from({ length: 8 }, (_, i) => 200 + i);
    node.links[0].toApp(node.hello(node.seq++));
    await sleep(50);
    expect(s.info().condition!.alarm).toMatchObject({ active: false, endedBy: 'restart' });
    await s.close();
  });
});
