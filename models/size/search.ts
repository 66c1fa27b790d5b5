/**
 * The best model that fits a node (issue 17 point 3, docs/size.md): candidates over layer widths,
 * block magnitude pruning and distillation from a larger teacher autoencoder, each trained,
 * quantized to int8 and measured on the held-out windows; the cost of each (flash, RAM,
 * instructions per window: models/size/cost.ts) against the node's budget; the choice is the
 * candidate inside the budget with the fewest false alarms at the target detection rate, then the
 * smallest blob, then the fewest instructions.
 */
import type { FeatureSpec } from '../features/spec';
import { forwardF64, standardize } from '../nn/float';
import { int8SumsqBatch } from '../nn/int8';
import { writeModelBlob } from '../nn/modelFile';
import type { FloatAutoencoder, Int8Autoencoder } from '../nn/types';
import { bandCountOf } from '../nn/types';
import { rateOver, rocAuc } from '../eval/roc';
import { MEASURED } from '../power/figures';
import type { TrainOptions, TrainResult } from '../train/autoencoder';
import type { PreparedData } from '../train/dataset';
import { quantizeDetector, trainModel, type TrainedDetector } from '../train/pipeline';
import { archName, blobBytesOf, channelsOf, expectedSparseLayers, insnOf, insnStoredOf, macsOf, ramBytesOf, scratchBytesOf, sparseLayersOf, widthsOf } from './cost';
import { pruneBlocks, zeroBlocks, zeroWeightFraction } from './prune';
import { QuantizeError } from '../nn/quantize';

/** A node's budget for its model. */
export interface SizeBudget {
  /** Bytes of the model blob (the node's model slot). */
  flashBytes: number;
  /** Bytes of RAM for the model: run scratch + prepared channel words (cost.ts ramBytesOf). */
  ramBytes: number;
  /** Instructions per window for nn_net_run. */
  insn: number;
  /** The node's fixed channel storage (NODE_NN_CHANNELS_MAX), when known. */
  channelsMax?: number;
  /** Where the figures come from. */
  source: string;
}

/**
 * The STM32F405 node's budget. HELLO/INFO carries no limits (docs/protocol.md §3.1), so it is
 * read from the firmware:
 *  - flash: a model slot is 16,384 bytes (chip/stm32f4/flash_stm32f4.h) less the store's 32-byte
 *    trailer (store/store.h STORE_TRAILER_LEN; ota/transfer.c refuses a larger blob, TOO_LARGE);
 *  - RAM: the node reserves NODE_NN_CHANNELS_MAX = 176 prepared channels (12 bytes each, 2,112) and
 *    checks a new model's self-test in its 6,148-byte window scratch beside the 2,640-byte prepared
 *    candidate (node_model.c), leaving 3,508 bytes of run scratch: 5,620 in all, and at most 176 channels;
 *  - instructions: the window budget of 150,000 (the firmware bench's target, about 5 % duty cycle)
 *    less what the node spends on everything but the model: insn_window_total 144,010 - insn_inference
 *    13,201 = 130,809 (npm run bench -- firmware, 2026-12-06, models/power/figures.ts), so 19,191.
 */
export const NODE_INSN_WINDOW_TARGET = 150_000;
export const NODE_INSN_INFERENCE_MEASURED = 13_201;
export const NODE_BUDGET: SizeBudget = {
  flashBytes: 16_384 - 32,
  ramBytes: 176 * 12 + (6_148 - 2_640),
  insn: NODE_INSN_WINDOW_TARGET - (MEASURED.insnWindowTotal - NODE_INSN_INFERENCE_MEASURED),
  channelsMax: 176,
  source: 'STM32F405 node (model slot, reserved channel and scratch RAM, 150,000 insn per window less the features, firmware bench 2026-12-06)',
};

export class SizeBudgetError extends Error {
  override name = 'SizeBudgetError';
}

/** "flash=16352,ram=5620,insn=19191" (any subset; the rest from `base`). */
export function parseBudget(text: string, base: SizeBudget = NODE_BUDGET): SizeBudget {
  const b: SizeBudget = { ...base, source: 'given' };
  const seen = new Set<string>();
  for (const part of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(flash|ram|insn)=(\d+)$/.exec(part);
    if (!m) throw new SizeBudgetError(`the budget takes flash=BYTES,ram=BYTES,insn=N (whole numbers), not "${part}"`);
    if (seen.has(m[1])) throw new SizeBudgetError(`the budget gives ${m[1]} twice`);
    seen.add(m[1]);
    const v = Number(m[2]);
    if (m[1] === 'flash') b.flashBytes = v;
    else if (m[1] === 'ram') b.ramBytes = v;
    else b.insn = v;
  }
  if (seen.size === 0) throw new SizeBudgetError('the budget takes flash=BYTES,ram=BYTES,insn=N');
  const fromBase = ['flash', 'ram', 'insn'].filter((k) => !seen.has(k));
  b.source = fromBase.length ? `given; ${fromBase.join(', ')} from the ${base.source}` : 'given';
  if (fromBase.length === 0) delete b.channelsMax;
  return b;
}

export interface SizeSearchOptions {
  /** Outer hidden widths (default 16, 24, 32, 48, 64). Multiples of 4 (the SIMD kernel's unit). */
  widths?: number[];
  /** Bottleneck widths (default 4, 8, 16), each below its outer width. */
  bottlenecks?: number[];
  /** Fractions of each layer's 2x4 weight blocks pruned (default 0, 0.25, 0.5). */
  prune?: number[];
  /** Train students on a larger teacher's reconstructions too (default true). */
  distill?: boolean;
  /** The teacher's hidden widths (default 64, 16, 64). */
  teacherHidden?: number[];
  /** The reference model, always trained and listed (default 32, 8, 32: today's 64-32-8-32-64). */
  referenceHidden?: number[];
  /** Epochs per candidate (default 150, early stop after 20 without a better validation loss) and of pruning fine-tunes (default 20). */
  epochs?: number;
  fineTuneEpochs?: number;
  seed?: number;
  /** Target per-window false-alarm rate of each candidate's threshold (default 0.001). */
  targetRate?: number;
  /** The detection rate every fault class must reach for the ranking's false-alarm figure (default 0.99). */
  detectionTarget?: number;
  onProgress?: (message: string) => void;
  /** Called before each training of the search, with how many are done and how many there are in all. */
  onStep?: (step: SizeStep) => void;
  /**
   * Asked before each training and after every epoch: false stops the search, which then throws
   * SizeSearchCancelled (the Training page's cancel; a worker awaits its messages here).
   */
  keepGoing?: () => boolean | Promise<boolean>;
}

/** One training of the search: a candidate from scratch, a pruning fine-tune, the teacher or a distilled student. */
export interface SizeStep {
  kind: 'train' | 'prune' | 'teacher' | 'distil';
  name: string;
  /** Trainings finished before this one. */
  done: number;
  total: number;
}

export class SizeSearchCancelled extends Error {
  override name = 'SizeSearchCancelled';
  constructor() {
    super('the size search was cancelled');
  }
}

export interface SizeCandidate {
  name: string;
  widths: number[];
  /** Requested pruning fraction of weight blocks. */
  prune: number;
  distilled: boolean;
  /** Real packaged blob bytes (writeModelBlob) when trained, else the layout's size (identical). */
  bytes: number;
  ramBytes: number;
  scratchBytes: number;
  channels: number;
  macs: number;
  /**
   * Instructions per window on the node's kernels as the blob stores the model: block-sparse layers
   * skip their pruned blocks (cost.ts, fitted on QEMU measurements; before training, the pruning
   * fraction's expected blocks).
   */
  insn: number;
  /** The same with the block-skipping kernel: since the node's kernel skips, equal to insn once trained (kept for the JSON field insn_if_skipped). */
  insnIfSkipped: number;
  /** Instructions if every layer were stored dense (a node whose firmware predates block-sparse storage). */
  insnDenseStorage: number;
  /** Layers the blob stores block-sparse. */
  sparseLayers: number;
  /** Fraction of int8 weights that are zero, and of 2x4 blocks that are all zero. */
  zeroWeights: number;
  zeroBlocks: number;
  fits: boolean;
  /** The limits it is over. */
  over: string[];
  trained: boolean;
  /** Held-out figures of the int8 model (null when not trained). */
  falseAlarmRate: number | null;
  detectionRateMin: number | null;
  /** Held-out normal windows over the highest threshold at which every fault class reaches the detection target. */
  falseAlarmAtDetection: number | null;
  aucMin: number | null;
  thresholdSumsq: number | null;
  trainSeconds: number;
  /** Why a trained candidate has no int8 model (it could not be quantized for the node), in English. */
  error?: string;
  model?: Int8Autoencoder;
  float?: FloatAutoencoder;
  /** Training and quantization results (for packaging the chosen model, models/train/pipeline.ts). */
  detector?: TrainedDetector;
}

export interface SizeSearchResult {
  budget: SizeBudget;
  candidates: SizeCandidate[];
  /** Index into candidates; the reference model's index. */
  chosen: number;
  reference: number;
  detectionTarget: number;
  targetRate: number;
  epochs: number;
  fineTuneEpochs: number;
  teacher: { widths: number[]; trainSeconds: number } | null;
  seconds: number;
}

/** The candidate architectures (and the reference), with their costs, before any training. */
export function candidateGrid(inputDim: number, bandCount: number, o: Pick<SizeSearchOptions, 'widths' | 'bottlenecks' | 'prune' | 'referenceHidden'> = {}): { hidden: number[]; prune: number }[] {
  const widths = o.widths ?? [16, 24, 32, 48, 64];
  const bottlenecks = o.bottlenecks ?? [4, 8, 16];
  const prunes = o.prune ?? [0, 0.25, 0.5];
  for (const w of [...widths, ...bottlenecks, inputDim]) if (!Number.isInteger(w) || w < 4 || w % 4 !== 0) throw new SizeBudgetError(`layer widths must be multiples of 4 (the int8 kernel's unit), got ${w}`);
  for (const p of prunes) if (!(p >= 0 && p < 1)) throw new SizeBudgetError(`pruning fractions are in [0, 1), got ${p}`);
  void bandCount;
  const out: { hidden: number[]; prune: number }[] = [];
  for (const w of widths) for (const b of bottlenecks) if (b < w) for (const p of prunes) out.push({ hidden: [w, b, w], prune: p });
  const ref = o.referenceHidden ?? [32, 8, 32];
  if (!out.some((c) => c.prune === 0 && c.hidden.join() === ref.join())) out.push({ hidden: ref, prune: 0 });
  return out;
}

/** A candidate's costs with its layers stored as given (stored blocks of the block-sparse ones, docs/model-format.md 2.4.1; none given: dense). */
export function costOf(
  widths: number[],
  bandCount: number,
  budget: SizeBudget,
  storedBlocks: (number | undefined)[] = [],
): Pick<SizeCandidate, 'bytes' | 'ramBytes' | 'scratchBytes' | 'channels' | 'macs' | 'insn' | 'fits' | 'over' | 'sparseLayers'> {
  const bytes = blobBytesOf(widths, bandCount, storedBlocks);
  const ramBytes = ramBytesOf(widths);
  const channels = channelsOf(widths);
  const insn = insnStoredOf(widths, storedBlocks);
  const over: string[] = [];
  if (bytes > budget.flashBytes) over.push('flash');
  if (ramBytes > budget.ramBytes) over.push('ram');
  if (insn > budget.insn) over.push('insn');
  if (budget.channelsMax !== undefined && channels > budget.channelsMax) over.push('channels');
  return { bytes, ramBytes, scratchBytes: scratchBytesOf(widths), channels, macs: macsOf(widths), insn, fits: over.length === 0, over, sparseLayers: storedBlocks.filter((x) => x !== undefined).length };
}

/** Highest integer sumsq threshold at which every class has >= target of its windows over it (score > t). */
export function thresholdForDetection(classes: ArrayLike<number>[], target: number): number {
  let t = Infinity;
  for (const c of classes) {
    const s = Float64Array.from(c).sort();
    if (s.length === 0) continue;
    const k = Math.max(1, Math.ceil(target * s.length - 1e-9));
    t = Math.min(t, s[s.length - k] - 1);
  }
  return t;
}

function measure(int8: Int8Autoencoder, data: PreparedData, detectionTarget: number) {
  const test = int8SumsqBatch(int8, data.testNormal.rows);
  const thr = int8.detector.thresholdSumsq;
  const classes = [...data.anomalies.values()].map((a) => int8SumsqBatch(int8, a.rows));
  const det = classes.map((c) => rateOver(c, thr));
  const auc = classes.map((c) => rocAuc(test, c));
  const tDet = thresholdForDetection(classes, detectionTarget);
  return {
    falseAlarmRate: rateOver(test, thr),
    detectionRateMin: det.length ? Math.min(...det) : null,
    aucMin: auc.length ? Math.min(...auc) : null,
    falseAlarmAtDetection: classes.length ? rateOver(test, tDet) : null,
  };
}

/** The teacher's reconstructions of rows, in feature units (the distillation targets). */
function reconstruct(teacher: FloatAutoencoder, rows: Float32Array[]): Float32Array[] {
  const z = new Float64Array(teacher.mean.length);
  return rows.map((r) => {
    const y = forwardF64(teacher, standardize(teacher, r, z));
    return Float32Array.from(y, (v, i) => teacher.mean[i] + v * teacher.std[i]);
  });
}

/** Ranking inside the budget: fewest false alarms at the detection target (else at the threshold), then bytes, then instructions. */
export function rankKey(c: SizeCandidate): [number, number, number] {
  const fa = c.falseAlarmAtDetection ?? c.falseAlarmRate ?? Infinity;
  return [fa, c.bytes, c.insn];
}

export function chooseCandidate(cands: SizeCandidate[]): number {
  let best = -1;
  for (let i = 0; i < cands.length; i++) {
    const c = cands[i];
    if (!c.fits || !c.trained) continue;
    if (best < 0) {
      best = i;
      continue;
    }
    const a = rankKey(c);
    const b = rankKey(cands[best]);
    if (a[0] < b[0] || (a[0] === b[0] && (a[1] < b[1] || (a[1] === b[1] && a[2] < b[2])))) best = i;
  }
  return best;
}

/**
 * Runs the search on prepared windows (models/train/dataset.ts), on whatever TensorFlow.js backend
 * the caller has set up. Throws SizeBudgetError when no candidate can fit the budget (before any
 * training).
 */
export async function sizeSearch(data: PreparedData, spec: FeatureSpec, axes: number[], budget: SizeBudget, o: SizeSearchOptions = {}): Promise<SizeSearchResult> {
  const t0 = Date.now();
  const D = axes.length * bandCountOf(spec);
  const B = bandCountOf(spec);
  const epochs = o.epochs ?? 150;
  const fineTuneEpochs = o.fineTuneEpochs ?? 20;
  const seed = o.seed ?? 1;
  const targetRate = o.targetRate ?? 0.001;
  const detectionTarget = o.detectionTarget ?? 0.99;
  if (!(detectionTarget > 0 && detectionTarget <= 1)) throw new SizeBudgetError(`the detection target is a fraction in (0, 1], got ${detectionTarget}`);
  const log = o.onProgress ?? (() => {});
  const refHidden = o.referenceHidden ?? [32, 8, 32];
  const grid = candidateGrid(D, B, o);

  const cands: SizeCandidate[] = grid.map(({ hidden, prune }) => {
    const widths = widthsOf(D, hidden);
    return {
      name: `${archName(widths)}${prune ? ` p${Math.round(prune * 100)}` : ''}`,
      widths,
      prune,
      distilled: false,
      ...costOf(widths, B, budget, expectedSparseLayers(widths, prune)),
      insnIfSkipped: NaN,
      insnDenseStorage: insnOf(widths),
      zeroWeights: 0,
      zeroBlocks: 0,
      trained: false,
      falseAlarmRate: null,
      detectionRateMin: null,
      falseAlarmAtDetection: null,
      aucMin: null,
      thresholdSumsq: null,
      trainSeconds: 0,
    };
  });
  if (!cands.some((c) => c.fits)) {
    const smallest = [...cands].sort((a, b) => a.bytes - b.bytes)[0];
    throw new SizeBudgetError(
      `no candidate fits the budget flash=${budget.flashBytes},ram=${budget.ramBytes},insn=${budget.insn}${budget.channelsMax !== undefined ? ` (at most ${budget.channelsMax} channels)` : ''}: ` +
        `the smallest, ${smallest.name}, needs ${smallest.bytes} bytes of flash, ${smallest.ramBytes} of RAM and ${smallest.insn} instructions per window`,
    );
  }

  const keepGoing = o.keepGoing ?? (() => true);
  const base: TrainOptions = { epochs, patience: 20, seed, onEpoch: () => keepGoing() };
  // The plan, so progress can say how many trainings there are in all.
  const denseToTrain = cands.filter((c) => {
    if (c.prune !== 0) return false;
    const isRef = c.widths.slice(1, -1).join() === refHidden.join();
    const prunedFits = cands.some((p) => p.prune !== 0 && p.fits && p.widths.join() === c.widths.join());
    return c.fits || isRef || prunedFits;
  });
  const prunedToTrain = cands.filter((c) => c.prune !== 0 && c.fits);
  const students = o.distill ?? true ? cands.filter((c) => c.prune === 0 && c.fits && c.widths[1] < refHidden[0]) : [];
  const total = denseToTrain.length + prunedToTrain.length + (students.length ? students.length + 1 : 0);
  let done = 0;
  const step = async (kind: SizeStep['kind'], name: string, text: string) => {
    if (!(await keepGoing())) throw new SizeSearchCancelled();
    log(text);
    o.onStep?.({ kind, name, done, total });
    done++;
  };
  const trained = async (opts: TrainOptions): Promise<TrainResult> => {
    const r = await trainModel(data, spec, axes, opts);
    if (r.cancelled) throw new SizeSearchCancelled();
    return r;
  };
  const finish = (c: SizeCandidate, r: TrainResult) => {
    const float = r.model;
    let q: ReturnType<typeof quantizeDetector>;
    try {
      q = quantizeDetector(float, data, { targetRate });
    } catch (e) {
      // A model the node cannot run (format 1 needs every requantization multiplier below 1) is
      // listed with the reason and never chosen; the search goes on.
      if (!(e instanceof QuantizeError)) throw e;
      Object.assign(c, { trained: false, error: e.message, trainSeconds: r.seconds });
      return;
    }
    const blob = writeModelBlob(q.int8);
    const zb = zeroBlocks(q.int8.layers);
    // The real storage: training can only zero more blocks than the pruning fraction did, so the
    // blob is at most the expected size; the budget is checked again on the real figures.
    const stored = sparseLayersOf(q.int8);
    const cost = costOf(c.widths, B, budget, stored);
    Object.assign(c, measure(q.int8, data, detectionTarget), cost, {
      trained: true,
      model: q.int8,
      float,
      thresholdSumsq: q.int8.detector.thresholdSumsq,
      zeroWeights: zeroWeightFraction(q.int8.layers),
      zeroBlocks: zb.total ? zb.zero / zb.total : 0,
      insnIfSkipped: cost.insn,
      trainSeconds: r.seconds,
      detector: { training: r, float, ...q },
    });
    // the blob's real size must be the layout's (costOf decides fits on it)
    if (blob.length !== cost.bytes) throw new Error(`blob size ${blob.length} differs from its layout ${cost.bytes}`);
  };

  // Unpruned architectures that fit (and the reference), trained from scratch.
  const dense = new Map<string, FloatAutoencoder>();
  for (const c of denseToTrain) {
    await step('train', c.name, `training ${c.name}`);
    const r = await trained({ ...base, hidden: c.widths.slice(1, -1) });
    dense.set(c.widths.join(), r.model);
    finish(c, r);
  }
  // Pruned: the dense model pruned in 2x4 blocks, fine-tuned with the mask held.
  for (const c of prunedToTrain) {
    const start = dense.get(c.widths.join());
    if (!start) continue;
    await step('prune', c.name, `pruning ${c.name}`);
    const { model, masks } = pruneBlocks(start, c.prune);
    const r = await trained({ ...base, epochs: fineTuneEpochs, patience: 0, hidden: c.widths.slice(1, -1), init: model, weightMask: masks, learningRate: 3e-4 });
    finish(c, r);
  }
  // Distillation: a larger teacher; students (the unpruned architectures that fit, narrower than
  // the reference) learn its reconstructions instead of their inputs.
  let teacher: SizeSearchResult['teacher'] = null;
  if (students.length) {
    const th = o.teacherHidden ?? [64, 16, 64];
    await step('teacher', archName(widthsOf(D, th)), `training the teacher ${archName(widthsOf(D, th))}`);
    const tr = await trained({ ...base, hidden: th });
    teacher = { widths: widthsOf(D, th), trainSeconds: tr.seconds };
    const targets = { train: reconstruct(tr.model, data.train.rows), val: reconstruct(tr.model, data.val.rows) };
    for (const s of students) {
      const c: SizeCandidate = { ...s, name: `${s.name} distilled`, distilled: true, trained: false, model: undefined, float: undefined, detector: undefined };
      await step('distil', c.name, `distilling ${c.name}`);
      const r = await trained({ ...base, hidden: c.widths.slice(1, -1), targets });
      finish(c, r);
      cands.push(c);
    }
  }
  const reference = cands.findIndex((c) => c.prune === 0 && !c.distilled && c.widths.slice(1, -1).join() === refHidden.join());
  const chosen = chooseCandidate(cands);
  if (chosen < 0) throw new SizeBudgetError('no candidate inside the budget could be trained');
  return { budget, candidates: cands, chosen, reference, detectionTarget, targetRate, epochs, fineTuneEpochs, teacher, seconds: (Date.now() - t0) / 1000 };
}

const r4 = (x: number | null) => (x === null || Number.isNaN(x) ? null : Number(x.toFixed(4)));

/** One candidate as the CLI's JSON row (snake_case, no model). */
export function candidateJson(c: SizeCandidate): Record<string, unknown> {
  return {
    name: c.name,
    architecture: archName(c.widths),
    prune: c.prune,
    distilled: c.distilled,
    bytes: c.bytes,
    ram_bytes: c.ramBytes,
    channels: c.channels,
    insn_inference: c.insn,
    insn_if_skipped: Number.isNaN(c.insnIfSkipped) ? null : c.insnIfSkipped,
    insn_if_stored_dense: c.insnDenseStorage,
    sparse_layers: c.sparseLayers,
    zero_weights: r4(c.zeroWeights),
    zero_blocks: r4(c.zeroBlocks),
    fits: c.fits,
    over: c.over,
    trained: c.trained,
    false_alarm_rate: r4(c.falseAlarmRate),
    detection_rate_min: r4(c.detectionRateMin),
    false_alarm_at_detection: r4(c.falseAlarmAtDetection),
    auc_min: r4(c.aucMin),
    threshold_sumsq: c.thresholdSumsq,
    ...(c.error ? { error: c.error } : {}),
    train_s: Number(c.trainSeconds.toFixed(2)),
  };
}

/** The trade-off table as text lines. */
export function tradeoffTable(r: SizeSearchResult): string[] {
  const pct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);
  const head = `${'model'.padEnd(24)} ${'bytes'.padStart(6)} ${'RAM'.padStart(5)} ${'insn'.padStart(6)} ${'dense*'.padStart(6)} ${`FA@${Math.round(r.detectionTarget * 100)}%det`.padStart(11)} ${'FA@thr'.padStart(7)} ${'det min'.padStart(7)} ${'AUC min'.padStart(7)}  fits`;
  const lines = [head];
  r.candidates.forEach((c, i) => {
    const mark = i === r.chosen ? ' <- chosen' : i === r.reference ? ' (reference)' : '';
    lines.push(
      `${c.name.padEnd(24)} ${String(c.bytes).padStart(6)} ${String(c.ramBytes).padStart(5)} ${String(c.insn).padStart(6)} ${String(c.insnDenseStorage).padStart(6)} ` +
        `${pct(c.falseAlarmAtDetection).padStart(11)} ${pct(c.falseAlarmRate).padStart(7)} ${pct(c.detectionRateMin).padStart(7)} ${(c.aucMin === null ? '—' : c.aucMin.toFixed(4)).padStart(7)}  ${c.fits ? 'yes' : `over ${c.over.join(', ')}`}${c.error ? ` (cannot be made int8: ${c.error})` : c.trained ? '' : ' (not trained)'}${mark}`,
    );
  });
  return lines;
}
