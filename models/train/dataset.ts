/**
 * From labelled recordings to the window sets of training and evaluation.
 *
 * Windows are the node's (models/features: window k covers samples [k*hop, k*hop + windowLen)),
 * and the model input is their log band energies (axis-major). Normal recordings are split in
 * time, never at random: consecutive windows overlap by half, so a random split would put half of
 * every validation window into training and make the validation scores, hence the threshold,
 * optimistic. Per normal recording (by samples):
 *
 *   [0 ............ valCut)[valCut ...... testCut)[testCut ........ end)
 *         train                 validation             held-out test
 *
 * with testCut = floor((1 - testFraction) * N) and valCut = floor((1 - valFraction) * testCut);
 * a window that straddles a cut is dropped. Anomalous recordings are never trained on: all of
 * their windows are evaluation material.
 */
import { extractFeatures } from '../features/windower';
import type { FeatureSpec } from '../features/spec';

export const NORMAL_LABEL = 'normal';

export interface RecordingInput {
  /** File name or recording id (appears in reports). */
  name: string;
  /** 'normal' (or unlabelled treated as normal) trains; any other label is an anomaly class. */
  label: string;
  /** One array per model axis, already in the model's axis order; same length each. */
  channels: Float32Array[];
  /**
   * Sample indices where a new burst starts (FEMTO: one burst of 2560 samples per snapshot).
   * Windows never cross a burst boundary. Omit for one continuous stream.
   */
  segmentStarts?: number[];
}

export interface WindowSet {
  /** Model input per window: logBands of every axis (float32, axis-major). */
  rows: Float32Array[];
  /** Largest mean-removed RMS over the axes (g): the RMS baseline's score. */
  rms: Float64Array;
  /** First sample of each window in its recording. */
  start: Int32Array;
  /** Segment (burst) index of each window (0 for a continuous recording). */
  segment: Int32Array;
  /** Which recording each window came from (index into `sources`). */
  sourceIndex: Int32Array;
  sources: string[];
}

export function emptyWindowSet(): WindowSet {
  return { rows: [], rms: new Float64Array(0), start: new Int32Array(0), segment: new Int32Array(0), sourceIndex: new Int32Array(0), sources: [] };
}

/** Every complete window of a recording, segment by segment. */
export function windowsOf(rec: RecordingInput, spec: FeatureSpec): WindowSet {
  const n = rec.channels[0]?.length ?? 0;
  if (rec.channels.length < 1) throw new RangeError(`${rec.name}: no channel`);
  if (rec.channels.some((c) => c.length !== n)) throw new RangeError(`${rec.name}: channels differ in length`);
  const starts = rec.segmentStarts ?? [0];
  const rows: Float32Array[] = [];
  const rms: number[] = [];
  const start: number[] = [];
  const segment: number[] = [];
  for (let s = 0; s < starts.length; s++) {
    const a = starts[s];
    const b = s + 1 < starts.length ? starts[s + 1] : n;
    if (b - a < spec.windowLen) continue;
    const wins = extractFeatures(
      rec.channels.map((c) => c.subarray(a, b)),
      spec,
    );
    for (const w of wins) {
      rows.push(w.logBands);
      rms.push(Math.max(...w.axes.map((x) => x.rms)));
      start.push(a + w.windowIndex * spec.hop);
      segment.push(s);
    }
  }
  return {
    rows,
    rms: Float64Array.from(rms),
    start: Int32Array.from(start),
    segment: Int32Array.from(segment),
    sourceIndex: new Int32Array(rows.length),
    sources: [rec.name],
  };
}

/** The windows at the given indices (keeps every column). */
export function pick(set: WindowSet, keep: (i: number) => boolean): WindowSet {
  const idx: number[] = [];
  for (let i = 0; i < set.rows.length; i++) if (keep(i)) idx.push(i);
  return {
    rows: idx.map((i) => set.rows[i]),
    rms: Float64Array.from(idx, (i) => set.rms[i]),
    start: Int32Array.from(idx, (i) => set.start[i]),
    segment: Int32Array.from(idx, (i) => set.segment[i]),
    sourceIndex: Int32Array.from(idx, (i) => set.sourceIndex[i]),
    sources: set.sources,
  };
}

export function concatWindowSets(sets: WindowSet[]): WindowSet {
  const sources: string[] = [];
  const sourceIndex: number[] = [];
  for (const s of sets) {
    const base = sources.length;
    sources.push(...s.sources);
    for (const i of s.sourceIndex) sourceIndex.push(base + i);
  }
  const cat = <T extends Float64Array | Int32Array>(ctor: { from(a: number[]): T }, key: 'rms' | 'start' | 'segment') => ctor.from(sets.flatMap((s) => Array.from(s[key])));
  return {
    rows: sets.flatMap((s) => s.rows),
    rms: cat(Float64Array, 'rms'),
    start: cat(Int32Array, 'start'),
    segment: cat(Int32Array, 'segment'),
    sourceIndex: Int32Array.from(sourceIndex),
    sources,
  };
}

export interface SplitFractions {
  /** Fraction of each normal recording (its end) held out for evaluation. Default 0.4. */
  testFraction?: number;
  /** Fraction of the remaining part (its end) used for validation. Default 0.25. */
  valFraction?: number;
}

export interface NormalSplit {
  train: WindowSet;
  val: WindowSet;
  test: WindowSet;
  cuts: { valCut: number; testCut: number; sampleCount: number };
}

/** Splits one normal recording's windows in time (see the top of this file). */
export function splitInTime(set: WindowSet, sampleCount: number, windowLen: number, f: SplitFractions = {}): NormalSplit {
  const testFraction = f.testFraction ?? 0.4;
  const valFraction = f.valFraction ?? 0.25;
  if (!(testFraction >= 0 && testFraction < 1 && valFraction >= 0 && valFraction < 1)) throw new RangeError('split fractions must be in [0, 1)');
  const testCut = Math.floor((1 - testFraction) * sampleCount);
  const valCut = Math.floor((1 - valFraction) * testCut);
  const end = (i: number) => set.start[i] + windowLen;
  return {
    train: pick(set, (i) => end(i) <= valCut),
    val: pick(set, (i) => set.start[i] >= valCut && end(i) <= testCut),
    test: pick(set, (i) => set.start[i] >= testCut),
    cuts: { valCut, testCut, sampleCount },
  };
}

export interface PreparedData {
  train: WindowSet;
  val: WindowSet;
  testNormal: WindowSet;
  /** Every window of each anomaly label. */
  anomalies: Map<string, WindowSet>;
  /** Per normal recording: where it was cut (for lineage and the "held out" notice). */
  normalCuts: { name: string; valCut: number; testCut: number; sampleCount: number }[];
}

/** One recording's (or stored stretch's) windows, its label and its length in samples. */
export interface WindowedSource {
  name: string;
  label: string;
  set: WindowSet;
  sampleCount: number;
}

/** Splits the normal sources in time; anomalies are kept whole for evaluation. */
export function splitSources(sources: WindowedSource[], windowLen: number, f: SplitFractions = {}): PreparedData {
  const train: WindowSet[] = [];
  const val: WindowSet[] = [];
  const test: WindowSet[] = [];
  const anomalies = new Map<string, WindowSet[]>();
  const normalCuts: PreparedData['normalCuts'] = [];
  for (const src of sources) {
    if (src.label === NORMAL_LABEL) {
      const s = splitInTime(src.set, src.sampleCount, windowLen, f);
      train.push(s.train);
      val.push(s.val);
      test.push(s.test);
      normalCuts.push({ name: src.name, ...s.cuts });
    } else {
      const list = anomalies.get(src.label) ?? [];
      list.push(src.set);
      anomalies.set(src.label, list);
    }
  }
  return {
    train: concatWindowSets(train),
    val: concatWindowSets(val),
    testNormal: concatWindowSets(test),
    anomalies: new Map([...anomalies].map(([k, v]) => [k, concatWindowSets(v)])),
    normalCuts,
  };
}

/** Windows all recordings and splits the normal ones; anomalies are kept whole for evaluation. */
export function prepareData(recordings: RecordingInput[], spec: FeatureSpec, f: SplitFractions = {}): PreparedData {
  return splitSources(
    recordings.map((rec) => ({ name: rec.name, label: rec.label, set: windowsOf(rec, spec), sampleCount: rec.channels[0].length })),
    spec.windowLen,
    f,
  );
}
