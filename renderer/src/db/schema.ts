/**
 * The IndexedDB schema, version by version. A version is never edited once it has shipped: a
 * change is a new version with an upgrade function, and a test (test/unit/renderer/migrations.test.ts,
 * and the real-Chromium one in test/e2e/storage-migration.test.ts) fills a database at the
 * previous version, opens it at the new one and checks every row. See docs/storage.md.
 *
 * Index syntax (Dexie): first entry is the primary key; `[a+b]` is a compound index; `++seq` an
 * auto-increment key.
 */
import type Dexie from 'dexie';
import type { Transaction } from 'dexie';
import { summarize } from '../../../models/dataset/columns';
import type { FeatureChunkRow, LabelRow, NodeRow, SessionRow } from './types';

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

export const SCHEMA_VERSION = 2;

/** v1 -> v2: builds the summaries from the chunks, fills label.assetId and label.deletedMs. */
export async function upgradeV1toV2(tx: Transaction): Promise<void> {
  const summaryBytes = new Map<string, number>();
  const chunks = tx.table<FeatureChunkRow, string>('featureChunks');
  // In batches, so a large database is never read into memory at once.
  const keys = await chunks.toCollection().primaryKeys();
  for (let i = 0; i < keys.length; i += 64) {
    const rows = (await chunks.bulkGet(keys.slice(i, i + 64))).filter((c): c is FeatureChunkRow => c !== undefined);
    const sums = rows.map(summarize);
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

/** Declares every version on a Dexie instance, oldest first. */
export function declareSchema(db: Dexie, upTo = SCHEMA_VERSION): void {
  db.version(1).stores(SCHEMA_V1);
  if (upTo >= 2) db.version(2).stores(SCHEMA_V2_CHANGES).upgrade(upgradeV1toV2);
}
