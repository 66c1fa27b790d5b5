/**
 * Model lab benchmark (docs/tflite.md): does a Vigil model run bit-exact in TensorFlow Lite and
 * TensorFlow Lite Micro?
 *
 * The demo's default model (trained by Vigil's trainer, scripts/gen-default-model.ts) is exported
 * to .tflite in both rounding modes and every window of the shared CWRU recordings (both
 * accelerometers at 48 kHz; the model saw 1 s of the normal one) runs through the LiteRT
 * interpreter (ai_edge_litert from PyPI, reference kernels) and the node's int8 inference (the
 * TS twin; the firmware's C code built for the host checks the twin on the same windows).
 * Without ../shared/data the held-out demo windows are used. Without LiteRT the LiteRT figures are
 * null and the reason is printed.
 *
 *   tflite_bitexact          fraction of windows whose LiteRT output equals the node's, single rounding (target 1.0)
 *   tflite_bitexact_double   the same for the classic double rounding (the node's arithmetic before the flag)
 *   tflite_bitexact_optimized  single rounding in LiteRT's optimized (non-reference) kernels
 *   tflm_bitexact            double rounding in TensorFlow Lite Micro's reference kernels (the tflite-micro wheel;
 *                            TFLM builds without TFLITE_SINGLE_ROUNDING, like CMSIS-NN) (target 1.0)
 *   tflm_bitexact_single     single rounding in TFLM
 *   rounding_sumsq_differs   fraction of windows whose node score (sumsq) differs between the two modes
 *   c_twin_bitexact          fraction of windows where the C code equals the TS twin (both modes)
 *
 * The Edge-Impulse-style k-means baseline (models/eval/kmeans.ts, docs/training.md) on the shared
 * CWRU set, with the split and channel of `npm run bench -- training` (null, with a note, without
 * ../shared/data):
 *   kmeans_false_alarm_rate     fraction of held-out normal windows over its validation threshold
 *   kmeans_detection_rate_min   the smallest fraction of a fault file's windows over it
 *   kmeans_auc_min              the smallest ROC AUC over the fault files
 *   kmeans_clusters, kmeans_fit_s  clusters kept and seconds to fit them
 *
 * The size search (models/size/search.ts, docs/size.md) on the shared CWRU set, both accelerometers
 * (64 inputs, so the reference is today's 64-32-8-32-64), for the STM32F405 node's default budget
 * (null, with a note, without ../shared/data):
 *   size_search_s                      seconds for the whole search (training every candidate in the budget)
 *   size_chosen_arch, size_chosen_bytes, size_chosen_insn_inference, size_chosen_false_alarm_rate,
 *   size_chosen_detection_rate_min, size_chosen_false_alarm_at_detection   the chosen model
 *   size_default_*                     the same for the unpruned 64-32-8-32-64 trained in the same search
 *   size_candidates, size_candidates_trained   rows in the trade-off table, and how many were trained
 *   size_chosen_insn_measured, size_default_insn_measured  nn_net_run of those int8 models in QEMU (icount)
 *   size_insn_model_max_err            largest |modelled - measured| / measured over the measured models
 *                                      (the pruned ones too: block-sparse layers skip their pruned blocks)
 *   size_chosen_sparse_layers          layers of the chosen blob stored block-sparse (docs/model-format.md 2.4.1)
 *   size_chosen_insn_if_stored_dense   the chosen model's instructions were every layer stored dense
 *
 * The same search where quality can separate the candidates (sizeSearchHarder; null, with a note,
 * without ../shared/data/uestc or femto), for the node's default budget, each set SET in
 * uestc (held out in time), uestc_unseen (held out in speed) and femto (run to failure):
 *   size_SET_chosen_arch, _bytes, _insn_inference, _false_alarm_rate, _detection_rate_min,
 *   _false_alarm_at_detection, _auc_min        the chosen model
 *   size_SET_default_*                         the same for today's default architecture (32-8-32 hidden)
 *   size_SET_search_s, size_SET_candidates_trained
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { extractFeatures } from '../models/features/windower';
import { runInt8 } from '../models/nn/int8';
import { readVgmFile, writeModelBlob } from '../models/nn/modelFile';
import { withRounding } from '../models/nn/quantize';
import { exportTflite } from '../models/tflite/export';
import { readCsvColumns } from '../main/cli/csvColumns';
import { chooseChannels, loadRecordings } from '../main/cli/data';
import { readManifest } from '../main/cli/manifest';
import { parseManifestText } from '../models/dataset/manifest';
import { defaultFeatureSpec } from '../models/features/spec';
import { fitKMeans } from '../models/eval/kmeans';
import { evaluate, KMEANS_K, KMEANS_SEED, summarize } from '../models/eval/report';
import { concatWindowSets, pick, prepareData, splitSources, windowsOf as windowSetOf, type PreparedData } from '../models/train/dataset';
import { insnStoredOf, sparseLayersOf } from '../models/size/cost';
import { NODE_BUDGET, sizeSearch, tradeoffTable, type SizeCandidate } from '../models/size/search';
import type { FeatureSpec } from '../models/features/spec';
import { writeModelBlob as blobOf } from '../models/nn/modelFile';
import { useNodeBackend } from '../main/cli/tfBackend';
import { measureInsn } from './nnsize';
import { findLiteRt, findTflm, runLiteRt } from '../test/helpers/litert';
import { buildNnRun, runNodeC } from '../test/helpers/nnHost';
import type { BenchResult } from './run';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED = join(ROOT, '..', 'shared', 'data');
const CWRU = join(SHARED, 'cwru');

const equal = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.from(a).every((v, i) => v === b[i]);

async function windowsOf(spec: Parameters<typeof extractFeatures>[1]): Promise<{ rows: Float32Array[]; source: string }> {
  if (existsSync(join(CWRU, 'manifest.csv'))) {
    const files = parseManifestText('cwru/manifest.csv', readFileSync(join(CWRU, 'manifest.csv'), 'utf8')).rows.map((r) => r.file);
    const rows: Float32Array[] = [];
    for (const f of files) {
      const csv = await readCsvColumns(join(CWRU, f), ['DE_accel', 'FE_accel'], { label: f });
      rows.push(...extractFeatures(csv.columns, spec).map((w) => w.logBands));
    }
    return { rows, source: `../shared/data/cwru (${files.length} recordings)` };
  }
  const demo = (file: string) => {
    const lines = readFileSync(join(ROOT, 'data', 'demo', file), 'utf8').trim().split('\n').slice(1);
    return extractFeatures([0, 1].map((c) => Float32Array.from(lines, (l) => Number(l.split(',')[c]))), spec).map((w) => w.logBands);
  };
  const normal = demo('cwru_normal_0hp_1797rpm_48k_1s.csv');
  return { rows: [...normal.slice(Math.floor(normal.length * 0.75)), ...demo('cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv')], source: 'data/demo held-out windows (no ../shared/data)' };
}

export async function modellabBench(): Promise<BenchResult> {
  const base = readVgmFile(readFileSync(join(ROOT, 'renderer', 'public', 'models', 'default.vgm'))).model;
  const { rows, source } = await windowsOf(base.spec);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-modellab-'));
  const lr = findLiteRt();
  const notes = [`model: renderer/public/models/default.vgm (64-32-8-32-64); windows: ${rows.length} from ${source}`];
  if (!lr.available) notes.push(`LiteRT figures are null: ${lr.reason}`);
  const nnRun = buildNnRun();
  const figures: BenchResult['figures'] = { windows: rows.length, litert_version: lr.available ? lr.version : null };
  const sumsq: Record<string, number[]> = {};
  let cEqual = 0;
  for (const rounding of ['single', 'double'] as const) {
    const m = withRounding(base, rounding);
    const ts = rows.map((w) => runInt8(m, w));
    sumsq[rounding] = ts.map((t) => t.sumsq);
    const blob = join(dir, `${rounding}.bin`);
    writeFileSync(blob, writeModelBlob(m));
    const c = runNodeC(nnRun, blob, rows);
    cEqual += ts.filter((t, i) => c.sumsq[i] === t.sumsq && equal(c.qOut[i], t.layers[t.layers.length - 1])).length;
    const tflite = join(dir, `${rounding}.tflite`);
    writeFileSync(tflite, exportTflite(m));
    const key = rounding === 'single' ? 'tflite_bitexact' : 'tflite_bitexact_double';
    if (!lr.available) {
      figures[key] = null;
      if (rounding === 'single') figures.tflite_bitexact_optimized = figures.tflm_bitexact_single = null;
      else figures.tflm_bitexact = null;
      continue;
    }
    const qIn = ts.map((t) => t.qIn);
    const fraction = (out: Int8Array[]) => ts.filter((t, i) => equal(out[i], t.layers[t.layers.length - 1])).length / ts.length;
    figures[key] = fraction(runLiteRt(lr, tflite, qIn, 'BUILTIN_REF').outputs);
    if (rounding === 'single') figures.tflite_bitexact_optimized = fraction(runLiteRt(lr, tflite, qIn, 'BUILTIN').outputs);
    const tflm = findTflm(lr);
    const tflmKey = rounding === 'double' ? 'tflm_bitexact' : 'tflm_bitexact_single';
    figures[tflmKey] = tflm.available ? fraction(runLiteRt(lr, tflite, qIn, 'TFLM').outputs) : null;
    if (!tflm.available && rounding === 'double') notes.push(`tflm figures are null: ${tflm.reason}`);
  }
  figures.rounding_sumsq_differs = sumsq.single.filter((s, i) => s !== sumsq.double[i]).length / rows.length;
  figures.c_twin_bitexact = cEqual / (2 * rows.length);
  figures.tflite_bytes = exportTflite(withRounding(base, 'single')).length;
  await kmeansBaseline(figures, notes);
  await sizeSearchFigures(figures, notes);
  await sizeSearchHarder(figures, notes);
  return {
    name: 'modellab',
    figures,
    targets: { tflite_bitexact: '1.0', tflm_bitexact: '1.0', c_twin_bitexact: '1.0' },
    notes,
  };
}

/** The k-means baseline's figures on the shared CWRU set, split as bench/training.ts splits it. */
export async function kmeansBaseline(figures: BenchResult['figures'], notes: string[]): Promise<void> {
  const keys = ['kmeans_false_alarm_rate', 'kmeans_detection_rate_min', 'kmeans_auc_min', 'kmeans_clusters', 'kmeans_fit_s'];
  const path = join(CWRU, 'manifest.csv');
  if (!existsSync(path)) {
    for (const k of keys) figures[k] = null;
    notes.push(`k-means figures are null: ${path} is absent`);
    return;
  }
  const manifest = readManifest(path, { needNormal: true });
  const channels = await chooseChannels(manifest, undefined);
  const spec = defaultFeatureSpec(manifest.sampleRateHz);
  const prepared = prepareData(await loadRecordings(manifest, channels), spec, { testFraction: 0.4, valFraction: 0.25 });
  const t0 = performance.now();
  const km = fitKMeans(prepared.train.rows, { k: KMEANS_K, seed: KMEANS_SEED });
  figures.kmeans_fit_s = Number(((performance.now() - t0) / 1000).toFixed(3));
  figures.kmeans_clusters = km.k;
  const s = summarize(evaluate({ spec, ...prepared }, {}, { keepScores: false })).baselines.kmeans;
  figures.kmeans_false_alarm_rate = s.false_alarm_rate;
  figures.kmeans_detection_rate_min = s.detection_rate_min;
  figures.kmeans_auc_min = s.auc_min;
  notes.push(`k-means baseline: ${channels.join(',')} of ../shared/data/cwru, ${prepared.train.rows.length} training windows, k = ${km.k}`);
}

/** The size search's figures on the shared CWRU set (both accelerometers), for the node's default budget. */
export async function sizeSearchFigures(figures: BenchResult['figures'], notes: string[]): Promise<void> {
  const keys = ['size_search_s', 'size_chosen_arch', 'size_chosen_bytes', 'size_chosen_insn_inference', 'size_chosen_false_alarm_rate', 'size_chosen_detection_rate_min', 'size_chosen_false_alarm_at_detection',
    'size_default_bytes', 'size_default_insn_inference', 'size_default_false_alarm_rate', 'size_default_detection_rate_min', 'size_default_false_alarm_at_detection',
    'size_candidates', 'size_candidates_trained', 'size_chosen_insn_measured', 'size_default_insn_measured', 'size_insn_model_max_err',
    'size_chosen_sparse_layers', 'size_chosen_insn_if_stored_dense'];
  const path = join(CWRU, 'manifest.csv');
  if (!existsSync(path)) {
    for (const k of keys) figures[k] = null;
    notes.push(`size search figures are null: ${path} is absent (the shared data is not here)`);
    return;
  }
  const manifest = readManifest(path, { needNormal: true });
  const channels = await chooseChannels(manifest, 'DE_accel,FE_accel');
  const spec = defaultFeatureSpec(manifest.sampleRateHz);
  const prepared = prepareData(await loadRecordings(manifest, channels), spec, { testFraction: 0.4, valFraction: 0.25 });
  await useNodeBackend('wasm');
  const r = await sizeSearch(prepared, spec, channels.map((_, i) => i), NODE_BUDGET, { seed: 1 });
  const c = r.candidates[r.chosen];
  const d = r.candidates[r.reference];
  const r4 = (x: number | null) => (x === null ? null : Number(x.toFixed(4)));
  figures.size_search_s = Number(r.seconds.toFixed(1));
  figures.size_chosen_arch = c.name;
  figures.size_chosen_bytes = c.bytes;
  figures.size_chosen_insn_inference = c.insn;
  figures.size_chosen_sparse_layers = c.sparseLayers;
  figures.size_chosen_insn_if_stored_dense = c.insnDenseStorage;
  figures.size_chosen_false_alarm_rate = r4(c.falseAlarmRate);
  figures.size_chosen_detection_rate_min = r4(c.detectionRateMin);
  figures.size_chosen_false_alarm_at_detection = r4(c.falseAlarmAtDetection);
  figures.size_default_bytes = d.bytes;
  figures.size_default_insn_inference = d.insn;
  figures.size_default_false_alarm_rate = r4(d.falseAlarmRate);
  figures.size_default_detection_rate_min = r4(d.detectionRateMin);
  figures.size_default_false_alarm_at_detection = r4(d.falseAlarmAtDetection);
  figures.size_candidates = r.candidates.length;
  figures.size_candidates_trained = r.candidates.filter((x) => x.trained).length;
  notes.push(`size search: ${channels.join(',')} of ../shared/data/cwru, budget flash ${NODE_BUDGET.flashBytes} B, RAM ${NODE_BUDGET.ramBytes} B (<= ${NODE_BUDGET.channelsMax} channels), ${NODE_BUDGET.insn} insn; ${r.epochs} epochs per candidate (early stop 20), ${r.fineTuneEpochs} fine-tuning epochs after pruning, teacher ${r.teacher ? r.teacher.widths.join('-') : 'none'}; ranking: false alarms at ${r.detectionTarget * 100}% detection of every fault class, then bytes, then insn`);
  for (const line of tradeoffTable(r)) notes.push(`size: ${line}`);
  // The cost model against QEMU: every trained undistilled model of the search, the pruned ones as
  // their blobs store them (block-sparse layers: the kernel skips the pruned blocks).
  const measured = r.candidates.filter((x) => x.trained && x.model && !x.distilled);
  try {
    const m = await measureInsn(measured.map((x) => blobOf(x.model!)));
    let maxErr = 0;
    measured.forEach((x, i) => {
      if (!m[i].selftest) throw new Error(`${x.name}: the C self-test on the target failed`);
      maxErr = Math.max(maxErr, Math.abs(insnStoredOf(x.widths, sparseLayersOf(x.model!)) - m[i].insn) / m[i].insn);
    });
    figures.size_insn_model_max_err = Number(maxErr.toFixed(5));
    const at = (x: typeof c) => {
      const i = measured.indexOf(x);
      return i >= 0 ? m[i].insn : null;
    };
    figures.size_chosen_insn_measured = at(c);
    figures.size_default_insn_measured = at(d);
    notes.push(`size: instruction model checked on ${measured.length} trained models in QEMU (${measured.map((x, i) => `${x.name} ${m[i].insn}`).join(', ')}); pruned models are stored block-sparse where that is smaller and the kernel skips their pruned blocks`);
  } catch (e) {
    figures.size_insn_model_max_err = figures.size_chosen_insn_measured = figures.size_default_insn_measured = null;
    notes.push(`size: no QEMU measurement (${(e as Error).message.split('\n')[0]}); insn figures are the fitted model's`);
  }
}

/** The chosen and the reference model of one search as `size_<set>_chosen_*` and `size_<set>_default_*` figures. */
function setFigures(set: string, r: Awaited<ReturnType<typeof sizeSearch>>, figures: BenchResult['figures']): void {
  const r4 = (x: number | null) => (x === null ? null : Number(x.toFixed(4)));
  const put = (who: 'chosen' | 'default', c: SizeCandidate | undefined) => {
    figures[`size_${set}_${who}_arch`] = c ? c.name : null;
    figures[`size_${set}_${who}_bytes`] = c ? c.bytes : null;
    figures[`size_${set}_${who}_insn_inference`] = c ? c.insn : null;
    figures[`size_${set}_${who}_false_alarm_rate`] = c ? r4(c.falseAlarmRate) : null;
    figures[`size_${set}_${who}_detection_rate_min`] = c ? r4(c.detectionRateMin) : null;
    figures[`size_${set}_${who}_false_alarm_at_detection`] = c ? r4(c.falseAlarmAtDetection) : null;
    figures[`size_${set}_${who}_auc_min`] = c ? r4(c.aucMin) : null;
  };
  figures[`size_${set}_search_s`] = Number(r.seconds.toFixed(1));
  put('chosen', r.candidates[r.chosen]);
  put('default', r.reference >= 0 ? r.candidates[r.reference] : undefined);
  figures[`size_${set}_candidates_trained`] = r.candidates.filter((x) => x.trained).length;
}

const SET_KEYS = (set: string) => [
  `size_${set}_search_s`,
  `size_${set}_candidates_trained`,
  ...['chosen', 'default'].flatMap((w) => ['arch', 'bytes', 'insn_inference', 'false_alarm_rate', 'detection_rate_min', 'false_alarm_at_detection', 'auc_min'].map((k) => `size_${set}_${w}_${k}`)),
];

/**
 * The size search where quality can tell candidates apart (on CWRU every candidate is perfect).
 * Splits fixed before any model was trained, and never changed to suit a result:
 *  - UESTC (one axis, 20 kHz, D = 32; the reference is the one-axis default 32-32-8-32-32), twice:
 *    `size_uestc_*` held out in time: trained and validated on healthy part 1 at every speed (its last
 *    quarter validates); the held-out normal windows are healthy part 2, a later piece of each
 *    recording never trained on; the fault classes are every fault file at every speed.
 *    `size_uestc_unseen_*` held out in speed (as data/README.md asks): trained on healthy part 1 at
 *    800, 1200 and 1400 rpm; held-out normal both healthy parts at 1000 rpm; faults at 1000 rpm.
 *  - FEMTO bearing 1_2 (two axes, 25.6 kHz, D = 64; the reference is 64-32-8-32-64): trained on the
 *    first 15 % of life, validated on 15-20 %, held-out normal 20-40 % (the detection bench's "no alarm
 *    before 40 % of life"); the one fault class, `end_of_life`, is the last 10 % of snapshots. Run to
 *    failure carries no labels: these cuts by time of life are an assumption, stated in the notes.
 */
export async function sizeSearchHarder(figures: BenchResult['figures'], notes: string[]): Promise<void> {
  const run = async (set: string, prepared: PreparedData, spec: FeatureSpec, axes: number, reference: number[], how: string) => {
    await useNodeBackend('wasm');
    const r = await sizeSearch(prepared, spec, Array.from({ length: axes }, (_, i) => i), NODE_BUDGET, { seed: 1, referenceHidden: reference });
    setFigures(set, r, figures);
    const anomalies = [...prepared.anomalies].map(([k, v]) => `${v.rows.length} ${k}`).join(', ');
    notes.push(`size ${set}: ${how}; windows ${prepared.train.rows.length} train, ${prepared.val.rows.length} validation, ${prepared.testNormal.rows.length} held-out normal, ${anomalies}`);
    for (const line of tradeoffTable(r)) notes.push(`size ${set}: ${line}`);
  };

  const uestc = join(SHARED, 'uestc', 'manifest.csv');
  if (!existsSync(uestc)) {
    for (const k of [...SET_KEYS('uestc'), ...SET_KEYS('uestc_unseen')]) figures[k] = null;
    notes.push(`size search figures on UESTC are null: ${uestc} is absent (the shared data is not here)`);
  } else {
    const manifest = readManifest(uestc, { needNormal: true });
    const spec = defaultFeatureSpec(manifest.sampleRateHz);
    const recs = (await loadRecordings(manifest, ['accel'])).map((x, i) => ({ ...x, rpm: manifest.rows[i].rpm }));
    const part2 = (name: string) => /part2/.test(name);
    const sourceOf = (x: (typeof recs)[number]) => ({ name: x.name, label: x.label, set: windowSetOf(x, spec), sampleCount: x.channels[0].length });
    const healthy = (x: (typeof recs)[number]) => x.label === 'normal';
    // Held out in time: part 2 of every healthy recording.
    const inTime = splitSources(recs.filter((x) => !part2(x.name)).map(sourceOf), spec.windowLen, { testFraction: 0, valFraction: 0.25 });
    inTime.testNormal = concatWindowSets(recs.filter((x) => healthy(x) && part2(x.name)).map((x) => windowSetOf(x, spec)));
    if (inTime.testNormal.rows.length === 0) throw new Error(`${uestc} names no healthy part 2 (the held-out normal)`);
    await run('uestc', inTime, spec, 1, [32, 8, 32], 'accel; train/validation healthy part 1 at 800-1400 rpm, held-out normal part 2 of the same, faults at every speed');
    // Held out in speed: 1000 rpm never trained on, inside the span of the trained speeds.
    const unseen = 1000;
    const seen = recs.filter((x) => x.rpm !== unseen && healthy(x) && !part2(x.name));
    const atUnseen = recs.filter((x) => x.rpm === unseen);
    const bySpeed = splitSources([...seen, ...atUnseen.filter((x) => !healthy(x))].map(sourceOf), spec.windowLen, { testFraction: 0, valFraction: 0.25 });
    bySpeed.testNormal = concatWindowSets(atUnseen.filter(healthy).map((x) => windowSetOf(x, spec)));
    if (bySpeed.testNormal.rows.length === 0 || seen.length === 0) throw new Error(`${uestc} lacks healthy recordings at ${unseen} rpm or at the other speeds`);
    await run('uestc_unseen', bySpeed, spec, 1, [32, 8, 32], `accel; train/validation healthy part 1 at ${[...new Set(seen.map((x) => x.rpm))].join(', ')} rpm; held-out normal both parts at ${unseen} rpm (a speed never trained on), faults at ${unseen} rpm`);
  }

  const femto = join(SHARED, 'femto', 'Bearing1_2_acc.csv');
  if (!existsSync(femto)) {
    for (const k of SET_KEYS('femto')) figures[k] = null;
    notes.push(`size search figures on FEMTO are null: ${femto} is absent (the shared data is not here)`);
  } else {
    const csv = await readCsvColumns(femto, ['horiz_accel_g', 'vert_accel_g'], { segmentColumn: 'snapshot', label: 'Bearing1_2_acc.csv' });
    const spec = defaultFeatureSpec(25600);
    const all = windowSetOf({ name: 'Bearing1_2_acc.csv', label: 'normal', channels: csv.columns, segmentStarts: csv.segmentStarts }, spec);
    const snaps = csv.segmentStarts!.length;
    const between = (a: number, b: number) => pick(all, (i) => all.segment[i] >= Math.floor(a * snaps) && all.segment[i] < Math.floor(b * snaps));
    const prepared: PreparedData = {
      train: between(0, 0.15),
      val: between(0.15, 0.2),
      testNormal: between(0.2, 0.4),
      anomalies: new Map([['end_of_life', between(0.9, 1.01)]]),
      normalCuts: [],
    };
    await run('femto', prepared, spec, 2, [32, 8, 32], `horiz_accel_g,vert_accel_g of ${snaps} snapshots; ASSUMED labels by time of life: train 0-15 %, validation 15-20 %, held-out normal 20-40 %, end_of_life the last 10 %`);
  }
}
