/**
 * The live analysis' waterfall (renderer/src/live/analysisView.ts): the rows of a WaterfallRing drawn
 * on a canvas, oldest left and the newest at the right, low frequencies at the bottom, in viridis
 * over six decades below the highest value, with a frequency axis and "seconds ago" below.
 */
import { formatNumber } from '../format';
import { t } from '../i18n';
import type { WaterfallRing } from './analysisLogic';

/** Viridis at 9 stops, interpolated to 256 RGB entries. */
const COLOURMAP = (() => {
  const stops = [
    [68, 1, 84],
    [71, 44, 122],
    [59, 81, 139],
    [44, 113, 142],
    [33, 144, 141],
    [39, 173, 129],
    [92, 200, 99],
    [170, 220, 50],
    [253, 231, 37],
  ];
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const p = (i / 255) * (stops.length - 1);
    const k = Math.min(stops.length - 2, Math.floor(p));
    const f = p - k;
    for (let c = 0; c < 3; c++) out[i * 3 + c] = Math.round(stops[k][c] * (1 - f) + stops[k + 1][c] * f);
  }
  return out;
})();

export interface WaterfallView {
  /** What the rows hold (the canvas' data-kind). */
  kind: 'psd' | 'bands';
  /** Bins drawn per row, and the first of them in a row. */
  bins: number;
  first: number;
  /** The frequency label of bin k (relative to `first`). */
  freqLabel: (k: number) => string;
}

export class WaterfallCanvas {
  private image: ImageData | null = null;
  private readonly off = document.createElement('canvas');

  constructor(private readonly canvas: HTMLCanvasElement) {}

  draw(ring: WaterfallRing | null, view: WaterfallView): void {
    const canvas = this.canvas;
    const dpr = devicePixelRatio || 1;
    const cssW = Math.max(240, Math.floor(canvas.clientWidth || canvas.parentElement?.clientWidth || 600));
    const cssH = 200;
    if (canvas.width !== Math.round(cssW * dpr) || canvas.height !== Math.round(cssH * dpr)) {
      canvas.width = Math.round(cssW * dpr);
      canvas.height = Math.round(cssH * dpr);
    }
    const ctx = canvas.getContext('2d');
    if (!ctx) return;
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.fillStyle = '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    canvas.dataset.rows = String(ring?.length ?? 0);
    canvas.dataset.kind = ring ? view.kind : 'none';
    if (!ring || ring.length === 0) return;
    const { bins, first } = view;
    // Image: one column per row of the ring (oldest left), one pixel row per bin (low frequency at the bottom).
    const cols = ring.capacity;
    if (!this.image || this.image.width !== cols || this.image.height !== bins) this.image = new ImageData(cols, bins);
    const img = this.image;
    img.data.fill(255);
    let hi = -Infinity;
    for (let r = 0; r < ring.length; r++) {
      const o = ring.rowOffset(r) + first;
      for (let k = 0; k < bins; k++) if (ring.data[o + k] > hi) hi = ring.data[o + k];
    }
    // Six decades of energy (PSD: of density) below the highest: below that is the noise floor.
    const lo = hi - 6;
    const span = hi - lo || 1;
    const startCol = cols - ring.length;
    for (let r = 0; r < ring.length; r++) {
      const o = ring.rowOffset(r) + first;
      const x = startCol + r;
      for (let k = 0; k < bins; k++) {
        const v = ring.data[o + k];
        const c = Math.max(0, Math.min(255, Math.round(((v - lo) / span) * 255)));
        const p = ((bins - 1 - k) * cols + x) * 4;
        img.data[p] = COLOURMAP[c * 3];
        img.data[p + 1] = COLOURMAP[c * 3 + 1];
        img.data[p + 2] = COLOURMAP[c * 3 + 2];
        img.data[p + 3] = 255;
      }
    }
    const off = this.off;
    if (off.width !== cols || off.height !== bins) {
      off.width = cols;
      off.height = bins;
    }
    off.getContext('2d')!.putImageData(img, 0, 0);
    const padL = 64 * dpr;
    const padB = 26 * dpr;
    const padT = 6 * dpr;
    const padR = 10 * dpr;
    const pw = canvas.width - padL - padR;
    const ph = canvas.height - padT - padB;
    ctx.imageSmoothingEnabled = false;
    ctx.drawImage(off, padL, padT, pw, ph);
    // Axes: frequency on the left, time (seconds before the newest row) below.
    ctx.fillStyle = '#3a3f47';
    ctx.font = `${11 * dpr}px sans-serif`;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (let i = 0; i <= 4; i++) {
      const k = Math.min(bins - 1, Math.round((i / 4) * (bins - 1)));
      const y = padT + ph - ((k + 0.5) / bins) * ph;
      ctx.fillText(view.freqLabel(k), padL - 4 * dpr, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    const newest = ring.time(ring.length - 1);
    // The width holds `cols` rows: label it as time before the newest row, whether filled yet or not.
    const period = ring.length > 1 ? (newest - ring.time(0)) / (ring.length - 1) : 0.25;
    for (let i = 0; i <= 4; i++) {
      const col = ((cols - 1) * i) / 4;
      const x = padL + ((col + 0.5) / cols) * pw;
      ctx.textAlign = i === 0 ? 'left' : i === 4 ? 'right' : 'center';
      ctx.fillText(i === 4 ? t('live.an.now') : t('live.an.secondsAgo', { s: formatNumber((cols - 1 - col) * period, 0) }), i === 0 ? padL : i === 4 ? padL + pw : x, padT + ph + 4 * dpr);
    }
  }
}
