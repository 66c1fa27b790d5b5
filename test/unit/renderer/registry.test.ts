// The model registry in IndexedDB (fake-indexeddb in Node): monotonic versions, one deployed model.
import 'fake-indexeddb/auto';
import { describe, expect, it } from 'vitest';
import type { CliSummary } from '../../../models/eval/report';
import type { Lineage } from '../../../models/nn/appSection';
import { ModelRegistry } from '../../../renderer/src/training/registry';

const entry = (version: number) => ({
  version,
  createdMs: 1000 + version,
  file: new Uint8Array([1, 2, 3]),
  blobBytes: 3,
  architecture: '32-8-32',
  channels: ['DE_accel'],
  lineage: { tool: 'test' } as Lineage,
  summary: { auc_min: 1 } as CliSummary,
  note: '',
});

describe('model registry', () => {
  it('numbers versions monotonically, never reusing one after a deletion', async () => {
    const r = new ModelRegistry(`reg-${Math.random()}`);
    expect(await r.nextVersion()).toBe(1);
    await r.add(entry(1));
    await r.add(entry(2));
    await r.models.delete(2);
    expect(await r.nextVersion()).toBe(3);
    await expect(r.add(entry(2))).rejects.toThrow(/not new/);
    expect((await r.list()).map((e) => e.version)).toEqual([1]);
  });
  it('keeps one deployed model; the previous one is retired', async () => {
    const r = new ModelRegistry(`reg-${Math.random()}`);
    await r.add(entry(1));
    await r.add(entry(2));
    expect(await r.deployed()).toBeUndefined();
    await r.markDeployed(1, 5);
    await r.markDeployed(2, 6);
    const all = await r.list();
    expect(all.map((e) => [e.version, e.status])).toEqual([
      [2, 'deployed'],
      [1, 'retired'],
    ]);
    expect((await r.deployed())?.deployedMs).toBe(6);
    await expect(r.markDeployed(9)).rejects.toThrow(/no model version 9/);
  });
});
