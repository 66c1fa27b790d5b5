/**
 * Retention rules per kind of data, and what the storage page shows. Rules are the technician's:
 * Vigil deletes by them and by nothing else (never on its own when the disk fills). Two kinds of
 * data are never deleted by a rule: imported recordings (the technician brought them in on purpose)
 * and anything a label points at (the features and raw snapshots of a labelled stretch).
 */
import { addAudit, ALL_TABLES, type TableName, type VigilDb } from './db';
import type { LabelRow } from './types';

export interface RetentionRules {
  /** Full-resolution features of live recordings (every window). 0 keeps them forever. */
  liveFeaturesDays: number;
  /** Per-second summaries of live recordings (what a day view draws). */
  summariesDays: number;
  /** Raw snapshots taken on a schedule. */
  scheduledRawDays: number;
  /** Raw snapshots around events. */
  eventRawDays: number;
  /** The audit log. */
  auditDays: number;
}

export const DEFAULT_RULES: RetentionRules = { liveFeaturesDays: 30, summariesDays: 0, scheduledRawDays: 30, eventRawDays: 0, auditDays: 0 };

const RULES_KEY = 'retention';
const DAY_MS = 86_400_000;

export async function loadRules(db: VigilDb): Promise<RetentionRules> {
  const row = await db.settings.get(RULES_KEY);
  return { ...DEFAULT_RULES, ...((row?.value as Partial<RetentionRules>) ?? {}) };
}

export async function saveRules(db: VigilDb, rules: RetentionRules, actor: string): Promise<void> {
  for (const [k, v] of Object.entries(rules)) {
    if (!Number.isInteger(v) || v < 0 || v > 36500) throw new RangeError(`"${k}" must be a whole number of days from 0 to 36500 (0 keeps forever).`);
  }
  await db.transaction('rw', [db.settings, db.audit], async () => {
    await db.settings.put({ key: RULES_KEY, value: rules });
    await addAudit(db, { actor, action: 'retention.rules', target: '', detail: JSON.stringify(rules) });
  });
}

export interface RetentionResult {
  featureChunks: number;
  featureSummaries: number;
  rawSnapshots: number;
  audit: number;
}

function overlapsLabel(labels: Map<string, LabelRow[]>, nodeId: string, startMs: number, endMs: number): boolean {
  for (const l of labels.get(nodeId) ?? []) if (l.startMs <= endMs && l.endMs >= startMs) return true;
  return false;
}

/** Deletes what the rules say is too old; returns how many rows went. */
export async function applyRetention(db: VigilDb, rules: RetentionRules, nowMs = Date.now()): Promise<RetentionResult> {
  const out: RetentionResult = { featureChunks: 0, featureSummaries: 0, rawSnapshots: 0, audit: 0 };
  const tables = [db.sessions, db.labels, db.featureChunks, db.featureSummaries, db.rawSnapshots, db.audit];
  await db.transaction('rw', tables, async () => {
    const live = new Set((await db.sessions.where('kind').equals('live').primaryKeys()) as string[]);
    const labels = new Map<string, LabelRow[]>();
    for (const l of await db.labels.toArray()) {
      if (l.deletedMs !== null) continue;
      const list = labels.get(l.nodeId) ?? [];
      list.push(l);
      labels.set(l.nodeId, list);
    }
    const freed = new Map<string, { features: number; summaries: number; raw: number }>();
    const free = (sessionId: string, kind: 'features' | 'summaries' | 'raw', bytes: number) => {
      const f = freed.get(sessionId) ?? { features: 0, summaries: 0, raw: 0 };
      f[kind] += bytes;
      freed.set(sessionId, f);
    };

    if (rules.liveFeaturesDays > 0) {
      const cutoff = nowMs - rules.liveFeaturesDays * DAY_MS;
      const old = await db.featureChunks.where('startMs').below(cutoff).toArray();
      const ids: string[] = [];
      for (const c of old) {
        if (c.endMs >= cutoff || !live.has(c.sessionId) || overlapsLabel(labels, c.nodeId, c.startMs, c.endMs)) continue;
        ids.push(c.id);
        free(c.sessionId, 'features', c.bytes);
      }
      await db.featureChunks.bulkDelete(ids);
      out.featureChunks = ids.length;
    }
    if (rules.summariesDays > 0) {
      const cutoff = nowMs - rules.summariesDays * DAY_MS;
      const old = await db.featureSummaries.where('startMs').below(cutoff).toArray();
      const ids: string[] = [];
      for (const s of old) {
        if (s.endMs >= cutoff || !live.has(s.sessionId) || overlapsLabel(labels, s.nodeId, s.startMs, s.endMs)) continue;
        ids.push(s.id);
        free(s.sessionId, 'summaries', s.bytes);
      }
      await db.featureSummaries.bulkDelete(ids);
      out.featureSummaries = ids.length;
    }
    for (const [reason, days] of [
      ['schedule', rules.scheduledRawDays],
      ['event', rules.eventRawDays],
    ] as const) {
      if (days <= 0) continue;
      const cutoff = nowMs - days * DAY_MS;
      const old = await db.rawSnapshots.where('reason').equals(reason).filter((r) => r.startMs < cutoff).toArray();
      const ids: string[] = [];
      for (const r of old) {
        const endMs = r.startMs + (r.count / r.sampleRateHz) * 1000;
        if (overlapsLabel(labels, r.nodeId, r.startMs, endMs)) continue;
        ids.push(r.id);
        free(r.sessionId, 'raw', r.bytes);
      }
      await db.rawSnapshots.bulkDelete(ids);
      out.rawSnapshots += ids.length;
    }
    if (rules.auditDays > 0) out.audit = await db.audit.where('tMs').below(nowMs - rules.auditDays * DAY_MS).delete();

    for (const [id, f] of freed) {
      await db.sessions
        .where('id')
        .equals(id)
        .modify((s) => {
          s.bytes = { features: Math.max(0, s.bytes.features - f.features), summaries: Math.max(0, s.bytes.summaries - f.summaries), raw: Math.max(0, s.bytes.raw - f.raw) };
        });
    }
    const total = out.featureChunks + out.featureSummaries + out.rawSnapshots + out.audit;
    if (total > 0) await addAudit(db, { actor: 'Vigil', action: 'retention.apply', target: '', detail: JSON.stringify({ rules, deleted: out }) });
  });
  return out;
}

export interface StorageStats {
  counts: Record<TableName, number>;
  /** Labels that were deleted (tombstones kept for undo and bundles). */
  deletedLabels: number;
  bytes: { features: number; summaries: number; raw: number };
}

export async function storageStats(db: VigilDb): Promise<StorageStats> {
  const counts = {} as Record<TableName, number>;
  let deletedLabels = 0;
  const bytes = { features: 0, summaries: 0, raw: 0 };
  await db.transaction('r', ALL_TABLES.map((t) => db.table(t)), async () => {
    for (const t of ALL_TABLES) counts[t] = await db.table(t).count();
    deletedLabels = await db.labels.filter((l) => l.deletedMs !== null).count();
    await db.sessions.each((s) => {
      bytes.features += s.bytes?.features ?? 0;
      bytes.summaries += s.bytes?.summaries ?? 0;
      bytes.raw += s.bytes?.raw ?? 0;
    });
  });
  counts.labels -= deletedLabels;
  return { counts, deletedLabels, bytes };
}
