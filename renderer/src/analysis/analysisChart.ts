/**
 * One chart of the snapshot analysis (waveform, spectrum or envelope spectrum): uPlot with markers
 * drawn on its canvas (so a PNG export carries them), drag to zoom the x axis, double-click or
 * resetZoom() to see everything again, and a cursor readout written straight into a DOM element
 * (never through React state). Imperative like the other charts; React mounts it and hands it data.
 */
import uPlot from 'uplot';
import type { Marker, MarkerKind } from '../../../models/analysis/markers';
import { formatFixed, formatNumber } from '../format';
import { t } from '../i18n';

export const MARKER_COLOURS: Record<MarkerKind, string> = {
  shaft: '#6b7280',
  bpfo: '#c2410c',
  bpfi: '#b91c1c',
  bsf: '#7c3aed',
  ftf: '#0f766e',
};

export interface AnalysisChartOptions {
  /** Name of the chart, in the PNG's title and the CSV's first column header. */
  title: string;
  xName: string;
  xUnit: string;
  yName: string;
  yUnit: string;
  logY?: boolean;
  height?: number;
  /** The element the cursor readout is written into. */
  readout: HTMLElement;
}

function fmt(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatNumber(v);
  const a = Math.abs(v);
  const magnitude = Math.floor(Math.log10(a));
  if (a >= 1000) return formatNumber(v, 0);
  if (a >= 1) return formatFixed(v, 3 - magnitude);
  if (a >= 1e-3) return formatFixed(v, 2 - magnitude);
  const [mantissa, exponent] = v.toExponential(2).split('e');
  return `${formatFixed(Number(mantissa), 2)}e${exponent}`;
}

export class AnalysisChart {
  private plot: uPlot | null = null;
  private x: Float64Array = new Float64Array(0);
  private y: Float64Array = new Float64Array(0);
  private markers: Marker[] = [];
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly host: HTMLElement,
    private readonly o: AnalysisChartOptions,
  ) {
    this.resizeObserver = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.o.height ?? 220 }));
    this.resizeObserver.observe(host);
  }

  setData(x: Float64Array, y: Float64Array, markers: Marker[]): void {
    this.x = x;
    this.y = y;
    this.markers = markers;
    this.build();
    this.host.dataset.points = String(x.length);
    this.host.dataset.markers = String(markers.length);
  }

  /** The x range on screen. */
  xRange(): [number, number] {
    const s = this.plot?.scales.x;
    return [s?.min ?? this.x[0] ?? 0, s?.max ?? this.x[this.x.length - 1] ?? 0];
  }

  setXRange(min: number, max: number): void {
    this.plot?.setScale('x', { min, max });
  }

  resetZoom(): void {
    if (this.x.length > 1) this.setXRange(this.x[0], this.x[this.x.length - 1]);
  }

  /** What is on screen as CSV: the points inside the x range, then the markers inside it. */
  csv(): string {
    const [a, b] = this.xRange();
    const lines = [`${this.o.xName} (${this.o.xUnit}),${this.o.yName} (${this.o.yUnit})`];
    for (let i = 0; i < this.x.length; i++) if (this.x[i] >= a && this.x[i] <= b) lines.push(`${this.x[i]},${this.y[i]}`);
    const shown = this.markers.filter((m) => m.hz >= a && m.hz <= b);
    if (shown.length > 0) {
      lines.push('', t('analysis.chart.markerHeader'));
      for (const m of shown) lines.push(`${m.label},${m.hz}`);
    }
    return lines.join('\n') + '\n';
  }

  /** What is on screen as PNG: a title line over the chart's canvas (axes, line and markers). */
  png(subtitle: string): Promise<Blob> {
    const src = this.plot!.ctx.canvas;
    const head = 48 * devicePixelRatio;
    const c = document.createElement('canvas');
    c.width = src.width;
    c.height = src.height + head;
    const ctx = c.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, c.width, c.height);
    ctx.fillStyle = '#1f2328';
    ctx.font = `${16 * devicePixelRatio}px sans-serif`;
    ctx.fillText(this.o.title, 8 * devicePixelRatio, 20 * devicePixelRatio);
    ctx.font = `${12 * devicePixelRatio}px sans-serif`;
    ctx.fillText(subtitle, 8 * devicePixelRatio, 40 * devicePixelRatio);
    ctx.drawImage(src, 0, head);
    return new Promise((resolve, reject) => c.toBlob((b) => (b ? resolve(b) : reject(new Error(t('analysis.chart.pngFailed')))), 'image/png'));
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private width(): number {
    return Math.max(240, Math.floor(this.host.clientWidth));
  }

  private build(): void {
    this.plot?.destroy();
    const o = this.o;
    const axisStroke = '#3a3f47';
    const grid = { stroke: '#e3e6ea', width: 1 };
    const y = o.logY ? this.y.map((v) => Math.max(v, 1e-20)) : this.y;
    const opts: uPlot.Options = {
      width: this.width(),
      height: o.height ?? 220,
      series: [
        { label: o.xName, value: (_u, v) => (v == null ? '—' : `${fmt(v)} ${o.xUnit}`) },
        { label: o.yName, stroke: '#0b5cad', width: 1, points: { show: false }, value: (_u, v) => (v == null ? '—' : `${fmt(v)} ${o.yUnit}`) },
      ],
      // A log PSD shows seven decades under its top: below that is the ADC's noise, not the machine.
      scales: { x: { time: false }, y: o.logY ? { distr: 3, range: (_u, _min, max) => [max * 1e-7, max * 2] } : { range: (_u, min, max) => (min >= 0 ? [0, max > 0 ? max * 1.1 : 1] : [min * 1.1, max * 1.1]) } },
      axes: [
        { label: `${o.xName} (${o.xUnit})`, stroke: axisStroke, grid, ticks: grid, values: (_u, splits) => splits.map((v) => (v == null ? '' : formatNumber(v, 6))) },
        { label: `${o.yName} (${o.yUnit})`, stroke: axisStroke, grid, ticks: grid, size: 70, values: (_u, splits) => splits.map((v) => (v == null ? '' : fmt(v))) },
      ],
      cursor: { drag: { x: true, y: false, setScale: true } },
      legend: { show: false },
      hooks: {
        draw: [(u) => this.drawMarkers(u)],
        setCursor: [(u) => this.readout(u)],
      },
    };
    this.plot = new uPlot(opts, [this.x, y] as unknown as uPlot.AlignedData, this.host);
    this.o.readout.textContent = t('analysis.chart.hint');
  }

  private drawMarkers(u: uPlot): void {
    const ctx = u.ctx;
    const { left, top, width, height } = u.bbox;
    const [a, b] = this.xRange();
    const dpr = devicePixelRatio;
    ctx.save();
    ctx.font = `${11 * dpr}px sans-serif`;
    ctx.textAlign = 'left';
    let row = 0;
    let lastX = -Infinity;
    const shown = this.markers.filter((m) => m.hz >= a && m.hz <= b);
    // Labels only where they can be read: with markers closer than 8 px on average, lines alone.
    const labels = shown.length < 2 || (u.valToPos(shown[shown.length - 1].hz, 'x', true) - u.valToPos(shown[0].hz, 'x', true)) / (shown.length - 1) >= 8 * dpr;
    if (!labels) {
      ctx.fillStyle = '#3a3f47';
      const hint = t('analysis.chart.zoomForMarkers');
      ctx.fillText(hint, left + width - ctx.measureText(hint).width - 8 * dpr, top + 12 * dpr);
    }
    for (const m of shown) {
      const x = u.valToPos(m.hz, 'x', true);
      ctx.strokeStyle = MARKER_COLOURS[m.kind];
      ctx.lineWidth = (m.kind === 'shaft' ? 1 : 1.5) * dpr;
      ctx.setLineDash(m.kind === 'shaft' ? [3 * dpr, 3 * dpr] : [6 * dpr, 3 * dpr]);
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, top + height);
      ctx.stroke();
      // Labels step down when they would overlap the previous one.
      row = x - lastX < 44 * dpr ? (row + 1) % 4 : 0;
      lastX = x;
      ctx.fillStyle = MARKER_COLOURS[m.kind];
      if (labels && x + 2 * dpr < left + width) ctx.fillText(m.label, x + 2 * dpr, top + (12 + 12 * row) * dpr);
    }
    ctx.restore();
  }

  private readout(u: uPlot): void {
    const i = u.cursor.idx;
    if (i == null || i < 0 || i >= this.x.length) return;
    const xv = this.x[i];
    let near = '';
    const step = this.x.length > 1 ? this.x[1] - this.x[0] : 0;
    let best: Marker | null = null;
    for (const m of this.markers) if (Math.abs(m.hz - xv) <= 1.5 * step && (!best || Math.abs(m.hz - xv) < Math.abs(best.hz - xv))) best = m;
    if (best) near = ` · ${t('analysis.chart.near', { marker: best.label, hz: formatFixed(best.hz, 2) })}`;
    this.o.readout.textContent = `${fmt(xv)} ${this.o.xUnit} · ${fmt(this.y[i])} ${this.o.yUnit}${near}`;
  }
}
