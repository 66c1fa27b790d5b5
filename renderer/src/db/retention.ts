/**
 * Retention rules and compaction. Rules are the technician's: Vigil deletes and compacts by them
 * and by nothing else (never on its own when the disk fills). Compaction keeps full resolution
 * where it matters and the trends everywhere:
 *
 *  - every window of a live recording is kept for `fullResolutionHours`; then its feature chunk
 *    (one minute, every window) is deleted once its per-second summary is confirmed present (it is
 *    rebuilt from the chunk first when missing or short);
 *  - per-minute summaries (one row per session-hour) are written beside the per-second ones for
 *    every hour that has ended; per-second summaries are kept for `perSecondDays`, then deleted
 *    where the per-minute row holds their minute;
 *  - never compacted: imported recordings, and anything overlapping a label (not deleted), a node
 *    event with `eventMarginMinutes` before and after, or a raw snapshot;
 *  - band energies (a default node's 32 log band energies per axis, most of a kept minute's bytes)
 *    are kept in a minute older than `fullResolutionHours` only where it overlaps a label or a node
 *    event with `bandMarginMinutes` before and after; the other kept minutes (the rest of the event
 *    margin, under a raw snapshot) keep every window's features and lose their bands;
 *  - the scalar feature values of the minutes kept past `fullResolutionHours`, their per-second
 *    summaries and the per-minute rows are stored coded (models/dataset/valueCodec.ts): bit for bit
 *    under labels; elsewhere the levels (RMS, velocity RMS) within a relative 2⁻¹⁴
 *    (OUTSIDE_LABELS_LEVEL_BOUND), the score and every special value bit for bit; the database
 *    decodes them as they are read.
 *
 * Each run that changes anything writes one audit row (`retention.apply`), and every run keeps its
 * result in settings (`retention.last`) for the Storage page. See docs/storage.md.
 */
import { codeChunkValues, isPackedChunk, packChunkRow, unpackChunkFeatures, type PackedFeatureChunk } from '../../../models/dataset/chunkCodec';
import { codeSummaryRow, isCodedSummary, wasReadCoded } from '../../../models/dataset/summaryCodec';
import { CHUNK_US, columnIndex, minuteRowId, MINUTES_PER_ROW, summarize, summarizeMinutes } from '../../../models/dataset/columns';
import { LEVEL_MAX_REL_ERROR } from '../../../models/dataset/valueCodec';
import { addAudit, ALL_TABLES, type TableName, type VigilDb } from './db';
import type { FeatureChunkRow, FeatureMinuteRow, FeatureSummaryRow, RawSnapshotRow, SessionRow } from './types';

export interface RetentionRules {
  /** Every window of live recordings is kept this many hours, then only its summaries (0: forever). */
  fullResolutionHours: number;
  /** Per-second summaries are kept this many days, then only per-minute ones (0: forever). */
  perSecondDays: number;
  /** Full resolution kept this many minutes before and after every node event. */
  eventMarginMinutes: number;
  /** Band energies kept this many minutes before and after every node event (at most eventMarginMinutes); under labels always. */
  bandMarginMinutes: number;
  /** Summaries (per-second and per-minute) of live recordings are deleted after this many days (0: forever). */
  summariesDays: number;
  /** Raw snapshots taken on a schedule. */
  scheduledRawDays: number;
  /** Raw snapshots around events. */
  eventRawDays: number;
  /** The audit log. */
  auditDays: number;
}

/**
 * 24 hours of every window: the last shift and the night before, what a technician looks at in
 * detail on a visit; anything that mattered further back is an event (kept with its margin) or
 * a label. 30 days of per-second summaries: a month of day views at one-second detail. 10 minutes
 * around an event: the run-up and the aftermath of an alarm. Band energies over the event itself
 * (margin 0) and under labels: the RMS, velocity and score of every window of the event margin
 * stay, the raw snapshot around each event (kept forever by default) holds the spectrum at the alarm
 * at full resolution where the raw stream is on, and each minute of band energies costs about
 * 0.5 MB; a technician who wants the build-up spectrum sets the margin (docs/storage.md, "Sizes").
 */
export const DEFAULT_RULES: RetentionRules = { fullResolutionHours: 24, perSecondDays: 30, eventMarginMinutes: 10, bandMarginMinutes: 0, summariesDays: 0, scheduledRawDays: 30, eventRawDays: 0, auditDays: 0 };

/** The largest value of each rule, and its unit. */
export const RULE_LIMITS: Record<keyof RetentionRules, { max: number; unit: 'hours' | 'days' | 'minutes' }> = {
  fullResolutionHours: { max: 876_000, unit: 'hours' },
  perSecondDays: { max: 36_500, unit: 'days' },
  eventMarginMinutes: { max: 1_440, unit: 'minutes' },
  bandMarginMinutes: { max: 1_440, unit: 'minutes' },
  summariesDays: { max: 36_500, unit: 'days' },
  scheduledRawDays: { max: 36_500, unit: 'days' },
  eventRawDays: { max: 36_500, unit: 'days' },
  auditDays: { max: 36_500, unit: 'days' },
};

/**
 * The per-axis fields retention stores within a bound outside labels: levels, positive by nature
 * (the RMS in g, the ISO 20816 velocity RMS in mm/s). Every other column (the anomaly score, which
 * is compared to a threshold; any field a later firmware adds) is kept bit for bit.
 */
export const LEVEL_FIELDS: readonly string[] = ['rms', 'velocityRmsMmS'];

/**
 * How retention stores the values it rewrites outside labels — the per-second and per-minute
 * summaries, and the scalar columns of the old minutes kept whole that no label overlaps (event
 * margins, raw-snapshot minutes): each level (LEVEL_FIELDS) within this relative error of the value
 * written, 2⁻¹⁴ (6.1e-5, 0.0005 dB: far below any accelerometer's accuracy); zero, negative,
 * denormal and non-finite values, and every other column, bit for bit. Under a label every value
 * stays bit for bit (labelled data feeds training). The stored row says which columns are bounded
 * (`valueBound`); readers read it as any other row. Rounding is idempotent (a value rounded once is
 * not rounded again by a later run). docs/storage.md, "Feature values of the kept minutes".
 */
export const OUTSIDE_LABELS_LEVEL_BOUND = LEVEL_MAX_REL_ERROR;

/** The scalar columns of a session's layout that are levels (LEVEL_FIELDS, every axis). */
export function levelColumns(s: Pick<SessionRow, 'layout'>): number[] {
  const l = s.layout;
  const out: number[] = [];
  for (let a = 0; a < l.axisCount; a++) for (const f of LEVEL_FIELDS) if (l.fields.includes(f)) out.push(columnIndex(l, f, a));
  return out.filter((c) => c >= 0).sort((x, y) => x - y);
}

const RULES_KEY = 'retention';
/** The settings row with the last run's result (the Storage page says it in words). */
export const LAST_RUN_KEY = 'retention.last';
const HOUR_MS = 3_600_000;
const DAY_MS = 86_400_000;
const MINUTE_MS = 60_000;
/** A chunk's windows lie within one minute of node time: its end is before its start + this. */
const CHUNK_SPAN_MS = CHUNK_US / 1000;
/** A live raw snapshot is at most a few seconds (renderer/src/record/rawCapture.ts: 1 s, or 2 s + 2 s). */
const RAW_SPAN_HINT_MS = 10_000;
/** Rows read and written per transaction. */
const BATCH = 64;

export async function loadRules(db: VigilDb): Promise<RetentionRules> {
  const row = await db.settings.get(RULES_KEY);
  const stored = (row?.value ?? {}) as Partial<RetentionRules> & { liveFeaturesDays?: number };
  const rules = { ...DEFAULT_RULES };
  for (const k of Object.keys(DEFAULT_RULES) as (keyof RetentionRules)[]) if (typeof stored[k] === 'number') rules[k] = stored[k];
  // Before compaction the rule was "delete every window after N days": the technician's N is kept.
  if (typeof stored.fullResolutionHours !== 'number' && typeof stored.liveFeaturesDays === 'number') rules.fullResolutionHours = stored.liveFeaturesDays * 24;
  // Rules stored before the band margin: its default, within the technician's event margin.
  if (typeof stored.bandMarginMinutes !== 'number') rules.bandMarginMinutes = Math.min(rules.bandMarginMinutes, rules.eventMarginMinutes);
  return rules;
}

export async function saveRules(db: VigilDb, rules: RetentionRules, actor: string): Promise<void> {
  for (const k of Object.keys(DEFAULT_RULES) as (keyof RetentionRules)[]) {
    const v = rules[k];
    const { max, unit } = RULE_LIMITS[k];
    if (!Number.isInteger(v) || v < 0 || v > max) throw new RangeError(`"${k}" must be a whole number of ${unit} from 0 to ${max}${k === 'eventMarginMinutes' || k === 'bandMarginMinutes' ? '' : ' (0 keeps forever)'}.`);
  }
  if (rules.bandMarginMinutes > rules.eventMarginMinutes) {
    throw new RangeError(`Band energies are kept around an event only where every window is: "bandMarginMinutes" must be from 0 to the event margin (${rules.eventMarginMinutes} minutes).`);
  }
  const clean = Object.fromEntries((Object.keys(DEFAULT_RULES) as (keyof RetentionRules)[]).map((k) => [k, rules[k]]));
  await db.transaction('rw', [db.settings, db.audit], async () => {
    await db.settings.put({ key: RULES_KEY, value: clean });
    await addAudit(db, { actor, action: 'retention.rules', target: '', detail: JSON.stringify(clean) });
  });
}

export interface RetentionResult {
  /** Feature chunks (a minute of every window) deleted: compacted to their per-second summaries. */
  featureChunks: number;
  /** Per-second summaries deleted: compacted to per-minute ones, or deleted by `summariesDays`. */
  featureSummaries: number;
  /** Per-minute rows deleted by `summariesDays`. */
  featureMinutes: number;
  rawSnapshots: number;
  audit: number;
  /** Per-minute rows written (one per session-hour). */
  minutesWritten: number;
  /** Per-second summaries rebuilt from their chunk before it went (missing or short). */
  summariesRebuilt: number;
  /** Old chunks kept at full resolution because a label, an event (with its margin) or a raw snapshot overlaps them. */
  chunksKept: number;
  /** Kept chunks whose band energies were dropped (features kept): outside labels and the band margin of events. Absent in runs before the rule. */
  bandsDropped?: number;
  /** Rows whose feature values were stored coded (kept chunks, per-second summaries, per-minute rows written): bit for bit under labels, levels within OUTSIDE_LABELS_LEVEL_BOUND elsewhere. Absent in runs before coding. */
  valuesCoded?: number;
  /** Bytes of typed arrays freed (minus the per-minute rows written). */
  bytesFreed: number;
}

export interface LastRun {
  atMs: number;
  rules: RetentionRules;
  result: RetentionResult;
}

/** What must not be compacted, per node: sorted, merged [from, to] wall-clock ranges. */
type Ranges = Map<string, [number, number][]>;

function merge(list: [number, number][]): [number, number][] {
  list.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const r of list) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

function overlaps(ranges: Ranges, nodeId: string, from: number, to: number): boolean {
  const list = ranges.get(nodeId);
  if (!list) return false;
  // The last range starting at or before `to`.
  let lo = 0;
  let hi = list.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid][0] <= to) {
      at = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return at >= 0 && list[at][1] >= from;
}

function rawEndMs(r: RawSnapshotRow): number {
  return r.startMs + (r.count / r.sampleRateHz) * 1000;
}

/**
 * Labels (not deleted) as they are, events widened by the margin (an event still open counts to
 * now), and raw snapshots from their index keys (start to start + RAW_SPAN_HINT_MS: the rows are
 * not read here; the exact end is checked on the rows near what is about to go).
 */
async function protectedRanges(db: VigilDb, rules: RetentionRules, nowMs: number): Promise<{ exact: Ranges; hint: Ranges; bands: Ranges }> {
  const lists = new Map<string, [number, number][]>();
  const bandLists = new Map<string, [number, number][]>();
  const add = (nodeId: string, from: number, to: number, into = lists) => {
    const l = into.get(nodeId) ?? [];
    l.push([from, to]);
    into.set(nodeId, l);
  };
  await db.labels.each((l) => {
    if (l.deletedMs !== null) return;
    add(l.nodeId, l.startMs, l.endMs);
    add(l.nodeId, l.startMs, l.endMs, bandLists);
  });
  const margin = rules.eventMarginMinutes * MINUTE_MS;
  const bandMargin = Math.min(rules.bandMarginMinutes, rules.eventMarginMinutes) * MINUTE_MS;
  await db.events.each((e) => {
    const end = Number.isFinite(e.endMs) && e.endMs >= e.startMs ? e.endMs : nowMs;
    add(e.nodeId, e.startMs - margin, end + margin);
    add(e.nodeId, e.startMs - bandMargin, end + bandMargin, bandLists);
  });
  const bands: Ranges = new Map();
  for (const [k, l] of bandLists) bands.set(k, merge(l));
  const exact: Ranges = new Map();
  for (const [k, l] of lists) exact.set(k, merge(l.map((r) => [r[0], r[1]])));
  await db.rawSnapshots.orderBy('[nodeId+startMs]').eachKey((key) => {
    const [nodeId, startMs] = key as [string, number];
    add(nodeId, startMs, startMs + RAW_SPAN_HINT_MS);
  });
  const hint: Ranges = new Map();
  for (const [k, l] of lists) hint.set(k, merge(l));
  return { exact, hint, bands };
}

/** The exact raw snapshots of a node that could reach into [fromMs, toMs]. */
async function rawNear(db: VigilDb, nodeId: string, fromMs: number, toMs: number): Promise<[number, number][]> {
  const rows = await db.rawSnapshots
    .where('[nodeId+startMs]')
    .between([nodeId, fromMs - HOUR_MS], [nodeId, toMs], true, true)
    .toArray();
  return rows.map((r) => [r.startMs, rawEndMs(r)] as [number, number]).filter((r) => r[1] >= fromMs);
}

interface Candidate {
  id: string;
  sessionId: string;
  nodeId: string;
  startMs: number;
}

function sessionOf(id: string): string {
  return id.slice(0, id.lastIndexOf(':'));
}

/**
 * Rows of `table` that start before `beforeMs`, of live sessions, not surely protected: a row that
 * starts inside a protected range is kept without being read; the others are read, and checked
 * against their exact end.
 */
async function candidates(
  table: VigilDb['featureChunks'] | VigilDb['featureSummaries'] | VigilDb['featureMinutes'],
  live: Map<string, SessionRow>,
  ranges: Ranges,
  beforeMs: number,
  spanMs: number,
): Promise<{ take: Candidate[]; kept: number }> {
  const take: Candidate[] = [];
  let kept = 0;
  await table
    .where('startMs')
    .below(beforeMs - spanMs)
    .eachKey((key, cursor) => {
      const id = cursor.primaryKey as string;
      const startMs = key as number;
      const s = live.get(sessionOf(id));
      if (!s) return;
      if (overlaps(ranges, s.nodeId, startMs, startMs)) kept++;
      else take.push({ id, sessionId: s.id, nodeId: s.nodeId, startMs });
    });
  take.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.startMs - b.startMs));
  return { take, kept };
}

/** Candidates in batches of one node each. */
function* batches(list: Candidate[]): Generator<Candidate[]> {
  for (let i = 0; i < list.length; ) {
    let j = i + 1;
    while (j < list.length && j - i < BATCH && list[j].nodeId === list[i].nodeId) j++;
    yield list.slice(i, j);
    i = j;
  }
}

function windowsOf(s: FeatureSummaryRow): number {
  let n = 0;
  for (let k = 0; k < s.buckets; k++) n += s.windows[k];
  return n;
}

type Freed = Map<string, { features: number; summaries: number; raw: number }>;

async function updateSessionBytes(db: VigilDb, freed: Freed): Promise<void> {
  for (const [id, f] of freed) {
    await db.sessions
      .where('id')
      .equals(id)
      .modify((s) => {
        s.bytes = { features: Math.max(0, s.bytes.features - f.features), summaries: Math.max(0, s.bytes.summaries - f.summaries), raw: Math.max(0, s.bytes.raw - f.raw) };
      });
  }
}

function freer(freed: Freed) {
  return (sessionId: string, kind: 'features' | 'summaries' | 'raw', bytes: number) => {
    const f = freed.get(sessionId) ?? { features: 0, summaries: 0, raw: 0 };
    f[kind] += bytes;
    freed.set(sessionId, f);
  };
}

function emptyResult(): RetentionResult {
  return { featureChunks: 0, featureSummaries: 0, featureMinutes: 0, rawSnapshots: 0, audit: 0, minutesWritten: 0, summariesRebuilt: 0, chunksKept: 0, bandsDropped: 0, valuesCoded: 0, bytesFreed: 0 };
}

/**
 * Applies the rules at `nowMs`: compacts and deletes what they say, never what a label, an event
 * (with its margin) or a raw snapshot overlaps, never an imported recording. Runs in small
 * transactions (a batch of one node's rows each), so a large database is never read at once and
 * recording goes on meanwhile; running it again at the same time changes nothing.
 */
export async function applyRetention(db: VigilDb, rules: RetentionRules, nowMs = Date.now()): Promise<RetentionResult> {
  const out = emptyResult();
  const live = new Map<string, SessionRow>();
  await db.sessions
    .where('kind')
    .equals('live')
    .each((s) => {
      live.set(s.id, s);
    });
  const freed: Freed = new Map();
  const free = freer(freed);

  // 0. Raw snapshots by their days (first: what they protected is compacted in the same run); a labelled snapshot stays.
  for (const [reason, days] of [
    ['schedule', rules.scheduledRawDays],
    ['event', rules.eventRawDays],
  ] as const) {
    if (days <= 0) continue;
    const cutoff = nowMs - days * DAY_MS;
    const labelsOnly = await labelRanges(db);
    const ids = (await db.rawSnapshots
      .where('reason')
      .equals(reason)
      .filter((r) => r.startMs < cutoff && !overlaps(labelsOnly, r.nodeId, r.startMs, rawEndMs(r)))
      .toArray()) as RawSnapshotRow[];
    await db.transaction('rw', [db.rawSnapshots], async () => {
      await db.rawSnapshots.bulkDelete(ids.map((r) => r.id));
    });
    for (const r of ids) {
      free(r.sessionId, 'raw', r.bytes);
      out.bytesFreed += r.bytes;
    }
    out.rawSnapshots += ids.length;
  }
  const { exact, hint: ranges, bands: bandRanges } = await protectedRanges(db, rules, nowMs);

  // 1. Every window older than fullResolutionHours -> its per-second summary (confirmed, else rebuilt).
  if (rules.fullResolutionHours > 0) {
    const cutoff = nowMs - rules.fullResolutionHours * HOUR_MS;
    const { take, kept } = await candidates(db.featureChunks, live, ranges, cutoff, CHUNK_SPAN_MS);
    out.chunksKept += kept;
    for (const batch of batches(take)) {
      const ids = batch.map((c) => c.id);
      await db.transaction('rw', [db.featureChunks, db.featureSummaries, db.rawSnapshots], async () => {
        const rows = await db.featureChunks.bulkGet(ids);
        const sums = await db.featureSummaries.bulkGet(ids);
        const raw = await rawNear(db, batch[0].nodeId, batch[0].startMs, batch[batch.length - 1].startMs + CHUNK_SPAN_MS);
        const del: string[] = [];
        const rebuilt: FeatureSummaryRow[] = [];
        rows.forEach((c: FeatureChunkRow | undefined, i) => {
          if (!c || c.endMs >= cutoff) return;
          if (overlaps(exact, c.nodeId, c.startMs, c.endMs) || raw.some(([a, b]) => a <= c.endMs && b >= c.startMs)) {
            out.chunksKept++;
            return;
          }
          const s = sums[i];
          if (!s || windowsOf(s) !== c.count) {
            const fresh = summarize(unpackChunkFeatures(c));
            rebuilt.push(fresh);
            free(c.sessionId, 'summaries', (s?.bytes ?? 0) - fresh.bytes);
            out.summariesRebuilt++;
          }
          del.push(c.id);
          free(c.sessionId, 'features', c.bytes);
          out.bytesFreed += c.bytes;
        });
        await db.featureSummaries.bulkPut(rebuilt);
        await db.featureChunks.bulkDelete(del);
        out.featureChunks += del.length;
      });
    }
  }

  // 1b. Band energies of the old minutes kept whole: kept under labels and within the band margin of events, dropped elsewhere.
  if (rules.fullResolutionHours > 0) await dropBands(db, live, bandRanges, nowMs - rules.fullResolutionHours * HOUR_MS, out, free);

  // 2. Per-minute rows beside the per-second ones, for every hour of a live recording that has ended
  // (before 2b, so they are summed from the per-second rows as written, not from rounded ones).
  const labels = await labelRanges(db);
  {
    const have = new Set((await db.featureMinutes.toCollection().primaryKeys()) as string[]);
    const groups = new Map<string, string[]>();
    await db.featureSummaries
      .where('startMs')
      .below(nowMs)
      .eachKey((key, cursor) => {
        const id = cursor.primaryKey as string;
        const sessionId = sessionOf(id);
        if (!live.has(sessionId)) return;
        const chunkIndex = Number(id.slice(sessionId.length + 1));
        const hour = Math.floor(chunkIndex / MINUTES_PER_ROW);
        const mid = minuteRowId(sessionId, hour);
        if (have.has(mid)) return;
        // The hour ended (its last window is before hourStart + 60 min) more than five minutes ago.
        const hourEndMs = (key as number) - (chunkIndex - hour * MINUTES_PER_ROW) * MINUTE_MS + HOUR_MS;
        if (hourEndMs + 5 * MINUTE_MS > nowMs) {
          have.add(mid); // not yet: none of this hour's rows
          groups.delete(mid);
          return;
        }
        const g = groups.get(mid) ?? [];
        g.push(id);
        groups.set(mid, g);
      });
    const list = [...groups.values()];
    for (let i = 0; i < list.length; i += 16) {
      await db.transaction('rw', [db.featureSummaries, db.featureMinutes], async () => {
        for (const ids of list.slice(i, i + 16)) {
          const rows = (await db.featureSummaries.bulkGet(ids)).filter((r): r is FeatureSummaryRow => r !== undefined);
          if (rows.length === 0) continue;
          const sum = summarizeMinutes(rows);
          const s = live.get(sum.sessionId)!;
          const m = codeSummaryRow(sum, overlaps(labels, s.nodeId, sum.startMs, sum.endMs) ? [] : levelColumns(s));
          if (isCodedSummary(m)) out.valuesCoded = (out.valuesCoded ?? 0) + 1;
          await db.featureMinutes.put(m as FeatureMinuteRow);
          free(m.sessionId, 'summaries', -m.bytes);
          out.bytesFreed -= m.bytes;
          out.minutesWritten++;
        }
      });
    }
  }

  // 2b. The feature values of the old minutes kept whole, and the old per-second summaries: coded, outside labels with their levels within the bound.
  if (rules.fullResolutionHours > 0) await codeValues(db, live, labels, nowMs - rules.fullResolutionHours * HOUR_MS, out, free);

  // 3. Per-second summaries older than perSecondDays -> per-minute (only where the per-minute row holds their minute).
  if (rules.perSecondDays > 0) {
    const cutoff = nowMs - rules.perSecondDays * DAY_MS;
    const { take } = await candidates(db.featureSummaries, live, ranges, cutoff, CHUNK_SPAN_MS);
    for (const batch of batches(take)) {
      const ids = batch.map((c) => c.id);
      await db.transaction('rw', [db.featureSummaries, db.featureMinutes, db.rawSnapshots], async () => {
        const rows = await db.featureSummaries.bulkGet(ids);
        const hours = [...new Set(rows.filter((r) => r).map((r) => minuteRowId(r!.sessionId, Math.floor(r!.chunkIndex / MINUTES_PER_ROW))))];
        const minutes = new Map((await db.featureMinutes.bulkGet(hours)).filter((m): m is FeatureMinuteRow => m !== undefined).map((m) => [m.id, m]));
        const raw = await rawNear(db, batch[0].nodeId, batch[0].startMs, batch[batch.length - 1].startMs + CHUNK_SPAN_MS);
        const del: string[] = [];
        for (const s of rows) {
          if (!s || s.endMs >= cutoff || overlaps(exact, s.nodeId, s.startMs, s.endMs) || raw.some(([a, b]) => a <= s.endMs && b >= s.startMs)) continue;
          const hour = Math.floor(s.chunkIndex / MINUTES_PER_ROW);
          const m = minutes.get(minuteRowId(s.sessionId, hour));
          const off = (s.chunkIndex - hour * MINUTES_PER_ROW) * CHUNK_US;
          if (!m || !m.tUsOffset.includes(off)) continue; // its minute is not summarised: kept
          del.push(s.id);
          free(s.sessionId, 'summaries', s.bytes);
          out.bytesFreed += s.bytes;
        }
        await db.featureSummaries.bulkDelete(del);
        out.featureSummaries += del.length;
      });
    }
  }

  // 4. Summaries older than summariesDays are deleted (per-second, then per-minute), with the same exceptions.
  if (rules.summariesDays > 0) {
    const cutoff = nowMs - rules.summariesDays * DAY_MS;
    for (const [table, span, key] of [
      [db.featureSummaries, CHUNK_SPAN_MS, 'featureSummaries'],
      [db.featureMinutes, HOUR_MS, 'featureMinutes'],
    ] as const) {
      const { take } = await candidates(table, live, ranges, cutoff, span);
      for (const batch of batches(take)) {
        await db.transaction('rw', [table, db.rawSnapshots], async () => {
          const rows = (await table.bulkGet(batch.map((c) => c.id))) as (FeatureSummaryRow | FeatureMinuteRow | undefined)[];
          const raw = await rawNear(db, batch[0].nodeId, batch[0].startMs, batch[batch.length - 1].startMs + span);
          const del: string[] = [];
          for (const s of rows) {
            if (!s || s.endMs >= cutoff || overlaps(exact, s.nodeId, s.startMs, s.endMs) || raw.some(([a, b]) => a <= s.endMs && b >= s.startMs)) continue;
            del.push(s.id);
            free(s.sessionId, 'summaries', s.bytes);
            out.bytesFreed += s.bytes;
          }
          await table.bulkDelete(del);
          out[key] += del.length;
        });
      }
    }
  }

  // 5. The audit log by its days.
  if (rules.auditDays > 0) out.audit = await db.audit.where('tMs').below(nowMs - rules.auditDays * DAY_MS).delete();

  await db.transaction('rw', [db.sessions, db.audit, db.settings], async () => {
    await updateSessionBytes(db, freed);
    const changed = out.featureChunks + out.featureSummaries + out.featureMinutes + out.rawSnapshots + out.audit + out.minutesWritten + out.summariesRebuilt + (out.bandsDropped ?? 0) + (out.valuesCoded ?? 0);
    if (changed > 0) await addAudit(db, { actor: 'Vigil', action: 'retention.apply', target: '', detail: JSON.stringify({ rules, result: out }), tMs: nowMs });
    const last: LastRun = { atMs: nowMs, rules, result: out };
    await db.settings.put({ key: LAST_RUN_KEY, value: last });
  });
  return out;
}

/** The settings row: per live session, the start time up to which its chunks' bands were looked at (chunks before it are not read again). */
const BANDS_CHECKED_KEY = 'retention.bandsChecked';

/**
 * Drops the band energies of the chunks of live sessions that ended before `cutoff`, are still
 * stored (step 1 kept them: a label, an event margin or a raw snapshot is on them) and overlap no
 * label and no event widened by the band margin. Each chunk is looked at once, when it passes the
 * cutoff (a watermark per session in settings), so the minutes kept whole are not read on every
 * run; a label deleted later does not take bands away from minutes already passed (it keeps more,
 * never less).
 */
async function dropBands(db: VigilDb, live: Map<string, SessionRow>, bandRanges: Ranges, cutoff: number, out: RetentionResult, free: ReturnType<typeof freer>): Promise<void> {
  const checked = { ...((await db.settings.get(BANDS_CHECKED_KEY))?.value as Record<string, number> | undefined) };
  const upTo = cutoff - CHUNK_SPAN_MS;
  // A chunk that starts under a label or within the band margin keeps its bands.
  const take = await pastWatermark(db.featureChunks, live, checked, upTo, (s, startMs) => s.layout.bandCount > 0 && !overlaps(bandRanges, s.nodeId, startMs, startMs));
  for (const batch of batches(take)) {
    await db.transaction('rw', [db.featureChunks], async () => {
      const rows = await db.featureChunks.bulkGet(batch.map((c) => c.id));
      const put: FeatureChunkRow[] = [];
      for (const c of rows) {
        if (!c || c.endMs >= cutoff || overlaps(bandRanges, c.nodeId, c.startMs, c.endMs)) continue;
        const packed = c as Partial<PackedFeatureChunk>;
        if (!c.bands && !packed.bandBits) continue;
        const slim = packChunkRow({ ...unpackChunkFeatures(c), bands: null });
        put.push(slim);
        free(c.sessionId, 'features', c.bytes - slim.bytes);
        out.bytesFreed += c.bytes - slim.bytes;
      }
      await db.featureChunks.bulkPut(put);
      out.bandsDropped = (out.bandsDropped ?? 0) + put.length;
    });
  }
  for (const s of live.values()) if (s.layout.bandCount > 0 && s.startMs < upTo) checked[s.id] = Math.max(checked[s.id] ?? -Infinity, upTo);
  // Recordings deleted since leave no entry behind.
  for (const id of Object.keys(checked)) if (!live.has(id)) delete checked[id];
  await db.settings.put({ key: BANDS_CHECKED_KEY, value: checked });
}

/**
 * The rows of `table` (chunks or per-second summaries, found from index keys, not read) of live
 * sessions that start before `upTo` and at or after their session's watermark in `checked`, and
 * that `accept` takes; by node, then in time order (the order they are rewritten in).
 */
async function pastWatermark(
  table: VigilDb['featureChunks'] | VigilDb['featureSummaries'],
  live: Map<string, SessionRow>,
  checked: Record<string, number>,
  upTo: number,
  accept: (s: SessionRow, startMs: number) => boolean,
): Promise<Candidate[]> {
  const take: Candidate[] = [];
  await table
    .where('startMs')
    .below(upTo)
    .eachKey((key, cursor) => {
      const id = cursor.primaryKey as string;
      const startMs = key as number;
      const s = live.get(sessionOf(id));
      if (!s || startMs < (checked[s.id] ?? -Infinity) || !accept(s, startMs)) return;
      take.push({ id, sessionId: s.id, nodeId: s.nodeId, startMs });
    });
  return take.sort((a, b) => (a.nodeId < b.nodeId ? -1 : a.nodeId > b.nodeId ? 1 : a.startMs - b.startMs));
}

/** The settings row: per live session, the start time up to which its rows' values were looked at for coding (rows before it are not read again). */
const VALUES_CODED_KEY = 'retention.valuesCoded';

/**
 * Codes (models/dataset/valueCodec.ts) the scalar feature values of the chunks of live sessions that
 * ended before `cutoff` and are still stored (step 1 kept them), and their per-second summaries
 * (every old one: the chunks step 1 deleted leave theirs), where the coded form is smaller: a row
 * a label overlaps bit for bit, any other with its levels within OUTSIDE_LABELS_LEVEL_BOUND
 * (levelColumns). Each row is looked at once, when it passes the cutoff (a watermark per session in
 * settings, as for bands), so the kept minutes are not read again at every run. Chunks in the
 * layout before packing are left as they are (never rewritten). Readers see the same values: chunks
 * through unpackChunk, summaries through the database's reading hook (renderer/src/db/db.ts).
 */
async function codeValues(db: VigilDb, live: Map<string, SessionRow>, labels: Ranges, cutoff: number, out: RetentionResult, free: ReturnType<typeof freer>): Promise<void> {
  const checked = { ...((await db.settings.get(VALUES_CODED_KEY))?.value as Record<string, number> | undefined) };
  const upTo = cutoff - CHUNK_SPAN_MS;
  const pending = (table: VigilDb['featureChunks'] | VigilDb['featureSummaries']) => pastWatermark(table, live, checked, upTo, () => true);
  for (const batch of batches(await pending(db.featureChunks))) {
    await db.transaction('rw', [db.featureChunks], async () => {
      const rows = await db.featureChunks.bulkGet(batch.map((c) => c.id));
      const put: FeatureChunkRow[] = [];
      for (const c of rows) {
        if (!c || c.endMs >= cutoff || !isPackedChunk(c)) continue;
        const coded = codeChunkValues(c, overlaps(labels, c.nodeId, c.startMs, c.endMs) ? [] : levelColumns(live.get(c.sessionId)!));
        if (coded === c) continue;
        put.push(coded);
        free(c.sessionId, 'features', c.bytes - coded.bytes);
        out.bytesFreed += c.bytes - coded.bytes;
      }
      await db.featureChunks.bulkPut(put);
      out.valuesCoded = (out.valuesCoded ?? 0) + put.length;
    });
  }
  for (const batch of batches(await pending(db.featureSummaries))) {
    await db.transaction('rw', [db.featureSummaries], async () => {
      // Read decoded (the reading hook): a row stored coded before is left as it is (its `bytes` is what it takes as stored).
      const rows = await db.featureSummaries.bulkGet(batch.map((c) => c.id));
      const put: FeatureSummaryRow[] = [];
      for (const s of rows) {
        if (!s || s.endMs >= cutoff || wasReadCoded(s)) continue;
        const coded = codeSummaryRow(s, overlaps(labels, s.nodeId, s.startMs, s.endMs) ? [] : levelColumns(live.get(s.sessionId)!));
        if (!isCodedSummary(coded) || coded.bytes >= s.bytes) continue;
        put.push(coded as unknown as FeatureSummaryRow);
        free(s.sessionId, 'summaries', s.bytes - coded.bytes);
        out.bytesFreed += s.bytes - coded.bytes;
      }
      await db.featureSummaries.bulkPut(put);
      out.valuesCoded = (out.valuesCoded ?? 0) + put.length;
    });
  }
  for (const s of live.values()) if (s.startMs < upTo) checked[s.id] = Math.max(checked[s.id] ?? -Infinity, upTo);
  // Recordings deleted since leave no entry behind.
  for (const id of Object.keys(checked)) if (!live.has(id)) delete checked[id];
  await db.settings.put({ key: VALUES_CODED_KEY, value: checked });
}

async function labelRanges(db: VigilDb): Promise<Ranges> {
  const lists = new Map<string, [number, number][]>();
  await db.labels.each((l) => {
    if (l.deletedMs !== null) return;
    const x = lists.get(l.nodeId) ?? [];
    x.push([l.startMs, l.endMs]);
    lists.set(l.nodeId, x);
  });
  const out: Ranges = new Map();
  for (const [k, l] of lists) out.set(k, merge(l));
  return out;
}

/** The last run's result, or null before the first. */
export async function lastRetentionRun(db: VigilDb): Promise<LastRun | null> {
  return ((await db.settings.get(LAST_RUN_KEY))?.value as LastRun | undefined) ?? null;
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
