// The one model store (schema version 3): the old registry database is copied in by the upgrade
// from a filled version 2 database, nothing lost; versions stay monotonic; deployments keep their
// history per node and per model.
import 'fake-indexeddb/auto';
import Dexie from 'dexie';
import { afterEach, describe, expect, it } from 'vitest';
import type { CliSummary } from '../../../models/eval/report';
import type { Lineage } from '../../../models/nn/appSection';
import { VigilDb } from '../../../renderer/src/db/db';
import { confirmedModel, modelDeployments, nodeDeployments, recordDeployment, updateDeployment } from '../../../renderer/src/db/deployments';
import { addModel, listModels, nextModelVersion, type NewModel } from '../../../renderer/src/db/models';
import { declareSchema, HIGHEST_MODEL_VERSION_KEY, SCHEMA_VERSION } from '../../../renderer/src/db/schema';
import { LEGACY_REGISTRY_NAME, ModelRegistry } from '../../../renderer/src/training/registry';
import { v1Rows } from './fixtures/dbV1';

let dbCount = 0;

const entry = (version: number) => ({
  version,
  createdMs: 1000 + version,
  file: Uint8Array.from([version, 2, 3]),
  blobBytes: 3,
  architecture: '32-8-32',
  channels: ['DE_accel'],
  lineage: { tool: 'test', params: { seed: version } } as unknown as Lineage,
  summary: { auc_min: 0.9 + version / 100 } as CliSummary,
  note: `note ${version}`,
});

/** The old registry: v1 candidate, v2 deployed then retired, v3 deployed, v4 deleted. */
async function fillLegacyRegistry() {
  const r = new ModelRegistry(LEGACY_REGISTRY_NAME);
  for (const v of [1, 2, 3, 4]) await r.add(entry(v));
  await r.models.delete(4);
  await r.markDeployed(2, 5000);
  await r.markDeployed(3, 6000);
  const rows = await r.list();
  r.close();
  return rows;
}

/** A database at version 2 with rows in every table (the v1 fixture upgraded by the v2 code). */
async function fillV2(name: string) {
  const v1 = new Dexie(name);
  declareSchema(v1, 1);
  await v1.open();
  for (const [table, list] of Object.entries(v1Rows())) await v1.table(table).bulkAdd(list);
  v1.close();
  const v2 = new Dexie(name);
  declareSchema(v2, 2);
  await v2.open();
  await v2.table('settings').put({ key: 'retention', value: { days: 30 } });
  const rows: Record<string, unknown[]> = {};
  for (const t of v2.tables) rows[t.name] = await t.toArray();
  v2.close();
  return rows;
}

afterEach(async () => {
  await Dexie.delete(LEGACY_REGISTRY_NAME);
});

describe('schema version 3: the old registry moves into the model store', () => {
  it('upgrades a filled v2 database and copies every registry entry, losing nothing', async () => {
    const name = `store-${++dbCount}`;
    const before = await fillV2(name);
    const legacy = await fillLegacyRegistry();
    const db = new VigilDb(name);
    await db.open();
    expect(db.verno).toBe(SCHEMA_VERSION);
    // Every v2 row is still there, unchanged.
    for (const [table, list] of Object.entries(before)) {
      const after = await db.table(table).toArray();
      expect(after.length, table).toBe(list.length + (table === 'models' ? 3 : table === 'deployments' ? 2 : table === 'settings' ? 1 : 0));
      for (const row of list as Record<string, unknown>[]) {
        const key = (row.id ?? row.seq ?? row.key) as string | number;
        expect(await db.table(table).get(key), `${table} ${key}`).toEqual(row);
      }
    }
    // Every registry entry, whole.
    for (const e of legacy) {
      const m = (await db.models.get(`registry-v${e.version}`))!;
      expect(m).toMatchObject({ version: e.version, name: `v${e.version}`, blobBytes: 3, architecture: e.architecture, channels: e.channels, lineage: e.lineage, summary: e.summary, note: e.note, createdMs: e.createdMs });
      expect(Array.from(m.blob!)).toEqual(Array.from(e.file));
      expect(m.meta).toEqual({ from: 'vigil-model-registry', status: e.status, deployedMs: e.deployedMs });
    }
    const marked = await db.deployments.where('status').equals('marked').sortBy('createdMs');
    expect(marked.map((d) => [d.modelVersion, d.createdMs])).toEqual([
      [2, 5000],
      [3, 6000],
    ]);
    expect(marked[0].message).toMatch(/later replaced; no node confirmed it/);
    // v4 was deleted in the registry: its version is still never given again.
    expect((await db.settings.get(HIGHEST_MODEL_VERSION_KEY))!.value).toBe(4);
    expect(await nextModelVersion(db)).toBe(5);
    // The old database is left as it was.
    const again = new ModelRegistry(LEGACY_REGISTRY_NAME);
    expect((await again.list()).map((e) => e.version)).toEqual([3, 2, 1]);
    again.close();
    db.close();
  });

  it('a database created new takes in the old registry too', async () => {
    await fillLegacyRegistry();
    const db = new VigilDb(`store-${++dbCount}`);
    await db.open();
    expect((await listModels(db)).map((m) => m.version)).toEqual([3, 2, 1]);
    expect(await nextModelVersion(db)).toBe(5);
    db.close();
  });

  it('without an old registry the upgrade adds nothing and creates no registry database', async () => {
    const name = `store-${++dbCount}`;
    await fillV2(name);
    const db = new VigilDb(name);
    await db.open();
    expect(await db.models.count()).toBe(1); // the v1 fixture's own row
    expect(await Dexie.exists(LEGACY_REGISTRY_NAME)).toBe(false);
    db.close();
  });
});

const model = (version: number, nodeId: string | null = 'N1'): NewModel => ({
  version,
  nodeId,
  kind: 'autoencoder-int8',
  specKey: 'spec',
  blob: Uint8Array.from([1]),
  blobBytes: 1,
  architecture: '32-8-32',
  channels: ['x'],
  lineage: null,
  summary: null,
  verdict: 'better',
  note: '',
  meta: {},
});

describe('model store and deployments', () => {
  it('gives monotonic versions, never reusing one after a deletion, and above the version a node runs', async () => {
    const db = new VigilDb(`store-${++dbCount}`);
    expect(await nextModelVersion(db)).toBe(1);
    expect(await nextModelVersion(db, 1)).toBe(2); // the node runs its factory default v1
    const a = await addModel(db, model(2));
    await addModel(db, model(3, 'N2'));
    await db.models.delete(a.id);
    await expect(addModel(db, model(3))).rejects.toThrow(/model version 3 is not new \(the next is v4\)/);
    await db.models.clear();
    expect(await nextModelVersion(db)).toBe(4);
    await addModel(db, model(4));
    expect((await listModels(db, 'N1')).map((m) => m.name)).toEqual(['v4']);
    expect((await db.audit.where('action').equals('model add').count())).toBe(3);
    db.close();
  });

  it('records who deployed which model to which node, its states and the node confirmation, per node and per model', async () => {
    const db = new VigilDb(`store-${++dbCount}`);
    const m2 = await addModel(db, model(2));
    const m3 = await addModel(db, model(3));
    const d1 = await recordDeployment(db, { modelId: m2.id, nodeId: 'N1', actor: 'Ana', atMs: 100 });
    expect(d1).toMatchObject({ status: 'requested', modelVersion: 2, actor: 'Ana', finishedMs: null });
    await updateDeployment(db, d1.id, { status: 'sending', atMs: 110 });
    await updateDeployment(db, d1.id, { status: 'trial', atMs: 120 });
    const done = await updateDeployment(db, d1.id, { status: 'confirmed', atMs: 130, confirmation: { atMs: 130, runningVersion: 2, sha256: 'ab', text: 'running v2' } });
    expect(done).toMatchObject({ status: 'confirmed', finishedMs: 130, confirmation: { runningVersion: 2 } });
    await expect(updateDeployment(db, d1.id, { status: 'failed' })).rejects.toThrow(/already ended \(confirmed\)/);
    const d2 = await recordDeployment(db, { modelId: m3.id, nodeId: 'N1', actor: 'Ben', atMs: 200 });
    await updateDeployment(db, d2.id, { status: 'failed', message: 'the node refused it: another feature spec', atMs: 210 });
    await recordDeployment(db, { modelId: m3.id, nodeId: 'N2', actor: 'Ben', atMs: 300 });
    expect((await nodeDeployments(db, 'N1')).map((d) => [d.modelVersion, d.status])).toEqual([
      [3, 'failed'],
      [2, 'confirmed'],
    ]);
    expect((await modelDeployments(db, m3.id)).map((d) => d.nodeId)).toEqual(['N2', 'N1']);
    expect((await confirmedModel(db, 'N1'))!.model.version).toBe(2);
    expect(await confirmedModel(db, 'N2')).toBeNull();
    await expect(recordDeployment(db, { modelId: 'nope', nodeId: 'N1', actor: '' })).rejects.toThrow(/no model nope/);
    expect((await db.audit.where('action').equals('deploy').toArray()).map((a) => a.detail)).toContain('v3 failed: the node refused it: another feature spec');
    db.close();
  });
});
