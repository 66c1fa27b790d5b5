/**
 * Recordings (sessions) as whole units: committing an import in one transaction, deleting a
 * recording with everything that hangs off it, and finding a file imported before.
 */
import { addAudit, type VigilDb } from './db';
import type { AssetRow, FeatureChunkRow, FeatureSummaryRow, GapRow, NodeRow, RawSnapshotRow, SessionRow } from './types';

/** Everything one imported file becomes; written all at once or not at all. */
export interface ImportRows {
  session: SessionRow;
  node: NodeRow;
  /** A new asset to create, when the technician typed a name that does not exist yet. */
  asset: AssetRow | null;
  chunks: FeatureChunkRow[];
  summaries: FeatureSummaryRow[];
  raw: RawSnapshotRow[];
  gaps: GapRow[];
}

const RECORDING_TABLES = ['assets', 'nodes', 'sessions', 'featureChunks', 'featureSummaries', 'rawSnapshots', 'gaps', 'audit'] as const;

/**
 * Writes an import in one IndexedDB transaction: if anything fails (the disk is full, the tab
 * closes, the technician cancels through `signal`), IndexedDB rolls every row back.
 */
export async function commitImport(db: VigilDb, rows: ImportRows, actor: string, signal?: { aborted: boolean }): Promise<void> {
  await db.transaction('rw', [...RECORDING_TABLES], async (tx) => {
    if (rows.asset) await db.assets.add(rows.asset);
    await db.nodes.put(rows.node);
    await db.sessions.add(rows.session);
    // bulkAdd, not bulkPut: an id that exists already is an error, never a silent overwrite.
    await db.featureChunks.bulkAdd(rows.chunks);
    await db.featureSummaries.bulkAdd(rows.summaries);
    if (signal?.aborted) tx.abort();
    await db.rawSnapshots.bulkAdd(rows.raw);
    await db.gaps.bulkAdd(rows.gaps);
    if (signal?.aborted) tx.abort();
    const s = rows.session;
    await addAudit(db, {
      actor,
      action: 'import.csv',
      target: s.id,
      detail: `${s.source?.fileName ?? s.name}: ${s.windowCount} windows, ${rows.raw.length} raw blocks, ${rows.gaps.length} gaps`,
    });
  });
}

/** The session that came from the same file (same bytes), if it was imported before. */
export async function findImportedFile(db: VigilDb, hash: string): Promise<SessionRow | undefined> {
  return db.sessions.where('source.hash').equals(hash).first();
}

export async function listSessions(db: VigilDb): Promise<SessionRow[]> {
  return (await db.sessions.toArray()).sort((a, b) => b.startMs - a.startMs);
}

/** Deletes a recording, its features, summaries, raw snapshots, gaps and labels. */
export async function deleteSession(db: VigilDb, id: string, actor: string): Promise<{ labels: number }> {
  let labels = 0;
  await db.transaction('rw', [db.sessions, db.featureChunks, db.featureSummaries, db.rawSnapshots, db.gaps, db.labels, db.audit], async () => {
    const s = await db.sessions.get(id);
    if (!s) return;
    await db.featureChunks.where('sessionId').equals(id).delete();
    await db.featureSummaries.where('sessionId').equals(id).delete();
    await db.rawSnapshots.where('sessionId').equals(id).delete();
    await db.gaps.where('sessionId').equals(id).delete();
    labels = await db.labels.where('sessionId').equals(id).delete();
    await db.sessions.delete(id);
    await addAudit(db, { actor, action: 'recording.delete', target: id, detail: `${s.name}: ${s.windowCount} windows, ${labels} labels` });
  });
  return { labels };
}

/**
 * Marks live recordings left "recording" by a crash or a closed window as complete: only those last
 * written before `updatedBeforeMs` (renderer/src/storage/start.ts decides what is provably dead).
 */
export async function closeInterruptedSessions(db: VigilDb, o: { updatedBeforeMs: number }): Promise<number> {
  return db.sessions
    .where('kind')
    .equals('live')
    .filter((s) => s.status === 'recording' && !(s.updatedMs >= o.updatedBeforeMs))
    .modify({ status: 'complete' });
}

export async function setNodeAsset(db: VigilDb, nodeId: string, assetName: string, actor: string): Promise<string | null> {
  const name = assetName.trim();
  return db.transaction('rw', [db.assets, db.nodes, db.sessions, db.audit], async () => {
    const now = Date.now();
    let assetId: string | null = null;
    if (name) {
      const existing = await db.assets.where('name').equals(name).first();
      if (existing) assetId = existing.id;
      else {
        assetId = crypto.randomUUID();
        await db.assets.add({ id: assetId, name, location: '', notes: '', createdMs: now, updatedMs: now });
      }
    }
    await db.nodes.update(nodeId, { assetId, updatedMs: now });
    await db.sessions.where('nodeId').equals(nodeId).modify({ assetId, updatedMs: now });
    await addAudit(db, { actor, action: 'node.asset', target: nodeId, detail: name || '(none)' });
    return assetId;
  });
}
