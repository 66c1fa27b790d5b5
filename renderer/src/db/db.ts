/**
 * The app's one IndexedDB database, through Dexie. Open it once per page with `openDb()`; tests
 * (fake-indexeddb) and the benchmark page pass their own name.
 */
import Dexie, { type Table } from 'dexie';
import { decodeSummaryRow } from '../../../models/dataset/summaryCodec';
import { t } from '../i18n';
import { declareSchema, DB_NAME } from './schema';
import type {
  AssetRow,
  AuditRow,
  DeploymentRow,
  EventRow,
  FeatureChunkRow,
  FeatureMinuteRow,
  FeatureSummaryRow,
  FleetItemRow,
  GapRow,
  LabelRow,
  ModelRow,
  NodeRow,
  RawSnapshotRow,
  SessionRow,
  SettingRow,
} from './types';

export class VigilDb extends Dexie {
  nodes!: Table<NodeRow, string>;
  assets!: Table<AssetRow, string>;
  sessions!: Table<SessionRow, string>;
  featureChunks!: Table<FeatureChunkRow, string>;
  featureSummaries!: Table<FeatureSummaryRow, string>;
  featureMinutes!: Table<FeatureMinuteRow, string>;
  rawSnapshots!: Table<RawSnapshotRow, string>;
  gaps!: Table<GapRow, string>;
  events!: Table<EventRow, string>;
  labels!: Table<LabelRow, string>;
  models!: Table<ModelRow, string>;
  deployments!: Table<DeploymentRow, string>;
  audit!: Table<AuditRow, number>;
  settings!: Table<SettingRow, string>;
  fleetItems!: Table<FleetItemRow, string>;

  constructor(name = DB_NAME) {
    super(name);
    declareSchema(this);
    // Retention stores old summaries coded (models/dataset/summaryCodec.ts): every read gets them
    // back as they were written, whoever reads (day view, trends, recording chart, report, bundles).
    // (bulkGet passes undefined for a missing key.)
    this.featureSummaries.hook('reading', (r: FeatureSummaryRow | undefined) => r && decodeSummaryRow(r));
    this.featureMinutes.hook('reading', (r: FeatureMinuteRow | undefined) => r && decodeSummaryRow(r));
  }
}

/** The tables a dataset bundle carries, in the order they are written and imported. */
export const BUNDLE_TABLES = ['assets', 'nodes', 'sessions', 'featureChunks', 'featureSummaries', 'featureMinutes', 'rawSnapshots', 'gaps', 'events', 'labels', 'models', 'deployments'] as const;
export type BundleTableName = (typeof BUNDLE_TABLES)[number];

/** Every table, for the storage page's counts (the audit log and settings belong to a laptop: not in bundles). */
export const ALL_TABLES = [...BUNDLE_TABLES, 'audit', 'settings'] as const;
export type TableName = (typeof ALL_TABLES)[number];

let shared: VigilDb | null = null;

export function openDb(name = DB_NAME): VigilDb {
  if (name === DB_NAME) {
    shared ??= new VigilDb(name);
    return shared;
  }
  return new VigilDb(name);
}

export function newId(): string {
  return crypto.randomUUID();
}

/** True for "the disk (or the browser's share of it) is full", however Dexie wrapped it. */
export function isQuotaError(e: unknown): boolean {
  let x: unknown = e;
  for (let depth = 0; x && depth < 5; depth++) {
    const err = x as { name?: string; inner?: unknown; message?: string };
    if (err.name === 'QuotaExceededError' || err.name === Dexie.errnames.QuotaExceeded) return true;
    if (typeof err.message === 'string' && /quota/i.test(err.message)) return true;
    x = err.inner;
  }
  return false;
}

/**
 * A sentence for a technician about a failed database operation; `doing` is what failed, already
 * in the interface language ("export the bundle": storage.doing.*).
 */
export function storageErrorMessage(e: unknown, doing: string): string {
  if (isQuotaError(e)) return t('storage.err.quota', { doing });
  const msg = e instanceof Error ? e.message : String(e);
  return t('storage.err.other', { doing, error: msg });
}

export async function addAudit(db: VigilDb, row: Omit<AuditRow, 'tMs' | 'seq'> & { tMs?: number }): Promise<void> {
  await db.audit.add({ tMs: row.tMs ?? Date.now(), actor: row.actor || 'Vigil', action: row.action, target: row.target, detail: row.detail });
}
