// The Live chart's band captions (renderer/src/labels/labelBands.ts): an alarm and the label made
// for it start at the same place, and both captions must read (issue 13, point 7).
import type uPlot from 'uplot';
import { beforeAll, describe, expect, it } from 'vitest';
import { bandsPlugin, captionLines, type Band } from '../../../renderer/src/labels/labelBands';

beforeAll(() => {
  (globalThis as { devicePixelRatio?: number }).devicePixelRatio = 1;
});

/** Draws the bands on a fake 600 × 200 plot (x 0–60 s) and returns where each caption was written. */
function captions(bands: Band[]): { text: string; x: number; y: number }[] {
  const out: { text: string; x: number; y: number }[] = [];
  const ctx = {
    save() {},
    restore() {},
    beginPath() {},
    rect() {},
    clip() {},
    fillRect() {},
    strokeRect() {},
    setLineDash() {},
    measureText: (s: string) => ({ width: s.length * 6 }),
    fillText: (text: string, x: number, y: number) => out.push({ text, x, y }),
  };
  const u = { bbox: { left: 50, top: 10, width: 600, height: 200 }, ctx, valToPos: (v: number) => 50 + v * 10 } as unknown as uPlot;
  const draw = bandsPlugin(() => bands).hooks.drawClear as ((u: uPlot) => void)[];
  draw[0](u);
  return out;
}

const overlaps = (a: { x: number; y: number; text: string }, b: { x: number; y: number; text: string }) =>
  a.y === b.y && a.x < b.x + b.text.length * 6 && b.x < a.x + a.text.length * 6;

describe('band captions on the Live chart', () => {
  it('stacks an alarm caption and a label caption that start at the same time', () => {
    const c = captions([
      { start: 5, end: 40, colour: '#2e7d32', text: 'Inner race' },
      { start: 5, end: 50, colour: '#b3261e', text: 'Anomaly alarm 3 (on)' },
    ]);
    expect(c.map((x) => x.text)).toEqual(['Inner race', 'Anomaly alarm 3 (on)']);
    expect(overlaps(c[0], c[1])).toBe(false);
    expect(c[1].y).toBeGreaterThan(c[0].y);
  });

  it('also when the label starts just after the alarm, under its caption', () => {
    const c = captions([
      { start: 4, end: 50, colour: '#b3261e', text: 'Anomaly alarm 3 (on)' },
      { start: 6, end: 30, colour: '#2e7d32', text: 'Inner race' },
      { start: 8, end: 20, colour: '#0b5cad', text: 'New label', pending: true },
    ]);
    for (let i = 0; i < c.length; i++) for (let j = i + 1; j < c.length; j++) expect(overlaps(c[i], c[j]), `${c[i].text} / ${c[j].text}`).toBe(false);
  });

  it('keeps captions that do not touch on the first line', () => {
    const c = captions([
      { start: 0, end: 10, colour: '#2e7d32', text: 'Normal' },
      { start: 30, end: 40, colour: '#b3261e', text: 'Alarm' },
    ]);
    expect(c[0].y).toBe(c[1].y);
  });

  it('captionLines puts each span on the first free line', () => {
    expect(captionLines([{ x0: 0, x1: 10 }, { x0: 5, x1: 15 }, { x0: 12, x1: 20 }, { x0: 0, x1: 3 }, { x0: 2, x1: 8 }])).toEqual([0, 1, 0, 1, 2]);
  });
});
