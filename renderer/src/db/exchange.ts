/**
 * Dataset bundles between laptops (format: models/dataset/bundle.ts, docs/storage.md). Export reads
 * the tables into one file; import checks the whole file first, then merges it in one transaction:
 * a row whose id exists already is kept unless the incoming one is newer (updatedMs) or, for a
 * feature chunk still growing while it was exported, longer. Importing the same bundle twice
 * therefore changes nothing the second time.
 */
import { BundleError, decodeBundle, encodeBundle, type BundleManifest, type TextCodec } from '../../../models/dataset/bundle';
import { addAudit, BUNDLE_TABLES, type BundleTableName, type VigilDb } from './db';
import { SCHEMA_VERSION } from './schema';

const textCodec: TextCodec = (() => {
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  return { encode: (s) => enc.encode(s), decode: (b) => dec.decode(b) };
})();

export interface ExportOptions {
  actor: string;
  /** Only these recordings (with their nodes, assets, labels and events); all data when absent. */
  sessionIds?: string[];
  appVersion?: string;
}

async function rowsFor(db: VigilDb, table: BundleTableName, sessionIds: string[] | undefined): Promise<object[]> {
  const t = db.table(table);
  if (!sessionIds) return t.toArray();
  const sessions = await db.sessions.bulkGet(sessionIds);
  const nodeIds = new Set(sessions.filter((s) => s).map((s) => s!.nodeId));
  const assetIds = new Set(sessions.filter((s) => s?.assetId).map((s) => s!.assetId!));
  switch (table) {
    case 'sessions':
      return sessions.filter((s) => s !== undefined);
    case 'nodes':
      return (await db.nodes.bulkGet([...nodeIds])).filter((n) => n !== undefined);
    case 'assets': {
      const nodes = await db.nodes.bulkGet([...nodeIds]);
      for (const n of nodes) if (n?.assetId) assetIds.add(n.assetId);
      return (await db.assets.bulkGet([...assetIds])).filter((a) => a !== undefined);
    }
    case 'featureChunks':
    case 'featureSummaries':
    case 'rawSnapshots':
    case 'gaps':
    case 'labels':
      return t.where('sessionId').anyOf(sessionIds).toArray();
    case 'events':
      return t.where('nodeId').anyOf([...nodeIds]).toArray();
    case 'deployments':
      return t.where('nodeId').anyOf([...nodeIds]).toArray();
    case 'models':
      return [];
  }
}

export interface ExportResult {
  blob: Blob;
  fileName: string;
  counts: Record<string, number>;
}

export async function exportBundle(db: VigilDb, o: ExportOptions): Promise<ExportResult> {
  const tables: { table: string; rows: object[] }[] = [];
  await db.transaction('r', BUNDLE_TABLES.map((t) => db.table(t)), async () => {
    for (const t of BUNDLE_TABLES) tables.push({ table: t, rows: await rowsFor(db, t, o.sessionIds) });
  });
  const now = Date.now();
  const parts = encodeBundle(tables, { createdMs: now, createdBy: o.actor, schemaVersion: SCHEMA_VERSION, meta: { app: `Vigil ${o.appVersion ?? ''}`.trim(), scope: o.sessionIds ? `${o.sessionIds.length} recordings` : 'everything' } }, textCodec);
  const counts: Record<string, number> = {};
  for (const t of tables) counts[t.table] = t.rows.length;
  await addAudit(db, { actor: o.actor, action: 'bundle.export', target: '', detail: JSON.stringify(counts) });
  const stamp = new Date(now).toISOString().slice(0, 16).replace(/[:T]/g, '-');
  return { blob: new Blob(parts as BlobPart[], { type: 'application/octet-stream' }), fileName: `vigil-dataset-${stamp}.vigil`, counts };
}

export interface MergeCounts {
  added: number;
  updated: number;
  unchanged: number;
}

export interface ImportBundleResult {
  manifest: BundleManifest;
  tables: Record<string, MergeCounts>;
}

/** Fields each table's rows must have, with their type: a damaged or foreign file is refused. */
const REQUIRED: Record<BundleTableName, Record<string, 'string' | 'number' | 'typed' | 'object'>> = {
  assets: { name: 'string', updatedMs: 'number' },
  nodes: { name: 'string', updatedMs: 'number' },
  sessions: { nodeId: 'string', startMs: 'number', t0Ms: 'number', layout: 'object', updatedMs: 'number' },
  featureChunks: { sessionId: 'string', nodeId: 'string', chunkIndex: 'number', startMs: 'number', count: 'number', windowIndex: 'typed', tUsOffset: 'typed', values: 'typed' },
  featureSummaries: { sessionId: 'string', nodeId: 'string', chunkIndex: 'number', startMs: 'number', buckets: 'number', mean: 'typed' },
  rawSnapshots: { sessionId: 'string', nodeId: 'string', startMs: 'number', count: 'number', samples: 'typed' },
  gaps: { sessionId: 'string', nodeId: 'string', startMs: 'number' },
  events: { nodeId: 'string', startMs: 'number', updatedMs: 'number' },
  labels: { nodeId: 'string', startMs: 'number', endMs: 'number', label: 'string', updatedMs: 'number' },
  models: { name: 'string', updatedMs: 'number' },
  deployments: { modelId: 'string', nodeId: 'string', updatedMs: 'number' },
};

function checkRow(table: BundleTableName, r: Record<string, unknown>, i: number): void {
  const bad = (what: string) => {
    throw new BundleError(`The bundle's "${table}" row ${i + 1} is not usable: ${what}. Nothing was imported.`);
  };
  if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > 200) bad('it has no id');
  for (const [k, type] of Object.entries(REQUIRED[table])) {
    const v = r[k];
    if (type === 'typed' ? !ArrayBuffer.isView(v) : type === 'object' ? typeof v !== 'object' || v === null : typeof v !== type) bad(`"${k}" is missing or wrong`);
  }
}

/** Which of two rows with the same id to keep. */
function incomingWins(table: BundleTableName, existing: Record<string, unknown>, incoming: Record<string, unknown>): boolean {
  if (table === 'featureChunks' || table === 'featureSummaries') {
    const key = table === 'featureChunks' ? 'count' : 'buckets';
    return (incoming[key] as number) > (existing[key] as number);
  }
  if (table === 'rawSnapshots' || table === 'gaps') return false; // never change once written
  if (table === 'sessions' && (incoming.windowCount as number) > (existing.windowCount as number)) return true;
  return typeof incoming.updatedMs === 'number' && incoming.updatedMs > ((existing.updatedMs as number) ?? 0);
}

export async function importBundle(db: VigilDb, bytes: Uint8Array, actor: string): Promise<ImportBundleResult> {
  const { manifest, tables } = decodeBundle(bytes, textCodec);
  for (const name of tables.keys()) {
    if (!(BUNDLE_TABLES as readonly string[]).includes(name)) throw new BundleError(`The bundle holds a table Vigil does not know ("${name}"); it may come from a newer Vigil. Nothing was imported.`);
  }
  for (const t of BUNDLE_TABLES) (tables.get(t) ?? []).forEach((r, i) => checkRow(t, r, i));
  const result: Record<string, MergeCounts> = {};
  await db.transaction('rw', [...BUNDLE_TABLES.map((t) => db.table(t)), db.audit], async () => {
    for (const t of BUNDLE_TABLES) {
      const incoming = tables.get(t) ?? [];
      const c: MergeCounts = { added: 0, updated: 0, unchanged: 0 };
      result[t] = c;
      const table = db.table(t);
      for (let i = 0; i < incoming.length; i += 500) {
        const batch = incoming.slice(i, i + 500);
        const existing = (await table.bulkGet(batch.map((r) => r.id as string))) as (Record<string, unknown> | undefined)[];
        const write: Record<string, unknown>[] = [];
        batch.forEach((r, k) => {
          const e = existing[k];
          if (!e) {
            write.push(r);
            c.added++;
          } else if (incomingWins(t, e, r)) {
            write.push(r);
            c.updated++;
          } else c.unchanged++;
        });
        if (write.length > 0) await table.bulkPut(write);
      }
    }
    await addAudit(db, {
      actor,
      action: 'bundle.import',
      target: '',
      detail: `from ${manifest.createdBy || 'unknown'} (${new Date(manifest.createdMs).toISOString()}): ${Object.entries(result)
        .map(([t, c]) => `${t} +${c.added} ~${c.updated}`)
        .join(', ')}`,
    });
  });
  return { manifest, tables: result };
}
