/**
 * Training from what the technician recorded and labelled: the windows the app stored (feature
 * chunks with the node's log band energies, docs/storage.md) and the labelled ranges decide the
 * classes.
 *
 *   - a window fully inside a fault label (any label but "normal" and "false alarm") belongs to that
 *     fault class: evaluated only, never trained on;
 *   - a window fully inside a "normal" or "false alarm" range is normal (a false alarm is the
 *     machine running normally while a detector complained);
 *   - any other window (unlabelled, or only partly inside a range) is normal only when the
 *     technician says unlabelled time counts as normal, else left out; a window that touches a
 *     fault range without lying inside it is always left out, so a fault's edge never trains.
 *
 * Consecutive windows of one session and one class form a run. Each normal run is split in time as
 * a recording is (models/train/dataset.ts: train, then validation, then the held-out end), so no
 * window of the evaluation overlaps a training window; fault runs are kept whole for evaluation.
 *
 * Every session in the chosen span must have been recorded under the feature spec the model is for
 * (sample rate, axes, window, hop, bands): a model trained on windows of another spec would read
 * numbers that mean something else, so such data is refused, in words, rather than mixed in.
 */
import { inEnglish, msg, numOf, type Msg } from '../i18n/msg';
import { defaultFeatureSpec, type FeatureSpec } from '../features/spec';
import type { DataSource } from '../nn/appSection';
import { NORMAL_LABEL, splitSources, type PreparedData, type SplitFractions, type WindowSet } from './dataset';

/** What a stored session says about how its features were computed. */
export interface StoredSpec {
  sampleRateHz: number;
  channels: string[];
  windowLen: number;
  hop: number;
  /** Log band energies per axis (0: recorded without them, nothing to train on). */
  bandCount: number;
}

export interface StoredSession extends StoredSpec {
  id: string;
  nodeId: string;
  name: string;
  /** Wall clock at node time 0: a window's time is t0Ms + tUs / 1000 (its last sample). */
  t0Ms: number;
  startMs: number;
  endMs: number;
  /** Scalar fields per axis (the chunk's `values` columns), to find each axis' RMS. */
  fields: readonly string[];
}

export interface StoredChunk {
  sessionId: string;
  chunkIndex: number;
  count: number;
  windowIndex: ArrayLike<number>;
  tUsOffset: ArrayLike<number>;
  /** Column-major scalar columns (axis-major fields). */
  values: ArrayLike<number>;
  /** Column-major: axis a, band b at [(a * bandCount + b) * count, ...), or null. */
  bands: ArrayLike<number> | null;
}

export interface StoredLabel {
  nodeId: string;
  startMs: number;
  endMs: number;
  label: string;
  deletedMs?: number | null;
}

/** The one chunk length of the store (models/dataset/columns.ts CHUNK_US). */
const CHUNK_US = 60_000_000;

export const FALSE_ALARM_LABEL = 'false-alarm';

export function specOfSession(s: StoredSpec): StoredSpec {
  return { sampleRateHz: s.sampleRateHz, channels: [...s.channels], windowLen: s.windowLen, hop: s.hop, bandCount: s.bandCount };
}

/** The model's feature spec for stored windows (the node computes them as models/features does). */
export function featureSpecOf(s: StoredSpec): FeatureSpec {
  return defaultFeatureSpec(s.sampleRateHz, s.windowLen, s.hop, s.bandCount);
}

const khzMsg = (hz: number): Msg => (hz >= 1000 ? msg('verdict.spec.khz', { n: numOf(hz / 1000, 4) }) : msg('verdict.spec.hz', { n: numOf(hz) }));
const axesMsg = (n: number): Msg => msg('verdict.spec.axes', { n: numOf(n) }, n);

/**
 * "48 kHz, 1 axis (DE), windows of 1024 samples every 512, 32 bands per axis", as a key and numbers.
 * Window length and hop are settings the node's page shows as they are ("1024"), not amounts: plain digits.
 */
export function describeSpecMsg(s: StoredSpec): Msg {
  return msg('verdict.spec.text', { rate: khzMsg(s.sampleRateHz), axes: axesMsg(s.channels.length), channels: s.channels.join(', '), windowLen: String(s.windowLen), hop: String(s.hop), bands: numOf(s.bandCount) });
}
/** The same in English. */
export const describeSpec = (s: StoredSpec): string => inEnglish(describeSpecMsg(s));

/** What differs, in words ("recorded at 25.6 kHz, the model is for 48 kHz; ..."), or null when the specs agree. */
export function specDifferenceMsg(want: StoredSpec, got: StoredSpec): Msg[] | null {
  const out: Msg[] = [];
  if (got.bandCount === 0) out.push(msg('verdict.diff.noBands'));
  else if (got.bandCount !== want.bandCount) out.push(msg('verdict.diff.bands', { got: numOf(got.bandCount), want: numOf(want.bandCount) }));
  if (got.sampleRateHz !== want.sampleRateHz) out.push(msg('verdict.diff.rate', { got: khzMsg(got.sampleRateHz), want: khzMsg(want.sampleRateHz) }));
  if (got.channels.length !== want.channels.length) out.push(msg('verdict.diff.axes', { got: axesMsg(got.channels.length), want: numOf(want.channels.length) }));
  if (got.windowLen !== want.windowLen) out.push(msg('verdict.diff.windowLen', { got: String(got.windowLen), want: String(want.windowLen) }));
  if (got.hop !== want.hop) out.push(msg('verdict.diff.hop', { got: String(got.hop), want: String(want.hop) }));
  return out.length ? out : null;
}
/** The same in English, the differences joined with "; ". */
export function specDifference(want: StoredSpec, got: StoredSpec): string | null {
  const d = specDifferenceMsg(want, got);
  return d ? d.map(inEnglish).join('; ') : null;
}

export interface WindowRun {
  /** Unique among the runs: names the session and the run's start. */
  name: string;
  /** 'normal' or a fault label. */
  label: string;
  sessionId: string;
  nodeId: string;
  startMs: number;
  endMs: number;
  /** The model input per window (log band energies, axis-major). */
  rows: Float32Array[];
  /** Largest RMS over the axes (g), the RMS baseline's score. */
  rms: number[];
  windowIndex: number[];
  /** The labelled ranges the run lies in (empty for unlabelled time counted as normal). */
  ranges: DataSource['ranges'];
}

export interface AssembleInput {
  /** The spec the model is for (the chosen node's). */
  spec: StoredSpec;
  sessions: StoredSession[];
  chunks: StoredChunk[];
  labels: StoredLabel[];
  fromMs: number;
  toMs: number;
  unlabelledAsNormal: boolean;
}

export interface Assembled {
  runs: WindowRun[];
  /** Sessions in the span recorded under another spec, each with why, in words. */
  refused: { sessionId: string; name: string; why: string; whyMsg: Msg[] }[];
  /** Windows left out, by reason. */
  leftOut: { unlabelled: number; faultEdge: number; conflicting: number };
}

const isNormalKind = (label: string) => label === NORMAL_LABEL || label === FALSE_ALARM_LABEL;

interface Cover {
  label: string;
  startMs: number;
  endMs: number;
}

/** The class of one window from the labels that overlap it (see the top of this file). */
function classify(w0: number, w1: number, labels: Cover[], unlabelledAsNormal: boolean): { label: string | null; why?: keyof Assembled['leftOut']; ranges: Cover[] } {
  const over = labels.filter((l) => l.startMs < w1 && l.endMs > w0);
  const inside = (l: Cover) => l.startMs <= w0 && l.endMs >= w1;
  const faults = over.filter((l) => !isNormalKind(l.label));
  if (faults.length > 0) {
    if (!faults.every(inside)) return { label: null, why: 'faultEdge', ranges: [] };
    const kinds = new Set(faults.map((l) => l.label));
    if (kinds.size > 1) return { label: null, why: 'conflicting', ranges: [] };
    return { label: faults[0].label, ranges: faults };
  }
  const normal = over.filter((l) => inside(l));
  if (normal.length > 0) return { label: NORMAL_LABEL, ranges: normal };
  if (unlabelledAsNormal) return { label: NORMAL_LABEL, ranges: [] };
  return { label: null, why: 'unlabelled', ranges: [] };
}

/** Turns stored chunks and labels into runs of windows per class (see the top of this file). */
export function assembleRuns(x: AssembleInput): Assembled {
  const refused: Assembled['refused'] = [];
  const leftOut = { unlabelled: 0, faultEdge: 0, conflicting: 0 };
  const runs: WindowRun[] = [];
  const inSpan = x.sessions.filter((s) => s.startMs <= x.toMs && s.endMs >= x.fromMs);
  const chunksOf = new Map<string, StoredChunk[]>();
  for (const c of x.chunks) chunksOf.set(c.sessionId, [...(chunksOf.get(c.sessionId) ?? []), c]);
  for (const s of [...inSpan].sort((a, b) => a.startMs - b.startMs)) {
    const whyMsg = specDifferenceMsg(x.spec, s);
    if (whyMsg) {
      refused.push({ sessionId: s.id, name: s.name, why: whyMsg.map(inEnglish).join('; '), whyMsg });
      continue;
    }
    const labels: Cover[] = x.labels.filter((l) => l.nodeId === s.nodeId && !l.deletedMs).map((l) => ({ label: l.label, startMs: l.startMs, endMs: l.endMs }));
    const axes = s.channels.length;
    const rmsCols = Array.from({ length: axes }, (_, a) => a * s.fields.length + s.fields.indexOf('rms'));
    const windowMs = (s.windowLen / s.sampleRateHz) * 1000;
    const d = axes * s.bandCount;
    const open: { run: WindowRun | null } = { run: null };
    const close = () => {
      if (open.run && open.run.rows.length > 0) runs.push(open.run);
      open.run = null;
    };
    const chunks = (chunksOf.get(s.id) ?? []).sort((a, b) => a.chunkIndex - b.chunkIndex);
    for (const c of chunks) {
      if (!c.bands) continue;
      for (let i = 0; i < c.count; i++) {
        const w1 = s.t0Ms + (c.chunkIndex * CHUNK_US + c.tUsOffset[i]) / 1000;
        const w0 = w1 - windowMs;
        const wi = c.windowIndex[i];
        if (w0 < x.fromMs || w1 > x.toMs) {
          close();
          continue;
        }
        const k = classify(w0, w1, labels, x.unlabelledAsNormal);
        if (k.label === null) {
          leftOut[k.why!]++;
          close();
          continue;
        }
        const r = open.run;
        if (!r || r.label !== k.label || r.windowIndex[r.windowIndex.length - 1] !== wi - 1) {
          close();
          open.run = { name: `${s.name} @ ${new Date(w1).toISOString()}`, label: k.label, sessionId: s.id, nodeId: s.nodeId, startMs: w0, endMs: w1, rows: [], rms: [], windowIndex: [], ranges: [] };
        }
        const cur = open.run!;
        const row = new Float32Array(d);
        for (let j = 0; j < d; j++) row[j] = c.bands[j * c.count + i];
        let rms = 0;
        for (const col of rmsCols) rms = Math.max(rms, col >= 0 ? c.values[col * c.count + i] : 0);
        cur.rows.push(row);
        cur.rms.push(rms);
        cur.windowIndex.push(wi);
        cur.endMs = w1;
        for (const l of k.ranges) {
          const t0 = s.t0Ms;
          if (!cur.ranges!.some((q) => q.startUs === Math.round((l.startMs - t0) * 1000))) cur.ranges!.push({ startUs: Math.round((l.startMs - t0) * 1000), endUs: Math.round((l.endMs - t0) * 1000), label: l.label });
        }
      }
    }
    close();
  }
  return { runs, refused, leftOut };
}

function windowSetOf(run: WindowRun, hop: number): WindowSet {
  const first = run.windowIndex[0];
  return {
    rows: run.rows,
    rms: Float64Array.from(run.rms),
    start: Int32Array.from(run.windowIndex, (w) => (w - first) * hop),
    segment: new Int32Array(run.rows.length),
    sourceIndex: new Int32Array(run.rows.length),
    sources: [run.name],
  };
}

/** Samples a run spans (its first window's first sample to its last window's last). */
export const runSamples = (run: WindowRun, spec: StoredSpec) => (run.windowIndex[run.windowIndex.length - 1] - run.windowIndex[0]) * spec.hop + spec.windowLen;

/** The training and evaluation sets from the runs: normal runs split in time, fault runs whole. */
export function prepareRuns(runs: WindowRun[], spec: StoredSpec, f: SplitFractions = {}): PreparedData {
  return splitSources(
    runs.map((run) => ({ name: run.name, label: run.label, set: windowSetOf(run, spec.hop), sampleCount: runSamples(run, spec) })),
    spec.windowLen,
    f,
  );
}

/** The lineage's recordings for the runs (session id and labelled ranges included). */
export function runsForLineage(runs: WindowRun[], spec: StoredSpec): { name: string; label: string; samples: number; recordingId: string; ranges: DataSource['ranges'] }[] {
  return runs.map((r) => ({ name: r.name, label: r.label, samples: runSamples(r, spec), recordingId: r.sessionId, ranges: r.ranges }));
}

export type Amount = 'enough' | 'little' | 'too little';

export interface ClassAmount {
  label: string;
  use: 'train' | 'evaluate';
  windows: number;
  /** Time the windows cover (windows x hop / sample rate), seconds. */
  seconds: number;
  runs: number;
  amount: Amount;
  /** One sentence for the technician, in English. */
  say: string;
  /** The same as a key and numbers, for a screen in any language. */
  sayMsg: Msg;
}

/** Normal time below which training is refused, and below which its threshold is a guess. */
export const NORMAL_MIN_SECONDS = 1;
export const NORMAL_ENOUGH_SECONDS = 600;
/** Fault time below which it cannot be judged whether the model catches it. */
export const FAULT_MIN_SECONDS = 0.5;
export const FAULT_ENOUGH_SECONDS = 10;

export function durationMsg(s: number): Msg {
  if (s < 60) return msg('verdict.duration.s', { n: numOf(s, 2) });
  if (s < 3600) return msg('verdict.duration.min', { n: numOf(s / 60, 2) });
  return msg('verdict.duration.h', { n: numOf(s / 3600, 3) });
}
export const formatDuration = (s: number): string => inEnglish(durationMsg(s));

/** How much data each class has and whether that is enough, in plain words. */
export function dataAmounts(runs: WindowRun[], spec: StoredSpec): { classes: ClassAmount[]; canTrain: boolean } {
  const by = new Map<string, WindowRun[]>();
  for (const r of runs) by.set(r.label, [...(by.get(r.label) ?? []), r]);
  const classes: ClassAmount[] = [];
  const normal = by.get(NORMAL_LABEL) ?? [];
  const secondsOf = (rs: WindowRun[]) => (rs.reduce((n, r) => n + r.rows.length, 0) * spec.hop) / spec.sampleRateHz;
  {
    const seconds = secondsOf(normal);
    const windows = normal.reduce((n, r) => n + r.rows.length, 0);
    const amount: Amount = seconds < NORMAL_MIN_SECONDS ? 'too little' : seconds < NORMAL_ENOUGH_SECONDS ? 'little' : 'enough';
    const time = durationMsg(seconds);
    const sayMsg =
      amount === 'too little'
        ? msg('verdict.amount.normalTooLittle', { time, min: numOf(NORMAL_MIN_SECONDS) })
        : amount === 'little'
          ? msg('verdict.amount.normalLittle', { time, enough: durationMsg(NORMAL_ENOUGH_SECONDS) })
          : msg('verdict.amount.normalEnough', { time });
    classes.push({ label: NORMAL_LABEL, use: 'train', windows, seconds, runs: normal.length, amount, say: inEnglish(sayMsg), sayMsg });
  }
  for (const [label, rs] of [...by].filter(([l]) => l !== NORMAL_LABEL).sort(([a], [b]) => a.localeCompare(b))) {
    const seconds = secondsOf(rs);
    const windows = rs.reduce((n, r) => n + r.rows.length, 0);
    const amount: Amount = seconds < FAULT_MIN_SECONDS ? 'too little' : seconds < FAULT_ENOUGH_SECONDS ? 'little' : 'enough';
    const p = { time: durationMsg(seconds), periods: msg('verdict.amount.periods', { n: numOf(rs.length) }, rs.length) };
    const sayMsg =
      amount === 'too little' ? msg('verdict.amount.faultTooLittle', p) : amount === 'little' ? msg('verdict.amount.faultLittle', p) : msg('verdict.amount.faultEnough', p);
    classes.push({ label, use: 'evaluate', windows, seconds, runs: rs.length, amount, say: inEnglish(sayMsg), sayMsg });
  }
  return { classes, canTrain: classes[0].amount !== 'too little' };
}
