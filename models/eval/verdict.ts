/**
 * The answer a technician needs from an evaluation: is the new model better than the one the node
 * runs, on this machine's own held-out data, and by how much — false alarms per day, fault periods
 * caught, and how soon after a fault starts the alarm comes. Both models are replayed window by
 * window with the node's k-of-n debounce (models/eval/threshold.ts) on the same windows: the
 * held-out end of every normal stretch and every labelled fault period.
 */
import type { DetectorEval, DetectorId, EvaluationReport } from './report';
import { inEnglish, msg, numOf, renderMsg, type Msg, type MsgWords } from '../i18n/msg';
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
  /** The one sentence that leads the page, in English (what the model store keeps). */
  headline: string;
  /** Supporting sentences, one per measure, in English. */
  lines: string[];
  /** What the comparison rests on, in English. */
  basis: string;
  /** The same three as catalogue keys and numbers, for a screen in any language (verdictText). */
  msg: VerdictMsg;
  candidate: ModelOutcome;
  current: ModelOutcome | null;
}

export interface VerdictMsg {
  headline: Msg;
  lines: Msg[];
  basis: Msg;
}

/** The verdict's sentences in the words given (the renderer's t() and number format; English by default). */
export function verdictText(m: VerdictMsg, words?: MsgWords): { headline: string; lines: string[]; basis: string } {
  const say = (x: Msg) => (words ? renderMsg(x, words) : inEnglish(x));
  return { headline: say(m.headline), lines: m.lines.map(say), basis: say(m.basis) };
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

/** "0.3 a day", "fewer than 1 in 100 days", "about 1 every 3 days". */
export function perDayMsg(x: number): Msg {
  if (!Number.isFinite(x)) return msg('verdict.perDay.unknown');
  if (x < 0.01) return msg('verdict.perDay.fewer');
  if (x < 1) return msg('verdict.perDay.every', { n: numOf(Math.round(1 / x)) });
  return msg('verdict.perDay.rate', { n: numOf(x, 2) });
}
export const perDayWords = (x: number) => inEnglish(perDayMsg(x));

/** "4.5 s", "42 s", "4 min". */
export const secondsMsg = (s: number): Msg =>
  s < 10 ? msg('verdict.seconds.s', { n: numOf(s, 2) }) : s < 120 ? msg('verdict.seconds.s', { n: numOf(Math.round(s)) }) : msg('verdict.seconds.min', { n: numOf(s / 60, 2) });
export const secondsWords = (s: number) => inEnglish(secondsMsg(s));

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
  const labels = Object.keys(candidate.faults).join(', ');
  const basis = periods > 0 ? msg('verdict.basis.faults', { normal: secondsMsg(normalSeconds), labels }, periods) : msg('verdict.basis.noFaults', { normal: secondsMsg(normalSeconds) });

  const lines: Msg[] = [];
  const rateKnown = normalSeconds >= RATE_MIN_HELD_OUT_SECONDS;
  const tooLittle = msg('verdict.tooLittle', { held: secondsMsg(normalSeconds), min: secondsMsg(RATE_MIN_HELD_OUT_SECONDS), labelled: secondsMsg(RATE_MIN_HELD_OUT_SECONDS / 0.4) });
  const alarmsLine = (m: ModelOutcome) => msg('verdict.alarms', { rate: perDayMsg(m.falseAlarmsPerDay) }, m.normalAlarms);
  const caughtLine = (m: ModelOutcome) => msg('verdict.caught', { caught: numOf(caughtOf(m)), periods: numOf(periodsOf(m)) });
  const delayLine = (m: ModelOutcome) => (Number.isFinite(delayOf(m)) ? msg('verdict.delay.after', { delay: secondsMsg(delayOf(m)) }) : msg('verdict.delay.never'));
  const done = (judgement: Judgement, headline: Msg, current: ModelOutcome | null): Verdict => {
    const m = { headline, lines, basis };
    return { judgement, ...verdictText(m), msg: m, candidate, current };
  };

  if (!current) {
    const cur = report.detectors.find((d) => d.id === 'current');
    const why = cur?.say?.unavailable ?? cur?.unavailable;
    lines.push(msg('verdict.line.alarmsAlone', { alarms: rateKnown ? alarmsLine(candidate) : tooLittle }));
    if (periods > 0) lines.push(msg('verdict.line.caughtAlone', { caught: caughtLine(candidate), delay: delayLine(candidate) }));
    return done('no comparison', why ? msg('verdict.headline.noCurrentWhy', { why }) : msg('verdict.headline.noCurrent'), current);
  }

  const alarms = rateKnown ? compareAlarms(candidate.falseAlarmsPerDay, current.falseAlarmsPerDay) : 0;
  const caught = Math.sign(caughtOf(candidate) - caughtOf(current));
  const dc = delayOf(candidate);
  const dk = delayOf(current);
  const earlier = Number.isFinite(dc) && Number.isFinite(dk) ? (dc + data.hop / data.sampleRateHz < dk ? 1 : dk + data.hop / data.sampleRateHz < dc ? -1 : 0) : 0;
  // +1 where the new model is better on a measure, -1 where worse.
  const score = [-alarms, caught, earlier];
  const judgement: Judgement = score.every((x) => x >= 0) ? (score.some((x) => x > 0) ? 'better' : 'same') : score.every((x) => x <= 0) ? 'worse' : 'mixed';
  lines.push(rateKnown ? msg('verdict.line.alarms', { candidate: alarmsLine(candidate), current: alarmsLine(current) }) : msg('verdict.line.alarmsUnknown', { tooLittle }));
  if (periods > 0) {
    lines.push(msg('verdict.line.caught', { candidate: caughtLine(candidate), current: caughtLine(current) }));
    lines.push(msg('verdict.line.early', { candidate: delayLine(candidate), current: delayLine(current) }));
  }
  const parts: Msg[] = [];
  if (alarms !== 0) parts.push(msg(alarms < 0 ? 'verdict.part.fewer' : 'verdict.part.more', { candidate: perDayMsg(candidate.falseAlarmsPerDay), current: perDayMsg(current.falseAlarmsPerDay) }));
  if (caught !== 0) parts.push(msg('verdict.part.catches', { candidate: numOf(caughtOf(candidate)), periods: numOf(periods), current: numOf(caughtOf(current)) }));
  if (earlier !== 0) parts.push(msg(earlier > 0 ? 'verdict.part.earlier' : 'verdict.part.later', { candidate: secondsMsg(dc), current: secondsMsg(dk) }));
  const who = msg('verdict.who', { name: current.name.replace(/^node's current model /, '').replace(/[()]/g, '') });
  const main =
    judgement === 'better'
      ? msg('verdict.headline.better', { who, parts })
      : judgement === 'worse'
        ? msg('verdict.headline.worse', { who, parts })
        : judgement === 'mixed'
          ? msg('verdict.headline.mixed', { who, parts })
          : rateKnown
            ? msg('verdict.headline.same', { who })
            : msg('verdict.headline.sameFaults', { who });
  return done(judgement, rateKnown ? main : msg('verdict.headline.unjudged', { headline: main }), current);
}
