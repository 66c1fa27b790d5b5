// One node's model update as the session runs it (main/ota/nodeUpdate.ts), against the TypeScript
// model of the node's receiver (test/helpers/transferReceiver.ts): the trial followed to its end
// (confirmed, or reverted by an unhealthy window, said in plain words), a rollback refused, or
// accepted during a trial, the HELLO asked before the end is told, and a second update refused while one runs.
import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { ModelProgress } from '../../../models/api/contract';
import { MSG_MODEL_BEGIN, MSG_MODEL_CHUNK, MSG_MODEL_STATUS_REQ } from '../../../models/protocol/transfer';
import { NodeModelUpdate } from '../../../main/ota/nodeUpdate';
import { baseModel, JSON_PATH, vectorImages, type TransferVectors } from '../../../scripts/gen-transfer-vectors';
import { TransferReceiver } from '../../helpers/transferReceiver';
import { waitFor } from '../../helpers/wait';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8')) as TransferVectors;
const IMAGES = vectorImages(V);
const { blob: BASE, key: KEY } = baseModel();
const V8 = 1;

let updates: NodeModelUpdate[] = [];
afterEach(() => {
  for (const u of updates) u.stop();
  updates = [];
});

function rig() {
  const rx = new TransferReceiver({ key: KEY, specHash: BASE.subarray(48, 80), slotSize: V.slotSize, confirmAfter: 3, running: BASE, builtinVersion: V.builtinVersion });
  rx.reset();
  const seen: ModelProgress[] = [];
  const order: string[] = [];
  const u: NodeModelUpdate = new NodeModelUpdate(
    {
      path: '/dev/ttyTEST',
      post: (t, p) => {
        const r = rx.handle(t, p);
        queueMicrotask(() => u.onFrame(r.type, r.payload));
        return true;
      },
      key: () => KEY,
      chunk: () => 240,
      askHello: async () => {
        order.push('hello');
      },
      progress: (p) => {
        seen.push(p);
        order.push(p.state);
      },
    },
    { timeoutMs: 50, pollMs: 5, followMs: 10 },
  );
  updates.push(u);
  return { rx, u, seen, order };
}

const OVER = new Set(['confirmed', 'refused', 'reverted', 'rolled-back', 'failed']);
const ended = (seen: ModelProgress[]) => waitFor('the end', 5000, () => seen.find((p) => OVER.has(p.state)));

describe('NodeModelUpdate', () => {
  it('follows the trial to the confirmation, asks a HELLO first, and refuses a second update meanwhile', async () => {
    const { rx, u, seen, order } = rig();
    u.deploy(IMAGES[V8], Date.now());
    expect(() => u.deploy(IMAGES[V8], Date.now())).toThrow(/busy with a model deploy \(sending\)/);
    await waitFor('on trial', 5000, () => (seen.some((p) => p.state === 'trial') ? true : undefined));
    for (let i = 0; i < 3; i++) rx.window(true);
    const end = await ended(seen);
    expect(end).toMatchObject({ state: 'confirmed', version: 8, runningVersion: 8, sent: IMAGES[V8].length, total: IMAGES[V8].length });
    expect(order.slice(-2)).toEqual(['hello', 'confirmed']);
    expect(u.busy).toBe(false);
  });

  it('says in plain words when the node reverts the model on trial', async () => {
    const { rx, u, seen } = rig();
    u.deploy(IMAGES[V8], Date.now());
    await waitFor('on trial', 5000, () => (seen.some((p) => p.state === 'trial') ? true : undefined));
    rx.window(false);
    const end = await ended(seen);
    expect(end.state).toBe('reverted');
    expect(end.message).toBe('the node went back to model version 7: the new model was not healthy on trial');
  });

  it('rolls back when the node holds the version, and says why when it does not', async () => {
    const a = rig();
    a.u.rollback(4242, Date.now());
    expect(await ended(a.seen)).toMatchObject({ kind: 'rollback', state: 'refused', message: 'the node holds no confirmed model of that version to return to' });
    const b = rig();
    b.u.deploy(IMAGES[V8], Date.now());
    await waitFor('on trial', 5000, () => (b.seen.some((p) => p.state === 'trial') ? true : undefined));
    const c = b.u.rollback(7, Date.now());
    expect(c).toMatchObject({ kind: 'rollback', state: 'committing', version: 7 });
    expect(b.seen.find((p) => p.kind === 'deploy' && p.state === 'failed')?.message).toBe('the trial was ended by a rollback to version 7');
    expect(await waitFor('rolled back', 5000, () => b.seen.find((p) => p.kind === 'rollback' && OVER.has(p.state)))).toMatchObject({ state: 'rolled-back', runningVersion: 7 });
    expect(b.rx.status().runningVersion).toBe(7);
  });

  it('sends nothing while the link is down and asks MODEL_STATUS after the reconnect', () => {
    const sent: number[] = [];
    const u = new NodeModelUpdate({ path: 'p', post: (t) => (sent.push(t), true), key: () => KEY, chunk: () => 240, askHello: async () => {}, progress: () => {} }, { timeoutMs: 10_000 });
    updates.push(u);
    u.deploy(IMAGES[V8], 0);
    // BEGIN with the first window (8 chunks) behind it.
    expect(sent).toEqual([MSG_MODEL_BEGIN, ...Array<number>(8).fill(MSG_MODEL_CHUNK)]);
    sent.length = 0;
    u.linkDown();
    u.reconnected(1);
    expect(sent).toEqual([MSG_MODEL_STATUS_REQ]);
    expect(u.state).toMatchObject({ resumes: 1, state: 'sending' });
  });
});
