/**
 * A node's trend on clock time over a span the technician picks (a minute to a month): which stored
 * resolution a span reads, and how points of mixed resolution (every window, per-second and
 * per-minute summaries, live windows) become what a chart draws — one point per display bin, with
 * a break (null) wherever nothing was recorded. Pure: no DOM, no database (the reads are in
 * renderer/src/db/trends.ts). See docs/storage.md, "Trends".
 */

/** The stored resolutions, finest first: every window, per-second summaries, per-minute summaries. */
export type TrendSource = 'window' | 'second' | 'minute';
export const SOURCE_RANK: Record<TrendSource, number> = { window: 0, second: 1, minute: 2 };

export interface TrendSpan {
  key: '1m' | '10m' | '1h' | '1d' | '1w' | '30d';
  ms: number;
  /** The resolution read from the store for this span. */
  source: TrendSource;
  /** Width of a display bin, ms (about 600 to 1,500 bins a span); 0 draws every point. */
  binMs: number;
}

const MIN = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
const NICE = [100, 250, 500, 1000, 2000, 3000, 5000, 10_000, 15_000, 30_000, MIN, 2 * MIN, 5 * MIN, 10 * MIN, 15 * MIN, 30 * MIN, HOUR, 2 * HOUR, 6 * HOUR, 12 * HOUR, DAY];
function niceBin(ms: number): number {
  return NICE.find((n) => n >= ms) ?? DAY;
}

/**
 * Every window for a minute (about 5,600 at 94 windows/s) and ten minutes (in 0.5 s bins); the
 * per-second summaries for an hour (3 s bins) and a day (1 min bins: 1,440 stored rows); the
 * per-minute summaries for a week (10 min bins) and a month (30 min bins: 720 stored rows, 43,200
 * minutes).
 */
export const SPANS: readonly TrendSpan[] = (
  [
    ['1m', MIN],
    ['10m', 10 * MIN],
    ['1h', HOUR],
    ['1d', DAY],
    ['1w', 7 * DAY],
    ['30d', 30 * DAY],
  ] as const
).map(([key, ms]) => ({ key, ms, ...resolutionFor(ms) }));

/**
 * The span a node's analysis opens with the first time: the last minute, every window, redrawn at
 * every frame as windows arrive (longer spans redraw four times a second or once a second); the
 * technician's choice is kept after that.
 */
export const DEFAULT_SPAN: TrendSpan['key'] = '1m';

export function spanOf(key: string | null | undefined): TrendSpan {
  return SPANS.find((s) => s.key === key) ?? SPANS.find((s) => s.key === DEFAULT_SPAN)!;
}

/**
 * The resolution and display bin for any time range (a span, or a range the technician zoomed
 * into): the finest stored resolution that keeps the read small — every window up to 15 minutes,
 * per-second summaries up to 2 days, per-minute beyond — and bins of about 1/1,440 of the range
 * (none below 2 minutes: every window is drawn).
 */
export function resolutionFor(rangeMs: number): { source: TrendSource; binMs: number } {
  const source: TrendSource = rangeMs <= 15 * MIN ? 'window' : rangeMs <= 2 * DAY ? 'second' : 'minute';
  const floor = source === 'window' ? 0 : source === 'second' ? 1000 : MIN;
  const binMs = rangeMs <= 2 * MIN ? 0 : Math.max(floor, niceBin(rangeMs / 1440));
  return { source, binMs };
}


/**
 * Points of a node's trend, each covering [t, t + len) of wall-clock time (len 0 for one window):
 * RMS (g) and velocity RMS (mm/s) per axis as means, the anomaly score as the largest in the point
 * (a spike over the threshold stays visible however long the bin), NaN where not recorded.
 */
export interface TrendPoints {
  axes: number;
  t: number[];
  len: number[];
  /** SOURCE_RANK of where each point came from. */
  res: number[];
  rms: number[][];
  vel: number[][];
  score: number[];
}

export function emptyPoints(axes: number): TrendPoints {
  return { axes, t: [], len: [], res: [], rms: Array.from({ length: axes }, () => []), vel: Array.from({ length: axes }, () => []), score: [] };
}

export function pushPoint(p: TrendPoints, t: number, len: number, res: number, rms: ArrayLike<number>, vel: ArrayLike<number>, score: number): void {
  p.t.push(t);
  p.len.push(len);
  p.res.push(res);
  for (let a = 0; a < p.axes; a++) {
    p.rms[a].push(a < rms.length ? rms[a] : NaN);
    p.vel[a].push(a < vel.length ? vel[a] : NaN);
  }
  p.score.push(score);
}

/** The points of `p` in time order (a stable sort by t). */
export function sortPoints(p: TrendPoints): TrendPoints {
  const n = p.t.length;
  let sorted = true;
  for (let i = 1; i < n && sorted; i++) if (p.t[i] < p.t[i - 1]) sorted = false;
  if (sorted) return p;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => p.t[a] - p.t[b] || a - b);
  const pick = <T>(xs: T[]) => idx.map((i) => xs[i]);
  return { axes: p.axes, t: pick(p.t), len: pick(p.len), res: pick(p.res), rms: p.rms.map(pick), vel: p.vel.map(pick), score: pick(p.score) };
}

/** The end of the last point, ms (−Infinity when none). */
export function pointsEnd(p: TrendPoints): number {
  let end = -Infinity;
  for (let i = 0; i < p.t.length; i++) end = Math.max(end, p.t[i] + p.len[i]);
  return end;
}

/** What a chart draws: x in seconds (uPlot's time unit), null where the line breaks. */
export interface TrendPlot {
  x: number[];
  rms: (number | null)[][];
  vel: (number | null)[][];
  score: (number | null)[];
  /** The display bin actually used, ms (0: every point). */
  binMs: number;
  /** Stretches drawn from a coarser resolution than asked for (retention compacted the finer one). */
  coarser: { fromMs: number; toMs: number; res: number }[];
  /** Points that fell in [fromMs, toMs). */
  points: number;
}

function median(xs: number[]): number {
  if (xs.length === 0) return 0;
  const s = xs.slice().sort((a, b) => a - b);
  return s[s.length >> 1];
}

/** The typical spacing of consecutive single-window points (len 0) in [from, to), ms. */
function windowStep(parts: readonly TrendPoints[], from: number, to: number): number {
  const d: number[] = [];
  for (const p of parts) {
    for (let i = 1; i < p.t.length && d.length < 2000; i++) {
      if (p.len[i] === 0 && p.len[i - 1] === 0 && p.t[i] >= from && p.t[i] < to) {
        const dt = p.t[i] - p.t[i - 1];
        if (dt > 0) d.push(dt);
      }
    }
  }
  return median(d);
}

/**
 * Bins the points of [fromMs, toMs) for drawing: `p` is one set of points, or several in time
 * order (the stored ones, then the live ones: nothing is copied). `binMs` 0 draws every point,
 * breaking the line where consecutive points are more than three typical steps apart (past the
 * end of a summary); otherwise a point counts in every bin it covers, RMS and velocity are
 * averaged, the score takes the largest, and an empty bin breaks the line. A bin is never
 * narrower than two window steps, so a slow node's windows do not read as gaps.
 */
export function binTrend(p: TrendPoints | readonly TrendPoints[], fromMs: number, toMs: number, binMs: number, askedRes = 0): TrendPlot {
  const parts: readonly TrendPoints[] = Array.isArray(p) ? p : [p as TrendPoints];
  const axes = parts[0]?.axes ?? 0;
  const step = windowStep(parts, fromMs, toMs);
  const coarser: TrendPlot['coarser'] = [];
  // The points of each part inside [fromMs, toMs): [first, end) (parts are in time order).
  const ranges = parts.map((q) => {
    let a = 0;
    while (a < q.t.length && (q.len[a] > 0 ? q.t[a] + q.len[a] <= fromMs : q.t[a] < fromMs)) a++;
    let b = q.t.length;
    while (b > a && q.t[b - 1] >= toMs) b--;
    return [a, b] as const;
  });
  let points = 0;
  parts.forEach((q, k) => {
    const [a, b] = ranges[k];
    points += b - a;
    for (let i = a; i < b; i++) {
      if (q.res[i] <= askedRes) continue;
      const last = coarser[coarser.length - 1];
      const end = q.t[i] + q.len[i];
      if (last && last.res === q.res[i] && q.t[i] <= last.toMs + Math.max(q.len[i], 1000)) last.toMs = Math.max(last.toMs, end);
      else coarser.push({ fromMs: q.t[i], toMs: end, res: q.res[i] });
    }
  });
  const val = (v: number): number | null => (v === v && v !== Infinity && v !== -Infinity ? v : null);
  if (binMs <= 0) {
    // Every point, and a break (null) where consecutive ones are too far apart.
    const gap = Math.max(3 * step, 1);
    const x: number[] = [];
    const rms: (number | null)[][] = Array.from({ length: axes }, () => []);
    const vel: (number | null)[][] = Array.from({ length: axes }, () => []);
    const score: (number | null)[] = [];
    let prevEnd = NaN;
    parts.forEach((q, k) => {
      const [a, b] = ranges[k];
      for (let i = a; i < b; i++) {
        const t = q.t[i];
        if (t - prevEnd > gap + (q.len[i] > 0 ? 1000 : 0)) {
          x.push((prevEnd + t) / 2000);
          for (let ax = 0; ax < axes; ax++) {
            rms[ax].push(null);
            vel[ax].push(null);
          }
          score.push(null);
        }
        x.push(t / 1000);
        for (let ax = 0; ax < axes; ax++) {
          rms[ax].push(val(q.rms[ax][i]));
          vel[ax].push(val(q.vel[ax][i]));
        }
        score.push(val(q.score[i]));
        prevEnd = t + q.len[i];
      }
    });
    return { x, rms, vel, score, binMs: 0, coarser, points };
  }
  const B = Math.max(binMs, 2 * step);
  const nb = Math.max(1, Math.ceil((toMs - fromMs) / B));
  const sumR = new Float64Array(axes * nb);
  const nR = new Uint32Array(axes * nb);
  const sumV = new Float64Array(axes * nb);
  const nV = new Uint32Array(axes * nb);
  const maxS = new Float64Array(nb).fill(-Infinity);
  const any = new Uint8Array(nb);
  parts.forEach((q, k) => {
    const [a, b] = ranges[k];
    const tt = q.t;
    const ll = q.len;
    const sc = q.score;
    for (let i = a; i < b; i++) {
      const t = tt[i];
      const len = ll[i];
      const b0 = t <= fromMs ? 0 : Math.floor((t - fromMs) / B);
      const b1 = len > 0 ? Math.min(nb - 1, Math.floor((t + len - 1 - fromMs) / B)) : b0;
      const s = sc[i];
      for (let bin = b0; bin <= b1; bin++) {
        any[bin] = 1;
        for (let ax = 0; ax < axes; ax++) {
          const r = q.rms[ax][i];
          const o = ax * nb + bin;
          if (r === r) {
            sumR[o] += r;
            nR[o]++;
          }
          const v = q.vel[ax][i];
          if (v === v) {
            sumV[o] += v;
            nV[o]++;
          }
        }
        if (s > maxS[bin]) maxS[bin] = s;
      }
    }
  });
  const x: number[] = [];
  const rms: (number | null)[][] = Array.from({ length: axes }, () => []);
  const vel: (number | null)[][] = Array.from({ length: axes }, () => []);
  const score: (number | null)[] = [];
  let broken = false;
  for (let bin = 0; bin < nb; bin++) {
    const t = (fromMs + (bin + 0.5) * B) / 1000;
    if (!any[bin]) {
      // One break per run of empty bins is enough for the line; more would only cost points.
      if (!broken) {
        x.push(t);
        for (let ax = 0; ax < axes; ax++) {
          rms[ax].push(null);
          vel[ax].push(null);
        }
        score.push(null);
      }
      broken = true;
      continue;
    }
    broken = false;
    x.push(t);
    for (let ax = 0; ax < axes; ax++) {
      const o = ax * nb + bin;
      rms[ax].push(nR[o] ? sumR[o] / nR[o] : null);
      vel[ax].push(nV[o] ? sumV[o] / nV[o] : null);
    }
    score.push(maxS[bin] > -Infinity ? maxS[bin] : null);
  }
  return { x, rms, vel, score, binMs: B, coarser, points };
}

/**
 * A language's date and decimal-mark formatters, made once: building an Intl formatter costs far
 * more than using one, and tick labels are made at every redraw of every trend chart (measured with
 * `npm run bench -- ingest --profile`: 0.69 s of 30 s on the live page before this cache).
 */
const formatsByLocale = new Map<string, { dayFmt: Intl.DateTimeFormat; decimal: string }>();
function localeFormats(locale: string): { dayFmt: Intl.DateTimeFormat; decimal: string } {
  let f = formatsByLocale.get(locale);
  if (!f) {
    const decimal = new Intl.NumberFormat(locale).formatToParts(0.5).find((p) => p.type === 'decimal')?.value ?? '.';
    f = { dayFmt: new Intl.DateTimeFormat(locale, { day: 'numeric', month: 'short' }), decimal };
    formatsByLocale.set(locale, f);
  }
  return f;
}

/**
 * Clock-time tick labels (local time) for a time axis in seconds: HH:MM:SS below a minute's step
 * (with tenths, hundredths or thousandths below a second's, the decimal mark of the language),
 * HH:MM up to a day's (with the date under the first tick and where the day changes, once the
 * step is 10 minutes or more), the date ("6 Dec", "6 dic") for steps of a day or more.
 */
export function clockTickLabels(splits: readonly (number | null)[], incrS: number, locale: string): string[] {
  const d2 = (n: number) => String(n).padStart(2, '0');
  const { dayFmt, decimal } = localeFormats(locale);
  // The date is formatted only where it is shown: Intl formatting is the costly part of a redraw.
  const withDay = incrS >= 600;
  let prevDay = '';
  return splits.map((s, i) => {
    if (s == null || !Number.isFinite(s)) return '';
    const d = new Date(Math.round(s * 1000));
    const day = withDay ? dayFmt.format(d) : '';
    if (incrS >= 86_400) return day;
    const hm = `${d2(d.getHours())}:${d2(d.getMinutes())}`;
    // Below a second's step, the tenths (or finer) that tell the ticks apart.
    const digits = incrS >= 1 ? 0 : incrS >= 0.1 ? 1 : incrS >= 0.01 ? 2 : 3;
    const frac = digits > 0 ? `${decimal}${String(d.getMilliseconds()).padStart(3, '0').slice(0, digits)}` : '';
    const time = incrS < 60 ? `${hm}:${d2(d.getSeconds())}${frac}` : hm;
    const showDay = withDay && (i === 0 || day !== prevDay);
    prevDay = day;
    return showDay ? `${time}\n${day}` : time;
  });
}
