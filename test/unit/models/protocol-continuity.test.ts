import { describe, expect, it } from 'vitest';
import { StreamContinuity, WRAP_SLACK, type ContinuityStep } from '../../../models/protocol/continuity';

function run(items: [number, number?][]): ContinuityStep[] {
  const c = new StreamContinuity();
  return items.map(([first, span]) => c.observe(first, span));
}

describe('StreamContinuity', () => {
  it('calls consecutive windows next, and counts the windows a jump skipped', () => {
    expect(run([[10], [11], [12], [15], [16]])).toEqual([{ kind: 'first' }, { kind: 'next' }, { kind: 'next' }, { kind: 'missed', missed: 2 }, { kind: 'next' }]);
  });

  it('follows raw blocks by their span (frame_count times decimation)', () => {
    const c = new StreamContinuity();
    expect(c.observe(0, 404)).toEqual({ kind: 'first' });
    expect(c.expected).toBe(404);
    expect(c.observe(404, 404)).toEqual({ kind: 'next' });
    expect(c.observe(1212, 404)).toEqual({ kind: 'missed', missed: 404 });
    expect(c.expected).toBe(1616);
  });

  it('tells the same item again (duplicate) from a stream that went back (restarted)', () => {
    expect(run([[7], [7], [8]])).toEqual([{ kind: 'first' }, { kind: 'duplicate' }, { kind: 'next' }]);
    expect(run([[500], [3], [4]])).toEqual([{ kind: 'first' }, { kind: 'restarted' }, { kind: 'next' }]);
    // A raw block that overlaps the one before (not the same start) is a new stream, not a duplicate.
    expect(run([[100, 10], [105, 10]])).toEqual([{ kind: 'first' }, { kind: 'restarted' }]);
    expect(run([[100, 10], [100, 10]])).toEqual([{ kind: 'first' }, { kind: 'duplicate' }]);
  });

  it('continues across the u32 wraparound, with or without missed items', () => {
    expect(run([[0xfffffffe], [0xffffffff], [0], [1]])).toEqual([{ kind: 'first' }, { kind: 'next' }, { kind: 'next' }, { kind: 'next' }]);
    expect(run([[0xfffffffe], [2]])).toEqual([{ kind: 'first' }, { kind: 'missed', missed: 3 }]);
    const c = new StreamContinuity();
    c.observe(0xffffff00, 0x100);
    expect(c.expected).toBe(0);
    expect(c.observe(0, 0x100)).toEqual({ kind: 'next' });
  });

  it('reads a long-running node that restarted as restarted, not as a gap across the wraparound', () => {
    expect(run([[3_000_000_000, 404], [0, 404]])).toEqual([{ kind: 'first' }, { kind: 'restarted' }]);
    expect(run([[0xffffff00], [0x00ffff01]])).toEqual([{ kind: 'first' }, { kind: 'restarted' }]); // 2^24 on from the expected index: too far
    expect(run([[0xffffff00], [0x00ffff00]])).toEqual([{ kind: 'first' }, { kind: 'missed', missed: WRAP_SLACK - 1 }]);
  });

  it('peeks without taking the item', () => {
    const c = new StreamContinuity();
    c.observe(5);
    expect(c.peek(2)).toEqual({ kind: 'restarted' });
    expect(c.peek(9)).toEqual({ kind: 'missed', missed: 3 });
    expect(c.expected).toBe(6);
    expect(c.observe(6)).toEqual({ kind: 'next' });
  });

  it('starts over after reset', () => {
    const c = new StreamContinuity();
    c.observe(40);
    c.reset();
    expect(c.expected).toBeUndefined();
    expect(c.observe(90)).toEqual({ kind: 'first' });
    expect(c.observe(91)).toEqual({ kind: 'next' });
  });
});
