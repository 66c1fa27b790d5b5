/**
 * The answer a technician needs from an evaluation: is the new model better than the one the node
 * runs, on this machine's own held-out data, and by how much — false alarms per day, fault periods
 * caught, and how soon after a fault starts the alarm comes. Both models are replayed window by
 * window with the node's k-of-n debounce (models/eval/threshold.ts) on the same windows: the
 * held-out end of every normal stretch and every labelled fault period.
 */
import type { DetectorEval, DetectorId, EvaluationReport } from './report';
import { debounceAlarms } from './threshold';

/** Where each evaluated window came from (models/train/dataset.ts WindowSet, the columns used here). */
export interface WindowOrigin {
  sourceIndex: ArrayLike<number>;
  start: ArrayLike<number>;
}

export interface VerdictData {
  testNormal: WindowOrigin;
  anomalies: Map<string, WindowOrigin>;
  sampleRateHz: number;
  hop: number;
}

export interface ModelOutcome {
  id: DetectorId;
  name: string;
  /** Expected false alarms per day (independent windows, models/eval/report.ts). */
  falseAlarmsPerDay: number;
  /** Debounced alarms actually raised on the held-out normal windows. */
  normalAlarms: number;
  /** Per fault label: periods, periods caught, seconds from each caught period's start to its alarm. */
  faults: Record<string, { periods: number; caught: number; delaysS: number[] }>;
}

export type Judgement = 'better' | 'worse' | 'mixed' | 'same' | 'no comparison';

export interface Verdict {
  judgement: Judgement;
  /** The one sentence that leads the page. */
  headline: string;
  /** Supporting sentences, one per measure. */
  lines: string[];
  /** What the comparison rests on. */
  basis: string;
  candidate: ModelOutcome;
  current: ModelOutcome | null;
}

/** Groups window positions by source, in time order within each source. */
function bySource(o: WindowOrigin): number[][] {
  const groups = new Map<number, number[]>();
  for (let i = 0; i < o.sourceIndex.length; i++) groups.set(o.sourceIndex[i], [...(groups.get(o.sourceIndex[i]) ?? []), i]);
  return [...groups.values()].map((g) => g.sort((a, b) => o.start[a] - o.start[b]));
}

function outcomeOf(d: DetectorEval, data: VerdictData, k: number, n: number): ModelOutcome {
  const s = d.scores;
  if (!s) throw new Error(`the evaluation of ${d.name} kept no scores`);
  let normalAlarms = 0;
  for (const g of bySource(data.testNormal)) normalAlarms += debounceAlarms(g.map((i) => s.testNormal[i] > d.threshold), k, n).length;
  const faults: ModelOutcome['faults'] = {};
  for (const [label, origin] of data.anomalies) {
    const scores = s.anomalies[label] ?? [];
    const f = { periods: 0, caught: 0, delaysS: [] as number[] };
    for (const g of bySource(origin)) {
      f.periods++;
      const onsets = debounceAlarms(g.map((i) => scores[i] > d.threshold), k, n);
      if (onsets.length === 0) continue;
      f.caught++;
      const i = g[onsets[0]];
      f.delaysS.push((origin.start[i] - origin.start[g[0]] + data.hop) / data.sampleRateHz);
    }
    faults[label] = f;
  }
  return { id: d.id, name: d.name, falseAlarmsPerDay: d.falseAlarmsPerDay, normalAlarms, faults };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const caughtOf = (m: ModelOutcome) => sum(Object.values(m.faults).map((f) => f.caught));
const periodsOf = (m: ModelOutcome) => sum(Object.values(m.faults).map((f) => f.periods));
const median = (xs: number[]) => {
  if (xs.length === 0) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const delayOf = (m: ModelOutcome) => median(Object.values(m.faults).flatMap((f) => f.delaysS));

/** "0.3 a day", "fewer than 0.01 a day", "about 1 every 3 days". */
export function perDayWords(x: number): string {
  if (!Number.isFinite(x)) return 'unknown';
  if (x < 0.01) return 'fewer than 1 in 100 days';
  if (x < 1) return `about 1 every ${Math.round(1 / x)} days`;
  return `${Number(x.toPrecision(2))} a day`;
}

export const secondsWords = (s: number) => (s < 10 ? `${Number(s.toPrecision(2))} s` : s < 120 ? `${Math.round(s)} s` : `${Number((s / 60).toPrecision(2))} min`);

/**
 * Held-out normal running below this tells nothing about false alarms a day: neither the alarms
 * counted on it (none in a few seconds says nothing) nor their extrapolation from the share of
 * windows over the threshold. 240 s is the held-out 40% of the 10 minutes of normal running that
 * the data check calls enough (models/train/stored.ts NORMAL_ENOUGH_SECONDS).
 */
export const RATE_MIN_HELD_OUT_SECONDS = 240;

/** False-alarm rates that differ by less than this factor (or both below 0.01 a day) count as the same. */
const ALARM_FACTOR = 1.5;

function compareAlarms(a: number, b: number): -1 | 0 | 1 {
  if (a < 0.01 && b < 0.01) return 0;
  if (a * ALARM_FACTOR < b) return -1;
  if (b * ALARM_FACTOR < a) return 1;
  return 0;
}

/**
 * Compares the new model (int8 when quantized, else float) with the node's current one on the same
 * windows, from an evaluation that kept its scores.
 */
export function verdictOf(report: EvaluationReport, data: VerdictData): Verdict {
  const { k, n } = report.debounce;
  const usable = (id: DetectorId) => report.detectors.find((d) => d.id === id && !d.unavailable && d.scores);
  const cand = usable('int8') ?? usable('float');
  if (!cand) throw new Error('the evaluation has no new model to judge');
  const candidate = outcomeOf(cand, data, k, n);
  const cur = usable('current');
  const current = cur ? outcomeOf(cur, data, k, n) : null;
  const normalWindows = data.testNormal.sourceIndex.length;
  const normalSeconds = (normalWindows * data.hop) / data.sampleRateHz;
  const periods = periodsOf(candidate);
  const basis =
    `Judged on ${secondsWords(normalSeconds)} of normal running held out from training (the end of each normal stretch)` +
    (periods > 0 ? ` and ${periods} labelled fault period${periods === 1 ? '' : 's'} (${Object.keys(candidate.faults).join(', ')}), which no model was trained on.` : '; no fault is labelled in this data, so only false alarms can be compared.');

  const lines: string[] = [];
  const rateKnown = normalSeconds >= RATE_MIN_HELD_OUT_SECONDS;
  const tooLittle =
    `too little normal running was held out to tell (${secondsWords(normalSeconds)}; it takes at least ${secondsWords(RATE_MIN_HELD_OUT_SECONDS)}, ` +
    `from about ${secondsWords(RATE_MIN_HELD_OUT_SECONDS / 0.4)} of labelled normal running)`;
  const alarmsLine = (m: ModelOutcome) => `${perDayWords(m.falseAlarmsPerDay)} (${m.normalAlarms} alarm${m.normalAlarms === 1 ? '' : 's'} on the held-out normal data)`;
  const caughtLine = (m: ModelOutcome) => `${caughtOf(m)} of ${periodsOf(m)} fault periods`;
  const delayLine = (m: ModelOutcome) => (Number.isFinite(delayOf(m)) ? `${secondsWords(delayOf(m))} after a fault starts` : 'never');

  if (!current) {
    const why = report.detectors.find((d) => d.id === 'current')?.unavailable;
    lines.push(`False alarms: ${rateKnown ? alarmsLine(candidate) : tooLittle}.`);
    if (periods > 0) lines.push(`Faults caught: ${caughtLine(candidate)}; the alarm comes ${delayLine(candidate)} (median).`);
    return {
      judgement: 'no comparison',
      headline: why ? `The node's current model cannot be compared on this data (${why}). The new model on its own:` : 'There is no current model to compare with. The new model on its own:',
      lines,
      basis,
      candidate,
      current,
    };
  }

  const alarms = rateKnown ? compareAlarms(candidate.falseAlarmsPerDay, current.falseAlarmsPerDay) : 0;
  const caught = Math.sign(caughtOf(candidate) - caughtOf(current));
  const dc = delayOf(candidate);
  const dk = delayOf(current);
  const earlier = Number.isFinite(dc) && Number.isFinite(dk) ? (dc + data.hop / data.sampleRateHz < dk ? 1 : dk + data.hop / data.sampleRateHz < dc ? -1 : 0) : 0;
  // +1 where the new model is better on a measure, -1 where worse.
  const score = [-alarms, caught, earlier];
  const judgement: Judgement = score.every((x) => x >= 0) ? (score.some((x) => x > 0) ? 'better' : 'same') : score.every((x) => x <= 0) ? 'worse' : 'mixed';
  lines.push(rateKnown ? `False alarms: ${alarmsLine(candidate)}, against ${alarmsLine(current)} for the current model.` : `False alarms, for either model: ${tooLittle}.`);
  if (periods > 0) {
    lines.push(`Faults caught: ${caughtLine(candidate)}, against ${caughtLine(current)}.`);
    lines.push(`How early: the alarm comes ${delayLine(candidate)}, against ${delayLine(current)} (median).`);
  }
  const parts: string[] = [];
  if (alarms !== 0) parts.push(`${alarms < 0 ? 'fewer' : 'more'} false alarms (${perDayWords(candidate.falseAlarmsPerDay)} instead of ${perDayWords(current.falseAlarmsPerDay)})`);
  if (caught !== 0) parts.push(`catches ${caughtOf(candidate)} of ${periods} fault periods instead of ${caughtOf(current)}`);
  if (earlier !== 0) parts.push(`alarms ${earlier > 0 ? 'earlier' : 'later'} (${secondsWords(dc)} instead of ${secondsWords(dk)} after a fault starts)`);
  const who = `the model the node runs now (${current.name.replace(/^node's current model /, '').replace(/[()]/g, '')})`;
  const unjudged = rateKnown ? '' : ' False alarms cannot be judged yet: record more normal running and train again.';
  const headline =
    (judgement === 'better'
      ? `The new model is better than ${who}: ${parts.join(', ')}.`
      : judgement === 'worse'
        ? `The new model is worse than ${who}: ${parts.join(', ')}. Keep the current one.`
        : judgement === 'mixed'
          ? `The new model is better in one way and worse in another than ${who}: ${parts.join(', ')}. Weigh which matters more on this machine.`
          : rateKnown
            ? `The new model does as well as ${who} on this data: no gain from deploying it.`
            : `The new model does as well as ${who} on the faults in this data.`) + unjudged;
  return { judgement, headline, lines, basis, candidate, current };
}
