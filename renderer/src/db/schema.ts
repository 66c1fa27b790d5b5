/**
 * The IndexedDB schema, version by version. A version is never edited once it has shipped: a
 * change is a new version with an upgrade function, and a test (test/unit/renderer/migrations.test.ts,
 * and the real-Chromium one in test/e2e/storage-migration.test.ts) fills a database at the
 * previous version, opens it at the new one and checks every row. See docs/storage.md.
 *
 * Index syntax (Dexie): first entry is the primary key; `[a+b]` is a compound index; `++seq` an
 * auto-increment key.
 */
import Dexie, { type Transaction } from 'dexie';
import { unpackChunkFeatures } from '../../../models/dataset/chunkCodec';
import { summarize } from '../../../models/dataset/columns';
import { featureSpecKey } from '../../../models/features/spec';
import { readVgmFile } from '../../../models/nn/modelFile';
import { readLegacyRegistry, type RegistryEntry } from '../training/registry';
import type { DeploymentRow, FeatureChunkRow, LabelRow, ModelRow, NodeRow, SessionRow } from './types';

export const DB_NAME = 'vigil';

/** Version 1: the first schema. */
export const SCHEMA_V1: Record<string, string> = {
  nodes: 'id, assetId, updatedMs',
  assets: 'id, name, updatedMs',
  sessions: 'id, nodeId, assetId, kind, startMs, updatedMs, source.hash',
  featureChunks: 'id, sessionId, [nodeId+startMs], startMs',
  rawSnapshots: 'id, sessionId, [nodeId+startMs], startMs, reason, eventId',
  gaps: 'id, sessionId, [nodeId+startMs]',
  events: 'id, nodeId, sessionId, startMs, kind, updatedMs',
  labels: 'id, nodeId, sessionId, eventId, startMs, label, updatedMs',
  models: 'id, nodeId, createdMs, updatedMs',
  deployments: 'id, modelId, nodeId, createdMs, updatedMs',
  audit: '++seq, tMs, action',
};

/**
 * Version 2: per-second summaries of every feature chunk (a day view reads 1,440 small rows instead
 * of every window), the asset on each label (the events list filters by asset without a join),
 * label tombstones (`deletedMs`, for undo and for bundles), and a settings table (retention rules).
 */
export const SCHEMA_V2_CHANGES: Record<string, string> = {
  featureSummaries: 'id, sessionId, [nodeId+startMs], startMs',
  labels: 'id, nodeId, sessionId, eventId, assetId, startMs, label, updatedMs, [nodeId+startMs]',
  settings: 'key',
};

/**
 * Version 3: the one model store. `models` gains the model version and `deployments` the state and
 * per-node / per-model history indexes; the old registry database (`vigil-model-registry`) is
 * copied in by the upgrade (and into a new database when it is created).
 */
export const SCHEMA_V3_CHANGES: Record<string, string> = {
  models: 'id, version, nodeId, createdMs, updatedMs',
  deployments: 'id, modelId, nodeId, status, createdMs, updatedMs, [nodeId+createdMs], [modelId+createdMs]',
};

/**
 * Version 4: the fleet's asset tree (site → line → machine → measurement point), one row per tree
 * item; a point names the node placed on it. A new table only: every earlier row stays as it was.
 */
export const SCHEMA_V4_CHANGES: Record<string, string> = {
  fleetItems: 'id, parentId, kind, nodeId, updatedMs',
};

/**
 * Version 5: per-minute summaries (one row per session-hour, a bucket per minute), what a stretch
 * keeps once retention has compacted its per-second summaries (renderer/src/db/retention.ts). A new
 * table only: every earlier row stays as it was; retention fills it.
 */
export const SCHEMA_V5_CHANGES: Record<string, string> = {
  featureMinutes: 'id, sessionId, [nodeId+startMs], startMs',
};

export const SCHEMA_VERSION = 5;

/** The settings row that keeps the highest model version ever given (versions are never reused). */
export const HIGHEST_MODEL_VERSION_KEY = 'models.highestVersion';

/** v1 -> v2: builds the summaries from the chunks, fills label.assetId and label.deletedMs. */
export async function upgradeV1toV2(tx: Transaction): Promise<void> {
  const summaryBytes = new Map<string, number>();
  const chunks = tx.table<FeatureChunkRow, string>('featureChunks');
  // In batches, so a large database is never read into memory at once.
  const keys = await chunks.toCollection().primaryKeys();
  for (let i = 0; i < keys.length; i += 64) {
    const rows = (await chunks.bulkGet(keys.slice(i, i + 64))).filter((c): c is FeatureChunkRow => c !== undefined);
    const sums = rows.map((c) => summarize(unpackChunkFeatures(c)));
    for (const s of sums) summaryBytes.set(s.sessionId, (summaryBytes.get(s.sessionId) ?? 0) + s.bytes);
    await tx.table('featureSummaries').bulkPut(sums);
  }
  await tx
    .table<SessionRow, string>('sessions')
    .toCollection()
    .modify((s) => {
      s.bytes = { features: s.bytes?.features ?? 0, raw: s.bytes?.raw ?? 0, summaries: summaryBytes.get(s.id) ?? 0 };
    });
  const assetOf = new Map<string, string | null>();
  await tx
    .table<NodeRow, string>('nodes')
    .toCollection()
    .each((n) => {
      assetOf.set(n.id, n.assetId ?? null);
    });
  await tx
    .table<LabelRow, string>('labels')
    .toCollection()
    .modify((l) => {
      l.assetId = assetOf.get(l.nodeId) ?? null;
      l.deletedMs = null;
    });
}

function specKeyOf(file: Uint8Array): string {
  try {
    return featureSpecKey(readVgmFile(file).model.spec);
  } catch {
    return '';
  }
}

/** An old registry entry as a row of the model store; its old status and deployedMs kept in meta. */
export function modelRowFromRegistry(e: RegistryEntry): ModelRow {
  return {
    id: `registry-v${e.version}`,
    name: `v${e.version}`,
    version: e.version,
    nodeId: null,
    kind: 'autoencoder-int8',
    specKey: specKeyOf(e.file),
    blob: e.file,
    blobBytes: e.blobBytes,
    architecture: e.architecture,
    channels: e.channels,
    lineage: e.lineage,
    summary: e.summary,
    verdict: '',
    note: e.note,
    meta: { from: 'vigil-model-registry', status: e.status, deployedMs: e.deployedMs },
    createdMs: e.createdMs,
    updatedMs: e.deployedMs ?? e.createdMs,
  };
}

/**
 * Copies the old registry into `models` and `deployments` inside the versionchange transaction
 * (Dexie.waitFor keeps it alive while the other database is read). A version the technician marked
 * deployed there becomes a deployment in state 'marked': nothing was ever sent to a node then, and
 * which node was not recorded. The old database is left as it was.
 */
export async function importLegacyRegistry(tx: Transaction): Promise<void> {
  const legacy = await Dexie.waitFor(Dexie.ignoreTransaction(() => readLegacyRegistry()));
  if (!legacy) return;
  const models = legacy.entries.map(modelRowFromRegistry);
  await tx.table<ModelRow, string>('models').bulkPut(models);
  const deployments: DeploymentRow[] = legacy.entries
    .filter((e) => e.deployedMs !== null)
    .map((e) => ({
      id: `registry-v${e.version}:deployed`,
      modelId: `registry-v${e.version}`,
      modelVersion: e.version,
      nodeId: '',
      status: 'marked',
      message: `Marked deployed in the old model registry${e.status === 'retired' ? ', later replaced' : ''}; no node confirmed it (models were not sent over the link then).`,
      actor: 'Vigil',
      confirmation: null,
      finishedMs: e.deployedMs,
      createdMs: e.deployedMs!,
      updatedMs: e.deployedMs!,
    }));
  await tx.table<DeploymentRow, string>('deployments').bulkPut(deployments);
  const settings = tx.table<{ key: string; value: unknown }, string>('settings');
  const had = Number((await settings.get(HIGHEST_MODEL_VERSION_KEY))?.value ?? 0);
  await settings.put({ key: HIGHEST_MODEL_VERSION_KEY, value: Math.max(had, legacy.highestVersion) });
}

/** v2 -> v3: the old registry into the model store. */
export async function upgradeV2toV3(tx: Transaction): Promise<void> {
  await importLegacyRegistry(tx);
}

/** Declares every version on a Dexie instance, oldest first. */
export function declareSchema(db: Dexie, upTo = SCHEMA_VERSION): void {
  db.version(1).stores(SCHEMA_V1);
  if (upTo >= 2) db.version(2).stores(SCHEMA_V2_CHANGES).upgrade(upgradeV1toV2);
  if (upTo >= 3) {
    db.version(3).stores(SCHEMA_V3_CHANGES).upgrade(upgradeV2toV3);
    // A database created now (no upgrade runs) still takes in an old registry.
    db.on('populate', (tx) => importLegacyRegistry(tx));
  }
  // v3 -> v4 adds an empty table: nothing to copy or rewrite.
  if (upTo >= 4) db.version(4).stores(SCHEMA_V4_CHANGES);
  // v4 -> v5 adds an empty table too; retention writes per-minute rows at its next run.
  if (upTo >= 5) db.version(5).stores(SCHEMA_V5_CHANGES);
}
