// What data did not arrive from a node, when and why (main/node/dataLoss.ts, NodeInfo.losses): the
// gap and the node's LOG 7 meet in either order; the connection lost says so; bursts merge.
import { describe, expect, it } from 'vitest';
import { CAUSE_WINDOW_MS, DataLossLog, MERGE_MS } from '../../../main/node/dataLoss';
import { DATA_LOSS_KEPT } from '../../../models/api/contract';

const T = 1_800_000_000_000;

describe('data loss log', () => {
  it('a gap with a LOG 7 shortly before is the node buffer; its time is the first missing window', () => {
    const log = new DataLossLog();
    expect(log.snapshot()).toBeUndefined();
    log.nodeDropped(T);
    expect(log.missed({ windows: 120, nowMs: T + 1000, firstMissingMs: T - 500, linkLost: false })).toBe('new');
    expect(log.snapshot()).toEqual([{ atMs: T - 500, untilMs: T + 1000, windows: 120, rawFrames: 0, cause: 'node-buffer' }]);
  });

  it('a gap first, then the LOG 7 within the window: the cause becomes the node buffer; a later LOG does not', () => {
    const log = new DataLossLog();
    log.missed({ windows: 7, nowMs: T, linkLost: false });
    expect(log.snapshot()![0].cause).toBe('unknown');
    expect(log.nodeDropped(T + CAUSE_WINDOW_MS - 1)).toBe(true);
    expect(log.snapshot()![0].cause).toBe('node-buffer');
    const other = new DataLossLog();
    other.missed({ windows: 7, nowMs: T, linkLost: false });
    expect(other.nodeDropped(T + CAUSE_WINDOW_MS + 1)).toBe(false);
    expect(other.snapshot()![0].cause).toBe('unknown');
  });

  it('a gap across a lost connection is the link, even with a LOG 7 near', () => {
    const log = new DataLossLog();
    log.nodeDropped(T);
    log.missed({ windows: 90, nowMs: T + 10, linkLost: true });
    expect(log.snapshot()![0].cause).toBe('link-lost');
  });

  it('merges a burst, keeps separate losses apart, and keeps the latest few', () => {
    const log = new DataLossLog();
    log.nodeDropped(T);
    expect(log.missed({ windows: 10, nowMs: T + 100, linkLost: false })).toBe('new');
    expect(log.missed({ windows: 5, rawFrames: 4096, nowMs: T + 100 + MERGE_MS - 1, linkLost: false })).toBe('merged');
    expect(log.snapshot()).toEqual([{ atMs: T + 100, untilMs: T + 100 + MERGE_MS - 1, windows: 15, rawFrames: 4096, cause: 'node-buffer' }]);
    for (let i = 1; i <= DATA_LOSS_KEPT + 2; i++) log.missed({ windows: i, nowMs: T + i * 60_000, linkLost: false });
    const s = log.snapshot()!;
    expect(s).toHaveLength(DATA_LOSS_KEPT);
    expect(s[s.length - 1].windows).toBe(DATA_LOSS_KEPT + 2);
    expect(s.every((l) => l.cause === 'unknown')).toBe(true);
    // Nothing missing changes nothing; a first missing window "in the future" is clamped to now.
    expect(log.missed({ windows: 0, nowMs: T, linkLost: false })).toBe(false);
    const f = new DataLossLog();
    f.missed({ windows: 1, nowMs: T, firstMissingMs: T + 9999, linkLost: false });
    expect(f.snapshot()![0].atMs).toBe(T);
  });
});
