/**
 * npm run bench -- detection [--json]
 *
 * Telling a fault from a change of speed (docs/detection.md), on ../shared/data (it says so when
 * absent). Every figure is measured on recordings the detector did not train or set its threshold on.
 *
 *  - UESTC (20 kHz, one axis): trained on healthy part 1 and the first half of part 2 at 800 and
 *    1200 rpm, threshold from each of them scored by a model of the others (the default where every
 *    speed has two recordings, docs/detection.md §3.4; separate_*: trained on part 1, threshold from
 *    the first half of part 2, the rule before); tested on the second half of part 2 (held-out
 *    healthy at the trained speeds), healthy 1000 rpm (inside the trained span, never seen),
 *    healthy 1400 rpm (outside: must show "unseen condition"), and every fault at every speed.
 *    A second span, 800 + 1400 rpm, tests 1000 and 1200 rpm inside a wider span.
 *  - Weak faults: a fault's extra band energy x 0.03 and x 0.1 added to held-out healthy windows
 *    (models/detect/evaluate.ts), beside a pooled Mahalanobis model (one Gaussian over both speeds'
 *    windows, no speed, no smoothing: the pooled model) and the same pooled model with the
 *    detector's smoothing.
 *  - CWRU (48 kHz, DE_accel, one speed): trained on the first half of the healthy recording,
 *    threshold from the next quarter, tested on the last quarter and the 13 fault recordings.
 *  - FEMTO bearing 1_2 (both axes; the smoothing restarts at every snapshot): trained on the first 20 % of life less its last quarter,
 *    threshold from that quarter; a snapshot's score is the median of its windows'; alarm at the
 *    first snapshot with 3 of the last 5 over (the rule of bench/training.ts), beside the
 *    Mahalanobis baseline with the same split and rule and the RMS x 2 rule.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultFeatureSpec, extractFeatures } from '../models/features';
import { firstExceedance, firstSnapshotAlarm, segmentRms, snapshotMedians } from '../models/eval/alarm';
import { fitMahalanobis, mahalanobisScores } from '../models/eval/mahalanobis';
import { chooseThreshold, type BlockToleranceThresholdChoice } from '../models/eval/threshold';
import { BaselineLearner, type BaselineConfig } from '../models/detect/baseline';
import { evaluateScores, weakFaultRows, type RecordingResult } from '../models/detect/evaluate';
import { fitSpeedDetector, scoreGroup, smoothRows, validationThreshold, type SpeedDetector, type SpeedGroup, type ValidationScheme } from '../models/detect/speedDetector';
import { estimateShaftHz } from '../models/detect/speedEstimate';
import { nodeFitOf, nodeScoreGroup, speedSectionSize, type NodeSpeedFit } from '../models/detect/speedNode';
import { readCsvColumns } from '../main/cli/csvColumns';
import type { BenchResult } from './run';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data');
const FAULTS = ['ball', 'inner_race', 'outer_race'];
const ALPHAS = [0.03, 0.1];

interface Rec {
  file: string;
  fault: string;
  rpm: number;
  rows: Float32Array[];
  /** Harmonic-sum shaft-speed estimate from the samples (models/detect/speedEstimate.ts), rpm. */
  rpmEstimate: number;
}

function manifestRows(dir: string): Record<string, string>[] {
  const [head, ...lines] = readFileSync(join(SHARED, dir, 'manifest.csv'), 'utf8').trim().split(/\r?\n/);
  const cols = head.split(',');
  return lines.map((l) => Object.fromEntries(l.split(',').map((v, i) => [cols[i], v])));
}

/** Each set's features, read once per run: the bench runs its sections once per threshold scheme. */
const loadedSets = new Map<string, Promise<Rec[]>>();

function loadSet(dir: string, column: string): Promise<Rec[]> {
  const key = `${dir}/${column}`;
  if (!loadedSets.has(key)) loadedSets.set(key, readSet(dir, column));
  return loadedSets.get(key)!;
}

async function readSet(dir: string, column: string): Promise<Rec[]> {
  const out: Rec[] = [];
  for (const m of manifestRows(dir)) {
    const csv = await readCsvColumns(join(SHARED, dir, m.file), [column], { label: m.file });
    const fs = Number(m.sample_rate_hz);
    const rows = extractFeatures(csv.columns, defaultFeatureSpec(fs)).map((w) => w.logBands);
    const rpmEstimate = 60 * estimateShaftHz(csv.columns[0], fs, { segmentLen: csv.rows >= 32768 ? 16384 : 8192 });
    out.push({ file: m.file, fault: m.fault, rpm: Number(m.rpm), rows, rpmEstimate });
  }
  return out;
}

const halves = <T>(xs: T[]): [T[], T[]] => [xs.slice(0, xs.length >> 1), xs.slice(xs.length >> 1)];
const meanRow = (rows: ArrayLike<number>[]) => Float64Array.from(rows[0], (_, i) => rows.reduce((s, r) => s + r[i], 0) / rows.length);
const round = (x: number, d = 4) => Number(x.toFixed(d));

/** A detector as the bench sees it: scores for consecutive windows at a speed, a threshold, a warm-up to skip. */
interface Scorer {
  name: string;
  score: (g: SpeedGroup) => Float64Array;
  threshold: number;
  skip: number;
}

const speedScorer = (det: SpeedDetector): Scorer => ({ name: 'speed-aware', score: (g) => scoreGroup(det, g), threshold: det.threshold.threshold, skip: det.warmup });
/** What the node runs (models/detect/speedNode.ts, the twin of firmware/src/nn/speed.c), with its own threshold. */
const NODE_FORM = 'speed-aware, node form';
/** The same with int8 W (weight format 1, what vigil train --speeds writes); NODE_FORM (node_form_*) stays the int16 form the figures were first published for. */
const NODE_FORM_I8 = 'speed-aware, node form int8';
const nodeFormScorer = (fit: NodeSpeedFit): Scorer => ({ name: fit.node.weights === 'i8' ? NODE_FORM_I8 : NODE_FORM, score: (g) => nodeScoreGroup(fit.node, g), threshold: fit.node.threshold, skip: fit.node.warmup });

/** One Gaussian over every training window regardless of speed, optionally on the same smoothed features. */
function pooledScorer(train: SpeedGroup[], val: SpeedGroup[], smoothing: number, skip: number): Scorer {
  const prep = (g: SpeedGroup) => (smoothing < 1 ? smoothRows(g.rows, smoothing) : g.rows);
  const m = fitMahalanobis(train.flatMap((g) => prep(g).slice(skip)));
  const score = (g: SpeedGroup) => mahalanobisScores(m, prep(g));
  const threshold = chooseThreshold(val.flatMap((g) => Array.from(score(g).subarray(skip)))).threshold;
  return { name: smoothing < 1 ? 'pooled, smoothed' : 'pooled', score, threshold, skip };
}

interface TableRow extends RecordingResult {
  span: string;
  detector: string;
  recording: string;
  rpm: number;
  role: string;
}

/** How well the spectrum tells the speed: relative error on healthy recordings, gross errors (> 10 %) on all. */
function speedEstimateFigures(set: string, recs: Rec[], figures: BenchResult['figures'], notes: string[]): void {
  const err = (r: Rec) => (r.rpmEstimate - r.rpm) / r.rpm;
  const healthy = recs.filter((r) => r.fault === 'normal');
  figures[`${set}_speed_estimate_healthy_error_max`] = round(Math.max(...healthy.map((r) => Math.abs(err(r)))));
  figures[`${set}_speed_estimate_gross_errors`] = `${recs.filter((r) => Math.abs(err(r)) > 0.1).length} of ${recs.length}`;
  notes.push(`${set} speed estimate (rpm, manifest -> spectrum): ` + recs.map((r) => `${r.file.replace(/\.csv$/, '')} ${r.rpm} -> ${Math.round(r.rpmEstimate)}`).join('; '));
}

async function uestc(figures: BenchResult['figures'], table: TableRow[], notes: string[], validation?: ValidationScheme): Promise<void> {
  const recs = await loadSet('uestc', 'accel');
  speedEstimateFigures('uestc', recs, figures, notes);
  const find = (fault: string, rpm: number, part = 1) => {
    const r = recs.find((x) => x.fault === fault && x.rpm === rpm && x.file.includes(`part${part}`));
    if (!r) throw new Error(`UESTC ${fault} at ${rpm} rpm part ${part} is missing from the manifest`);
    return r;
  };
  const speeds = [...new Set(recs.map((r) => r.rpm))].sort((a, b) => a - b);
  const spans: number[][] = [
    [800, 1200],
    [800, 1400],
  ];
  const flagInside: number[] = [];
  const heldOutRates: number[] = [];
  const alarmsHealthy: number[] = [];
  const detection: number[] = [];
  for (const span of spans) {
    const tag = span.join('+');
    const train = span.map((rpm) => ({ rpm, rows: find('normal', rpm, 1).rows }));
    const val = span.map((rpm) => ({ rpm, rows: halves(find('normal', rpm, 2).rows)[0] }));
    const det = fitSpeedDetector(train, val, { validation });
    const nodeFit = nodeFitOf(det, val, { weights: 'i16', train });
    const nodeFit8 = nodeFitOf(det, val, { weights: 'i8', train });
    figures[`node_form_section_bytes_${tag.replace('+', '_')}`] = speedSectionSize(nodeFit.node.dim, nodeFit.node.knots.length, 'i16');
    figures[`node_form_threshold_${tag.replace('+', '_')}`] = round(nodeFit.node.threshold, 3);
    figures[`node_form_i8_section_bytes_${tag.replace('+', '_')}`] = speedSectionSize(nodeFit8.node.dim, nodeFit8.node.knots.length, 'i8');
    figures[`node_form_i8_threshold_${tag.replace('+', '_')}`] = round(nodeFit8.node.threshold, 3);
    const scorers = [speedScorer(det), pooledScorer(train, val, 1, 0), pooledScorer(train, val, det.smoothing, det.warmup), nodeFormScorer(nodeFit), nodeFormScorer(nodeFit8)];
    const main = tag === '800+1200';
    for (const sc of scorers) {
      const row = (recording: string, rpm: number, role: string, rows: Float32Array[]): RecordingResult => {
        const r = evaluateScores(sc.score({ rpm, rows }), sc.threshold, sc.skip);
        table.push({ span: tag, detector: sc.name, recording, rpm, role, ...r });
        return r;
      };
      for (const rpm of span) {
        const r = row(`normal_${rpm}rpm_part2 (2nd half)`, rpm, 'held-out healthy, trained speed', halves(find('normal', rpm, 2).rows)[1]);
        if (sc === scorers[0]) {
          heldOutRates.push(r.flagged);
          alarmsHealthy.push(r.alarms);
        }
      }
      for (const rpm of speeds.filter((s) => !span.includes(s))) {
        const inside = rpm > span[0] && rpm < span[span.length - 1];
        for (const part of [1, 2]) {
          const r = row(`normal_${rpm}rpm_part${part}`, rpm, inside ? 'healthy, unseen speed inside span' : 'healthy, outside span', find('normal', rpm, part).rows);
          if (sc === scorers[0] && inside) {
            flagInside.push(r.flagged);
            alarmsHealthy.push(r.alarms);
          }
        }
      }
      for (const rpm of speeds)
        for (const f of FAULTS) {
          const inside = rpm >= span[0] && rpm <= span[span.length - 1];
          const r = row(`${f}_fault_${rpm}rpm_part1`, rpm, inside ? 'fault' : 'fault, outside span', find(f, rpm).rows);
          if (sc === scorers[0] && inside) detection.push(r.flagged);
        }
      // Weak faults on held-out healthy windows at the trained speeds and at the unseen speeds inside the span.
      for (const alpha of ALPHAS) {
        const rates: number[] = [];
        for (const rpm of speeds.filter((s) => s >= span[0] && s <= span[span.length - 1]))
          for (const f of FAULTS) {
            const healthy = span.includes(rpm) ? halves(find('normal', rpm, 2).rows)[1] : find('normal', rpm, 2).rows;
            const weak = weakFaultRows(healthy, find(f, rpm).rows, meanRow(find('normal', rpm, 1).rows), alpha);
            const r = row(`${f} x ${alpha} on normal_${rpm}rpm_part2`, rpm, `weak fault ${alpha}`, weak);
            rates.push(r.flagged);
          }
        if (main) {
          const key = sc === scorers[0] ? 'weak_fault_detection' : sc === scorers[1] ? 'pooled_weak_fault_detection' : sc === scorers[2] ? 'pooled_smoothed_weak_fault_detection' : sc === scorers[3] ? 'node_form_weak_fault_detection' : 'node_form_i8_weak_fault_detection';
          figures[`${key}_${alpha}`] = round(rates.reduce((s, x) => s + x, 0) / rates.length);
          figures[`${key}_${alpha}_min`] = round(Math.min(...rates));
        }
      }
      if (main && (sc === scorers[1] || sc === scorers[2])) {
        // The same figures for the pooled Mahalanobis models, beside the speed-aware detector's.
        const key = sc === scorers[1] ? 'pooled' : 'pooled_smoothed';
        const mine = table.filter((t) => t.span === tag && t.detector === sc.name);
        const rates = (pred: (t: TableRow) => boolean) => mine.filter(pred).map((t) => t.flagged);
        figures[`${key}_false_alarm_rate_max`] = round(Math.max(...rates((t) => t.role.startsWith('held-out'))));
        figures[`${key}_unseen_speed_flag_rate_max`] = round(Math.max(...rates((t) => t.role.includes('inside span'))));
        figures[`${key}_detection_rate_min`] = round(Math.min(...rates((t) => t.role === 'fault')));
        figures[`${key}_debounced_false_alarms`] = mine.filter((t) => t.role.startsWith('held-out') || t.role.includes('inside span')).reduce((n, t) => n + t.alarms, 0);
        figures[`${key}_outside_span_shown_unseen`] = mine.filter((t) => t.role.includes('outside span')).every((t) => t.state === 'unseen condition') ? 'yes' : 'no';
      }
    }
    notes.push(
      `UESTC span ${tag}: threshold ${det.threshold.threshold.toFixed(2)} (95 % tolerance bound, k ${det.threshold.k.toFixed(2)} on ${det.threshold.effectiveWindows.toFixed(0)} effective windows; log-normal point estimate ${det.threshold.lognormal.toFixed(2)}, largest validation ${det.threshold.maxValidation.toFixed(2)}, ${det.threshold.windows} validation windows)${blockNote(det)}; interpolation scale ${det.interpolation.scale} (${det.interpolation.source})`,
    );
    // Typical scores: healthy at the unseen speeds inside the span against held-out healthy at the trained speeds.
    const medianScore = (rpm: number, rows: Float32Array[], d: SpeedDetector) => median(Array.from(scoreGroup(d, { rpm, rows }).subarray(d.warmup)));
    const inner = speeds.filter((r) => r > span[0] && r < span[span.length - 1]);
    const key = tag.replace('+', '_');
    figures[`trained_speed_score_median_${key}`] = round(Math.max(...span.map((rpm) => medianScore(rpm, halves(find('normal', rpm, 2).rows)[1], det))), 2);
    figures[`unseen_speed_score_median_${key}`] = round(Math.max(...inner.flatMap((rpm) => [1, 2].map((p) => medianScore(rpm, find('normal', rpm, p).rows, det)))), 2);
    // Ablation: the same detector without the interpolation nuisance (the design before it).
    const bare = fitSpeedDetector(train, val, { interpolationPrior: 0 });
    figures[`no_nuisance_unseen_speed_score_median_${key}`] = round(Math.max(...inner.flatMap((rpm) => [1, 2].map((p) => medianScore(rpm, find('normal', rpm, p).rows, bare)))), 2);
    figures[`no_nuisance_unseen_speed_flag_rate_max_${key}`] = round(
      Math.max(...inner.flatMap((rpm) => [1, 2].map((p) => evaluateScores(scoreGroup(bare, { rpm, rows: find('normal', rpm, p).rows }), bare.threshold.threshold, bare.warmup).flagged))),
    );
    cliSplit(span, speeds, find, figures, table, notes, validation);
  }
  // The node's own learner (its defaults: 500 learning + 500 calibration windows per speed):
  // (b) learns both parts at 800 then 1200 rpm (the emulated node's run), (c) both parts at 800
  // then 1400 rpm; each tested on the healthy and faulty recordings at the other speeds. (a) a
  // learning period too short for this rig: 250 + 250 windows of part 1 at 800 and 1200 rpm,
  // tested on held-out part 2 and at 1000 rpm.
  const tests = (learned: number[], heldOut: boolean) => {
    const lo = learned[0];
    const hi = learned[learned.length - 1];
    const unseen = speeds.filter((rpm) => !learned.includes(rpm));
    const where = (rpm: number) => (rpm > lo && rpm < hi ? 'inside span' : 'outside span');
    return [
      ...(heldOut ? learned.map((rpm) => ({ recording: `normal_${rpm}rpm_part2`, role: 'held-out healthy, trained speed', g: { rpm, rows: find('normal', rpm, 2).rows } })) : []),
      ...unseen.flatMap((rpm) => [1, 2].map((part) => ({ recording: `normal_${rpm}rpm_part${part}`, role: `healthy, unseen speed ${where(rpm)}`, g: { rpm, rows: find('normal', rpm, part).rows } }))),
      ...speeds.flatMap((rpm) => FAULTS.map((f) => ({ recording: `${f}_fault_${rpm}rpm_part1`, role: rpm >= lo && rpm <= hi ? 'fault' : 'fault, outside span', g: { rpm, rows: find(f, rpm).rows } }))),
      ...ALPHAS.flatMap((alpha) =>
        unseen
          .filter((rpm) => where(rpm) === 'inside span')
          .flatMap((rpm) => FAULTS.map((f) => ({ recording: `${f} x ${alpha} on normal_${rpm}rpm_part2`, role: `weak fault ${alpha}`, g: { rpm, rows: weakFaultRows(find('normal', rpm, 2).rows, find(f, rpm).rows, meanRow(find('normal', rpm, 1).rows), alpha) } }))),
      ),
    ];
  };
  const both = (rpm: number) => ({ rpm, rows: [...find('normal', rpm, 1).rows, ...find('normal', rpm, 2).rows] });
  const short = 'learner 250+250, 800+1200';
  nodeLearner({ dim: 32, periodWindows: 2 * 511, learnWindows: 250, calibrateWindows: 250 }, [800, 1200].map((rpm) => ({ rpm, rows: find('normal', rpm, 1).rows })), tests([800, 1200], true), short, table);
  const b = nodeLearner({ dim: 32, periodWindows: 4 * 511 }, [both(800), both(1200)], tests([800, 1200], false), 'learner 800+1200', table);
  nodeLearner({ dim: 32, periodWindows: 4 * 511 }, [both(800), both(1400)], tests([800, 1400], false), 'learner 800+1400', table);
  figures.learner_state_bytes = b.stateBytes();
  const learnerRows = table.filter((t) => t.detector === 'node learner');
  const full = learnerRows.filter((t) => t.span !== short);
  const pick = (rows: TableRow[], pred: (t: TableRow) => boolean) => rows.filter(pred).map((t) => t.flagged);
  figures.learner_unseen_speed_flag_rate_max = round(Math.max(...pick(full, (t) => t.role.includes('unseen speed inside span'))));
  figures.learner_detection_rate_min = round(Math.min(...pick(full, (t) => t.role === 'fault')));
  for (const alpha of ALPHAS) {
    const xs = pick(full, (t) => t.role === `weak fault ${alpha}`);
    figures[`learner_weak_fault_detection_${alpha}`] = round(xs.reduce((s, x) => s + x, 0) / xs.length);
  }
  figures.learner_debounced_false_alarms = full.filter((t) => t.role.includes('unseen speed inside span')).reduce((s, t) => s + t.alarms, 0);
  figures.learner_outside_span_shown_unseen = full.filter((t) => t.role.includes('outside span')).every((t) => t.state === 'unseen condition') ? 'yes' : 'no';
  figures.learner_short_false_alarm_rate_max = round(Math.max(...pick(learnerRows.filter((t) => t.span === short), (t) => t.role.startsWith('held-out'))));
  figures.learner_short_unseen_speed_flag_rate_max = round(Math.max(...pick(learnerRows.filter((t) => t.span === short), (t) => t.role.includes('inside span'))));
  figures.emulated_node_run_1000rpm = learnerRows
    .filter((t) => t.span === 'learner 800+1200' && t.rpm === 1000 && !t.role.startsWith('weak'))
    .map((t) => `${t.recording}: ${t.state}`)
    .join(', ');
  // A model trained at one speed, for the record: how often it flags a healthy machine at the others.
  const one = fitSpeedDetector([{ rpm: 800, rows: find('normal', 800, 1).rows }], [{ rpm: 800, rows: halves(find('normal', 800, 2).rows)[0] }], { spanTolerance: 10 });
  figures.single_speed_800_flag_rate_at_1000 = round(evaluateScores(scoreGroup(one, { rpm: 1000, rows: find('normal', 1000, 2).rows }), one.threshold.threshold, one.warmup).flagged);
  figures.single_speed_800_flag_rate_at_1200 = round(evaluateScores(scoreGroup(one, { rpm: 1200, rows: find('normal', 1200, 2).rows }), one.threshold.threshold, one.warmup).flagged);
  figures.uestc_false_alarm_rate_max = round(Math.max(...heldOutRates));
  figures.unseen_speed_flag_rate_max = round(Math.max(...flagInside));
  figures.uestc_detection_rate_min = round(Math.min(...detection));
  figures.uestc_debounced_false_alarms = alarmsHealthy.reduce((s, x) => s + x, 0);
  figures.uestc_outside_span_shown_unseen = table.filter((t) => t.detector === 'speed-aware' && t.role.includes('outside span')).every((t) => t.state === 'unseen condition') ? 'yes' : 'no';
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[s.length >> 1];
};

/** The block (random-effects) part of the threshold rule, for the notes. */
function blockNote(det: SpeedDetector): string {
  const t = det.threshold as BlockToleranceThresholdChoice;
  const scores = `; threshold scores: ${det.validation ?? 'separate'}`;
  return t.blocks === undefined ? scores : `${scores}; ${t.blocks} blocks, between-block share ${t.betweenShare.toFixed(3)}, Satterthwaite df ${t.degreesOfFreedom.toFixed(1)}, homogeneous bound ${t.homogeneous.toFixed(2)}`;
}

/**
 * The split of `vigil eval` (models/train/dataset.ts splitInTime with train's fractions): per
 * normal recording at the trained speeds (both parts), the first 45 % of the samples train, the
 * next 15 % set the threshold, the last 40 % are held out; at the other speeds only the last 40 %
 * is scored (the held-out ends `vigil eval` reports).
 */
function cliSplit(span: number[], speeds: number[], find: (fault: string, rpm: number, part?: number) => Rec, figures: BenchResult['figures'], table: TableRow[], notes: string[], validation?: ValidationScheme): void {
  const tag = `${span.join('+')} (CLI split)`;
  const key = span.join('_');
  const cut = (rows: Float32Array[], a: number, b: number) => rows.slice(Math.floor(a * rows.length), Math.floor(b * rows.length));
  const train: SpeedGroup[] = [];
  const val: SpeedGroup[] = [];
  for (const rpm of span)
    for (const part of [1, 2]) {
      const rows = find('normal', rpm, part).rows;
      train.push({ rpm, rows: cut(rows, 0, 0.45), recording: `normal_${rpm}rpm_part${part}` });
      val.push({ rpm, rows: cut(rows, 0.45, 0.6), recording: `normal_${rpm}rpm_part${part}` });
    }
  // The threshold rule in use (blocks, docs/detection.md §3.2, the default since 2026-12-06) sets
  // the cli_split_* figures, and the same under cli_split_block_threshold_*; the rule before it
  // (homogeneous) sets cli_split_homogeneous_*.
  for (const rule of ['blocks', 'homogeneous'] as const) {
    const det = fitSpeedDetector(train, val, { thresholdRule: rule, validation });
    const label = rule === 'blocks' ? tag : `${tag}, homogeneous threshold (the rule before)`;
    const heldOut: number[] = [];
    const inside: number[] = [];
    let alarms = 0;
    for (const rpm of speeds.filter((s) => s >= span[0] && s <= span[span.length - 1]))
      for (const part of [1, 2]) {
        const trained = span.includes(rpm);
        const role = trained ? 'held-out healthy, trained speed' : 'healthy, unseen speed inside span';
        const r = evaluateScores(scoreGroup(det, { rpm, rows: cut(find('normal', rpm, part).rows, 0.6, 1) }), det.threshold.threshold, det.warmup);
        table.push({ span: label, detector: 'speed-aware', recording: `normal_${rpm}rpm_part${part} (last 40 %)`, rpm, role: `${role} (CLI split)`, ...r });
        (trained ? heldOut : inside).push(r.flagged);
        alarms += r.alarms;
      }
    for (const pre of rule === 'blocks' ? ['cli_split_', 'cli_split_block_threshold_'] : ['cli_split_homogeneous_']) {
      figures[`${pre}false_alarm_rate_max_${key}`] = round(Math.max(...heldOut));
      figures[`${pre}unseen_speed_flag_rate_max_${key}`] = round(Math.max(...inside));
      figures[`${pre}debounced_false_alarms_${key}`] = alarms;
    }
    if (rule === 'blocks') figures[`cli_split_block_threshold_${key}`] = round(det.threshold.threshold, 3);
    notes.push(`UESTC span ${label}: threshold ${det.threshold.threshold.toFixed(2)} (log-normal point estimate ${det.threshold.lognormal.toFixed(2)}, ${det.threshold.windows} validation windows)${blockNote(det)}`);
  }
}

/**
 * The node's own learner (models/detect/baseline.ts, the twin of firmware/src/nn/baseline.c): fed
 * the learning streams in order, then every test stream from a restart. Scores are NaN at an
 * unseen speed; `over` windows are the flagged ones.
 */
function nodeLearner(
  cfg: Partial<BaselineConfig> & { dim: number },
  learn: SpeedGroup[],
  tests: { recording: string; role: string; g: SpeedGroup }[],
  span: string,
  table: TableRow[],
): BaselineLearner {
  const b = new BaselineLearner(cfg);
  for (const g of learn) {
    b.restart();
    for (const r of g.rows) b.step(r, g.rpm);
  }
  if (b.learning) throw new Error(`the node learner is still learning after ${learn.reduce((s, g) => s + g.rows.length, 0)} windows`);
  for (const t of tests) {
    b.restart();
    // Over windows get +Infinity, healthy 0, unseen NaN: evaluateScores with threshold 1 counts them.
    const scores = Float64Array.from(t.g.rows, (r) => {
      const st = b.step(r, t.g.rpm).state;
      return st === 'over' ? Infinity : st === 'unseen-condition' ? NaN : 0;
    });
    table.push({ span, detector: 'node learner', recording: t.recording, rpm: t.g.rpm, role: t.role, ...evaluateScores(scores, 1, b.cfg.warmup) });
  }
  return b;
}

async function cwru(figures: BenchResult['figures'], table: TableRow[], notes: string[], validation?: ValidationScheme): Promise<void> {
  const recs = await loadSet('cwru', 'DE_accel');
  speedEstimateFigures('cwru', recs, figures, notes);
  const normal = recs.find((r) => r.fault === 'normal');
  if (!normal) throw new Error('CWRU manifest has no normal recording');
  const n = normal.rows.length;
  const train = [{ rpm: normal.rpm, rows: normal.rows.slice(0, n >> 1), recording: normal.file }];
  const val = [{ rpm: normal.rpm, rows: normal.rows.slice(n >> 1, (3 * n) >> 2), recording: normal.file }];
  const det = fitSpeedDetector(train, val, { validation });
  for (const sc of [speedScorer(det), nodeFormScorer(nodeFitOf(det, val, { weights: 'i16', train })), nodeFormScorer(nodeFitOf(det, val, { weights: 'i8', train }))]) {
    const row = (recording: string, role: string, rows: Float32Array[]) => {
      const r = evaluateScores(sc.score({ rpm: normal.rpm, rows }), sc.threshold, sc.skip);
      table.push({ span: '1797', detector: sc.name, recording, rpm: normal.rpm, role, ...r });
      return r;
    };
    const pre = sc.name === NODE_FORM ? 'node_form_' : sc.name === NODE_FORM_I8 ? 'node_form_i8_' : '';
    const h = row(`${normal.file} (last quarter)`, 'held-out healthy, trained speed', normal.rows.slice((3 * n) >> 2));
    figures[`${pre}cwru_false_alarm_rate`] = round(h.flagged);
    figures[`${pre}cwru_debounced_false_alarms`] = h.alarms;
    figures[`${pre}cwru_detection_rate_min`] = round(Math.min(...recs.filter((r) => r.fault !== 'normal').map((r) => row(r.file, 'fault', r.rows).flagged)));
  }
}

/** FEMTO Bearing1_2's samples and per-snapshot features, read once per run (as loadSet). */
let femtoLoaded: ReturnType<typeof readFemto> | null = null;

async function readFemto() {
  const path = join(SHARED, 'femto', 'Bearing1_2_acc.csv');
  const csv = await readCsvColumns(path, ['horiz_accel_g', 'vert_accel_g'], { segmentColumn: 'snapshot', label: 'Bearing1_2_acc.csv' });
  const starts = csv.segmentStarts!;
  const snaps = starts.length;
  const spec = defaultFeatureSpec(25600);
  const rows: Float32Array[] = [];
  const snapOf: number[] = [];
  for (let s = 0; s < snaps; s++) {
    const end = s + 1 < snaps ? starts[s + 1] : csv.rows;
    for (const w of extractFeatures(csv.columns.map((c) => c.subarray(starts[s], end)), spec)) {
      rows.push(w.logBands);
      snapOf.push(s);
    }
  }
  return { csv, snaps, rows, snapOf };
}

async function femto(figures: BenchResult['figures'], notes: string[], validation?: ValidationScheme): Promise<void> {
  const { csv, snaps, rows, snapOf } = await (femtoLoaded ??= readFemto());
  const trainSnaps = Math.floor(0.2 * snaps);
  const valFrom = Math.floor(0.75 * trainSnaps);
  const trainRows = rows.filter((_, i) => snapOf[i] < valFrom);
  const valRows = rows.filter((_, i) => snapOf[i] >= valFrom && snapOf[i] < trainSnaps);
  const rpm = 1800;
  // The speed-aware detector: its smoothing restarts at every snapshot (10 s gaps between 0.1 s
  // bursts), so no window is skipped as warm-up.
  const starts_ = (snap: number[]) => snap.flatMap((s, i) => (i > 0 && s !== snap[i - 1] ? [i] : []));
  const trainSnapOf = snapOf.filter((s) => s < valFrom);
  const valSnapOf = snapOf.filter((s) => s >= valFrom && s < trainSnaps);
  // Training and validation stretches of one bearing: one recording.
  const femtoTrain = [{ rpm, rows: trainRows, segmentStarts: starts_(trainSnapOf), recording: 'Bearing1_2' }];
  const femtoVal = [{ rpm, rows: valRows, segmentStarts: starts_(valSnapOf), recording: 'Bearing1_2' }];
  const det = fitSpeedDetector(femtoTrain, femtoVal, { warmup: 0, validation });
  figures.femto_alarm_snapshot = firstSnapshotAlarm(snapshotMedians(scoreGroup(det, { rpm, rows, segmentStarts: starts_(snapOf) }), snapOf, snaps), det.threshold.threshold);
  // The block threshold rule (docs/detection.md §3.2, measured, not the default): every snapshot is its own block (its EMA restarts).
  if (det.validation === 'separate') {
    const blockT = validationThreshold([{ scores: scoreGroup(det, { rpm, rows: valRows, segmentStarts: starts_(valSnapOf) }), segmentStarts: starts_(valSnapOf) }], det.smoothing, det.warmup, 0.001, 0.95, 'blocks') as BlockToleranceThresholdChoice;
    figures.block_threshold_femto_alarm_snapshot = firstSnapshotAlarm(snapshotMedians(scoreGroup(det, { rpm, rows, segmentStarts: starts_(snapOf) }), snapOf, snaps), blockT.threshold);
    notes.push(`FEMTO thresholds: ${det.threshold.threshold.toFixed(2)} (homogeneous, in use); block rule ${blockT.threshold.toFixed(2)} (${blockT.blocks} blocks, between-block share ${blockT.betweenShare.toFixed(3)}, Satterthwaite df ${blockT.degreesOfFreedom.toFixed(1)})`);
  } else notes.push(`FEMTO threshold: ${det.threshold.threshold.toFixed(2)}`);
  const nodeFit = nodeFitOf(det, femtoVal, { weights: 'i16', train: femtoTrain });
  figures.node_form_femto_alarm_snapshot = firstSnapshotAlarm(snapshotMedians(nodeScoreGroup(nodeFit.node, { rpm, rows, segmentStarts: starts_(snapOf) }), snapOf, snaps), nodeFit.node.threshold);
  figures.node_form_femto_section_bytes = speedSectionSize(nodeFit.node.dim, 1, 'i16');
  const nodeFit8 = nodeFitOf(det, femtoVal, { weights: 'i8', train: femtoTrain });
  figures.node_form_i8_femto_alarm_snapshot = firstSnapshotAlarm(snapshotMedians(nodeScoreGroup(nodeFit8.node, { rpm, rows, segmentStarts: starts_(snapOf) }), snapOf, snaps), nodeFit8.node.threshold);
  figures.node_form_i8_femto_section_bytes = speedSectionSize(nodeFit8.node.dim, 1, 'i8');
  // The node's own learner on the same split: learns snapshots 1..valFrom, calibrates on the rest of
  // the first 20 %, restarting its smoothing at every snapshot.
  const learner = new BaselineLearner({ dim: rows[0].length, periodWindows: valRows.length + trainRows.length, learnWindows: trainRows.length, calibrateWindows: valRows.length, warmup: 0 });
  const learnerScores = Float64Array.from(rows, (r, i) => {
    if (i > 0 && snapOf[i] !== snapOf[i - 1]) learner.restart();
    const st = learner.step(r, rpm);
    return st.state === 'learning' ? 0 : st.score;
  });
  figures.femto_learner_alarm_snapshot = firstSnapshotAlarm(snapshotMedians(learnerScores, snapOf, snaps), 10 ** learner.logThresholdAt(rpm)!);
  const maha = fitMahalanobis(trainRows);
  const mahaThreshold = chooseThreshold(mahalanobisScores(maha, valRows)).threshold;
  figures.femto_baseline_alarm_snapshot = firstSnapshotAlarm(snapshotMedians(mahalanobisScores(maha, rows), snapOf, snaps), mahaThreshold);
  const rms = segmentRms(csv.columns[0], csv.segmentStarts!);
  figures.femto_rms2x_snapshot = firstExceedance(rms, trainSnaps, 2).snapshot;
  figures.femto_no_alarm_before = Math.floor(0.4 * snaps);
  figures.femto_snapshots = snaps;
  notes.push(`FEMTO: trained on snapshots 1..${valFrom} (${trainRows.length} windows), threshold from ${valFrom + 1}..${trainSnaps}`);
}

/** Every section on the data present, with the threshold's scores from `validation`; the summary figures from the table. */
async function runSections(validation?: ValidationScheme): Promise<{ figures: BenchResult['figures']; notes: string[]; table: TableRow[] }> {
  const figures: BenchResult['figures'] = {};
  const notes: string[] = [];
  const table: TableRow[] = [];
  const have = (d: string) => existsSync(join(SHARED, d, 'manifest.csv')) || existsSync(join(SHARED, d, 'Bearing1_2_acc.csv'));
  if (have('uestc')) await uestc(figures, table, notes, validation);
  else notes.push(`UESTC figures skipped: ${join(SHARED, 'uestc')} is absent`);
  if (have('cwru')) await cwru(figures, table, notes, validation);
  else notes.push(`CWRU figures skipped: ${join(SHARED, 'cwru')} is absent`);
  if (have('femto')) await femto(figures, notes, validation);
  else notes.push(`FEMTO figures skipped: ${join(SHARED, 'femto')} is absent`);
  // The existing figures keep the benchmark's own split; the CLI split has its cli_split_* figures.
  // node_form_*: the same figures for what the node runs (speedNode.ts, bit-equal to speed.c).
  for (const [detector, pre] of [
    ['speed-aware', ''],
    [NODE_FORM, 'node_form_'],
    [NODE_FORM_I8, 'node_form_i8_'],
  ]) {
    const speedRows = table.filter((t) => t.detector === detector && !t.span.includes('CLI split'));
    const healthy = speedRows.filter((t) => t.role.startsWith('held-out healthy'));
    if (healthy.length) {
      figures[`${pre}false_alarm_rate_max`] = Math.max(...healthy.map((t) => round(t.flagged)));
      figures[`${pre}debounced_false_alarms`] = speedRows.filter((t) => t.role.startsWith('held-out healthy') || t.role.includes('inside span')).reduce((s, t) => s + t.alarms, 0);
      figures[`${pre}detection_rate_min`] = Math.min(...speedRows.filter((t) => t.role === 'fault').map((t) => round(t.flagged)));
    }
    if (pre) {
      const inside = speedRows.filter((t) => t.role === 'healthy, unseen speed inside span');
      if (inside.length) figures[`${pre}unseen_speed_flag_rate_max`] = Math.max(...inside.map((t) => round(t.flagged)));
      const outside = speedRows.filter((t) => t.role.includes('outside span'));
      if (outside.length) figures[`${pre}outside_span_shown_unseen`] = outside.every((t) => t.state === 'unseen condition') ? 'yes' : 'no';
    }
  }
  return { figures, notes, table };
}

/**
 * The figures the other threshold scores (SpeedDetectorOptions.validation 'separate', the rule
 * before, and 'cross-fit', measured and not adopted: docs/detection.md §3.3, §3.4) are reported
 * under, as separate_<name> and cross_fit_<name>.
 */
const ALTERNATIVE_FIGURES = [
  'false_alarm_rate_max',
  'debounced_false_alarms',
  'detection_rate_min',
  'unseen_speed_flag_rate_max',
  'weak_fault_detection_0.03',
  'weak_fault_detection_0.03_min',
  'weak_fault_detection_0.1_min',
  'femto_alarm_snapshot',
  'node_form_i8_false_alarm_rate_max',
  'node_form_i8_femto_alarm_snapshot',
  'cli_split_false_alarm_rate_max_800_1200',
  'cli_split_debounced_false_alarms_800_1200',
  'cli_split_false_alarm_rate_max_800_1400',
  'cli_split_debounced_false_alarms_800_1400',
  'cli_split_unseen_speed_flag_rate_max_800_1400',
  'cli_split_block_threshold_800_1400',
];

export async function detectionBench(): Promise<BenchResult> {
  // The default threshold scores (leave one recording out where every trained speed has two
  // healthy recordings, else a separate validation stretch: docs/detection.md §3.4).
  const { figures, notes, table } = await runSections();
  // The rule before (separate_*, every section from its validation stretch) and the cross-fitted
  // threshold (cross_fit_*, measured, not adopted: §3.3), their main figures beside the default's.
  for (const [scheme, pre] of [
    ['separate', 'separate_'],
    ['cross-fit', 'cross_fit_'],
  ] as const) {
    const alt = await runSections(scheme);
    for (const k of ALTERNATIVE_FIGURES) if (k in alt.figures) figures[`${pre}${k}`] = alt.figures[k];
    for (const n of alt.notes.filter((x) => /threshold/i.test(x) && !/block rule/.test(x))) notes.push(`threshold scores ${scheme}: ${n}`);
    for (const t of alt.table.filter((r) => r.detector === 'speed-aware' && (r.role.startsWith('held-out healthy') || r.role.includes('inside span')) && r.flagged > 0))
      notes.push(`threshold scores ${scheme}: ${t.span} ${t.recording} (${t.role}) flagged ${(100 * t.flagged).toFixed(2)} % of ${t.windows}, alarms ${t.alarms}`);
  }
  // The per-recording table: the speed-aware detector and the node learner everywhere, the pooled models' weak faults beside them.
  for (const t of table.filter((r) => !r.detector.startsWith('pooled') || (r.span === '800+1200' && r.role.startsWith('weak'))))
    notes.push(`${t.span.padEnd(25)} ${t.detector.padEnd(16)} ${t.recording.padEnd(44)} ${t.role.padEnd(34)} n=${String(t.windows).padStart(4)} flagged ${(100 * t.flagged).toFixed(2).padStart(6)} % alarms ${String(t.alarms).padStart(3)}  ${t.state}${t.role.startsWith('held-out') ? '  (target <= 0.10 %, 0 alarms)' : t.role.includes('inside span') ? '  (target <= 1 %, 0 alarms)' : ''}`);
  return {
    name: 'detection',
    figures,
    targets: {
      false_alarm_rate_max: '<= 0.001 (held-out healthy at trained speeds, UESTC and CWRU)',
      debounced_false_alarms: '0 (3 of 5, held-out healthy)',
      detection_rate_min: '>= 0.999 (every fault recording inside the span)',
      unseen_speed_flag_rate_max: '<= 0.01 (healthy at untrained speeds inside the span)',
      cli_split_unseen_speed_flag_rate_max_800_1200: '<= 0.01 (the same through the split of vigil eval)',
      cli_split_false_alarm_rate_max_800_1200: '<= 0.001 (held-out last 40 % at the trained speeds, split of vigil eval)',
      cli_split_false_alarm_rate_max_800_1400: '<= 0.001 (the same for the 800+1400 span; met since the threshold comes from recordings left out, docs/detection.md 3.4; separate_*: 0.0102 before)',
      cli_split_debounced_false_alarms_800_1400: '0 (3 of 5, the held-out last 40 % at 800 and 1400 rpm)',
      cli_split_debounced_false_alarms_800_1200: '0 (3 of 5, the held-out last 40 % at 800 and 1200 rpm)',
      'weak_fault_detection_0.03': '>= pooled_weak_fault_detection_0.03',
      'weak_fault_detection_0.1': '>= pooled_weak_fault_detection_0.1',
      femto_alarm_snapshot: '< femto_baseline_alarm_snapshot and < femto_rms2x_snapshot, > femto_no_alarm_before',
      node_form_false_alarm_rate_max: '<= 0.001 (what the node runs, its own threshold)',
      node_form_debounced_false_alarms: '0',
      node_form_detection_rate_min: '>= 0.999',
      node_form_unseen_speed_flag_rate_max: '<= 0.01',
      'node_form_weak_fault_detection_0.03': '>= pooled_weak_fault_detection_0.03',
      'node_form_weak_fault_detection_0.1': '>= pooled_weak_fault_detection_0.1',
      node_form_i8_false_alarm_rate_max: '<= 0.001 (the node form with int8 W, what vigil train --speeds writes; its own threshold)',
      node_form_i8_debounced_false_alarms: '0',
      node_form_i8_detection_rate_min: '>= 0.999',
      node_form_i8_unseen_speed_flag_rate_max: '<= 0.01',
      'node_form_i8_weak_fault_detection_0.03': '>= pooled_weak_fault_detection_0.03',
      'node_form_i8_weak_fault_detection_0.1': '>= pooled_weak_fault_detection_0.1',
    },
    notes,
  };
}
