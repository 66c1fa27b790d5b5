/**
 * A uPlot plugin that shades labelled time ranges behind the series, with the label's name written
 * at the top (colour is never the only cue). Captions whose text would overlap (an alarm and the
 * label made for it start at the same place) are stacked one line below the other. Bands are read
 * from a callback on every redraw, so callers update them without rebuilding the chart.
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

/** Caption line height, in CSS pixels (11 px text). */
export const CAPTION_LINE = 14;

/**
 * The line each caption goes on, so no two captions on one line overlap: each takes the first
 * line where its span [x0, x1) is clear of the captions already placed there. Pure.
 */
export function captionLines(spans: readonly { x0: number; x1: number }[]): number[] {
  const lines: { x0: number; x1: number }[][] = [];
  return spans.map((s) => {
    let i = 0;
    while (lines[i]?.some((o) => s.x0 < o.x1 && o.x0 < s.x1)) i++;
    (lines[i] ??= []).push(s);
    return i;
  });
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
          const captions: { b: Band; x0: number; x1: number; maxW: number }[] = [];
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
              const maxW = w - 8 * px;
              captions.push({ b, x0: x0 + 4 * px, x1: x0 + 4 * px + Math.min(maxW, ctx.measureText(b.text).width) + 6 * px, maxW });
            }
          }
          // Captions after every fill, so a later band's shade never covers an earlier caption.
          const line = captionLines(captions);
          captions.forEach((c, i) => {
            ctx.fillStyle = c.b.colour;
            ctx.fillText(c.b.text, c.x0, top + (6 + line[i] * CAPTION_LINE) * px, c.maxW);
          });
          ctx.restore();
        },
      ],
    },
  };
}
