// The app's model sender (main/ota/sender.ts) against the node's real C receiver
// (firmware/src/ota/transfer.c on a RAM model store, build/host/ota-harness), in real time, over a
// simulated link that loses frames both ways and drops at random offsets.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fromHex, sha256, toHex } from '../../models/crypto/sha256';
import { NACK_NOT_PAIRED } from '../../models/protocol';
import { NACK_MODEL_KEY, NACK_MODEL_OLDER } from '../../models/protocol/transfer';
import { Prng } from '../../models/train/prng';
import { decodeTransferReply, ModelSender, type SenderOutcome } from '../../main/ota/sender';
import { baseModel, JSON_PATH, vectorImages, type TransferVectors } from '../../scripts/gen-transfer-vectors';
import { makeFirmware, ROOT } from '../helpers/firmware';

const HARNESS = join(ROOT, 'firmware', 'build', 'host', 'ota-harness');
const V = JSON.parse(readFileSync(JSON_PATH, 'utf8')) as TransferVectors;
const IMAGES = vectorImages(V);
const { key: KEY } = baseModel();
const [V7, V8, , V5, WRONG_KEY] = [0, 1, 2, 3, 4];

interface Answer {
  type: number;
  payload: Uint8Array;
  running: number;
}

/** The harness: one command line in, one answer line out, in order. */
class CNode {
  private readonly proc: ChildProcessWithoutNullStreams;
  private readonly waiting: ((a: Answer) => void)[] = [];
  stderr = '';
  constructor(args: string[] = []) {
    this.proc = spawn(HARNESS, args);
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    createInterface({ input: this.proc.stdout }).on('line', (line) => {
      const [, t, hex, v] = line.split(' ');
      this.waiting.shift()?.({ type: parseInt(t, 16), payload: hex === '-' ? new Uint8Array(0) : fromHex(hex), running: Number(v) });
    });
  }
  cmd(line: string): Promise<Answer> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.proc.stdin.write(line + '\n');
    });
  }
  request(type: number, payload: Uint8Array): Promise<Answer> {
    return this.cmd(`Q ${type.toString(16).padStart(2, '0')} ${toHex(payload)}`);
  }
  close(): void {
    this.proc.stdin.end();
    this.proc.kill();
  }
}

/** Deterministic random numbers in [0, 1): a failing seed reproduces. */
function random(seed: number): () => number {
  const prng = new Prng(seed);
  return () => prng.next();
}

let nodes: CNode[] = [];
afterEach(() => {
  for (const n of nodes) n.close();
  nodes = [];
});

async function send(node: CNode, image: Uint8Array, o: { seed?: number; drop?: number; disconnectAt?: number[]; window?: number } = {}) {
  const rnd = random(o.seed ?? 1);
  const cuts = [...(o.disconnectAt ?? [])].sort((a, b) => a - b);
  let down = false;
  let generation = 0;
  let disconnects = 0;
  const sender: ModelSender = new ModelSender(
    image,
    {
      send: (type, payload) => {
        if (down || rnd() < (o.drop ?? 0)) return;
        const gen = generation;
        void node.request(type, payload).then((a) => {
          if (gen !== generation || down) return;
          const r = decodeTransferReply(a.type, a.payload)!;
          if (r.kind === 'status' && cuts.length && r.status.offset >= cuts[0]) {
            cuts.shift();
            down = true;
            generation++;
            disconnects++;
            sender.linkDown();
            setTimeout(() => {
              down = false;
              sender.reconnected(Date.now());
            }, 30);
            return;
          }
          if (rnd() < (o.drop ?? 0)) return;
          sender.onReply(r, Date.now());
        });
      },
    },
    { key: KEY, chunk: V.chunk, window: o.window ?? 4, timeoutMs: 60, maxRetries: 10 },
  );
  const timer = setInterval(() => sender.poll(Date.now()), 10);
  sender.start(Date.now());
  const outcome: SenderOutcome = await sender.finished;
  clearInterval(timer);
  return { outcome, sender, disconnects };
}

async function expectRunning(node: CNode, image: Uint8Array, version: number): Promise<void> {
  const m = await node.cmd('M');
  expect(toHex(m.payload)).toBe(toHex(sha256(image)));
  expect(m.running).toBe(version);
}

describe('model sender and the C receiver', () => {
  beforeAll(() => makeFirmware('ota-harness'), 120_000);

  it('installs v8 on a clean link; healthy windows confirm it and it survives a restart', async () => {
    const node = new CNode();
    nodes.push(node);
    const r = await send(node, IMAGES[V8]);
    expect(r.outcome).toEqual({ ok: true });
    await expectRunning(node, IMAGES[V8], 8);
    for (let i = 0; i < V.confirmAfter; i++) await node.cmd('W 1');
    await node.cmd('B');
    await expectRunning(node, IMAGES[V8], 8);
  });

  it('installs a pruned model stored block-sparse (docs/model-format.md 2.4.1): the node parses it and its self-test passes', async () => {
    const nn = JSON.parse(readFileSync(join(ROOT, 'test', 'vectors', 'nn_vectors.json'), 'utf8')) as { modelSparse: { blob: string } };
    const sparse = fromHex(nn.modelSparse.blob); // model version 8, signed with the same test key
    const node = new CNode();
    nodes.push(node);
    const r = await send(node, sparse);
    expect(r.outcome).toEqual({ ok: true });
    await expectRunning(node, sparse, 8);
  });

  it('a restart before the confirmation reverts to v7', async () => {
    const node = new CNode();
    nodes.push(node);
    expect((await send(node, IMAGES[V8])).outcome.ok).toBe(true);
    await node.cmd('W 1');
    await node.cmd('B');
    await expectRunning(node, IMAGES[V7], 7);
  });

  it('finishes with lost frames and the link dropped at random offsets (12 seeds)', async () => {
    let resumes = 0;
    for (let seed = 1; seed <= 12; seed++) {
      const node = new CNode();
      nodes.push(node);
      const rnd = random(seed * 104729);
      const size = IMAGES[V8].length;
      const r = await send(node, IMAGES[V8], { seed, drop: 0.08, disconnectAt: [Math.floor(rnd() * size), Math.floor(rnd() * size)], window: 1 + (seed % 6) });
      expect(r.outcome, `seed ${seed}: ${node.stderr}`).toEqual({ ok: true });
      await expectRunning(node, IMAGES[V8], 8);
      resumes += r.sender.counters.resumes;
    }
    expect(resumes).toBeGreaterThan(6);
  }, 60_000);

  it('refusals in plain words; v7 keeps running', async () => {
    const cases: [Uint8Array, string[], number, RegExp, number][] = [
      [IMAGES[WRONG_KEY], [], NACK_MODEL_KEY, /pairing key/, 7],
      [IMAGES[V5], [], NACK_MODEL_OLDER, /not newer/, 7],
      [IMAGES[V8], ['--unpaired'], NACK_NOT_PAIRED, /not paired/, 1],
    ];
    for (const [image, args, reason, text, running] of cases) {
      const node = new CNode(args);
      nodes.push(node);
      const r = await send(node, image);
      expect(r.outcome).toMatchObject({ ok: false, reason });
      expect(r.outcome.error).toMatch(text);
      const m = await node.cmd('M');
      expect(m.running).toBe(running);
      if (running === 7) expect(toHex(m.payload)).toBe(toHex(sha256(IMAGES[V7])));
    }
  });
});
