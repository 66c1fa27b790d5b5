// A model update of the virtual node (the firmware's host build) over a real pty and the real
// serialport stack, through the app's API: a full deploy followed to the node's confirmation, the
// cable pulled (SIGUSR1) at random offsets with the transfer resumed from the node's offset (the
// node's COMMIT checks the image's SHA-256, so "confirmed" means the exact image), refusals in plain
// words, a rollback, and a transfer over Bluetooth LE (the fake GATT and the renderer's NusLink)
// that resumes after a dropped link.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ApiEvents, ModelProgress } from '../../models/api/contract';
import { ApiService } from '../../main/api/service';
import { NodeManager } from '../../main/node/manager';
import { startVirtualNode, type VirtualNode } from '../../main/node/virtualNode';
import { Prng } from '../../models/train/prng';
import { connectOverFakeGatt } from '../helpers/bleChain';
import { makeFirmware, ROOT } from '../helpers/firmware';
import { defaultModelBlob, modelFileWithVersion, toBase64 } from '../helpers/modelImage';
import { waitFor } from '../helpers/wait';

const OVER = new Set(['confirmed', 'refused', 'reverted', 'rolled-back', 'failed']);

describe('model update of the virtual node', () => {
  const dir = mkdtempSync(existsSync('/dev/shm') ? '/dev/shm/vigil-ota-' : join(tmpdir(), 'vigil-ota-'));
  let manager: NodeManager;
  let service: ApiService;
  let vn: VirtualNode;
  let path: string;
  let base: Uint8Array;
  let running = 0;
  const progress: ModelProgress[] = [];
  /** Offsets at which the cable is pulled, from inside the progress event (the transfer is fast). */
  const pullAt: number[] = [];
  const pulledAt: number[] = [];

  const modelVersionOf = (p: string) => manager.listNodes().find((n) => n.path === p)?.hello?.info?.modelVersion;
  const finished = (p: string, since: number, ms: number) =>
    waitFor(`the model update of ${p} to end`, ms, () => progress.slice(since).find((x) => x.path === p && OVER.has(x.state)));

  beforeAll(async () => {
    makeFirmware('host');
    base = defaultModelBlob(ROOT);
    // Small chunks and window: the image (about 8 KB) takes long enough to be cut in the middle.
    manager = new NodeManager({ root: ROOT, batchMs: 20, helloTimeoutMs: 5000, dataDir: join(dir, 'app-data'), modelTransfer: { window: 2, chunkMax: 64 } });
    service = new ApiService(manager);
    manager.subscribe((event, payload) => {
      if (event !== 'node.model') return;
      const p = payload as ApiEvents['node.model'];
      progress.push(p);
      if (p.path === path && p.state === 'sending' && pullAt.length > 0 && p.sent >= pullAt[0]) {
        pullAt.shift();
        pulledAt.push(p.sent);
        vn.process.kill('SIGUSR1');
      }
    });
    vn = await startVirtualNode({ root: ROOT, recording: 'cwru-normal', name: 'ota-test', link: join(dir, 'wired'), bleLink: join(dir, 'ble'), store: join(dir, 'store.bin'), unplugMs: 300 });
    path = vn.path;
    const info = await manager.connect(path);
    expect(info.hello!.info!.capabilities).toContain('model-update');
    running = info.hello!.info!.modelVersion;
  });
  afterAll(async () => {
    await manager?.shutdown();
    await vn?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses to send a model to a node the app holds no key for, in plain words', async () => {
    const err = (await service.handle('nodes.model.deploy', { path, model: toBase64(modelFileWithVersion(base, running + 1)) }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(err).toMatchObject({ code: 'refused' });
    expect(err.message).toMatch(/no pairing key for the node: pair it over the cable/);
  });

  it('refuses a file that is not a model, and arguments out of bounds', async () => {
    await service.handle('nodes.pair', { path, name: 'ota-test' });
    const junk = (await service.handle('nodes.model.deploy', { path, model: toBase64(new Uint8Array(200).fill(7)) }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(junk.code).toBe('bad-request');
    expect(junk.message).toMatch(/not a model this app can send/);
    const big = (await service.handle('nodes.model.deploy', { path, model: 'A'.repeat(400_000) }).catch((e: unknown) => e)) as { code: string; message: string };
    expect(big.message).toMatch(/"model" must be a model file \(\.vgm\) as base64, 48 to 262144 bytes/);
    const ver = (await service.handle('nodes.model.rollback', { path, version: -1 }).catch((e: unknown) => e)) as { code: string };
    expect(ver.code).toBe('bad-request');
  });

  it('deploys a model with the cable pulled at random offsets: resumed from the node offset, confirmed, NodeInfo shows it', async () => {
    const version = running + 1;
    const file = modelFileWithVersion(base, version);
    const since = progress.length;
    const started = (await service.handle('nodes.model.deploy', { path, model: toBase64(file) })) as ModelProgress;
    expect(started).toMatchObject({ kind: 'deploy', state: 'sending', version, sent: 0 });
    const total = started.total;
    const rnd = new Prng(20261205);
    // Two pulls, each at a random offset of the image.
    pullAt.push(Math.floor(total * (0.1 + 0.3 * rnd.next())), Math.floor(total * (0.5 + 0.3 * rnd.next())));
    const end = await finished(path, since, 60_000);
    const mine = progress.slice(since).filter((p) => p.path === path);
    console.log(`deploy: ${total} bytes, cable pulled at ${pulledAt.join(', ')}, ${end.resumes} resumes, states ${[...new Set(mine.map((p) => p.state))].join(' > ')}`);
    expect(end).toMatchObject({ state: 'confirmed', version, runningVersion: version, sent: total });
    expect(end.resumes).toBe(2);
    // Each resume went on from what the node held, not from the start.
    for (const r of [1, 2]) expect(mine.find((p) => p.resumes === r)!.sent).toBeGreaterThanOrEqual(pulledAt[r - 1]);
    // Progress only goes forward, and every state of a deploy was seen in order.
    const states = [...new Set(mine.map((p) => p.state))];
    expect(states).toEqual(['sending', 'committing', 'trial', 'confirmed']);
    await waitFor('HELLO INFO with the new model', 5000, () => (modelVersionOf(path) === version ? true : undefined));
    expect(await service.handle('nodes.model.status', { path })).toMatchObject({ state: 'confirmed', version });
  }, 90_000);

  it('a model not newer than the running one is refused with the node reason in plain words', async () => {
    const since = progress.length;
    await service.handle('nodes.model.deploy', { path, model: toBase64(modelFileWithVersion(base, running)) });
    const end = await finished(path, since, 30_000);
    expect(end.state).toBe('refused');
    expect(end.message).toBe('the model is not newer than the one running (use rollback for an older one)');
    expect(modelVersionOf(path)).toBe(running + 1);
  }, 40_000);

  it('over Bluetooth LE (the fake GATT, the renderer NusLink, SECURE): a transfer resumes after the link drops', async () => {
    const chain = await connectOverFakeGatt(service, manager, vn.blePath!, { mtu: 185, bytesPerSecond: 60_000 });
    const bpath = chain.path;
    try {
      const version = running + 2;
      const since = progress.length;
      const started = (await service.handle('nodes.model.deploy', { path: bpath, model: toBase64(modelFileWithVersion(base, version)) })) as ModelProgress;
      let held = -1;
      const drop = manager.subscribe((event, payload) => {
        const p = payload as ModelProgress;
        if (event === 'node.model' && p.path === bpath && held < 0 && p.sent >= started.total / 3) {
          held = p.sent;
          chain.fake.drop();
          setTimeout(() => chain.fake.restore(), 300);
        }
      });
      await waitFor('the BLE link dropped', 30_000, () => (held >= 0 ? true : undefined));
      drop();
      const end = await finished(bpath, since, 60_000);
      expect(end).toMatchObject({ state: 'confirmed', version, runningVersion: version, resumes: 1 });
      // It went on from what the node held: the first progress after the reconnect is not below it.
      const after = progress.slice(since).filter((p) => p.path === bpath && p.resumes === 1);
      expect(after[0].sent).toBeGreaterThanOrEqual(held);
      expect(chain.fake.stats.drops).toBe(1);
      expect(chain.fake.stats.refusedWrites).toBe(0);
    } finally {
      await chain.close();
    }
  }, 90_000);

  it('rolls back to the model before (the other slot), and HELLO INFO shows it running', async () => {
    const since = progress.length;
    await service.handle('nodes.model.rollback', { path, version: running + 1 });
    const end = await finished(path, since, 10_000);
    expect(end).toMatchObject({ kind: 'rollback', state: 'rolled-back', version: running + 1 });
    await waitFor('HELLO INFO with the model before', 5000, () => (modelVersionOf(path) === running + 1 ? true : undefined));
    const again = (await service.handle('nodes.model.rollback', { path, version: 4242 }).then(() => finished(path, progress.length - 1, 10_000))) as ModelProgress;
    expect(again.state).toBe('refused');
    expect(again.message).toBe('the node holds no confirmed model of that version to return to');
  }, 30_000);

});
