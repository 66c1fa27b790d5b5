/**
 * Drawing helpers of a node's live analysis (renderer/src/live/analysisView.ts): the number
 * format of its axes and legends, the ISO zones behind the velocity, the dashed alarm threshold,
 * the live windows as trend points on the clock, the line that says what the trend is drawn
 * from, and the spectrum chart's options. Kept apart so the view stays about wiring the charts together.
 */
import uPlot from 'uplot';
import { formatDateTime, formatFixed, formatNumber } from '../format';
import { t } from '../i18n';
import type { ZoneBand } from './analysisLogic';
import { emptyPoints, pushPoint, SOURCE_RANK, type TrendPlot, type TrendPoints, type TrendSource } from './trendSpan';
import { rmsCol, scoreCol, velCol, type NodeTrend } from './trendStore';

export const AXIS_STROKE = '#3a3f47';
export const GRID = { stroke: '#e3e6ea', width: 1 };

/** A value for an axis or a legend: three significant digits, exponent below 0.001. */
export function fmt(v: number): string {
  if (!Number.isFinite(v)) return '—';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 100) return formatNumber(v, 0);
  if (a >= 1e-3) return formatFixed(v, Math.max(0, 2 - Math.floor(Math.log10(a))));
  const [m, e] = v.toExponential(2).split('e');
  return `${formatFixed(Number(m), 2)}e${e}`;
}

/** The ISO zones shaded behind a velocity chart, each named where there is room. */
export function drawZones(u: uPlot, zones: readonly ZoneBand[]): void {
  const { left, top, width, height } = u.bbox;
  const ctx = u.ctx;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.font = `bold ${12 * dpr}px sans-serif`;
  ctx.textAlign = 'right';
  ctx.textBaseline = 'top';
  for (const z of zones) {
    const y0 = Math.min(top + height, u.valToPos(z.from, 'y', true));
    const y1 = Math.max(top, Number.isFinite(z.to) ? u.valToPos(z.to, 'y', true) : top);
    if (y0 <= top || y1 >= top + height) continue;
    ctx.fillStyle = z.colour;
    ctx.fillRect(left, y1, width, y0 - y1);
    ctx.fillStyle = AXIS_STROKE;
    if (y0 - y1 > 14 * dpr) ctx.fillText(t('live.an.zone', { zone: z.zone }), left + width - 6 * dpr, y1 + 3 * dpr);
  }
  ctx.restore();
}

/** The alarm threshold as a dashed red line across a score chart, with its value. */
export function drawThreshold(u: uPlot, th: number | null): void {
  if (th === null || !Number.isFinite(th)) return;
  const { left, top, width, height } = u.bbox;
  const y = u.valToPos(th, 'y', true);
  if (y < top || y > top + height) return;
  const ctx = u.ctx;
  const dpr = devicePixelRatio || 1;
  ctx.save();
  ctx.strokeStyle = '#b3261e';
  ctx.lineWidth = 1.5 * dpr;
  ctx.setLineDash([6 * dpr, 4 * dpr]);
  ctx.beginPath();
  ctx.moveTo(left, y);
  ctx.lineTo(left + width, y);
  ctx.stroke();
  ctx.fillStyle = '#b3261e';
  ctx.font = `${11 * dpr}px sans-serif`;
  ctx.textAlign = 'left';
  ctx.textBaseline = 'bottom';
  ctx.fillText(t('live.an.threshold', { value: fmt(th) }), left + 4 * dpr, y - 2 * dpr);
  ctx.restore();
}

/** The live windows of a node's ring from `fromMs` on, on the wall clock (`offsetMs` at node time 0); none until that clock is known. */
export function livePoints(n: NodeTrend | null, axes: number, offsetMs: number, fromMs: number): TrendPoints {
  const out = emptyPoints(axes);
  if (!n || n.ring.length === 0 || !Number.isFinite(offsetMs)) return out;
  const v = n.ring.views();
  const rms = new Float64Array(axes);
  const vel = new Float64Array(axes);
  for (let i = 0; i < v.t.length; i++) {
    const tm = offsetMs + v.t[i] * 1000;
    if (tm < fromMs) continue;
    for (let a = 0; a < axes; a++) {
      rms[a] = a < n.axes ? v.y[rmsCol(a)][i] : NaN;
      vel[a] = a < n.axes ? v.y[velCol(n.axes, a)][i] : NaN;
    }
    pushPoint(out, tm, 0, SOURCE_RANK.window, rms, vel, v.y[scoreCol(n.axes)][i]);
  }
  return out;
}

/** Breaks in a plot's line: runs of empty bins between drawn points (first axis's RMS). */
export function gapCount(p: TrendPlot): number {
  const r0 = p.rms[0] ?? [];
  let last = r0.findIndex((x) => x !== null);
  let gaps = 0;
  for (let i = last + 1; last >= 0 && i < r0.length; i++) {
    if (r0[i] !== null) {
      if (i > last + 1) gaps++;
      last = i;
    }
  }
  return gaps;
}

/** What the trend is drawn from, and the widest stretch retention compacted below what was asked. */
export function trendNote(p: TrendPlot, source: TrendSource): { text: string; compacted: boolean } {
  const bin = p.binMs >= 60_000 ? t('live.an.trend.minutes', { count: p.binMs / 60_000 }) : t('live.an.trend.seconds', { n: formatNumber(p.binMs / 1000, 1) });
  const parts = [p.binMs > 0 ? t(`live.an.trend.binned.${source}`, { bin }) : t(`live.an.trend.every.${source}`)];
  const c = p.coarser.reduce<TrendPlot['coarser'][number] | null>((w, r) => (!w || r.toMs - r.fromMs > w.toMs - w.fromMs ? r : w), null);
  if (c) parts.push(t(c.res === SOURCE_RANK.minute ? 'live.an.trend.compactedMinutes' : 'live.an.trend.compactedSeconds', { from: formatDateTime(c.fromMs), to: formatDateTime(c.toMs) }));
  if (p.points === 0) parts.push(t('live.an.trend.empty'));
  return { text: parts.join(' '), compacted: c !== null };
}

/** A spectrum chart's options: log–log, the PSD as a line or the band RMS as bars, over its baseline (dashed). */
export function spectrumOptions(kind: 'psd' | 'bands', unit: string, width: number, onXScale: (u: uPlot) => void): uPlot.Options {
  const bars = kind === 'bands';
  return {
    width,
    height: 220,
    series: [
      { label: t('live.an.freq'), value: (_u, v) => (v == null ? '—' : `${fmt(v)} Hz`) },
      {
        label: t(bars ? 'live.an.bandRms' : 'live.an.psd'),
        stroke: '#0b5cad',
        fill: bars ? 'rgba(11,92,173,0.35)' : undefined,
        width: bars ? 1 : 1.2,
        points: { show: false },
        paths: bars ? uPlot.paths.stepped!({ align: 1 }) : undefined,
        value: (_u, v) => (v == null ? '—' : `${fmt(v)} ${unit}`),
      },
      { label: t('live.an.baseline'), stroke: '#6b7280', width: 1.5, dash: [6, 4], points: { show: false }, paths: bars ? uPlot.paths.stepped!({ align: 1 }) : undefined, value: (_u, v) => (v == null ? '—' : `${fmt(v)} ${unit}`) },
    ],
    scales: {
      // From the decade below the lowest frequency, so the log axis ticks at 10, 100, 1000 Hz.
      x: {
        time: false,
        distr: 3,
        range: (u, min, max) => {
          const x = u.data[0];
          if (x.length < 2) return [1, 10];
          const lo = x[0];
          const hi = x[x.length - 1];
          return min <= lo && max >= hi ? [Math.pow(10, Math.floor(Math.log10(lo))), hi] : [min, max];
        },
      },
      y: { distr: 3, range: (_u, _min, max) => [max * (bars ? 1e-4 : 1e-7), max * 2] },
    },
    axes: [
      { label: `${t('live.an.freq')} (Hz)`, stroke: AXIS_STROKE, grid: GRID, ticks: GRID, values: (_u, s) => s.map((v) => (v == null ? '' : formatNumber(v, 1))) },
      { label: `${t(bars ? 'live.an.bandRms' : 'live.an.psdShort')} (${unit})`, stroke: AXIS_STROKE, grid: GRID, ticks: GRID, size: 70, values: (_u, s) => s.map((v) => (v == null ? '' : fmt(v))) },
    ],
    cursor: { drag: { x: true, y: false, setScale: true } },
    legend: { show: true },
    hooks: { setScale: [(u, key) => key === 'x' && onXScale(u)] },
  };
}
