/**
 * npm run bench -- training [--json]
 *
 * Speed: training the default 64-32-8-32-64 autoencoder on 3,600 windows x 64 features for 50
 * epochs (batch 32, no early stop) on the wasm backend (target <= 10 s on this 2-core machine) and
 * on the cpu backend for comparison; int8 quantization + thresholding time. The windows are
 * synthetic (correlated Gaussian): the speed does not depend on the values.
 *
 * Quality, when ../shared/data is present (it says so when absent):
 *  - CWRU (drive-end channel, the CLI's defaults): auc_min / auc_int8_min over every fault file,
 *    false_alarm_rate on the held-out 40% of the normal recording at the threshold chosen for 0.1%
 *    per window, the lowest detection_rate. Targets: AUC >= 0.99, false alarms <= 0.5%, every
 *    fault file >= 99% detected, int8 AUC within 0.005 of float.
 *  - FEMTO bearing 1_2 (both axes, 25.6 kHz, 4 windows per 2560-sample snapshot): trained on the
 *    first 20% of life (its last quarter for validation), alarm at the first snapshot where 3 of
 *    the last 5 snapshots have a median window score over the threshold; the Mahalanobis baseline
 *    with the same split, threshold rule and alarm rule; the snapshot where the horizontal RMS
 *    first exceeds twice its initial level (median over the first 20%).
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFeatureSpec } from '../models/features/spec';
import { int8SumsqBatch } from '../models/nn/int8';
import { firstExceedance, firstSnapshotAlarm, segmentRms, snapshotMedians } from '../models/eval/alarm';
import { fitMahalanobis, mahalanobisScores } from '../models/eval/mahalanobis';
import { chooseThreshold } from '../models/eval/threshold';
import { trainAutoencoder } from '../models/train/autoencoder';
import { pick, prepareData, windowsOf } from '../models/train/dataset';
import { Prng } from '../models/train/prng';
import { packageModel, quantizeDetector, trainDetector } from '../models/train/pipeline';
import { readCsvColumns } from '../main/cli/csvColumns';
import { chooseChannels, loadRecordings } from '../main/cli/data';
import { readManifest } from '../main/cli/manifest';
import { useNodeBackend } from '../main/cli/tfBackend';
import type { BenchResult } from './run';

const SPLIT = { testFraction: 0.4, valFraction: 0.25 };
const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');

function syntheticWindows(n: number, d: number, seed: number): Float32Array[] {
  const r = new Prng(seed);
  const mix = Array.from({ length: d * 8 }, () => r.normal());
  return Array.from({ length: n }, () => {
    const f = Array.from({ length: 8 }, () => r.normal());
    return Float32Array.from({ length: d }, (_, i) => -6 + i * 0.05 + 0.3 * f.reduce((s, x, k) => s + x * mix[i * 8 + k], 0) / 3 + 0.05 * r.normal());
  });
}

async function speed(backend: 'wasm' | 'cpu', rows: Float32Array[]): Promise<number> {
  await useNodeBackend(backend);
  const spec = defaultFeatureSpec(48000);
  const r = await trainAutoencoder(rows, rows.slice(0, 360), spec, [0, 1], { epochs: 50, patience: 0, seed: 1 });
  return r.seconds;
}

async function cwru(figures: BenchResult['figures'], notes: string[]): Promise<void> {
  const path = join(SHARED, 'cwru', 'manifest.csv');
  if (!existsSync(path)) {
    notes.push(`CWRU figures skipped: ${path} is absent`);
    return;
  }
  await useNodeBackend('wasm');
  const manifest = readManifest(path, { needNormal: true });
  const channels = await chooseChannels(manifest, undefined);
  const recordings = await loadRecordings(manifest, channels);
  const spec = defaultFeatureSpec(manifest.sampleRateHz);
  const prepared = prepareData(recordings, spec, SPLIT);
  const trained = await trainDetector(prepared, spec, [0], { seed: 1 });
  const recordingsInfo = recordings.map((r) => ({ name: r.name, label: r.label, samples: r.channels[0].length }));
  const { summary: s } = packageModel({ tool: 'bench/training.ts', createdAt: '', channels, spec, recordings: recordingsInfo, prepared, split: SPLIT, options: { seed: 1 }, trained });
  figures.cwru_channel = channels.join(',');
  figures.auc_min = s.auc_min;
  figures.auc_int8_min = s.auc_int8_min;
  figures.auc_int8_minus_float = s.auc_int8_min !== null && s.auc_min !== null ? Number((s.auc_int8_min - s.auc_min).toFixed(6)) : null;
  figures.false_alarm_rate = s.false_alarm_rate;
  figures.detection_rate_min = s.detection_rate ? Math.min(...Object.values(s.detection_rate)) : null;
  figures.false_alarms_per_day = s.false_alarms_per_day;
  figures.mahalanobis_auc_min = s.baselines.mahalanobis.auc_min;
  figures.rms_auc_min = s.baselines.rms.auc_min;
  figures.cwru_normal_test_windows = s.windows.normal_test;
}

async function femto(figures: BenchResult['figures'], notes: string[]): Promise<void> {
  const path = join(SHARED, 'femto', 'Bearing1_2_acc.csv');
  if (!existsSync(path)) {
    notes.push(`FEMTO figures skipped: ${path} is absent`);
    return;
  }
  await useNodeBackend('wasm');
  const csv = await readCsvColumns(path, ['horiz_accel_g', 'vert_accel_g'], { segmentColumn: 'snapshot', label: 'Bearing1_2_acc.csv' });
  const snaps = csv.segmentStarts!.length;
  const spec = defaultFeatureSpec(25600);
  const all = windowsOf({ name: 'Bearing1_2', label: 'normal', channels: csv.columns, segmentStarts: csv.segmentStarts }, spec);
  const trainSnaps = Math.floor(0.2 * snaps);
  const valFrom = Math.floor(0.75 * trainSnaps);
  const train = pick(all, (i) => all.segment[i] < valFrom);
  const val = pick(all, (i) => all.segment[i] >= valFrom && all.segment[i] < trainSnaps);
  const r = await trainAutoencoder(train.rows, val.rows, spec, [0, 1], { seed: 1 });
  const { int8: q, int8Threshold } = quantizeDetector(r.model, { train, val });
  const aeThreshold = int8Threshold.threshold;
  const ae = firstSnapshotAlarm(snapshotMedians(int8SumsqBatch(q, all.rows), all.segment, snaps), aeThreshold);
  const maha = fitMahalanobis(train.rows);
  const mahaThreshold = chooseThreshold(mahalanobisScores(maha, val.rows), 0.001).threshold;
  const base = firstSnapshotAlarm(snapshotMedians(mahalanobisScores(maha, all.rows), all.segment, snaps), mahaThreshold);
  // Horizontal RMS per snapshot (all 2560 samples, mean removed).
  const rms = segmentRms(csv.columns[0], csv.segmentStarts!);
  figures.femto_snapshots = snaps;
  figures.femto_alarm_snapshot = ae;
  figures.femto_baseline_alarm_snapshot = base;
  figures.femto_rms2x_snapshot = firstExceedance(rms, trainSnaps, 2).snapshot;
  figures.femto_no_alarm_before = Math.floor(0.4 * snaps);
  notes.push(`FEMTO: trained on snapshots 1..${valFrom} (${train.rows.length} windows), validated on ${valFrom + 1}..${trainSnaps}; ${r.epochsRun} epochs`);
}

export async function trainingBench(): Promise<BenchResult> {
  const figures: BenchResult['figures'] = {};
  const notes: string[] = [];
  const rows = syntheticWindows(3600, 64, 1);
  figures.train_s = Number((await speed('wasm', rows)).toFixed(2));
  figures.train_s_cpu = Number((await speed('cpu', rows)).toFixed(2));
  await useNodeBackend('wasm');
  const r = await trainAutoencoder(rows, rows.slice(0, 360), defaultFeatureSpec(48000), [0, 1], { epochs: 2, patience: 0, seed: 1 });
  const t0 = performance.now();
  const { int8: q } = quantizeDetector(r.model, { train: { rows }, val: { rows: rows.slice(0, 360) } });
  figures.quantize_s = Number(((performance.now() - t0) / 1000).toFixed(3));
  const t1 = performance.now();
  int8SumsqBatch(q, rows);
  figures.int8_windows_per_s = Math.round(3600 / ((performance.now() - t1) / 1000));
  await cwru(figures, notes);
  await femto(figures, notes);
  return {
    name: 'training',
    figures,
    targets: {
      train_s: '<= 10 s (wasm; 3,600 x 64, 50 epochs)',
      auc_min: '>= 0.99',
      auc_int8_minus_float: 'within +-0.005',
      false_alarm_rate: '<= 0.005 (threshold for 0.001)',
      detection_rate_min: '>= 0.99',
      femto_alarm_snapshot: '< femto_baseline_alarm_snapshot, < 778 (DESIGN) and < femto_rms2x_snapshot, > femto_no_alarm_before',
    },
    notes,
  };
}
