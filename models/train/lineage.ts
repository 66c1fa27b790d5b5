/**
 * The lineage a model carries (app section, registry): which data, which labels, which
 * parameters, how training went, how the threshold was chosen.
 */
import type { FeatureSpec } from '../features/spec';
import type { DataSource, Lineage } from '../nn/appSection';
import type { PreparedData, SplitFractions } from './dataset';
import type { DetectorOptions, TrainedDetector } from './pipeline';
import { DEFAULT_TRAIN_OPTIONS } from './autoencoder';
import { inEnglish, msg, numOf, type Msg } from '../i18n/msg';

export interface LineageInput {
  tool: string;
  createdAt: string;
  channels: string[];
  spec: FeatureSpec;
  recordings: { name: string; label: string; samples: number; recordingId?: string; ranges?: DataSource['ranges'] }[];
  prepared: PreparedData;
  split: SplitFractions;
  options: DetectorOptions;
  trained: TrainedDetector;
  parentVersion?: number | null;
}

/** "held out the last 40% of each normal recording" in words, one line per recording. */
export function heldOutMsgs(prepared: PreparedData, split: SplitFractions): Msg[] {
  const pct = Math.round((split.testFraction ?? 0.4) * 100);
  const vpct = Math.round((split.valFraction ?? 0.25) * 100);
  // Sample indices are positions, not amounts: plain digits in every language.
  return prepared.normalCuts.map((c) =>
    msg('verdict.heldOut', { name: c.name, valCut: String(c.valCut), testCut: String(c.testCut), end: String(c.sampleCount), valPct: numOf(vpct), testPct: numOf(pct) }),
  );
}
/** The same in English (the CLI's lines and its JSON "held_out"). */
export const heldOutNotice = (prepared: PreparedData, split: SplitFractions): string[] => heldOutMsgs(prepared, split).map(inEnglish);

// Sample indices are positions: plain digits in every language.
const useSplit = (valCut: number, testCut: number, end: number): Msg => msg('verdict.use.split', { valCut: String(valCut), testCut: String(testCut), end: String(end) });

/**
 * What a recording was used for (`DataSource.use`, kept in English in the model file and the
 * registry) as a sentence the app says in its language; null for words it did not write.
 */
export function dataUseMsg(use: string): Msg | null {
  if (use === inEnglish(msg('verdict.use.evalOnly'))) return msg('verdict.use.evalOnly');
  const m = /^train 0\.\.(\d+), validation (\d+)\.\.(\d+), held-out test (\d+)\.\.(\d+) \(samples\)$/.exec(use);
  return m && m[1] === m[2] && m[3] === m[4] ? useSplit(Number(m[1]), Number(m[3]), Number(m[5])) : null;
}

/** The label the app writes in a lineage for a picked file without one, in English in the file; the app says it in its language. */
export const UNLABELLED_LABEL = 'unlabelled (treated as normal)';

export function buildLineage(x: LineageInput): Lineage {
  const windowsBySource = new Map<string, number>();
  const count = (set: PreparedData['train']) => {
    for (const i of set.sourceIndex) windowsBySource.set(set.sources[i], (windowsBySource.get(set.sources[i]) ?? 0) + 1);
  };
  count(x.prepared.train);
  count(x.prepared.val);
  count(x.prepared.testNormal);
  for (const s of x.prepared.anomalies.values()) count(s);
  const cut = new Map(x.prepared.normalCuts.map((c) => [c.name, c]));
  const data: DataSource[] = x.recordings.map((r) => {
    const c = cut.get(r.name);
    return {
      name: r.name,
      label: r.label,
      use: inEnglish(c ? useSplit(c.valCut, c.testCut, c.sampleCount) : msg('verdict.use.evalOnly')),
      sampleRateHz: x.spec.sampleRateHz,
      samples: r.samples,
      windows: windowsBySource.get(r.name) ?? 0,
      ...(r.recordingId ? { recordingId: r.recordingId } : {}),
      ...(r.ranges ? { ranges: r.ranges } : {}),
    };
  });
  const t = x.trained.training;
  const o = x.options;
  return {
    tool: x.tool,
    createdAt: x.createdAt,
    parentVersion: x.parentVersion ?? null,
    channels: x.channels,
    data,
    labels: [...new Set(x.recordings.map((r) => r.label))].sort(),
    params: {
      hidden: o.hidden ?? DEFAULT_TRAIN_OPTIONS.hidden,
      epochs: o.epochs ?? DEFAULT_TRAIN_OPTIONS.epochs,
      batchSize: o.batchSize ?? DEFAULT_TRAIN_OPTIONS.batchSize,
      learningRate: o.learningRate ?? DEFAULT_TRAIN_OPTIONS.learningRate,
      l2: o.l2 ?? DEFAULT_TRAIN_OPTIONS.l2,
      patience: o.patience ?? DEFAULT_TRAIN_OPTIONS.patience,
      seed: o.seed ?? DEFAULT_TRAIN_OPTIONS.seed,
      minStd: o.minStd ?? DEFAULT_TRAIN_OPTIONS.minStd,
      inputHeadroom: o.inputHeadroom ?? 2,
      testFraction: x.split.testFraction ?? 0.4,
      valFraction: x.split.valFraction ?? 0.25,
      windowLen: x.spec.windowLen,
      hop: x.spec.hop,
      bands: x.spec.bandEdges.length - 1,
    },
    training: {
      epochsRun: t.epochsRun,
      bestEpoch: t.bestEpoch,
      backend: t.backend,
      seconds: t.seconds,
      loss: t.history.loss[t.bestEpoch - 1] ?? t.history.loss.at(-1) ?? NaN,
      valLoss: t.history.valLoss[t.bestEpoch - 1] ?? null,
      stoppedEarly: t.stoppedEarly,
    },
    threshold: {
      targetRate: o.targetRate ?? 0.001,
      k: x.trained.int8.detector.debounceK,
      n: x.trained.int8.detector.debounceN,
      source: `validation windows (${x.prepared.val.rows.length}): max(log-normal ${((1 - (o.targetRate ?? 0.001)) * 100).toFixed(1)}% quantile, largest validation score)`,
    },
    notes: heldOutNotice(x.prepared, x.split),
  };
}
