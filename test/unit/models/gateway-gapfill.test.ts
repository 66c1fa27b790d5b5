// Gap fill at the workstation without a broker (models/gateway/gapFill.ts): a node's windows are
// handed on in order and once; a jump in window_index makes a request for exactly the missing range,
// newer windows wait behind it, and the wait ends when the gap is filled, when the gateway says it
// sent all it had, or when the request is given up; what is not filled is counted lost.
import { describe, expect, it } from 'vitest';
import type { FeatureFrame } from '../../../models/api/contract';
import { DeviceGapFill, emptyGapCounters, gapAnswerMetrics, gapAnswerOf, gapRequestMetrics, parseGapRequests, type StampedFrame } from '../../../models/gateway/gapFill';

const frame = (wi: number): FeatureFrame => ({ windowIndex: wi, tUs: wi * 10_667, shaftHz: 30, rmsG: [0.1, 0.2] });
/** Windows a..b, stamped by the gateway at 1000 + 10 ms per window (a batch of 10 shares a stamp). */
const run = (a: number, b: number, stampOf = (wi: number) => 1000 + Math.floor(wi / 10) * 100): StampedFrame[] =>
  Array.from({ length: b - a + 1 }, (_, i) => ({ frame: frame(a + i), gwMs: stampOf(a + i) }));
const indices = (fs: FeatureFrame[]) => fs.map((f) => f.windowIndex);

function device() {
  const counters = emptyGapCounters();
  let n = 0;
  const d = new DeviceGapFill('0123456789abcdef01234567', counters, () => `r${++n}`, { silenceMs: 5000, attempts: 2, maxHeld: 100 });
  return { d, counters };
}

describe('DeviceGapFill', () => {
  it('hands on consecutive windows at once and drops a window heard again', () => {
    const { d, counters } = device();
    expect(indices(d.accept(run(0, 9), 0).frames)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    const again = d.accept(run(5, 12), 0);
    expect(indices(again.frames)).toEqual([10, 11, 12]);
    expect(again.request).toBeUndefined();
    expect(counters.duplicates).toBe(5);
  });

  it('asks for exactly the missing range, holds newer windows back, and hands everything on in order once filled', () => {
    const { d, counters } = device();
    d.accept(run(0, 19), 0);
    const jump = d.accept(run(50, 59), 10);
    expect(jump.frames).toEqual([]);
    expect(jump.request).toEqual({ request: 'r1', device: '0123456789abcdef01234567', fromWindow: 20, toWindow: 49, afterMs: 1100, beforeMs: 1500 });
    expect(counters).toMatchObject({ gaps: 1, missingWindows: 30 });
    // More live windows while waiting: held.
    expect(d.accept(run(60, 69), 20).frames).toEqual([]);
    // The answer arrives in two parts, out of order between them; the last missing window completes it.
    expect(d.accept(run(35, 49), 30).frames).toEqual([]);
    const done = d.accept(run(20, 34), 40);
    expect(indices(done.frames)).toEqual(Array.from({ length: 50 }, (_, i) => 20 + i));
    expect(counters).toMatchObject({ filledWindows: 30, lostWindows: 0 });
    // A late copy of the answer changes nothing.
    expect(d.accept(run(20, 30), 50).frames).toEqual([]);
    expect(indices(d.accept(run(70, 70), 60).frames)).toEqual([70]);
  });

  it('a gateway that no longer has part of the range: the answer ends the wait, the rest is counted lost and left a hole', () => {
    const { d, counters } = device();
    d.accept(run(0, 9), 0);
    const req = d.accept(run(40, 45), 0).request!;
    d.accept(run(30, 39), 10); // only the newest part was still held by the gateway
    const end = d.answered(req.request);
    expect(indices(end.frames)).toEqual([...Array.from({ length: 10 }, (_, i) => 30 + i), 40, 41, 42, 43, 44, 45]);
    expect(counters).toMatchObject({ missingWindows: 30, filledWindows: 10, lostWindows: 20 });
    // Windows of that range coming later would be out of order: dropped.
    expect(d.accept(run(15, 16), 20).frames).toEqual([]);
    // Another request's end does not end nothing.
    expect(d.answered('other').frames).toEqual([]);
  });

  it('asks again after silence, then gives up and hands on the held windows', () => {
    const { d, counters } = device();
    d.accept(run(0, 9), 0);
    const first = d.accept(run(20, 25), 0).request!;
    expect(d.tick(4999).request).toBeUndefined();
    expect(d.tick(5000).request).toEqual(first);
    const gaveUp = d.tick(10_000);
    expect(gaveUp.request).toBeUndefined();
    expect(indices(gaveUp.frames)).toEqual([20, 21, 22, 23, 24, 25]);
    expect(counters).toMatchObject({ lostWindows: 10, filledWindows: 0 });
  });

  it('gives up when too many windows wait (the live view does not wait for ever)', () => {
    const { d } = device();
    d.accept(run(0, 9), 0);
    d.accept(run(20, 20), 0);
    const out = d.accept(run(21, 121), 0);
    expect(indices(out.frames)[0]).toBe(20);
    expect(out.frames.length).toBe(102);
  });

  it('a held window that jumps again asks for the next gap once the first is settled', () => {
    const { d } = device();
    d.accept(run(0, 9), 0);
    d.accept(run(20, 20), 0);
    d.accept(run(40, 41), 0);
    const step = d.accept(run(10, 19), 0);
    expect(indices(step.frames)).toEqual([...Array.from({ length: 11 }, (_, i) => 10 + i)]);
    expect(step.request).toMatchObject({ fromWindow: 21, toWindow: 39 });
  });

  it('a node that restarted (index back, stamped later) is a new stream, not duplicates; after a death the stream starts afresh', () => {
    const { d, counters } = device();
    d.accept(run(0, 99), 0);
    const restarted = d.accept(run(0, 4, (wi) => 90_000 + wi), 0);
    expect(indices(restarted.frames)).toEqual([0, 1, 2, 3, 4]);
    expect(counters.duplicates).toBe(0);
    d.accept(run(7, 8, () => 90_100), 0); // a gap 5..6 pending
    const r = d.reset();
    expect(indices(r.frames)).toEqual([7, 8]);
    expect(counters.lostWindows).toBe(2);
    // A copy of a window from before the death is still a copy; the next new window starts the stream, even far ahead.
    expect(d.accept(run(8, 8, () => 90_100), 0).frames).toEqual([]);
    const next = d.accept(run(500, 501, () => 95_000), 0);
    expect(indices(next.frames)).toEqual([500, 501]);
    expect(next.request).toBeUndefined();
    expect(d.accept(run(503, 503, () => 95_100), 0).request).toMatchObject({ fromWindow: 502, toWindow: 502 });
  });

  it('a jump of a million windows or more is not a gap', () => {
    const { d } = device();
    d.accept(run(0, 0), 0);
    const far = d.accept([{ frame: frame(2_000_000), gwMs: 5000 }], 0);
    expect(far.request).toBeUndefined();
    expect(indices(far.frames)).toEqual([2_000_000]);
  });
});

describe('gap-fill metrics', () => {
  it('requests survive metrics both ways, several in one NCMD; incomplete or reversed ones are refused in words', () => {
    const reqs = [
      { request: 'ab12-1', device: '0123456789abcdef01234567', fromWindow: 20, toWindow: 49, afterMs: 1_700_000_000_100, beforeMs: 1_700_000_000_500 },
      { request: 'ab12-2', device: 'fedcba9876543210fedcba98', fromWindow: 0, toWindow: 0, afterMs: 5, beforeMs: 5 },
    ];
    const m = gapRequestMetrics(reqs, 1);
    expect(parseGapRequests(m)).toEqual({ requests: reqs, refused: [] });
    const bad = parseGapRequests([
      ...gapRequestMetrics([{ ...reqs[0], fromWindow: 50, toWindow: 49 }], 1),
      { name: 'gap_fill/request', value: 'x y' },
      ...gapRequestMetrics([{ ...reqs[1], device: 'a/b' }], 1),
    ]);
    expect(bad.requests).toEqual([]);
    expect(bad.refused).toHaveLength(3);
    expect(bad.refused[0]).toMatch(/from <= to/);
  });

  it('an answer names its request; only the last says done, with found and missing', () => {
    expect(gapAnswerOf(gapAnswerMetrics('r1', null, 1))).toEqual({ request: 'r1', done: false });
    const last = gapAnswerMetrics('r1', { found: 10, missing: 20 }, 1);
    expect(gapAnswerOf(last)).toEqual({ request: 'r1', done: true });
    expect(last.find((x) => x.name === 'gap_fill/missing')!.value).toBe(20);
    expect(last.every((x) => x.isHistorical)).toBe(true);
    expect(gapAnswerOf([{ name: 'features/window_index', value: 1 }])).toBeNull();
  });
});
