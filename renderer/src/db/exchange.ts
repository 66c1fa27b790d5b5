/**
 * Dataset bundles between laptops (format: models/dataset/bundle.ts, docs/storage.md). Export reads
 * the tables into one file. Import adds, never silently replaces: `planImport` checks the whole file
 * and says, row by row, what would be added, updated, left alone, or refused and why, without
 * writing; `applyImport` writes that plan in one transaction (checking each row again against what
 * is stored then) and remembers what it replaced, so `undoImport` can take the last import back.
 *
 * A row whose id exists already is updated only when the incoming one is newer (updatedMs) and its
 * fixed fields (the recording's kind, node, start...) are the stored ones; a feature chunk only when
 * it truly extends the stored one (the same windows, then more), its summary with it; a per-minute
 * summary (one session-hour) only when it holds every stored minute unchanged, then more; raw
 * snapshots and gaps never change. A row dated more than a day ahead of this laptop's clock is refused. Importing
 * the same bundle twice changes nothing the second time.
 */
import { inEnglish, msg, type Msg } from '../../../models/i18n/msg';
import { BundleError, decodeBundle, encodeBundle, type BundleManifest, type TextCodec } from '../../../models/dataset/bundle';
import { storedBandValue } from '../../../models/dataset/bandCodec';
import { packIfWhole, unpackChunk, type StoredFeatureChunk } from '../../../models/dataset/chunkCodec';
import { addAudit, BUNDLE_TABLES, newId, type BundleTableName, type VigilDb } from './db';
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
    case 'featureMinutes':
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
    for (const t of BUNDLE_TABLES) {
      const rows = await rowsFor(db, t, o.sessionIds);
      // Bundles carry chunks in the full layout, as before chunks were packed: an older Vigil imports them.
      tables.push({ table: t, rows: t === 'featureChunks' ? (rows as StoredFeatureChunk[]).map(unpackChunk) : rows });
    }
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
  /** Rows whose id is here already with other fixed fields or other data: the local row is kept. */
  conflicts: number;
  /** Rows not imported because something in them cannot be right (a date far in the future). */
  refused: number;
}

/** One row the import leaves out, and why, in words. */
export interface ImportIssue {
  table: BundleTableName;
  id: string;
  kind: 'conflict' | 'refused';
  /** Why, in English (kept for logs and older callers); `say` is the same as a catalogue key. */
  reason: string;
  say: Msg;
}

/** What importing a bundle would do: nothing is written until `applyImport`. */
export interface ImportPlan {
  manifest: BundleManifest;
  tables: Record<string, MergeCounts>;
  issues: ImportIssue[];
  /** The decoded rows (applyImport classifies them again against what is stored then). */
  rows: Map<BundleTableName, Record<string, unknown>[]>;
}

export interface ImportBundleResult {
  manifest: BundleManifest;
  tables: Record<string, MergeCounts>;
  issues: ImportIssue[];
  /** Names this import for `undoImport` (the audit row carries it too). */
  importId: string;
}

/** Fields each table's rows must have, with their type: a damaged or foreign file is refused. */
const REQUIRED: Record<BundleTableName, Record<string, 'string' | 'number' | 'typed' | 'object'>> = {
  assets: { name: 'string', updatedMs: 'number' },
  nodes: { name: 'string', updatedMs: 'number' },
  sessions: { nodeId: 'string', startMs: 'number', t0Ms: 'number', layout: 'object', updatedMs: 'number' },
  featureChunks: { sessionId: 'string', nodeId: 'string', chunkIndex: 'number', startMs: 'number', count: 'number', windowIndex: 'typed', tUsOffset: 'typed', values: 'typed' },
  featureSummaries: { sessionId: 'string', nodeId: 'string', chunkIndex: 'number', startMs: 'number', buckets: 'number', mean: 'typed' },
  featureMinutes: { sessionId: 'string', nodeId: 'string', hourIndex: 'number', startMs: 'number', chunkStartMs: 'number', buckets: 'number', tUsOffset: 'typed', windows: 'typed', min: 'typed', mean: 'typed', max: 'typed' },
  rawSnapshots: { sessionId: 'string', nodeId: 'string', startMs: 'number', count: 'number', samples: 'typed' },
  gaps: { sessionId: 'string', nodeId: 'string', startMs: 'number' },
  events: { nodeId: 'string', startMs: 'number', updatedMs: 'number' },
  labels: { nodeId: 'string', startMs: 'number', endMs: 'number', label: 'string', updatedMs: 'number' },
  models: { name: 'string', updatedMs: 'number' },
  deployments: { modelId: 'string', nodeId: 'string', updatedMs: 'number' },
};

/** Fields that never change once a row exists: a bundle row that differs in one is a conflict. */
const FIXED: Record<BundleTableName, string[]> = {
  assets: [],
  nodes: ['kind'],
  sessions: ['nodeId', 'kind', 't0Ms', 'startMs', 'sampleRateHz', 'windowLen', 'hop'],
  featureChunks: ['sessionId', 'nodeId', 'chunkIndex', 'startMs'],
  featureSummaries: ['sessionId', 'nodeId', 'chunkIndex', 'startMs'],
  featureMinutes: ['sessionId', 'nodeId', 'hourIndex', 'chunkStartMs'],
  rawSnapshots: [],
  gaps: [],
  events: ['nodeId', 'sessionId', 'kind', 'startMs'],
  labels: ['nodeId', 'sessionId', 'eventId', 'createdMs'],
  models: ['nodeId', 'kind', 'specKey', 'createdMs'],
  deployments: ['modelId', 'nodeId', 'createdMs'],
};

/** Wall-clock fields: each must be a real date, and none more than a day ahead of this laptop. */
const TIME_FIELDS = ['startMs', 'endMs', 't0Ms', 'createdMs', 'updatedMs', 'deletedMs', 'chunkStartMs'];
const FUTURE_SLACK_MS = 86_400_000;

function checkRow(table: BundleTableName, r: Record<string, unknown>, i: number): void {
  const bad = (what: string, field?: string) => {
    throw new BundleError(msg('problems.bundle.badRow', { table, row: String(i + 1), why: msg(`problems.bundle.row.${what}`, field === undefined ? undefined : { field }) }));
  };
  if (typeof r !== 'object' || r === null || Array.isArray(r)) bad('notRecord');
  if (typeof r.id !== 'string' || r.id.length === 0 || r.id.length > 200) bad('noId');
  for (const [k, type] of Object.entries(REQUIRED[table])) {
    const v = r[k];
    if (type === 'typed' ? !ArrayBuffer.isView(v) : type === 'object' ? typeof v !== 'object' || v === null : typeof v !== type) bad('field', k);
  }
  for (const k of TIME_FIELDS) {
    const v = r[k];
    if (v !== undefined && v !== null && (typeof v !== 'number' || !Number.isFinite(v) || Number.isNaN(new Date(v).getTime()))) bad('notDate', k);
  }
}

function futureField(r: Record<string, unknown>, nowMs: number): Msg | null {
  for (const k of TIME_FIELDS) {
    const v = r[k];
    if (typeof v === 'number' && v > nowMs + FUTURE_SLACK_MS) return msg('problems.bundle.issue.future', { field: k, date: new Date(v).toISOString().slice(0, 10), today: new Date(nowMs).toISOString().slice(0, 10) });
  }
  return null;
}

function sameValue(a: unknown, b: unknown): boolean {
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    if (!ArrayBuffer.isView(a) || !ArrayBuffer.isView(b) || a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    return x.every((v, i) => v === y[i]);
  }
  if (typeof a === 'object' && a !== null && typeof b === 'object' && b !== null) return JSON.stringify(a) === JSON.stringify(b);
  return Object.is(a, b) || (a == null && b == null);
}

type Typed = Float32Array | Uint32Array;

/** Bit-equal, so NaN equals NaN. */
function sameBits(a: Typed, from: number, b: Typed, bFrom: number, n: number): boolean {
  return sameValue(a.subarray(from, from + n), b.subarray(bFrom, bFrom + n));
}

/** True when chunk `inc` holds every window of `ex`, unchanged, then more (column-major columns). */
function extendsChunk(ex: Record<string, unknown>, inc: Record<string, unknown>): boolean {
  const n = ex.count as number;
  const m = inc.count as number;
  if (!(m > n)) return false;
  for (const k of ['windowIndex', 'tUsOffset', 'shaftHz'] as const) {
    const a = ex[k] as Typed | undefined;
    const b = inc[k] as Typed | undefined;
    if (!a || !b) {
      if (a !== b) return false;
      continue;
    }
    if (a.length !== n || b.length !== m || !sameBits(a, 0, b, 0, n)) return false;
  }
  for (const k of ['values', 'bands'] as const) {
    let a = ex[k] as Typed | null | undefined;
    let b = inc[k] as Typed | null | undefined;
    // Bands are stored quantized (models/dataset/bandCodec.ts): compared as they would be stored, so a
    // chunk read from a bundle of float32 bands (an older Vigil's) matches the one stored from it.
    if (k === 'bands' && a instanceof Float32Array && b instanceof Float32Array) {
      a = a.map((x) => storedBandValue(x));
      b = b.map((x) => storedBandValue(x));
    }
    if (!a || !b) {
      if (!a !== !b) return false;
      continue;
    }
    const cols = a.length / n;
    if (!Number.isInteger(cols) || b.length !== cols * m) return false;
    for (let c = 0; c < cols; c++) if (!sameBits(a, c * n, b, c * m, n)) return false;
  }
  return true;
}

/**
 * True when per-minute row `inc` holds every minute of `ex` (matched by its offset in the hour)
 * with the same window count and the same min, mean and max in every column, bit for bit, and more
 * minutes besides.
 */
function extendsMinutes(ex: Record<string, unknown>, inc: Record<string, unknown>): boolean {
  const n = ex.buckets as number;
  const m = inc.buckets as number;
  if (!(m > n)) return false;
  const exOff = ex.tUsOffset as Uint32Array;
  const incOff = inc.tUsOffset as Uint32Array;
  const exWin = ex.windows as Uint32Array;
  const incWin = inc.windows as Uint32Array;
  if (exOff.length !== n || incOff.length !== m || exWin.length !== n || incWin.length !== m) return false;
  const cols = (ex.mean as Float32Array).length / Math.max(1, n);
  if (!Number.isInteger(cols) || (inc.mean as Float32Array).length !== cols * m) return false;
  const at = new Map<number, number>();
  incOff.forEach((o, j) => at.set(o, j));
  for (let k = 0; k < n; k++) {
    const j = at.get(exOff[k]);
    if (j === undefined || exWin[k] !== incWin[j]) return false;
    for (const f of ['min', 'mean', 'max'] as const) {
      const a = ex[f] as Float32Array;
      const b = inc[f] as Float32Array;
      if (a.length !== cols * n || b.length !== cols * m) return false;
      for (let c = 0; c < cols; c++) if (!sameBits(a, c * n + k, b, c * m + j, 1)) return false;
    }
  }
  return true;
}

type Verdict = { kind: 'add' | 'update' | 'unchanged' } | { kind: 'conflict' | 'refused'; reason: Msg };
const why = (key: string, params?: Record<string, string>): Msg => msg(`problems.bundle.issue.${key}`, params);

/** What to do with one incoming row, given the stored one (if any). */
function classify(table: BundleTableName, existing: Record<string, unknown> | undefined, r: Record<string, unknown>, ctx: { nowMs: number; takenChunks: Set<string>; conflictSessions: Set<string> }): Verdict {
  const future = futureField(r, ctx.nowMs);
  if (future) return { kind: 'refused', reason: future };
  const sessionId = typeof r.sessionId === 'string' ? r.sessionId : null;
  if (table !== 'sessions' && sessionId && ctx.conflictSessions.has(sessionId)) return { kind: 'conflict', reason: why('recording', { id: sessionId }) };
  if (!existing) return { kind: 'add' };
  const fixed = FIXED[table].find((k) => !sameValue(existing[k], r[k]));
  if (fixed) return { kind: 'conflict', reason: why('fixed', { field: fixed, value: JSON.stringify(r[fixed]), stored: JSON.stringify(existing[fixed]) }) };
  switch (table) {
    case 'featureChunks':
      if ((r.count as number) <= (existing.count as number)) return { kind: 'unchanged' };
      return extendsChunk(unpackChunk(existing as unknown as StoredFeatureChunk) as unknown as Record<string, unknown>, r) ? { kind: 'update' } : { kind: 'conflict', reason: why('chunk') };
    case 'featureSummaries':
      // A summary follows its chunk: replaced only together with a chunk this import extends.
      if ((r.buckets as number) <= (existing.buckets as number)) return { kind: 'unchanged' };
      return ctx.takenChunks.has(r.id as string) ? { kind: 'update' } : { kind: 'conflict', reason: why('summary') };
    case 'featureMinutes':
      // Written once per session-hour; taken again only where it holds every stored minute unchanged, then more.
      if ((r.buckets as number) <= (existing.buckets as number)) return { kind: 'unchanged' };
      return extendsMinutes(existing, r) ? { kind: 'update' } : { kind: 'conflict', reason: why('minutes') };
    case 'rawSnapshots':
    case 'gaps':
      return { kind: 'unchanged' }; // never change once written
    case 'sessions':
      if ((r.windowCount as number) > (existing.windowCount as number)) return { kind: 'update' };
      break;
  }
  return typeof r.updatedMs === 'number' && r.updatedMs > ((existing.updatedMs as number) ?? 0) ? { kind: 'update' } : { kind: 'unchanged' };
}

interface Classified {
  tables: Record<string, MergeCounts>;
  issues: ImportIssue[];
  writes: Map<BundleTableName, Record<string, unknown>[]>;
  replaced: Map<BundleTableName, Record<string, unknown>[]>;
}

/** Compares every incoming row with the stored one (read-only; inside a transaction when applying). */
async function classifyAll(db: VigilDb, rows: Map<BundleTableName, Record<string, unknown>[]>, nowMs: number): Promise<Classified> {
  const out: Classified = { tables: {}, issues: [], writes: new Map(), replaced: new Map() };
  const ctx = { nowMs, takenChunks: new Set<string>(), conflictSessions: new Set<string>() };
  for (const t of BUNDLE_TABLES) {
    const incoming = rows.get(t) ?? [];
    const c: MergeCounts = { added: 0, updated: 0, unchanged: 0, conflicts: 0, refused: 0 };
    out.tables[t] = c;
    const writes: Record<string, unknown>[] = [];
    const replaced: Record<string, unknown>[] = [];
    for (let i = 0; i < incoming.length; i += 500) {
      const batch = incoming.slice(i, i + 500);
      const existing = (await db.table(t).bulkGet(batch.map((r) => r.id as string))) as (Record<string, unknown> | undefined)[];
      batch.forEach((r, k) => {
        const v = classify(t, existing[k], r, ctx);
        if (v.kind === 'add' || v.kind === 'update') {
          writes.push(r);
          if (v.kind === 'update') replaced.push(existing[k]!);
          if (t === 'featureChunks') ctx.takenChunks.add(r.id as string);
          c[v.kind === 'add' ? 'added' : 'updated']++;
        } else if (!('reason' in v)) c.unchanged++;
        else {
          if (t === 'sessions') ctx.conflictSessions.add(r.id as string);
          c[v.kind === 'conflict' ? 'conflicts' : 'refused']++;
          out.issues.push({ table: t, id: r.id as string, kind: v.kind, reason: inEnglish(v.reason), say: v.reason });
        }
      });
    }
    out.writes.set(t, writes);
    out.replaced.set(t, replaced);
  }
  return out;
}

function decodeChecked(bytes: Uint8Array): { manifest: BundleManifest; rows: Map<BundleTableName, Record<string, unknown>[]> } {
  const { manifest, tables } = decodeBundle(bytes, textCodec);
  for (const name of tables.keys()) {
    if (!(BUNDLE_TABLES as readonly string[]).includes(name)) throw new BundleError(msg('problems.bundle.unknownTable', { table: name }));
  }
  const rows = tables as Map<BundleTableName, Record<string, unknown>[]>;
  for (const t of BUNDLE_TABLES) (rows.get(t) ?? []).forEach((r, i) => checkRow(t, r, i));
  return { manifest, rows };
}

/** Reads and checks a bundle and says what importing it would do; writes nothing. */
export async function planImport(db: VigilDb, bytes: Uint8Array, nowMs = Date.now()): Promise<ImportPlan> {
  const { manifest, rows } = decodeChecked(bytes);
  const c = await db.transaction('r', BUNDLE_TABLES.map((t) => db.table(t)), () => classifyAll(db, rows, nowMs));
  return { manifest, tables: c.tables, issues: c.issues, rows };
}

/** Where the last import's undo is kept (settings table). */
const LAST_IMPORT_KEY = 'bundle.lastImport';

interface LastImport {
  importId: string;
  atMs: number;
  from: string;
  added: Partial<Record<BundleTableName, string[]>>;
  replaced: Partial<Record<BundleTableName, Record<string, unknown>[]>>;
}

/** Writes a plan (each row checked again against what is stored now) in one transaction. */
export async function applyImport(db: VigilDb, plan: ImportPlan, actor: string, nowMs = Date.now()): Promise<ImportBundleResult> {
  const importId = newId();
  const { manifest } = plan;
  let c: Classified | undefined;
  await db.transaction('rw', [...BUNDLE_TABLES.map((t) => db.table(t)), db.audit, db.settings], async () => {
    c = await classifyAll(db, plan.rows, nowMs);
    const undo: LastImport = { importId, atMs: nowMs, from: manifest.createdBy || 'unknown', added: {}, replaced: {} };
    for (const t of BUNDLE_TABLES) {
      const writes = c.writes.get(t)!;
      const replaced = c.replaced.get(t)!;
      const replacedIds = new Set(replaced.map((r) => r.id as string));
      undo.added[t] = writes.filter((r) => !replacedIds.has(r.id as string)).map((r) => r.id as string);
      undo.replaced[t] = replaced;
      // Chunks arrive in the full layout and are stored packed, as the recorder stores them.
      for (let i = 0; i < writes.length; i += 500) await db.table(t).bulkPut(t === 'featureChunks' ? writes.slice(i, i + 500).map(packIfWhole) : writes.slice(i, i + 500));
    }
    await db.settings.put({ key: LAST_IMPORT_KEY, value: undo });
    await addAudit(db, {
      actor,
      action: 'bundle.import',
      target: importId,
      detail: `from ${manifest.createdBy || 'unknown'} (${new Date(manifest.createdMs).toISOString()}): ${Object.entries(c.tables)
        .map(([t, m]) => `${t} +${m.added} ~${m.updated}${m.conflicts ? ` conflicts ${m.conflicts}` : ''}${m.refused ? ` refused ${m.refused}` : ''}`)
        .join(', ')}`,
    });
  });
  return { manifest, tables: c!.tables, issues: c!.issues, importId };
}

/** Plan and apply in one go (tests, scripts): the same rules as the preview in ExchangePanel. */
export async function importBundle(db: VigilDb, bytes: Uint8Array, actor: string): Promise<ImportBundleResult> {
  return applyImport(db, await planImport(db, bytes), actor);
}

/** The last import's id, if it can still be undone. */
export async function lastImportId(db: VigilDb): Promise<string | null> {
  const row = await db.settings.get(LAST_IMPORT_KEY);
  return (row?.value as LastImport | undefined)?.importId ?? null;
}

/** Takes the last import back: removes the rows it added, puts back the rows it replaced. */
export async function undoImport(db: VigilDb, importId: string, actor: string): Promise<void> {
  await db.transaction('rw', [...BUNDLE_TABLES.map((t) => db.table(t)), db.audit, db.settings], async () => {
    const last = (await db.settings.get(LAST_IMPORT_KEY))?.value as LastImport | undefined;
    if (!last || last.importId !== importId) throw new BundleError(msg('problems.bundle.undoGone'));
    for (const t of [...BUNDLE_TABLES].reverse()) {
      const added = last.added[t] ?? [];
      if (added.length > 0) await db.table(t).bulkDelete(added);
      const replaced = last.replaced[t] ?? [];
      if (replaced.length > 0) await db.table(t).bulkPut(replaced);
    }
    await db.settings.delete(LAST_IMPORT_KEY);
    await addAudit(db, { actor, action: 'bundle.undo', target: importId, detail: `import from ${last.from} at ${new Date(last.atMs).toISOString()} undone` });
  });
}
