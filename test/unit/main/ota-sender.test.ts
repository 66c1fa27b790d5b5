// The model sender (main/ota/sender.ts) against the TypeScript model of the node's receiver
// (test/helpers/transferReceiver.ts, held to the C receiver by the golden vectors), over a
// simulated link with latency, lost frames and disconnects at random offsets.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MSG_ACK, MSG_NACK, NACK_AUTH_FAILED, NACK_NOT_PAIRED } from '../../../models/protocol';
import {
  MSG_MODEL_BEGIN,
  MSG_MODEL_CHUNK,
  MSG_MODEL_COMMIT,
  MSG_MODEL_STATUS,
  NACK_MODEL_KEY,
  NACK_MODEL_OLDER,
  TRANSFER_TRIAL,
} from '../../../models/protocol/transfer';
import { Prng } from '../../../models/train/prng';
import { decodeTransferReply, ModelSender, type SenderOutcome } from '../../../main/ota/sender';
import { baseModel, JSON_PATH, vectorImages, type TransferVectors } from '../../../scripts/gen-transfer-vectors';
import { SLOT_CONFIRMED, TransferReceiver } from '../../helpers/transferReceiver';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8')) as TransferVectors;
const IMAGES = vectorImages(V);
const { blob: BASE, key: KEY } = baseModel();
const [V7, V8, , V5, WRONG_KEY] = [0, 1, 2, 3, 4];

/** Deterministic random numbers in [0, 1): a failing seed reproduces. */
function random(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

interface SimOptions {
  image?: number;
  key?: Uint8Array;
  seed?: number;
  /** Probability that a frame (either way) is lost. */
  drop?: number;
  /** The link drops when the node's offset first reaches each of these, for downMs. */
  disconnectAt?: number[];
  downMs?: number;
  /** The node restarts (its transfer state lost) when its offset first reaches this. */
  restartAt?: number;
  /** Chunk offsets lost on their first sending (host to node). */
  loseChunks?: number[];
  window?: number;
  chunk?: number;
  latencyMs?: number;
}

interface SimResult {
  outcome: SenderOutcome;
  rx: TransferReceiver;
  sender: ModelSender;
  ms: number;
  disconnects: number;
}

async function simulate(o: SimOptions = {}): Promise<SimResult> {
  const rnd = random(o.seed ?? 1);
  const image = IMAGES[o.image ?? V8];
  const latency = o.latencyMs ?? 5;
  const rx = new TransferReceiver({ key: o.key ?? KEY, specHash: BASE.subarray(48, 80), slotSize: V.slotSize, confirmAfter: V.confirmAfter, running: BASE, builtinVersion: V.builtinVersion });
  rx.reset();
  let now = 0;
  let generation = 0; // bumped by every disconnect: frames in flight are lost
  let up = true;
  let disconnects = 0;
  const events: { at: number; gen: number; run: () => void }[] = [];
  const schedule = (at: number, run: () => void) => events.push({ at, gen: generation, run });
  const lost = new Set(o.loseChunks ?? []);
  const pendingDisconnects = [...(o.disconnectAt ?? [])].sort((a, b) => a - b);
  let restartAt = o.restartAt;

  const sender = new ModelSender(image, { send: (type, payload) => deliverUp(type, payload) }, { key: o.key ?? KEY, chunk: o.chunk ?? V.chunk, window: o.window ?? 4, timeoutMs: 200, maxRetries: 8 });

  function deliverUp(type: number, payload: Uint8Array): void {
    if (!up) return;
    if (type === MSG_MODEL_CHUNK) {
      const off = new DataView(payload.buffer, payload.byteOffset).getUint32(0, true);
      if (lost.delete(off)) return;
    }
    if (rnd() < (o.drop ?? 0)) return;
    schedule(now + latency, () => {
      const r = rx.handle(type, payload);
      const offset = rx.status().offset;
      if (restartAt !== undefined && offset >= restartAt) {
        restartAt = undefined;
        rx.reset();
        return; // the node restarted before it answered
      }
      if (pendingDisconnects.length && offset >= pendingDisconnects[0]) {
        pendingDisconnects.shift();
        disconnect();
        return;
      }
      if (rnd() < (o.drop ?? 0)) return;
      schedule(now + latency, () => sender.onReply(decodeTransferReply(r.type, r.payload)!, now));
    });
  }

  function disconnect(): void {
    up = false;
    generation++;
    disconnects++;
    sender.linkDown();
    events.push({
      at: now + (o.downMs ?? 300),
      gen: generation,
      run: () => {
        up = true;
        sender.reconnected(now);
      },
    });
  }

  sender.start(now);
  let result: SenderOutcome | undefined;
  void sender.finished.then((r) => (result = r));
  while (result === undefined && now < 600_000) {
    events.sort((a, b) => a.at - b.at);
    const nextAt = events.length ? events[0].at : now + 10;
    now = Math.min(nextAt, now + 10);
    while (events.length && events[0].at <= now) {
      const e = events.shift()!;
      if (e.gen === generation) e.run();
    }
    sender.poll(now);
    await Promise.resolve();
  }
  await Promise.resolve();
  return { outcome: result ?? { ok: false, error: 'simulation time ran out' }, rx, sender, ms: now, disconnects };
}

function expectInstalled(r: SimResult, image = IMAGES[V8]): void {
  expect(r.outcome).toEqual({ ok: true });
  expect(r.rx.state).toBe(TRANSFER_TRIAL);
  expect(r.rx.runningVersion).toBe(8);
  const slot = r.rx.slots[r.rx.active];
  expect(slot.length).toBe(image.length);
  expect(slot.bytes.subarray(0, image.length)).toEqual(image);
  for (let i = 0; i < V.confirmAfter; i++) r.rx.window(true);
  expect(slot.state).toBe(SLOT_CONFIRMED);
}

describe('model sender', () => {
  it('sends the image in a window of chunks and commits it on a clean link', async () => {
    const r = await simulate();
    expectInstalled(r);
    const chunks = Math.ceil(IMAGES[V8].length / V.chunk);
    expect(r.sender.counters).toEqual({ chunksSent: chunks, chunksResent: 0, timeouts: 0, reconnects: 0, resumes: 0, restarts: 0 });
    // Four in flight: far fewer round trips than chunks (10 ms each way and back).
    expect(r.ms).toBeLessThan(chunks * 10);
  });

  it('a window of one is stop-and-wait and takes a round trip per chunk', async () => {
    const r = await simulate({ window: 1 });
    expectInstalled(r);
    expect(r.ms).toBeGreaterThanOrEqual(Math.ceil(IMAGES[V8].length / V.chunk) * 10);
  });

  it('a lost chunk is sent again at the first status that shows the gap, without waiting for a timeout', async () => {
    const r = await simulate({ loseChunks: [4 * V.chunk, 20 * V.chunk] });
    expectInstalled(r);
    expect(r.sender.counters.timeouts).toBe(0);
    expect(r.sender.counters.chunksResent).toBeGreaterThanOrEqual(2);
    expect(r.sender.counters.chunksResent).toBeLessThanOrEqual(2 * 4);
  });

  it('resumes from the offset the node holds after a disconnect', async () => {
    const at = 10 * V.chunk;
    const r = await simulate({ disconnectAt: [at] });
    expectInstalled(r);
    expect(r.disconnects).toBe(1);
    expect(r.sender.counters.reconnects).toBe(1);
    expect(r.sender.counters.resumes).toBe(1);
    expect(r.sender.counters.restarts).toBe(0);
    // Only the chunks in flight at the cut are sent again, not the image from the start.
    expect(r.sender.counters.chunksResent).toBeLessThanOrEqual(4);
  });

  it('starts again when the node restarted and lost the transfer', async () => {
    const r = await simulate({ restartAt: 12 * V.chunk });
    expectInstalled(r);
    expect(r.sender.counters.restarts).toBe(1);
  });

  it('finishes with lost frames both ways and the link dropped at random offsets (60 seeds)', async () => {
    let resumes = 0;
    let resent = 0;
    let timeouts = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = random(seed * 7919);
      const size = IMAGES[V8].length;
      const disconnectAt = [Math.floor(rnd() * size), Math.floor(rnd() * size)];
      const r = await simulate({ seed, drop: 0.05 + 0.1 * rnd(), disconnectAt, window: 1 + Math.floor(rnd() * 8), downMs: 50 + Math.floor(rnd() * 1000) });
      expect(r.outcome, `seed ${seed}`).toEqual({ ok: true });
      expectInstalled(r);
      resumes += r.sender.counters.resumes;
      resent += r.sender.counters.chunksResent;
      timeouts += r.sender.counters.timeouts;
    }
    expect(resumes).toBeGreaterThan(30);
    expect(resent).toBeGreaterThan(0);
    expect(timeouts).toBeGreaterThan(0);
  });

  it('reports every refusal in plain words and the node keeps its model', async () => {
    const cases: [SimOptions, number, RegExp][] = [
      [{ image: WRONG_KEY }, NACK_MODEL_KEY, /not signed with this node.s pairing key/],
      [{ image: V5 }, NACK_MODEL_OLDER, /not newer than the one running/],
      [{ key: new Uint8Array(32) }, NACK_NOT_PAIRED, /not paired/],
    ];
    for (const [opts, reason, text] of cases) {
      const r = await simulate(opts);
      expect(r.outcome.ok).toBe(false);
      expect(r.outcome.reason).toBe(reason);
      expect(r.outcome.error).toMatch(text);
      expect(r.rx.runningVersion).toBe(opts.key ? V.builtinVersion : 7);
    }
    // A BEGIN signed with a key the node does not hold.
    const rx = new TransferReceiver({ key: KEY, specHash: BASE.subarray(48, 80), slotSize: V.slotSize, confirmAfter: 3, running: BASE });
    const s = new ModelSender(IMAGES[V8], { send: (t, p) => queueMicrotask(() => { const r = rx.handle(t, p); s.onReply(decodeTransferReply(r.type, r.payload)!, 0); }) }, { key: new Uint8Array(32).fill(9), chunk: 240, window: 4, timeoutMs: 100 });
    s.start(0);
    const out = await s.finished;
    expect(out).toMatchObject({ ok: false, reason: NACK_AUTH_FAILED });
    expect(out.error).toMatch(/pairing key is not the one this app holds/);
  });

  it('finds the model already running and sends nothing after the first window', async () => {
    const r = await simulate({ image: V7 });
    expect(r.outcome).toEqual({ ok: true, alreadyRunning: true });
    // BEGIN (refused: not newer) went out with one window behind it, then MODEL_STATUS told.
    expect(r.sender.counters.chunksSent).toBe(4);
  });

  it('waits for no round trip before the chunks or before COMMIT: one round trip in all', async () => {
    const chunks = Math.ceil(IMAGES[V8].length / V.chunk);
    const r = await simulate({ window: chunks });
    expectInstalled(r);
    expect(r.sender.counters).toMatchObject({ chunksSent: chunks, chunksResent: 0, timeouts: 0 });
    expect(r.ms).toBeLessThanOrEqual(10); // 5 ms each way: BEGIN, every chunk and COMMIT, then the ACK
  });

  it('a COMMIT that overtook a lost chunk (INCOMPLETE) is sent again once the node holds every chunk', async () => {
    const chunks = Math.ceil(IMAGES[V8].length / V.chunk);
    const last = (chunks - 1) * V.chunk;
    const r = await simulate({ window: chunks, loseChunks: [last] });
    expectInstalled(r);
    expect(r.sender.counters).toMatchObject({ chunksResent: 1, timeouts: 0 });
    expect(r.ms).toBeLessThanOrEqual(30);
  });

  it('gives up in plain words when the node stops answering', async () => {
    const s = new ModelSender(IMAGES[V8], { send: () => undefined }, { key: KEY, chunk: 240, window: 4, timeoutMs: 100, maxRetries: 3 });
    s.start(0);
    for (let t = 0; t <= 1000; t += 50) s.poll(t);
    expect(await s.finished).toEqual({ ok: false, error: 'the node stopped answering (at 0 of 7980 bytes)' });
  });

  it('takes MODEL_STATUS and the ACK or NACK of a model request, nothing else', () => {
    expect(decodeTransferReply(MSG_ACK, Uint8Array.of(MSG_MODEL_COMMIT))).toEqual({ kind: 'ack', reqType: MSG_MODEL_COMMIT });
    expect(decodeTransferReply(MSG_ACK, Uint8Array.of(0x0a))).toBeUndefined(); // CONFIG_SET's
    expect(decodeTransferReply(MSG_NACK, Uint8Array.of(MSG_MODEL_BEGIN, 20, 0, 0))).toEqual({ kind: 'nack', reqType: MSG_MODEL_BEGIN, reason: 20 });
    expect(decodeTransferReply(MSG_NACK, Uint8Array.of(0x0b, 3, 0, 0))).toBeUndefined();
    expect(decodeTransferReply(0x10, new Uint8Array(18))).toBeUndefined();
    expect(() => decodeTransferReply(MSG_MODEL_STATUS, new Uint8Array(10))).toThrow(/MODEL_STATUS payload is 10 bytes/);
  });

  it('refuses bad options in plain words', () => {
    const port = { send: () => undefined };
    expect(() => new ModelSender(IMAGES[V8], port, { key: KEY, chunk: 242, window: 4, timeoutMs: 100 })).toThrow(/multiple of 4/);
    expect(() => new ModelSender(IMAGES[V8], port, { key: KEY, chunk: 240, window: 0, timeoutMs: 100 })).toThrow(/at least 1 chunk/);
    expect(() => new ModelSender(IMAGES[V8], port, { key: KEY.subarray(1), chunk: 240, window: 1, timeoutMs: 100 })).toThrow(/32 bytes/);
  });
});
