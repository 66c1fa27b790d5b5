/**
 * The answer a technician needs from an evaluation: is the new model better than the one the node
 * runs, on this machine's own held-out data, and by how much — false alarms per day, fault periods
 * caught, and how soon after a fault starts the alarm comes. Both models are replayed window by
 * window with the node's k-of-n debounce (models/eval/threshold.ts) on the same windows: the
 * held-out end of every normal stretch and every labelled fault period.
 */
import { makeI18n, type I18n } from '../i18n';
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

let english: I18n | null = null;
/** English, for the CLI and wherever no language is given (made once, on first use). */
function en(): I18n {
  return (english ??= makeI18n('en'));
}

/** x to two significant digits in the language ("2.3" / "2,3"). */
function sig2(x: number, i18n: I18n): string {
  return new Intl.NumberFormat(i18n.lang, { maximumSignificantDigits: 2, useGrouping: false }).format(x);
}

/** "0.3 a day", "fewer than 1 in 100 days", "about 1 every 3 days" (verdict.perDay.*). */
export function perDayWords(x: number, i18n: I18n = en()): string {
  if (!Number.isFinite(x)) return i18n.t('verdict.perDay.unknown');
  if (x < 0.01) return i18n.t('verdict.perDay.rare');
  if (x < 1) return i18n.t('verdict.perDay.every', { n: Math.round(1 / x) });
  return i18n.t('verdict.perDay.rate', { x: sig2(x, i18n) });
}

export const secondsWords = (s: number, i18n: I18n = en()) =>
  s < 10 ? i18n.t('verdict.seconds', { x: sig2(s, i18n) }) : s < 120 ? i18n.t('verdict.seconds', { x: String(Math.round(s)) }) : i18n.t('verdict.minutes', { x: sig2(s / 60, i18n) });

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
export function verdictOf(report: EvaluationReport, data: VerdictData, i18n: I18n = en()): Verdict {
  const t = i18n.t;
  const secs = (x: number) => secondsWords(x, i18n);
  const perDay = (x: number) => perDayWords(x, i18n);
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
    t('verdict.basis', { normal: secs(normalSeconds) }) +
    (periods > 0 ? t('verdict.basisFaults', { count: periods, labels: Object.keys(candidate.faults).join(', ') }) : t('verdict.basisNoFault'));

  const lines: string[] = [];
  const rateKnown = normalSeconds >= RATE_MIN_HELD_OUT_SECONDS;
  const tooLittle = t('verdict.tooLittle', { held: secs(normalSeconds), min: secs(RATE_MIN_HELD_OUT_SECONDS), labelled: secs(RATE_MIN_HELD_OUT_SECONDS / 0.4) });
  const alarmsLine = (m: ModelOutcome) => t('verdict.alarms', { rate: perDay(m.falseAlarmsPerDay), count: m.normalAlarms });
  const caughtLine = (m: ModelOutcome) => t('verdict.caught', { caught: caughtOf(m), periods: periodsOf(m) });
  const delayLine = (m: ModelOutcome) => (Number.isFinite(delayOf(m)) ? t('verdict.after', { time: secs(delayOf(m)) }) : t('verdict.never'));

  if (!current) {
    const why = report.detectors.find((d) => d.id === 'current')?.unavailable;
    lines.push(t('verdict.line.falseAlarms', { what: rateKnown ? alarmsLine(candidate) : tooLittle }));
    if (periods > 0) lines.push(t('verdict.line.faultsAlone', { caught: caughtLine(candidate), delay: delayLine(candidate) }));
    return {
      judgement: 'no comparison',
      headline: why ? t('verdict.headline.cannotCompare', { why }) : t('verdict.headline.noCurrent'),
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
  lines.push(rateKnown ? t('verdict.line.falseAlarmsVs', { cand: alarmsLine(candidate), cur: alarmsLine(current) }) : t('verdict.line.falseAlarmsEither', { why: tooLittle }));
  if (periods > 0) {
    lines.push(t('verdict.line.faultsVs', { cand: caughtLine(candidate), cur: caughtLine(current) }));
    lines.push(t('verdict.line.earlyVs', { cand: delayLine(candidate), cur: delayLine(current) }));
  }
  const parts: string[] = [];
  if (alarms !== 0) parts.push(t(alarms < 0 ? 'verdict.part.fewer' : 'verdict.part.more', { cand: perDay(candidate.falseAlarmsPerDay), cur: perDay(current.falseAlarmsPerDay) }));
  if (caught !== 0) parts.push(t('verdict.part.catches', { caught: caughtOf(candidate), periods, cur: caughtOf(current) }));
  if (earlier !== 0) parts.push(t(earlier > 0 ? 'verdict.part.earlier' : 'verdict.part.later', { cand: secs(dc), cur: secs(dk) }));
  const who = t('verdict.who', { name: current.name.replace(/^node's current model /, '').replace(/[()]/g, '') });
  const unjudged = rateKnown ? '' : t('verdict.unjudged');
  const joined = parts.join(', ');
  const headline =
    (judgement === 'better'
      ? t('verdict.headline.better', { who, parts: joined })
      : judgement === 'worse'
        ? t('verdict.headline.worse', { who, parts: joined })
        : judgement === 'mixed'
          ? t('verdict.headline.mixed', { who, parts: joined })
          : rateKnown
            ? t('verdict.headline.same', { who })
            : t('verdict.headline.sameFaults', { who })) + unjudged;
  return { judgement, headline, lines, basis, candidate, current };
}
