/**
 * A node's live analysis, drawn imperatively (no React render per frame): acceleration RMS,
 * velocity RMS over the ISO 20816-3 zones and the anomaly score with its threshold and alarms, on
 * one node-time axis (uPlot, cursors in sync); the spectrum (Welch PSD of the raw stream, else the
 * band energies) over a kept baseline; and a waterfall of the same on a canvas. Data come from the
 * TrendStore and LinkStore rings; everything redraws at most once per animation frame, and the
 * PSD is computed at most four times a second. Pausing freezes what is drawn (a copy) while the
 * stores keep recording.
 */
import uPlot from 'uplot';
import { welchSpectrum } from '../../../models/analysis/spectrum';
import { logBandEdges } from '../../../models/features/spec';
import { formatDateTime, formatNumber } from '../format';
import { lang, t } from '../i18n';
import { bandsPlugin, type Band } from '../labels/labelBands';
import { accelFactor, bandCentresHz, bandRmsG, csvDocument, csvSection, velocityFactor, WaterfallRing, type CsvColumn, type Units, type ZoneBand } from './analysisLogic';
import type { NodeExtras } from './linkStore';
import { axisColour } from './rmsChart';
import { WaterfallCanvas } from './waterfallCanvas';
import { velCol, type NodeTrend } from './trendStore';
import { AXIS_STROKE, drawThreshold, drawZones, fmt, gapCount, GRID, livePoints, spectrumOptions, trendNote } from './analysisDraw';
import { binTrend, clockTickLabels, pointsEnd, resolutionFor, SOURCE_RANK, spanOf, type TrendPlot, type TrendPoints, type TrendSource, type TrendSpan } from './trendSpan';

export const PSD_SEGMENT = 1024;
/** PSD waterfall: one row per computed spectrum (at most 4 a second): a minute in 240 rows. */
export const PSD_ROWS = 240;
const SPECTRUM_MIN_MS = 250;

export type SpectrumKind = 'psd' | 'bands';
export interface SpectrumData {
  kind: SpectrumKind;
  /** Hz per point (PSD bins or band centres). */
  x: Float64Array;
  /** PSD in g²/Hz, or band RMS in g. */
  y: Float64Array;
  /** Bands: the edges in Hz (one more than bands), drawn as bars from edge to edge. */
  edges?: Float64Array;
}
export interface Baseline extends SpectrumData {
  savedMs: number;
  axis: number;
}

export interface AnalysisElements {
  rms: HTMLElement;
  velocity: HTMLElement;
  score: HTMLElement;
  spectrum: HTMLElement;
  waterfall: HTMLCanvasElement;
  /** Root of the view: carries data-shown-window, data-latest-window, data-paused. */
  root: HTMLElement;
  /** Text that says what the spectrum is drawn from. */
  spectrumNote: HTMLElement;
  pausedNote: HTMLElement;
  /** The latest velocity of the worst axis and its zone, in words. */
  latest: HTMLElement;
  /** What the trends are drawn from (every window, per-second or per-minute summaries), and where retention compacted them. */
  trendNote: HTMLElement;
}

/** What the store holds for a time range: the trend points, the node's recording clock and its stored alarms. */
export interface TrendHistory {
  points: TrendPoints;
  /** Wall clock at node time 0 of the node's newest live recording (aligns the live windows with the stored ones); null when none. */
  t0Ms: number | null;
  /** Stored alarms (events) in the range, wall clock ms. */
  events: { startMs: number; endMs: number; text: string }[];
}

export interface AnalysisInputs {
  channels: readonly string[];
  sampleRateHz: number;
  windowLen: number;
  units: Units;
  zones: ZoneBand[];
  /** Alarm periods (node seconds) and the threshold, read on each redraw. */
  alarms: () => { bands: Band[]; threshold: number | null };
  /** The node's axes (from its HELLO), so stored trends draw before any live window. */
  axes: number;
  /** The span shown first. */
  span: TrendSpan['key'];
  /** Reads the store (renderer/src/db/trends.ts) for [fromMs, toMs) at a resolution. */
  readHistory: (fromMs: number, toMs: number, source: TrendSource) => Promise<TrendHistory>;
  onPausedChange: (paused: boolean) => void;
  onSpectrumKind: (kind: SpectrumKind | null) => void;
}

export class LiveAnalysisView {
  private rms: uPlot | null = null;
  private vel: uPlot | null = null;
  private score: uPlot | null = null;
  private spec: uPlot | null = null;
  private axes = -1;
  private paused = false;
  private zoomed = false;
  private specZoomed = false;
  private units: Units;
  private zones: ZoneBand[];
  private span: TrendSpan;
  /** What the store held for the span (or the zoomed range) at the last read. */
  private history: (TrendHistory & { fromMs: number; toMs: number }) | null = null;
  private historySeq = 0;
  private readonly historyTimer: ReturnType<typeof setInterval>;
  /** The zoomed range, wall clock ms; null follows the span up to now. */
  private range: [number, number] | null = null;
  /** The node's live trend (TrendStore), node seconds. */
  private trend: NodeTrend | null = null;
  /** Wall clock at node time 0 of the live windows, ms (NaN until known). */
  private offsetMs = NaN;
  private lastNodeT = -Infinity;
  /** What is drawn (base units) and its range, frozen while paused. */
  private plot: { p: TrendPlot; from: number; to: number; source: TrendSource } | null = null;
  private lastBuildMs = 0;
  private destroyed = false;
  private spectrum: SpectrumData | null = null;
  private baseline: Baseline | null = null;
  private specAxis = 0;
  private lastPsdMs = 0;
  private psdRows: WaterfallRing | null = null;
  private psdRowsFs = 0;
  private lastRawBlocks = -1;
  private lastRawMs = 0;
  private bandWaterfall: WaterfallRing | null = null;
  private bandCount = 0;
  private readonly resizeObserver: ResizeObserver;
  private readonly syncKey: string;
  private readonly waterfall: WaterfallCanvas;

  constructor(
    private readonly el: AnalysisElements,
    private readonly o: AnalysisInputs,
  ) {
    this.units = o.units;
    this.zones = o.zones;
    this.waterfall = new WaterfallCanvas(el.waterfall);
    this.syncKey = `live-analysis-${Math.random().toString(36).slice(2)}`;
    this.resizeObserver = new ResizeObserver(() => {
      for (const [p, h] of this.plots()) p?.setSize({ width: this.width(h), height: p.height });
      this.drawWaterfall();
    });
    this.resizeObserver.observe(el.root);
    this.span = spanOf(o.span);
    if (o.axes > 0) this.buildTrend(o.axes);
    this.refreshHistory();
    // The store gains a flush every 5 s; the live ring (about 87 s) bridges the time between reads.
    this.historyTimer = setInterval(() => {
      if (!this.paused && !this.range) this.refreshHistory();
    }, 30_000);
    el.root.dataset.shownWindow = '-1';
    el.root.dataset.latestWindow = '-1';
    el.root.dataset.paused = 'false';
  }

  // ---- data in -------------------------------------------------------------------------------

  /** New features (at most once per animation frame): redrawn unless paused, a long span at most once a second. */
  onTrend(n: NodeTrend): void {
    this.el.root.dataset.latestWindow = String(n.latestWindow);
    this.bandWaterfall = n.bands;
    this.bandCount = n.bandCount;
    this.trend = n;
    this.updateOffset(n);
    if (n.axes !== this.axes) this.buildTrend(n.axes);
    this.renderLatest();
    if (this.paused) {
      this.renderPausedNote(n.latestWindow);
      return;
    }
    const now = performance.now();
    // Every frame for a minute of windows; four times a second for ten minutes; once a second beyond.
    const bin = this.currentResolution().binMs;
    if (now - this.lastBuildMs >= (bin >= 1000 ? 1000 : bin > 0 ? 250 : 0)) this.drawTrend();
    if (!this.hasRecentRaw()) this.updateBandSpectrum();
  }

  /**
   * The wall clock of the live windows: the node's recording's (so live and stored windows line
   * up) while its newest window is about now, else the earliest arrival seen (the least delayed).
   */
  private updateOffset(n: NodeTrend): void {
    if (n.ring.length === 0) return;
    const lastT = n.ring.lastTime();
    if (lastT < this.lastNodeT) this.offsetMs = NaN; // the node restarted
    this.lastNodeT = lastT;
    const now = Date.now();
    const t0 = this.history?.t0Ms;
    if (t0 != null && Math.abs(t0 + lastT * 1000 - now) < 5000) {
      this.offsetMs = t0;
      return;
    }
    const cand = now - lastT * 1000;
    if (!(cand >= this.offsetMs)) this.offsetMs = cand;
  }

  /** New raw samples: the PSD, at most four times a second. */
  onRaw(x: NodeExtras): void {
    const r = x.raw;
    // A full segment at least, so the resolution never changes under the technician's eyes.
    if (!r || r.length < PSD_SEGMENT || r.blocks === this.lastRawBlocks) return;
    this.lastRawBlocks = r.blocks;
    this.lastRawMs = performance.now();
    if (this.paused) return;
    const now = performance.now();
    if (now - this.lastPsdMs < SPECTRUM_MIN_MS) return;
    this.lastPsdMs = now;
    const axis = Math.min(this.specAxis, r.axisCount - 1);
    const fs = this.o.sampleRateHz / r.decimation;
    const s = welchSpectrum(r.g[axis].subarray(0, r.length), fs, { segmentLen: PSD_SEGMENT, overlap: 0.5 });
    const xs = Float64Array.from(s.psd, (_, k) => k * s.binHz);
    this.spectrum = { kind: 'psd', x: xs, y: s.psd };
    if (!this.psdRows || this.psdRows.width !== s.psd.length || this.psdRowsFs !== fs) {
      this.psdRows = new WaterfallRing(PSD_ROWS, s.psd.length);
      this.psdRowsFs = fs;
    }
    const row = new Float64Array(s.psd.length);
    for (let k = 0; k < row.length; k++) row[k] = Math.log10(s.psd[k] + 1e-20);
    this.psdRows.push(now / 1000, row);
    this.drawSpectrum();
    this.drawWaterfall();
  }

  // ---- controls ------------------------------------------------------------------------------

  isPaused(): boolean {
    return this.paused;
  }

  setPaused(p: boolean): void {
    if (p === this.paused) return;
    this.paused = p;
    this.el.root.dataset.paused = String(p);
    if (!p) {
      this.zoomed = false;
      this.el.pausedNote.textContent = '';
      if (this.range) {
        // Resuming follows the span up to now again.
        this.range = null;
        this.refreshHistory();
      }
    } else this.renderPausedNote(Number(this.el.root.dataset.latestWindow));
    this.o.onPausedChange(p);
  }

  /** Shows all the data held (trend and spectrum), paused or not. */
  resetZoom(): void {
    this.zoomed = false;
    this.specZoomed = false;
    this.range = null;
    this.refreshHistory();
    const x = this.spectrum?.x;
    if (this.spec && x && x.length > 1) this.spec.setScale('x', { min: Math.pow(10, Math.floor(Math.log10(this.specMin()))), max: this.specMax() });
  }

  setUnits(u: Units): void {
    this.units = u;
    this.rebuildAll();
  }

  setZones(z: ZoneBand[]): void {
    this.zones = z;
    this.renderLatest();
    this.vel?.redraw(false, false);
  }

  setSpectrumAxis(a: number): void {
    this.specAxis = a;
    this.psdRows = null;
    this.lastPsdMs = 0;
    this.lastRawBlocks = -1;
    this.updateBandSpectrum();
    this.drawWaterfall();
  }

  setBaseline(b: Baseline | null): void {
    this.baseline = b;
    this.drawSpectrum();
  }

  /** The spectrum on screen, to keep as this node's baseline. */
  currentSpectrum(): SpectrumData | null {
    return this.spectrum;
  }

  /** Zoom the time charts to [a, b] node seconds (and pause: a zoomed trend must not scroll away). */
  zoomTime(a: number, b: number): void {
    this.setPaused(true);
    this.zoomed = true;
    this.range = [a * 1000, b * 1000];
    for (const p of [this.rms, this.vel, this.score]) p?.setScale('x', { min: a, max: b });
    // The zoomed range is read again at the finest resolution that suits it.
    this.refreshHistory();
  }

  /** Redraws the trends (a threshold became known). */
  refresh(): void {
    const u = this.score;
    if (!this.paused || !u) return this.drawTrend(true);
    // Paused: the same data, its scale worked out again with the threshold.
    const { min, max } = u.scales.x;
    u.setData(u.data, false);
    if (min != null && max != null) u.setScale('x', { min, max });
  }

  /** Shows the last `key` of the node's trend (1 min … 30 days), read from the store at the resolution that suits it. */
  setSpan(key: TrendSpan['key']): void {
    this.span = spanOf(key);
    this.range = null;
    this.zoomed = false;
    this.history = null;
    this.el.root.dataset.span = this.span.key;
    this.refreshHistory();
  }

  /** Reads the store for the span up to now (or the zoomed range), then redraws. */
  private refreshHistory(): void {
    const seq = ++this.historySeq;
    const now = Date.now();
    const [from, to] = this.range ?? [now - this.span.ms, now];
    const res = this.currentResolution(to - from);
    this.el.root.dataset.loading = 'true';
    this.o
      .readHistory(from, to, res.source)
      .then((h) => {
        if (seq !== this.historySeq || this.destroyed) return;
        this.history = { ...h, fromMs: from, toMs: to };
        this.el.root.dataset.loading = 'false';
        this.drawTrend(true);
      })
      .catch((e: unknown) => {
        if (seq !== this.historySeq || this.destroyed) return;
        this.el.root.dataset.loading = 'false';
        this.el.trendNote.textContent = t('live.an.trend.readFailed', { error: e instanceof Error ? e.message : String(e) });
      });
  }

  private currentResolution(rangeMs?: number): { source: TrendSource; binMs: number } {
    if (this.range) return resolutionFor(rangeMs ?? this.range[1] - this.range[0]);
    return { source: this.span.source, binMs: this.span.binMs };
  }

  timeRange(): [number, number] {
    const s = this.vel?.scales.x;
    return [s?.min ?? -Infinity, s?.max ?? Infinity];
  }

  // ---- export --------------------------------------------------------------------------------

  /** What is on screen as CSV: the trend inside the visible time range, then the visible spectrum. */
  csv(): string {
    const axes = Math.max(0, this.axes);
    const p = this.plot?.p;
    const a = accelFactor(this.units.accel);
    const v = velocityFactor(this.units.velocity);
    const name = (i: number) => this.o.channels[i] ?? t('live.axisN', { n: i + 1 });
    const num = (xs: readonly (number | null)[] | undefined, k: number) => Float64Array.from(xs ?? [], (x) => (x === null ? NaN : x * k));
    const cols: CsvColumn[] = [{ name: t('live.an.csv.time'), values: p?.x ?? [] }];
    for (let i = 0; i < axes; i++) cols.push({ name: `${t('live.an.csv.rms', { axis: name(i) })} (${this.units.accel})`, values: num(p?.rms[i], a) });
    for (let i = 0; i < axes; i++) cols.push({ name: `${t('live.an.csv.velocity', { axis: name(i) })} (${this.units.velocity})`, values: num(p?.vel[i], v) });
    if (axes > 0) cols.push({ name: t('live.an.csv.score'), values: num(p?.score, 1) });
    const [t0, t1] = this.timeRange();
    const sections = [csvSection(t('live.an.csv.trendTitle'), cols, t0, t1)];
    const s = this.spectrum;
    if (s) {
      const sx = this.spec?.scales.x;
      const yUnit = this.spectrumUnit(s.kind);
      const y = this.toShownSpectrum(s);
      // As drawn: the PSD without its 0 Hz bin (a log axis has no 0).
      const from = s.kind === 'psd' ? 1 : 0;
      const scols: CsvColumn[] = [
        { name: t('live.an.csv.freq'), values: s.x.subarray(from) },
        { name: `${t(s.kind === 'psd' ? 'live.an.psd' : 'live.an.bandRms')} (${yUnit})`, values: y.subarray(from) },
      ];
      const b = this.matchingBaseline();
      if (b) scols.push({ name: `${t('live.an.baseline')} (${yUnit})`, values: this.toShownSpectrum(b).subarray(from) });
      sections.push(csvSection(t('live.an.csv.spectrumTitle', { axis: name(this.specAxis) }), scols, sx?.min ?? -Infinity, sx?.max ?? Infinity));
    }
    return csvDocument(sections);
  }

  /** What is on screen as one PNG: a title, then each chart's canvas and the waterfall. */
  png(title: string, subtitle: string): Promise<Blob> {
    const dpr = devicePixelRatio || 1;
    const canvases: { label: string; c: HTMLCanvasElement }[] = [];
    if (this.vel) canvases.push({ label: t('live.an.velocityTitle'), c: this.vel.ctx.canvas });
    if (this.rms) canvases.push({ label: t('live.an.rmsTitle'), c: this.rms.ctx.canvas });
    if (this.score) canvases.push({ label: t('live.an.scoreTitle'), c: this.score.ctx.canvas });
    if (this.spec) canvases.push({ label: t('live.an.spectrumTitle'), c: this.spec.ctx.canvas });
    if (this.el.waterfall.width > 0) canvases.push({ label: t('live.an.waterfallTitle'), c: this.el.waterfall });
    const head = 52 * dpr;
    const gap = 22 * dpr;
    const w = Math.max(...canvases.map((x) => x.c.width), 400 * dpr);
    const h = head + canvases.reduce((s, x) => s + x.c.height + gap, 0);
    const out = document.createElement('canvas');
    out.width = w;
    out.height = h;
    const ctx = out.getContext('2d')!;
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, w, h);
    ctx.fillStyle = '#1f2328';
    ctx.font = `${16 * dpr}px sans-serif`;
    ctx.fillText(title, 8 * dpr, 20 * dpr);
    ctx.font = `${12 * dpr}px sans-serif`;
    ctx.fillText(subtitle, 8 * dpr, 42 * dpr);
    let y = head;
    for (const x of canvases) {
      ctx.fillStyle = '#1f2328';
      ctx.font = `bold ${12 * dpr}px sans-serif`;
      ctx.fillText(x.label, 8 * dpr, y + 15 * dpr);
      y += gap;
      ctx.drawImage(x.c, 0, y);
      y += x.c.height;
    }
    return new Promise((resolve, reject) => out.toBlob((b) => (b ? resolve(b) : reject(new Error(t('analysis.chart.pngFailed')))), 'image/png'));
  }

  destroy(): void {
    this.destroyed = true;
    clearInterval(this.historyTimer);
    this.resizeObserver.disconnect();
    for (const [p] of this.plots()) p?.destroy();
    this.rms = this.vel = this.score = this.spec = null;
  }

  // ---- drawing -------------------------------------------------------------------------------

  private plots(): [uPlot | null, HTMLElement][] {
    return [
      [this.rms, this.el.rms],
      [this.vel, this.el.velocity],
      [this.score, this.el.score],
      [this.spec, this.el.spectrum],
    ];
  }

  private width(host: HTMLElement): number {
    return Math.max(240, Math.floor(host.clientWidth));
  }

  private hasRecentRaw(): boolean {
    return this.lastRawBlocks >= 0 && performance.now() - this.lastRawMs < 3000;
  }

  private renderLatest(): void {
    const n = this.trend;
    if (!n || n.ring.length === 0 || this.axes < 1) return;
    const y = n.ring.views().y;
    const last = n.ring.length - 1;
    let worst = -1;
    let axis = 0;
    for (let a = 0; a < this.axes && a < n.axes; a++) {
      const v = y[velCol(n.axes, a)][last];
      if (v > worst) {
        worst = v;
        axis = a;
      }
    }
    if (!(worst >= 0)) {
      this.el.latest.textContent = '';
      return;
    }
    const shown = worst * velocityFactor(this.units.velocity);
    const zone = this.zones.find((z) => shown <= z.to) ?? this.zones[this.zones.length - 1];
    this.el.latest.textContent = t('live.an.latest', { v: fmt(shown), unit: this.units.velocity, axis: this.o.channels[axis] ?? t('live.axisN', { n: axis + 1 }), zone: zone ? t(`fleet.zone.${zone.zone}`) : '' });
    this.el.latest.dataset.zone = zone?.zone ?? '';
  }

  private renderPausedNote(latest: number): void {
    const behind = Math.max(0, latest - Number(this.el.root.dataset.shownWindow));
    this.el.pausedNote.textContent = t('live.an.pausedNote', { count: behind, n: formatNumber(behind, 0) });
  }

  private rebuildAll(): void {
    if (this.axes >= 0) {
      const range = this.zoomed ? this.timeRange() : null;
      this.buildTrend(this.axes);
      // Paused: the same points in the new units; else drawn afresh.
      if (this.paused && this.plot) this.renderPlot();
      else this.drawTrend(true);
      this.renderLatest();
      if (range) for (const p of [this.rms, this.vel, this.score]) p?.setScale('x', { min: range[0], max: range[1] });
    }
    // The spectrum is rebuilt for its new unit; a zoom on it is kept.
    const sx = this.specZoomed && this.spec ? [this.spec.scales.x.min, this.spec.scales.x.max] : null;
    this.spec?.destroy();
    this.spec = null;
    this.specZoomed = false;
    this.drawSpectrum();
    const rebuilt = this.spec as uPlot | null;
    if (sx && sx[0] != null && sx[1] != null) rebuilt?.setScale('x', { min: sx[0], max: sx[1] });
  }

  private timeOpts(host: HTMLElement, height: number, yLabel: string, series: uPlot.Series[], extra: Partial<uPlot.Options>): uPlot.Options {
    return {
      width: this.width(host),
      height,
      series: [{ label: t('live.chart.time'), value: (_u, v) => (v == null ? '—' : formatDateTime(v * 1000)) }, ...series],
      scales: { x: { time: true }, ...(extra.scales ?? {}) },
      axes: [
        { label: t('live.chart.clock'), stroke: AXIS_STROKE, grid: GRID, ticks: GRID, size: 54, values: (_u, splits, _ax, _space, incr) => {
            const labels = clockTickLabels(splits, incr, lang());
            // What the canvas shows, readable without pixels (tests, screen readers of the data attributes).
            host.dataset.ticks = labels.join('|');
            return labels;
          },
        },
        { label: yLabel, stroke: AXIS_STROKE, grid: GRID, ticks: GRID, size: 64, values: (_u, s) => s.map((v) => fmt(v)) },
      ],
      cursor: { drag: { x: true, y: false, setScale: false }, sync: { key: this.syncKey } },
      legend: { show: true },
      plugins: [bandsPlugin(() => this.alarmBands()), ...(extra.plugins ?? [])],
      hooks: {
        setSelect: [
          (u) => {
            if (u.select.width < 3) return;
            const a = u.posToVal(u.select.left, 'x');
            const b = u.posToVal(u.select.left + u.select.width, 'x');
            u.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
            this.zoomTime(Math.min(a, b), Math.max(a, b));
          },
        ],
        ...(extra.hooks ?? {}),
      },
    };
  }

  private buildTrend(axes: number): void {
    for (const p of [this.rms, this.vel, this.score]) p?.destroy();
    this.axes = axes;
    const name = (i: number) => this.o.channels[i] ?? t('live.axisN', { n: i + 1 });
    const au = this.units.accel;
    const vu = this.units.velocity;
    const empty = (k: number) => [[], ...Array.from({ length: k }, () => [])] as uPlot.AlignedData;
    const axisSeries = (unit: string): uPlot.Series[] =>
      Array.from({ length: axes }, (_, i) => ({ label: name(i), stroke: axisColour(i), width: 1.5, points: { show: false }, value: (_u: uPlot, v: number | null) => (v == null ? '—' : `${fmt(v)} ${unit}`) }));
    this.rms = new uPlot(
      this.timeOpts(this.el.rms, 170, `${t('live.an.rmsAxis')} (${au})`, axisSeries(au), { scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 0.1] } } }),
      empty(axes),
      this.el.rms,
    );
    this.vel = new uPlot(
      this.timeOpts(this.el.velocity, 220, `${t('live.an.velocityAxis')} (${vu})`, axisSeries(vu), {
        // Zone D always in view: the top is at least 1.25 × the C/D boundary.
        scales: { y: { range: (_u, _min, max) => [0, Math.max(Number.isFinite(max) ? max * 1.15 : 0, (this.zones[3]?.from ?? 1) * 1.25)] } },
        hooks: { drawClear: [(u) => drawZones(u, this.zones)] },
      }),
      empty(axes),
      this.el.velocity,
    );
    this.score = new uPlot(
      this.timeOpts(this.el.score, 160, t('live.an.scoreAxis'), [{ label: t('live.an.score'), stroke: '#6b21a8', width: 1.5, points: { show: false }, value: (_u, v) => (v == null ? '—' : fmt(v)) }], {
        scales: {
          y: {
            range: (_u, min, max) => {
              const th = this.o.alarms().threshold;
              const hi = Math.max(Number.isFinite(max) ? max : 0, th ?? 0) * 1.15 || 1;
              return [Math.min(0, Number.isFinite(min) ? min : 0), hi];
            },
          },
        },
        hooks: { draw: [(u) => drawThreshold(u, this.o.alarms().threshold)] },
      }),
      empty(1),
      this.el.score,
    );
  }

  /** Live alarms (node seconds, moved to the wall clock) and the stored ones they do not cover, in seconds. */
  private alarmBands(): Band[] {
    const off = Number.isFinite(this.offsetMs) ? this.offsetMs / 1000 : null;
    const live = off === null ? [] : this.o.alarms().bands.map((b) => ({ ...b, start: b.start + off, end: b.end + off }));
    const stored = (this.history?.events ?? [])
      .map((e) => ({ start: e.startMs / 1000, end: Math.max(e.endMs, e.startMs + 1000) / 1000, colour: '#b3261e', text: e.text }))
      .filter((e) => !live.some((b) => b.start <= e.end + 2 && b.end >= e.start - 2));
    return [...stored, ...live];
  }

  /** Stored and live points of the span (or zoomed range), binned for the screen, then drawn. */
  private drawTrend(force = false): void {
    if (!this.rms || !this.vel || !this.score) return;
    if (this.paused && !force) return;
    this.lastBuildMs = performance.now();
    const now = Date.now();
    const [from, to] = this.range ?? [now - this.span.ms, now];
    const res = this.currentResolution(to - from);
    const h = this.history;
    const after = h ? Math.max(pointsEnd(h.points), from) + 0.001 : from;
    // The stored points, then the live ones after them: binned where they lie, never copied together.
    const axes = Math.max(0, this.axes);
    const parts = h ? [h.points, livePoints(this.trend, axes, this.offsetMs, after)] : [livePoints(this.trend, axes, this.offsetMs, from)];
    this.plot = { p: binTrend(parts, from, to, res.binMs, SOURCE_RANK[res.source]), from, to, source: res.source };
    this.renderPlot();
  }

  /** Hands what was binned to the charts, in the units chosen (again after a unit change, unchanged while paused). */
  private renderPlot(): void {
    if (!this.rms || !this.vel || !this.score || !this.plot) return;
    const { p, from, to, source } = this.plot;
    const axes = Math.max(0, this.axes);
    const a = accelFactor(this.units.accel);
    const v = velocityFactor(this.units.velocity);
    const conv = (xs: (number | null)[], k: number) => (k === 1 ? xs : xs.map((x) => (x === null ? null : x * k)));
    const x0 = from / 1000;
    const x1 = to / 1000;
    const set = (u: uPlot, data: (number | null)[][]) => {
      u.setData([p.x, ...data] as unknown as uPlot.AlignedData, false);
      u.setScale('x', { min: x0, max: x1 });
    };
    set(this.rms, Array.from({ length: axes }, (_, i) => conv(p.rms[i] ?? [], a)));
    set(this.vel, Array.from({ length: axes }, (_, i) => conv(p.vel[i] ?? [], v)));
    set(this.score, [p.score]);
    if (!this.paused && this.trend) this.el.root.dataset.shownWindow = String(this.trend.latestWindow);
    const ds = this.el.root.dataset;
    ds.span = this.span.key;
    ds.source = source;
    ds.binMs = String(p.binMs);
    ds.fromMs = String(Math.round(from));
    ds.toMs = String(Math.round(to));
    this.el.rms.dataset.points = this.el.velocity.dataset.points = this.el.score.dataset.points = String(p.points);
    // Breaks in the line: stretches with nothing recorded.
    this.el.velocity.dataset.gaps = String(gapCount(p));
    this.renderTrendNote(p, source);
  }

  private renderTrendNote(p: TrendPlot, source: TrendSource): void {
    const n = trendNote(p, source);
    this.el.trendNote.textContent = n.text;
    this.el.trendNote.dataset.compacted = String(n.compacted);
  }

  // ---- spectrum ------------------------------------------------------------------------------

  private updateBandSpectrum(): void {
    const w = this.bandWaterfall;
    if (!w || w.length === 0 || this.bandCount === 0 || this.paused) {
      if (!this.hasRecentRaw() && !w) {
        this.o.onSpectrumKind(null);
      }
      return;
    }
    const axis = Math.min(this.specAxis, Math.max(0, this.axes - 1));
    const o = w.rowOffset(w.length - 1) + axis * this.bandCount;
    const edges = logBandEdges(this.o.windowLen, this.bandCount);
    const binHz = this.o.sampleRateHz / this.o.windowLen;
    const x = bandCentresHz(edges, binHz);
    const y = new Float64Array(this.bandCount);
    for (let b = 0; b < this.bandCount; b++) y[b] = bandRmsG(w.data[o + b]);
    this.spectrum = { kind: 'bands', x, y, edges: Float64Array.from(edges, (e) => e * binHz) };
    this.drawSpectrum();
    this.drawWaterfall();
  }

  private spectrumUnit(kind: SpectrumKind): string {
    return kind === 'psd' ? (this.units.accel === 'g' ? 'g²/Hz' : '(m/s²)²/Hz') : this.units.accel;
  }

  private toShownSpectrum(s: SpectrumData): Float64Array {
    const a = accelFactor(this.units.accel);
    const k = s.kind === 'psd' ? a * a : a;
    return s.y.map((v) => v * k);
  }

  private matchingBaseline(): Baseline | null {
    const b = this.baseline;
    const s = this.spectrum;
    return b && s && b.kind === s.kind && b.x.length === s.x.length && Math.abs(b.x[b.x.length - 1] - s.x[s.x.length - 1]) < 1e-6 * s.x[s.x.length - 1] ? b : null;
  }

  private specMin(): number {
    const s = this.spectrum;
    return s ? (s.kind === 'psd' ? s.x[1] : (s.edges?.[0] ?? s.x[0])) : 1;
  }

  private specMax(): number {
    const s = this.spectrum;
    if (!s) return 10;
    return s.edges ? s.edges[s.edges.length - 1] : s.x[s.x.length - 1];
  }

  private drawSpectrum(): void {
    const s = this.spectrum;
    this.o.onSpectrumKind(s?.kind ?? null);
    if (!s) return;
    const unit = this.spectrumUnit(s.kind);
    const kind = this.el.spectrum.dataset.kind;
    if (!this.spec || kind !== s.kind) this.buildSpectrum(s.kind, unit);
    const y = this.toShownSpectrum(s);
    const b = this.matchingBaseline();
    const by = b ? this.toShownSpectrum(b) : new Float64Array(s.x.length).fill(NaN);
    if (s.kind === 'bands' && s.edges) {
      // Bars from edge to edge: a step after each lower edge, the last band's value repeated at the top edge.
      const n = s.y.length;
      const ext = (v: Float64Array) => {
        const out = new Float64Array(n + 1);
        out.set(v.subarray(0, n));
        out[n] = v[n - 1];
        return out;
      };
      this.spec!.setData([s.edges, ext(y), ext(by)] as unknown as uPlot.AlignedData, !this.specZoomed);
      this.el.spectrum.dataset.points = String(n);
    } else {
      // PSD: from the first bin (log axes have no 0 Hz).
      this.spec!.setData([s.x.subarray(1), y.subarray(1), by.subarray(1)] as unknown as uPlot.AlignedData, !this.specZoomed);
      this.el.spectrum.dataset.points = String(s.x.length - 1);
    }
    this.el.spectrum.dataset.baseline = b ? 'true' : 'false';
    this.el.spectrumNote.textContent = s.kind === 'psd' ? t('live.an.fromRaw', { seg: PSD_SEGMENT }) : t('live.an.fromBands', { count: this.bandCount });
  }

  private buildSpectrum(kind: SpectrumKind, unit: string): void {
    this.spec?.destroy();
    this.el.spectrum.dataset.kind = kind;
    const host = this.el.spectrum;
    const onXScale = (u: uPlot) => {
      if (!this.spectrum?.x) return;
      this.specZoomed = !((u.scales.x.min ?? 0) <= this.specMin() * 1.0001 && (u.scales.x.max ?? 0) >= this.specMax() * 0.9999);
    };
    this.spec = new uPlot(spectrumOptions(kind, unit, this.width(host), onXScale), [[], [], []] as uPlot.AlignedData, host);
  }

  // ---- waterfall -----------------------------------------------------------------------------

  private drawWaterfall(): void {
    const usePsd = this.hasRecentRaw() && this.psdRows !== null;
    const ring = usePsd ? this.psdRows : this.bandWaterfall;
    const axis = Math.min(this.specAxis, Math.max(0, this.axes - 1));
    const freqAt = (k: number): number => {
      if (usePsd) return (k + 1) * (this.psdRowsFs / PSD_SEGMENT);
      const edges = logBandEdges(this.o.windowLen, this.bandCount);
      return bandCentresHz(edges, this.o.sampleRateHz / this.o.windowLen)[k];
    };
    this.waterfall.draw(ring, {
      kind: usePsd ? 'psd' : 'bands',
      bins: usePsd ? (ring?.width ?? 1) - 1 : this.bandCount,
      first: usePsd ? 1 : axis * this.bandCount,
      freqLabel: (k) => `${fmt(freqAt(k))} Hz`,
    });
  }
}
