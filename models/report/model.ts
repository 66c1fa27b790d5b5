/**
 * The maintenance report as data: built from the rows of a dataset bundle (or the app's database,
 * which holds the same rows) for one asset over one period. The app and `vigil report` both build
 * this model and hand it to ./html.ts, so the two reports cannot diverge (docs/report.md).
 * Sections whose data does not exist yet (no deployments, no snapshot) stay in the model as empty
 * lists; the HTML says so in words.
 */
import { CHUNK_US, columnIndex, type FeatureLayout } from '../dataset/columns';
import { isLabelKind, type LabelKind } from '../dataset/labels';
import { defaultFeatureSpec } from '../features/spec';
import { defectFactors, findBearing, type DefectFactors } from '../analysis/bearings';
import { defaultEnvelopeOptions, type EnvelopeMethod } from '../analysis/envelope';
import { analyseEnvelope, type EnvelopeAnalysis } from '../analysis/envelopeAnalysis';
import { rpmInText, type Marker } from '../analysis/markers';
import { summaryBuckets, type Bucketed } from '../dataset/summaryBuckets';
import { msg, MsgError, type Msg } from '../i18n/msg';

export const ISO_LIMITS_MM_S = { A: 1.4, B: 2.8, C: 4.5 } as const;
export type IsoZone = 'A' | 'B' | 'C' | 'D';
export function zoneOf(mmS: number): IsoZone | null {
  if (!Number.isFinite(mmS) || mmS < 0) return null;
  return mmS <= ISO_LIMITS_MM_S.A ? 'A' : mmS <= ISO_LIMITS_MM_S.B ? 'B' : mmS <= ISO_LIMITS_MM_S.C ? 'C' : 'D';
}

export class ReportError extends MsgError {
  override name = 'ReportError';
}

type Row = Record<string, unknown>;
/** The bundle's tables by name (models/dataset/bundle.ts decodeBundle), or the same rows from the database. */
export type ReportTables = Map<string, Row[]>;

export interface ReportOptions {
  /** Asset name or id. */
  asset: string;
  fromMs: number;
  toMs: number;
  generatedMs: number;
  site?: string;
  recommendations?: string;
  technician?: string;
  /**
   * The envelope as on the app's envelope view: the band chosen from each snapshot unless `bandHz`
   * is given, the low-pass (default: as the view's, 500 Hz at 12–48 kHz).
   */
  envelope?: { bandHz?: [number, number] | null; lowPassHz?: number };
}

export interface Point {
  tMs: number;
  v: number;
  /** 0: one window; 1000 or 60000: the mean of a per-second or per-minute summary bucket starting at tMs. */
  lenMs?: number;
  /** Windows the point stands for (1 for a window). */
  n?: number;
}

/** A stretch of the trend drawn from summaries: the retention policy compacted its windows. */
export interface SummarisedStretch {
  fromMs: number;
  toMs: number;
  /** 1000: per-second means; 60000: per-minute means. */
  lenMs: number;
}

/** The envelope view of an event's raw snapshot (models/analysis/envelopeAnalysis.ts, as the app's envelope view). */
export interface ReportEnvelope {
  snapshotId: string;
  startMs: number;
  sampleRateHz: number;
  /** Samples of the channel analysed (the first). */
  count: number;
  channel: string;
  binHz: number;
  amplitude: Float64Array;
  samplesUsed: number;
  segments: number;
  segmentLen: number;
  bandHz: [number, number];
  bandChosen: boolean;
  chosenSnrDb: number | null;
  lowPassHz: number;
  method: EnvelopeMethod;
  /** Hz; 0 unknown. Where it comes from: the node's own measurement in the recording, the machine on the Fleet page, the recording's name. */
  shaftHz: number;
  speedFrom: 'node' | 'fleet' | 'name' | null;
  /** The bearing whose defect frequencies are marked; null: none known (shaft markers only). */
  bearing: { id: string | null; words: Msg | null; from: 'fleet' | 'cwru' } | null;
  markers: Marker[];
  fromHz: number;
  peak: EnvelopeAnalysis['peak'];
  defectLines: EnvelopeAnalysis['defectLines'];
}
export interface SpectrumCurve {
  kind: 'baseline' | 'moment';
  tMs: number;
  /** dB per band (10 log10 of the band energy). */
  db: number[];
}
export interface ReportEvent {
  id: string;
  nodeId: string;
  kind: string;
  startMs: number;
  endMs: number;
  score: number | null;
  message: string;
  labels: { label: LabelKind; notes: string; author: string; startMs: number; endMs: number }[];
  envelope: ReportEnvelope | null;
  /** Why the snapshot has no envelope (too short), in English; null when it has one or there is no snapshot. */
  envelopeProblem: string | null;
}
export interface ReportModel {
  asset: { id: string; name: string; location: string };
  site: string;
  nodes: { id: string; name: string }[];
  fromMs: number;
  toMs: number;
  generatedMs: number;
  windows: number;
  velocity: Point[];
  /** Stretches of `velocity` drawn from per-second or per-minute summaries, in time order. */
  summarised: SummarisedStretch[];
  latestMmS: number | null;
  zone: IsoZone | null;
  trend: 'rising' | 'falling' | 'steady' | 'unknown';
  condition: 'good' | 'watch' | 'alert' | 'unknown';
  openEvents: number;
  bandCentersHz: number[];
  spectra: SpectrumCurve[];
  events: ReportEvent[];
  models: { id: string; name: string; version: string; createdMs: number; nodeId: string | null }[];
  deployments: { id: string; modelId: string; nodeId: string; status: string; message: string; createdMs: number }[];
  recommendations: string;
  technician: string;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const num = (v: unknown): number => (typeof v === 'number' ? v : NaN);
const overlaps = (s: number, e: number, from: number, to: number) => s <= to && (Number.isFinite(e) && e > 0 ? e : s) >= from;

/** At most `max` points: each bucket keeps its largest value (a peak must survive on paper). */
export function decimate(points: Point[], max: number): Point[] {
  if (points.length <= max) return points;
  const out: Point[] = [];
  const step = points.length / max;
  for (let b = 0; b < max; b++) {
    let best = points[Math.floor(b * step)];
    for (let i = Math.floor(b * step); i < Math.floor((b + 1) * step); i++) if (points[i].v > best.v) best = points[i];
    out.push(best);
  }
  return out;
}

export function buildReport(tables: ReportTables, o: ReportOptions): ReportModel {
  if (!(o.toMs > o.fromMs)) throw new ReportError(msg('problems.report.period'));
  const get = (t: string) => tables.get(t) ?? [];
  const assets = get('assets');
  const asset = assets.find((a) => a.name === o.asset) ?? assets.find((a) => a.id === o.asset);
  if (!asset) {
    const names = assets.map((a) => `"${str(a.name)}"`).join(', ');
    throw new ReportError(names ? msg('problems.report.noAsset', { asset: o.asset, names }) : msg('problems.report.noAssets', { asset: o.asset }));
  }
  const assetId = str(asset.id);
  const nodes = get('nodes').filter((n) => n.assetId === assetId);
  const nodeIds = new Set(nodes.map((n) => str(n.id)));
  const sessions = get('sessions').filter((s) => (s.assetId === assetId || nodeIds.has(str(s.nodeId))) && overlaps(num(s.startMs), num(s.endMs), o.fromMs, o.toMs));
  for (const s of sessions) nodeIds.add(str(s.nodeId));
  const sessionById = new Map(sessions.map((s) => [str(s.id), s]));

  // Velocity RMS (axis 0) and band energies of every window in the period, in time order.
  const velocity: Point[] = [];
  const bandRows: { tMs: number; bands: Float64Array }[] = [];
  let bandCount = 0;
  let bandCentersHz: number[] = [];
  const chunks = get('featureChunks').filter((c) => sessionById.has(str(c.sessionId)));
  chunks.sort((a, b) => num(a.startMs) - num(b.startMs));
  for (const c of chunks) {
    const s = sessionById.get(str(c.sessionId))!;
    const layout = s.layout as FeatureLayout;
    const count = num(c.count);
    const values = c.values as Float32Array;
    const bands = c.bands as Float32Array | null;
    const off = c.tUsOffset as Uint32Array;
    const vcol = columnIndex(layout, 'velocityRmsMmS', 0);
    if (bands && layout.bandCount > 0 && bandCentersHz.length === 0) {
      bandCount = layout.bandCount;
      const spec = defaultFeatureSpec(num(s.sampleRateHz), num(s.windowLen), num(s.hop), bandCount);
      const e = spec.bandEdges;
      bandCentersHz = Array.from({ length: bandCount }, (_, b) => (Math.sqrt(e[b] * Math.max(e[b], e[b + 1] - 1)) * spec.sampleRateHz) / spec.segmentLen);
    }
    for (let i = 0; i < count; i++) {
      const tMs = num(s.t0Ms) + (num(c.chunkIndex) * CHUNK_US + off[i]) / 1000;
      if (tMs < o.fromMs || tMs > o.toMs) continue;
      if (vcol >= 0) velocity.push({ tMs, v: values[vcol * count + i] });
      if (bands && layout.bandCount === bandCount && bandCount > 0) {
        const row = new Float64Array(bandCount);
        for (let b = 0; b < bandCount; b++) row[b] = 10 * bands[b * count + i];
        bandRows.push({ tMs, bands: row });
      }
    }
  }
  // Where the retention policy compacted the windows away: the per-second summaries, else the
  // per-minute ones (the rows the trends read), for every minute with no feature chunk.
  const withWindows = new Set(chunks.map((c) => `${str(c.sessionId)}:${num(c.chunkIndex)}`));
  const ofPeriod = (t: string) => get(t).filter((r) => sessionById.has(str(r.sessionId)));
  const buckets = summaryBuckets(
    ofPeriod('featureSummaries') as unknown as (Bucketed & { chunkIndex: number })[],
    ofPeriod('featureMinutes') as unknown as (Bucketed & { hourIndex: number })[],
    withWindows,
  );
  for (const b of buckets) {
    const lenMs = b.s * 1000;
    if (b.t + lenMs <= o.fromMs || b.t > o.toMs) continue;
    const s = sessionById.get(b.r.sessionId)!;
    const vcol = columnIndex(s.layout as FeatureLayout, 'velocityRmsMmS', 0);
    const v = vcol >= 0 ? b.r.mean[vcol * b.r.buckets + b.k] : NaN;
    const n = b.r.windows[b.k];
    if (Number.isFinite(v) && n > 0) velocity.push({ tMs: b.t, v, lenMs, n });
  }
  velocity.sort((a, b) => a.tMs - b.tMs);
  bandRows.sort((a, b) => a.tMs - b.tMs);
  const summarised = summarisedStretches(velocity);

  const windowsOf = (p: Point) => p.n ?? 1;
  const total = velocity.reduce((sum, p) => sum + windowsOf(p), 0);
  // The mean of the last 5% of the windows (a summary bucket counts for the windows it holds).
  let tailN = 0;
  let tailSum = 0;
  for (let i = velocity.length - 1; i >= 0 && tailN < Math.max(1, Math.ceil(total * 0.05)); i--) {
    tailN += windowsOf(velocity[i]);
    tailSum += velocity[i].v * windowsOf(velocity[i]);
  }
  const latestMmS = velocity.length ? tailSum / tailN : null;
  const zone = latestMmS === null ? null : zoneOf(latestMmS);
  const trend = trendOf(velocity);

  const labels = get('labels').filter((l) => l.deletedMs === null || l.deletedMs === undefined);
  const snapshots = get('rawSnapshots');
  const events: ReportEvent[] = get('events')
    .filter((e) => nodeIds.has(str(e.nodeId)) && overlaps(num(e.startMs), num(e.endMs), o.fromMs, o.toMs))
    .sort((a, b) => num(a.startMs) - num(b.startMs))
    .map((e) => {
      const id = str(e.id);
      const startMs = num(e.startMs);
      const endMs = Number.isFinite(num(e.endMs)) && num(e.endMs) > 0 ? num(e.endMs) : startMs;
      const own = labels.filter((l) => l.eventId === id || (l.eventId == null && l.nodeId === e.nodeId && overlaps(num(l.startMs), num(l.endMs), startMs, endMs)));
      const snap = snapshots.find((r) => r.eventId === id) ?? snapshots.find((r) => r.nodeId === e.nodeId && Math.abs(num(r.startMs) - startMs) <= 60_000);
      let envelope: ReportEvent['envelope'] = null;
      let envelopeProblem: string | null = null;
      if (snap) {
        try {
          envelope = snapshotEnvelope(snap, tables, o);
        } catch (err) {
          envelopeProblem = (err as Error).message;
        }
      }
      return {
        id,
        nodeId: str(e.nodeId),
        kind: str(e.kind),
        startMs,
        endMs,
        score: typeof e.score === 'number' ? e.score : null,
        message: str(e.message),
        labels: own.filter((l) => isLabelKind(l.label)).map((l) => ({ label: l.label as LabelKind, notes: str(l.notes), author: str(l.author), startMs: num(l.startMs), endMs: num(l.endMs) })),
        envelope,
        envelopeProblem,
      };
    });
  // An event is open until a technician has labelled it.
  const openEvents = events.filter((e) => e.labels.length === 0).length;

  const spectra: SpectrumCurve[] = [];
  if (bandRows.length) {
    const nBase = Math.max(1, Math.ceil(bandRows.length * 0.1));
    const base = new Array<number>(bandCount).fill(0);
    for (let i = 0; i < nBase; i++) for (let b = 0; b < bandCount; b++) base[b] += bandRows[i].bands[b] / nBase;
    spectra.push({ kind: 'baseline', tMs: bandRows[0].tMs, db: base });
    const moments = [...events.slice(0, 2).map((e) => e.startMs), bandRows[bandRows.length - 1].tMs];
    for (const m of moments) {
      let best = bandRows[0];
      for (const r of bandRows) if (Math.abs(r.tMs - m) < Math.abs(best.tMs - m)) best = r;
      // Moments closer than a minute would print the same time: keep the first.
      if (!spectra.some((s) => s.kind === 'moment' && Math.abs(s.tMs - best.tMs) < 60_000)) spectra.push({ kind: 'moment', tMs: best.tMs, db: Array.from(best.bands) });
    }
  }

  const deployments = get('deployments')
    .filter((d) => nodeIds.has(str(d.nodeId)))
    .map((d) => ({ id: str(d.id), modelId: str(d.modelId), nodeId: str(d.nodeId), status: str(d.status), message: str(d.message), createdMs: num(d.createdMs) }))
    .sort((a, b) => a.createdMs - b.createdMs);
  const deployed = new Set(deployments.map((d) => d.modelId));
  const models = get('models')
    .filter((m) => nodeIds.has(str(m.nodeId)) || deployed.has(str(m.id)))
    .map((m) => {
      const meta = (m.meta ?? {}) as Row;
      return { id: str(m.id), name: str(m.name), version: String(meta.modelVersion ?? meta.version ?? '—'), createdMs: num(m.createdMs), nodeId: typeof m.nodeId === 'string' ? m.nodeId : null };
    });

  const condition: ReportModel['condition'] =
    zone === null ? 'unknown' : zone === 'D' ? 'alert' : zone === 'C' || openEvents > 0 || trend === 'rising' ? 'watch' : 'good';
  return {
    asset: { id: assetId, name: str(asset.name), location: str(asset.location) },
    site: o.site ?? str(asset.location),
    nodes: [...nodeIds].map((id) => ({ id, name: str(get('nodes').find((n) => n.id === id)?.name) || id })),
    fromMs: o.fromMs,
    toMs: o.toMs,
    generatedMs: o.generatedMs,
    windows: total || bandRows.length,
    velocity,
    summarised,
    latestMmS,
    zone,
    trend,
    condition,
    openEvents,
    bandCentersHz,
    spectra,
    events,
    models,
    deployments,
    recommendations: o.recommendations ?? '',
    technician: o.technician ?? '',
  };
}

/**
 * Least-squares slope over the period, as a change relative to the mean: ±10% or more is a trend.
 * A summary bucket weighs as the windows it holds.
 */
function trendOf(p: Point[]): ReportModel['trend'] {
  let n = 0;
  for (const q of p) n += q.n ?? 1;
  if (n < 10 || p.length < 2) return 'unknown';
  let st = 0, sv = 0;
  for (const q of p) {
    const w = q.n ?? 1;
    st += w * q.tMs;
    sv += w * q.v;
  }
  const mt = st / n, mv = sv / n;
  let num2 = 0, den = 0;
  for (const q of p) {
    const w = q.n ?? 1;
    num2 += w * (q.tMs - mt) * (q.v - mv);
    den += w * (q.tMs - mt) ** 2;
  }
  if (den === 0 || mv <= 0) return 'unknown';
  const change = ((num2 / den) * (p[p.length - 1].tMs - p[0].tMs)) / mv;
  return change > 0.1 ? 'rising' : change < -0.1 ? 'falling' : 'steady';
}

/** The runs of points from summaries of one length (a run goes on across a missing bucket or two). */
export function summarisedStretches(p: readonly Point[]): SummarisedStretch[] {
  const out: SummarisedStretch[] = [];
  for (const q of p) {
    const len = q.lenMs ?? 0;
    if (len <= 0) continue;
    const last = out[out.length - 1];
    if (last && last.lenMs === len && q.tMs <= last.toMs + Math.max(len, 1000)) last.toMs = Math.max(last.toMs, q.tMs + len);
    else out.push({ fromMs: q.tMs, toMs: q.tMs + len, lenMs: len });
  }
  return out;
}

/** The median of the positive values (0 when none). */
function medianPositive(xs: number[]): number {
  const s = xs.filter((v) => v > 0).sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
}

/**
 * The envelope of a snapshot's first channel, as the app's envelope view computes it
 * (analyseEnvelope), at the speed and with the bearing the report can know: the speed the node
 * measured in the snapshot's recording, else the machine's speed on the Fleet page, else a speed
 * written in the recording's name ("…_1797rpm_…"); the bearing of the machine on the Fleet page,
 * else the CWRU test rig's drive-end bearing (SKF 6205-2RS) for a CWRU recording, as the view
 * starts with; else none (shaft markers only).
 */
function snapshotEnvelope(snap: Row, tables: ReportTables, o: ReportOptions): ReportEnvelope {
  const get = (t: string) => tables.get(t) ?? [];
  const fs = num(snap.sampleRateHz);
  const count = num(snap.count);
  const samples = (snap.samples as Float32Array).subarray(0, count);
  const session = get('sessions').find((s) => s.id === snap.sessionId);
  const source = (session?.source ?? null) as { fileName?: string; settings?: { format?: string } } | null;
  // The machine the node is placed on in the Fleet tree (the app's database; bundles carry no tree).
  const point = get('fleetItems').find((f) => f.kind === 'point' && f.nodeId === snap.nodeId);
  const machineRow = point ? get('fleetItems').find((f) => f.id === point.parentId) : undefined;
  const machine = (machineRow?.machine ?? null) as { shaftHz?: number; bearing?: { kind: 'table'; id: string } | { kind: 'geometry'; balls: number; ballDiameter: number; pitchDiameter: number; contactAngleDeg: number } | null } | null;

  const recorded = medianPositive(
    get('featureChunks')
      .filter((c) => c.sessionId === snap.sessionId)
      .slice(0, 20)
      .flatMap((c) => Array.from(c.shaftHz as Float32Array)),
  );
  const named = rpmInText(`${str(session?.name)} ${source?.fileName ?? ''}`);
  let shaftHz = 0;
  let speedFrom: ReportEnvelope['speedFrom'] = null;
  if (recorded > 0) [shaftHz, speedFrom] = [recorded, 'node'];
  else if (machine && (machine.shaftHz ?? 0) > 0) [shaftHz, speedFrom] = [machine.shaftHz!, 'fleet'];
  else if (named) [shaftHz, speedFrom] = [named / 60, 'name'];

  let factors: DefectFactors | null = null;
  let bearing: ReportEnvelope['bearing'] = null;
  const b = machine?.bearing ?? null;
  if (b?.kind === 'table' && findBearing(b.id)) {
    const entry = findBearing(b.id)!;
    factors = entry.factors;
    bearing = { id: entry.id, words: entry.words, from: 'fleet' };
  } else if (b?.kind === 'geometry') {
    factors = defectFactors(b);
    bearing = { id: null, words: null, from: 'fleet' };
  } else if (source?.settings?.format === 'cwru') {
    const entry = findBearing('skf-6205-2rs')!;
    factors = entry.factors;
    bearing = { id: entry.id, words: entry.words, from: 'cwru' };
  }

  const defaults = defaultEnvelopeOptions(fs);
  const lowPassHz = o.envelope?.lowPassHz ?? defaults.lowPassHz;
  const method = defaults.method ?? 'hilbert';
  const a = analyseEnvelope(samples, fs, { lowPassHz, method, bandHz: o.envelope?.bandHz ?? null, shaftHz, factors });
  const channels = (session?.channels ?? []) as string[];
  return {
    snapshotId: str(snap.id),
    startMs: num(snap.startMs),
    sampleRateHz: fs,
    count,
    channel: channels[0] ?? '',
    binHz: a.spectrum.binHz,
    amplitude: a.spectrum.amplitude,
    samplesUsed: a.spectrum.samplesUsed,
    segments: a.spectrum.segments,
    segmentLen: a.segmentLen,
    bandHz: a.bandHz,
    bandChosen: a.bandChosen,
    chosenSnrDb: a.chosenSnrDb,
    lowPassHz,
    method,
    shaftHz,
    speedFrom,
    bearing,
    markers: a.markers,
    fromHz: a.fromHz,
    peak: a.peak,
    defectLines: a.defectLines,
  };
}
