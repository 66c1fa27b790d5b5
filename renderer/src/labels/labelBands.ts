/**
 * A uPlot plugin that shades labelled time ranges behind the series, with the label's name written
 * at the top (colour is never the only cue). Bands are read from a callback on every redraw, so
 * callers update them without rebuilding the chart.
 */
import type uPlot from 'uplot';

export interface Band {
  /** x-scale values (the chart's own unit). */
  start: number;
  end: number;
  colour: string;
  text: string;
  /** The selection being labelled right now: outlined instead of filled. */
  pending?: boolean;
}

export function bandsPlugin(getBands: () => readonly Band[]): uPlot.Plugin {
  return {
    hooks: {
      drawClear: [
        (u: uPlot) => {
          const bands = getBands();
          if (bands.length === 0) return;
          const { left, top, width, height } = u.bbox;
          const ctx = u.ctx;
          const px = devicePixelRatio || 1;
          ctx.save();
          ctx.beginPath();
          ctx.rect(left, top, width, height);
          ctx.clip();
          ctx.font = `${Math.round(11 * px)}px system-ui, sans-serif`;
          ctx.textBaseline = 'top';
          ctx.textAlign = 'left'; // uPlot leaves its axis alignment on the context
          for (const b of bands) {
            const x0 = Math.max(left, u.valToPos(b.start, 'x', true));
            const x1 = Math.min(left + width, u.valToPos(b.end, 'x', true));
            if (!(x1 >= left && x0 <= left + width)) continue;
            const w = Math.max(2 * px, x1 - x0);
            if (b.pending) {
              ctx.strokeStyle = b.colour;
              ctx.lineWidth = 2 * px;
              ctx.setLineDash([6 * px, 4 * px]);
              ctx.strokeRect(x0, top + px, w, height - 2 * px);
              ctx.setLineDash([]);
            } else {
              ctx.fillStyle = `${b.colour}2e`;
              ctx.fillRect(x0, top, w, height);
              ctx.fillStyle = b.colour;
              ctx.fillRect(x0, top, w, 3 * px);
            }
            if (w > 30 * px) {
              ctx.fillStyle = b.colour;
              ctx.fillText(b.text, x0 + 4 * px, top + 6 * px, w - 8 * px);
            }
          }
          ctx.restore();
        },
      ],
    },
  };
}
