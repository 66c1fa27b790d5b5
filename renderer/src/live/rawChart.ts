/** The raw waveform of one node (RAW_BLOCK, docs/protocol.md 3.9), drawn with uPlot. */
import uPlot from 'uplot';
import { formatFixed, formatNumber } from '../format';
import { t } from '../i18n';
import { axisColour } from './rmsChart';
import type { RawSeries } from './linkStore';

/** Samples drawn per axis (the store keeps more). */
export const SHOWN = 2048;

export class RawChartView {
  private plot: uPlot | null = null;
  private axes = -1;
  private readonly resizeObserver: ResizeObserver;
  private t = new Float64Array(0);

  constructor(
    private readonly host: HTMLElement,
    private readonly channels: readonly string[],
    private readonly sampleRateHz: number,
    private readonly height = 200,
  ) {
    host.dataset.points = '0';
    this.resizeObserver = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height }));
    this.resizeObserver.observe(host);
  }

  update(r: RawSeries): void {
    if (r.axisCount !== this.axes) this.build(r.axisCount);
    if (this.t.length < r.frame.length) this.t = new Float64Array(r.frame.length);
    // The newest SHOWN samples: enough to see the waveform's shape (impacts, modulation).
    const from = Math.max(0, r.length - SHOWN);
    const n = r.length - from;
    // x: seconds on the node's sample clock (the same clock as the RMS trend).
    for (let i = 0; i < n; i++) this.t[i] = r.frame[from + i] / this.sampleRateHz;
    this.plot!.setData([this.t.subarray(0, n), ...r.g.map((g) => g.subarray(from, from + n))] as unknown as uPlot.AlignedData);
    this.host.dataset.points = String(n);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(200, Math.floor(this.host.clientWidth));
  }

  private build(axes: number): void {
    this.plot?.destroy();
    this.axes = axes;
    const series: uPlot.Series[] = [{ label: t('live.chart.time'), value: (_u, v) => (v == null ? '—' : `${formatFixed(v, 4)} s`) }];
    for (let a = 0; a < axes; a++) {
      series.push({ label: this.channels[a] ?? t('live.axisN', { n: a + 1 }), stroke: axisColour(a), width: 1, points: { show: false }, value: (_u, v) => (v == null ? '—' : `${formatFixed(v, 3)} g`) });
    }
    const axisStroke = '#3a3f47';
    const grid = { stroke: '#e3e6ea', width: 1 };
    this.plot = new uPlot(
      {
        width: this.width(),
        height: this.height,
        series,
        scales: {
          x: { time: false },
          // Symmetric about zero: acceleration swings both ways.
          y: { range: (_u, min, max) => { const m = Math.max(Math.abs(min), Math.abs(max), 1e-3) * 1.1; return [-m, m]; } },
        },
        axes: [
          { label: t('live.chart.timeS'), stroke: axisStroke, grid, ticks: grid, values: (_u, splits) => splits.map((v) => formatNumber(v, 4)) },
          {
            label: t('live.chart.accel'),
            stroke: axisStroke,
            grid,
            ticks: grid,
            size: 60,
            // A waveform chart is short: ticks closer than the default, with the decimals they need.
            space: 16,
            values: (_u, splits) => {
              const step = splits.length > 1 ? Math.abs(splits[1] - splits[0]) : 1;
              const d = step >= 1 ? 0 : Math.min(4, Math.ceil(-Math.log10(step)));
              return splits.map((v) => formatFixed(v, d));
            },
          },
        ],
        cursor: { drag: { x: false, y: false } },
        legend: { show: true },
      },
      [[], ...Array.from({ length: axes }, () => [])] as uPlot.AlignedData,
      this.host,
    );
  }
}
