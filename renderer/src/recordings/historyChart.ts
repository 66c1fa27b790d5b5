/**
 * The chart of a stored recording: one feature of every axis against wall-clock time, labelled
 * ranges shaded behind it, and drag-to-select for labelling (uPlot's cursor.drag + setSelect).
 * Imperative like the Live chart; React only mounts it and hands it data.
 */
import uPlot from 'uplot';
import type { ChartSeries } from '../db/features';
import { bandsPlugin, type Band } from '../labels/labelBands';
import { formatDate, formatDateTime, formatFixed, formatTime } from '../format';
import { t } from '../i18n';
import { axisColour } from '../live/rmsChart';
import { fieldInfo, formatValue } from './fields';

/** The fraction of a second a tick needs at this spacing, with the language's decimal mark (",25"). */
function subSecond(s: number, incr: number): string {
  const digits = Math.min(3, Math.max(1, Math.ceil(-Math.log10(incr) - 1e-9)));
  return formatFixed(s - Math.floor(s), digits).slice(1);
}

export interface HistoryChartOptions {
  channels: readonly string[];
  field: string;
  bands: () => readonly Band[];
  /** A range was dragged across the chart (x values: seconds since 1970). */
  onSelect: (startS: number, endS: number) => void;
  height?: number;
}

export class HistoryChart {
  private plot: uPlot | null = null;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly host: HTMLElement,
    private readonly o: HistoryChartOptions,
  ) {
    this.resizeObserver = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height() }));
    this.resizeObserver.observe(host);
  }

  setData(s: ChartSeries): void {
    this.plot?.destroy();
    const info = fieldInfo(this.o.field);
    const series: uPlot.Series[] = [{ label: t('live.chart.time'), value: (_u, v) => (v == null ? '—' : formatDateTime(v * 1000)) }];
    s.y.forEach((_, i) =>
      series.push({
        label: this.o.channels[i] ?? t('live.axisN', { n: i + 1 }),
        stroke: axisColour(i),
        width: 1.25,
        points: { show: s.points < 400, size: 4 },
        spanGaps: false,
        value: (_u, v) => formatValue(this.o.field, v),
      }),
    );
    const axisStroke = '#3a3f47';
    const grid = { stroke: '#e3e6ea', width: 1 };
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.height(),
      series,
      scales: { x: { time: true }, y: { range: (_u, min, max) => (this.o.field === 'rms' || this.o.field === 'peak' || this.o.field === 'velocityRmsMmS' ? [0, max > 0 ? max * 1.15 : 0.1] : [min - (max - min) * 0.1, max + (max - min) * 0.1 || 1]) } },
      axes: [
        // Wall-clock ticks in the interface language (uPlot's own names are English).
        { stroke: axisStroke, grid, ticks: grid, values: (_u, splits, _i, _s, incr) => splits.map((v) => (incr >= 86_400 ? formatDate(v * 1000) : incr >= 1 ? formatTime(v * 1000) : `${formatTime(v * 1000)}${subSecond(v, incr)}`)) },
        { label: `${info.name}${info.unit ? ` (${info.unit})` : ''}`, stroke: axisStroke, grid, ticks: grid, size: 64, values: (_u, splits) => splits.map((v) => formatFixed(v, info.digits)) },
      ],
      cursor: { drag: { x: true, y: false, setScale: false } },
      select: { show: true, left: 0, top: 0, width: 0, height: 0 },
      legend: { show: true },
      plugins: [bandsPlugin(this.o.bands)],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            this.o.onSelect(Math.min(a, b), Math.max(a, b));
          },
        ],
      },
    };
    this.plot = new uPlot(opts, [s.x, ...s.y] as uPlot.AlignedData, this.host);
    this.host.dataset.points = String(s.points);
    this.host.dataset.resolution = s.resolution;
  }

  clearSelection(): void {
    this.plot?.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  }

  /** Draws the bands again (labels changed). */
  redraw(): void {
    this.plot?.redraw(false, false);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(240, Math.floor(this.host.clientWidth));
  }

  private height(): number {
    return this.o.height ?? 300;
  }
}
