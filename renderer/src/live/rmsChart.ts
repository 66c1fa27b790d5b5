/**
 * One node's RMS trend chart, driven imperatively from the FeatureStore's animation-frame
 * callback: uPlot.setData() with subarray views of the ring buffer, and the readouts updated
 * through textContent, so no React render happens per batch.
 */
import uPlot from 'uplot';
import { formatG } from '../format';
import { formatCount, formatFixed, formatNumber, formatTimeMs } from '../format';
import { lang, t } from '../i18n';
import { clockTickLabels } from './trendSpan';
import { bandsPlugin, type Band } from '../labels/labelBands';
import type { NodeSeries } from './featureStore';

/** Okabe–Ito colours: distinguishable with the common colour-vision deficiencies. */
const AXIS_COLOURS = ['#0072B2', '#D55E00', '#009E73', '#CC79A7', '#E69F00', '#56B4E9'];

export function axisColour(i: number): string {
  return AXIS_COLOURS[i % AXIS_COLOURS.length];
}

/**
 * The gaps uPlot leaves undrawn (canvas pixels, ascending): the ones it found (null values; the
 * ring's typed arrays hold none) and one between the two points of every break (flat pairs of
 * times, s). The line stops at the last point before a break and starts again at the first after.
 */
export function breakGaps(breaks: readonly number[], toPx: (t: number) => number, found: readonly [number, number][] = []): [number, number][] {
  const gaps: [number, number][] = found.map((g) => [g[0], g[1]]);
  for (let i = 0; i + 1 < breaks.length; i += 2) {
    const a = toPx(breaks[i]);
    const b = toPx(breaks[i + 1]);
    if (Number.isFinite(a) && Number.isFinite(b) && b > a) gaps.push([a, b]);
  }
  gaps.sort((p, q) => p[0] - q[0]);
  // Overlapping gaps as one (uPlot's clip path wants them apart and in order).
  const out: [number, number][] = [];
  for (const g of gaps) {
    const last = out[out.length - 1];
    if (last && g[0] <= last[1]) last[1] = Math.max(last[1], g[1]);
    else out.push(g);
  }
  return out;
}

export interface RmsChartElements {
  /** Receives the uPlot canvas; carries data-testid="rms-chart" and data-points. */
  host: HTMLElement;
  /** One element per channel for the latest RMS, in channel order. */
  readouts: HTMLElement[];
  /** Text of the window-gap indicator; its `data-gaps` drives the styling. */
  gaps: HTMLElement;
}

/** Labelling on the live chart: drag to select a range (node seconds); labelled ranges are shaded. */
export interface RmsChartLabelling {
  onSelect: (startS: number, endS: number) => void;
  bands: () => readonly Band[];
}

export class RmsChartView {
  private plot: uPlot | null = null;
  private columns = -1;
  private linkMissed = 0;
  private shownGaps = -1;
  /**
   * Whether the chart is on screen: a card scrolled out of view does not redraw (with 18 nodes on
   * the Live page, drawing every card each frame left the page tens of seconds behind its events);
   * its latest series is drawn when it comes back into view.
   */
  private onScreen = true;
  private pending: NodeSeries | null = null;
  /** The breaks of the series last drawn (NodeSeries.breaks). */
  private breaks: readonly number[] = [];
  private readonly visibility: IntersectionObserver | null;
  private readonly resizeObserver: ResizeObserver;

  constructor(
    private readonly el: RmsChartElements,
    private readonly channels: readonly string[],
    private readonly height = 260,
    private readonly labelling?: RmsChartLabelling,
    /** Wall clock (ms) at node time 0 of the node's recording, when known: the time axis then reads the clock. */
    private readonly clock?: () => number | null,
  ) {
    el.host.dataset.points = '0';
    el.host.dataset.breaks = '0';
    this.resizeObserver = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: this.height }));
    this.resizeObserver.observe(el.host);
    this.visibility =
      typeof IntersectionObserver === 'undefined'
        ? null
        : new IntersectionObserver((entries) => {
            this.onScreen = entries[entries.length - 1].isIntersecting;
            if (this.onScreen && this.pending) this.update(this.pending);
          });
    this.visibility?.observe(el.host);
    this.renderGaps();
  }

  /** Redraws from the node's ring buffer; called at most once per animation frame. */
  update(s: NodeSeries): void {
    const ring = s.ring;
    if (ring.columns !== this.columns) this.build(ring.columns);
    // The readouts and the point count are cheap: kept current on or off screen.
    this.el.host.dataset.points = String(ring.length);
    this.el.host.dataset.breaks = String(s.breaks.length / 2);
    for (let i = 0; i < this.el.readouts.length; i++) {
      this.el.readouts[i].textContent = i < ring.columns ? formatG(ring.lastValue(i)) : '—';
    }
    if (!this.onScreen) {
      this.pending = s;
      return;
    }
    this.pending = null;
    this.breaks = s.breaks;
    const v = ring.views();
    // uPlot accepts typed arrays per column; the views share the ring's memory.
    this.plot!.setData([v.t, ...v.y] as uPlot.AlignedData);
  }

  /** The host's count (LinkStats.missedWindows, models/protocol/continuity.ts): the one the page shows. */
  setLinkMissedWindows(n: number): void {
    this.linkMissed = n;
    this.renderGaps();
  }

  /** Clears the drag selection (after it was labelled or cancelled). */
  clearSelection(): void {
    this.plot?.setSelect({ left: 0, top: 0, width: 0, height: 0 }, false);
  }

  destroy(): void {
    this.resizeObserver.disconnect();
    this.visibility?.disconnect();
    this.plot?.destroy();
    this.plot = null;
  }

  private renderGaps(): void {
    const gaps = this.linkMissed;
    if (gaps === this.shownGaps) return;
    const increased = this.shownGaps >= 0 && gaps > this.shownGaps;
    this.shownGaps = gaps;
    this.el.gaps.textContent = t('live.windowGaps', { count: gaps, n: formatCount(gaps) });
    this.el.gaps.dataset.gaps = String(gaps);
    if (increased) {
      // Restart the CSS highlight so each new gap is noticed.
      this.el.gaps.classList.remove('just-increased');
      void this.el.gaps.offsetWidth;
      this.el.gaps.classList.add('just-increased');
    }
  }

  private width(): number {
    return Math.max(200, Math.floor(this.el.host.clientWidth));
  }

  private build(columns: number): void {
    this.plot?.destroy();
    this.columns = columns;
    // Node seconds on the data; the clock in the words when the recording's start is known.
    const wall = (v: number): number | null => {
      const t0 = this.clock?.() ?? null;
      return t0 === null ? null : (t0 + v * 1000) / 1000;
    };
    const series: uPlot.Series[] = [
      {
        label: t('live.chart.time'),
        value: (_u, v) => {
          if (v == null) return '—';
          const w = wall(v);
          return w === null ? `${formatFixed(v, 2)} s` : formatTimeMs(w * 1000);
        },
      },
    ];
    for (let i = 0; i < columns; i++) {
      series.push({
        label: this.channels[i] ?? t('live.axisN', { n: i + 1 }),
        stroke: axisColour(i),
        width: 1.5,
        points: { show: false },
        value: (_u, v) => (v == null ? '—' : formatG(v)),
        // Missing windows (a reconnect, a full buffer) break the line, as on the live analysis trends.
        gaps: (u, _i, _a, _b, found) => {
          const gaps = breakGaps(this.breaks, (t) => u.valToPos(t, 'x', true), found as [number, number][]);
          // Where the line is left out, in canvas pixels (the e2e test reads the canvas there).
          if (i === 0) this.el.host.dataset.gapPx = gaps.map((g) => g.map((v) => Math.round(v)).join('-')).join(' ');
          return gaps;
        },
      });
    }
    const axisStroke = '#3a3f47';
    const grid = { stroke: '#e3e6ea', width: 1 };
    const opts: uPlot.Options = {
      width: this.width(),
      height: this.height,
      series,
      scales: {
        x: { time: false },
        // RMS is never negative; starting at zero keeps the size of a change honest.
        y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.15 : 0.1] },
      },
      axes: [
        {
          label: t('live.chart.time'),
          stroke: axisStroke,
          grid,
          ticks: grid,
          // Clock labels are up to "04:24:01.5" wide: ticks far enough apart that they do not overlap.
          space: 80,
          values: (_u, splits, _ax, _space, incr) => {
            const w = splits.map((v) => (v == null ? null : wall(v)));
            const labels = w.every((x) => x !== null) && splits.length > 0 ? clockTickLabels(w, incr, lang()) : splits.map((v) => `${formatNumber(v, 3)} s`);
            this.el.host.dataset.ticks = labels.join('|');
            return labels;
          },
        },
        { label: t('live.chart.rms'), stroke: axisStroke, grid, ticks: grid, size: 60, values: (_u, splits) => splits.map((v) => formatFixed(v, 3)) },
      ],
      cursor: { drag: { x: !!this.labelling, y: false, setScale: false } },
      legend: { show: true },
      plugins: this.labelling ? [bandsPlugin(this.labelling.bands)] : [],
      hooks: this.labelling
        ? {
            setSelect: [
              (u) => {
                if (u.select.width < 3) return;
                const a = u.posToVal(u.select.left, 'x');
                const b = u.posToVal(u.select.left + u.select.width, 'x');
                // The trend keeps scrolling: keep the range as a band, not as a pixel box.
                this.clearSelection();
                this.labelling!.onSelect(Math.min(a, b), Math.max(a, b));
              },
            ],
          }
        : {},
    };
    this.plot = new uPlot(opts, [[], ...Array.from({ length: columns }, () => [])] as uPlot.AlignedData, this.el.host);
  }
}
