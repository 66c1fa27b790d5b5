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
import { envelopeSpectrum, type EnvelopeSpectrum } from '../analysis/envelope';
import { msg, MsgError } from '../i18n/msg';

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
  /** Envelope band-pass and low-pass (defaults suit rolling bearings at 12–48 kHz). */
  envelope?: { bandHz: [number, number]; lowPassHz: number };
}

export interface Point {
  tMs: number;
  v: number;
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
  envelope: (EnvelopeSpectrum & { snapshotId: string; bandHz: [number, number]; lowPassHz: number }) | null;
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
  velocity.sort((a, b) => a.tMs - b.tMs);
  bandRows.sort((a, b) => a.tMs - b.tMs);

  const tail = velocity.slice(-Math.max(1, Math.ceil(velocity.length * 0.05)));
  const latestMmS = velocity.length ? tail.reduce((s, p) => s + p.v, 0) / tail.length : null;
  const zone = latestMmS === null ? null : zoneOf(latestMmS);
  const trend = trendOf(velocity);

  const labels = get('labels').filter((l) => l.deletedMs === null || l.deletedMs === undefined);
  const snapshots = get('rawSnapshots');
  const env = o.envelope ?? { bandHz: [2000, 8000] as [number, number], lowPassHz: 500 };
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
      if (snap) {
        const fs = num(snap.sampleRateHz);
        const samples = (snap.samples as Float32Array).subarray(0, num(snap.count));
        const bandHz: [number, number] = [Math.min(env.bandHz[0], fs / 4), Math.min(env.bandHz[1], fs / 2 - 1)];
        envelope = { ...envelopeSpectrum(samples, fs, { bandHz, lowPassHz: env.lowPassHz, maxSamples: 65536 }), snapshotId: str(snap.id), bandHz, lowPassHz: env.lowPassHz };
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
    windows: velocity.length || bandRows.length,
    velocity,
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

/** Least-squares slope over the period, as a change relative to the mean: ±10% or more is a trend. */
function trendOf(p: Point[]): ReportModel['trend'] {
  if (p.length < 10) return 'unknown';
  const n = p.length;
  let st = 0, sv = 0;
  for (const q of p) {
    st += q.tMs;
    sv += q.v;
  }
  const mt = st / n, mv = sv / n;
  let num2 = 0, den = 0;
  for (const q of p) {
    num2 += (q.tMs - mt) * (q.v - mv);
    den += (q.tMs - mt) ** 2;
  }
  if (den === 0 || mv <= 0) return 'unknown';
  const change = ((num2 / den) * (p[n - 1].tMs - p[0].tMs)) / mv;
  return change > 0.1 ? 'rising' : change < -0.1 ? 'falling' : 'steady';
}
