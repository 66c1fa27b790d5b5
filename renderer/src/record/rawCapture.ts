/**
 * Raw snapshots from a live node: one on a schedule (e.g. 1 s every 10 min) and one around every
 * event, with samples from before the trigger (a ring buffer) and after it.
 *
 * Wired (docs/storage.md, "Raw snapshots"): LiveRecorder turns every `node.raw` RAW_BLOCK into this
 * class's `CaptureBlock` with `toCaptureBlock` (g = count · scale_g, scaled by main, one path per run of one decimation in
 * one stream, so rates never mix), calls `trigger` when a node EVENT starts, and stores what comes
 * back as `rawSnapshots` rows of the session being recorded.
 *
 * A snapshot never spans a hole: when samples are missing (a lost block, a pause in recording) or
 * the path ends (stream restart, new decimation, end of the session), an open snapshot is handed
 * over with the samples it has, and the ring starts again after the hole.
 */
import type { RawBlock } from '../../../models/api/contract';

/** Raw samples in g on one path's sample clock, as RawCapture takes them. */
export interface CaptureBlock {
  path: string;
  /** Index of the block's first sample on this path's sample clock (raw samples, not input frames). */
  firstSample: number;
  sampleRateHz: number;
  /** One array per axis, same length. */
  axes: Float32Array[];
}

/**
 * A RAW_BLOCK (docs/protocol.md 3.9) as RawCapture takes it: per-axis Float32Array in g (the API's
 * samples are already count · scale_g, interleaved; here split by axis), `sampleRateHz = nodeRateHz / D`, `firstSample = (firstFrame − originFrame) / D`.
 * `first_frame` counts input frames; sample k of a block is the mean of D frames from
 * `first_frame + k·D`, so with `originFrame = first_frame mod D` of a path's first block the sample
 * clock is `floor(first_frame / D)`. Null for a block that does not fit that clock (a frame not a
 * multiple of D past the origin, before it) or does not decode (no frames, too few samples).
 */
export function toCaptureBlock(b: RawBlock, path: string, nodeRateHz: number, originFrame = 0): CaptureBlock | null {
  const axes = b.axisCount;
  const n = b.frameCount;
  const d = b.decimation;
  if (!Number.isInteger(axes) || axes < 1 || !Number.isInteger(n) || n < 1 || !Number.isInteger(d) || d < 1) return null;
  if (!(b.samples instanceof Float32Array) || b.samples.length < axes * n || !(nodeRateHz > 0)) return null;
  const off = b.firstFrame - originFrame;
  if (!Number.isInteger(off) || off < 0 || off % d !== 0) return null;
  const out = Array.from({ length: axes }, () => new Float32Array(n));
  for (let k = 0; k < n; k++) for (let a = 0; a < axes; a++) out[a][k] = b.samples[k * axes + a];
  return { path, firstSample: off / d, sampleRateHz: nodeRateHz / d, axes: out };
}

export interface RawPolicy {
  /** Seconds kept before an event's trigger. */
  preTriggerS: number;
  /** Seconds collected after it. */
  postTriggerS: number;
  /** A scheduled snapshot every this many seconds (0: none). */
  scheduleEveryS: number;
  scheduleLengthS: number;
}

export const DEFAULT_RAW_POLICY: RawPolicy = { preTriggerS: 2, postTriggerS: 2, scheduleEveryS: 600, scheduleLengthS: 1 };

export interface CapturedSnapshot {
  path: string;
  firstSample: number;
  sampleRateHz: number;
  count: number;
  /** Axis-major: axis a at [a * count, (a + 1) * count). */
  samples: Float32Array;
  reason: 'schedule' | 'event';
  eventId: string | null;
}

interface Capture {
  reason: 'schedule' | 'event';
  eventId: string | null;
  first: number;
  end: number;
  axes: Float32Array[];
}

interface PathState {
  rate: number;
  axisCount: number;
  /** Ring of the last preTrigger samples per axis. */
  ring: Float32Array[];
  /** Samples seen (the index after the newest one). */
  seen: number;
  /** The ring holds samples from here on (the first sample after the last hole). */
  validFrom: number;
  nextScheduled: number;
  captures: Capture[];
}

export class RawCapture {
  private readonly paths = new Map<string, PathState>();

  constructor(
    private readonly policy: RawPolicy,
    private readonly store: (s: CapturedSnapshot) => void,
  ) {}

  onBlock(b: CaptureBlock): void {
    const n = b.axes[0]?.length ?? 0;
    if (n === 0) return;
    let st = this.paths.get(b.path);
    if (st && (st.rate !== b.sampleRateHz || st.axisCount !== b.axes.length || b.firstSample < st.seen)) {
      // Another rate or shape, or the clock went back: start over, never mixing the two in a snapshot.
      this.end(b.path);
      st = undefined;
    }
    if (!st) {
      const ringLen = Math.max(1, Math.round(this.policy.preTriggerS * b.sampleRateHz));
      st = {
        rate: b.sampleRateHz,
        axisCount: b.axes.length,
        ring: b.axes.map(() => new Float32Array(ringLen)),
        seen: b.firstSample,
        validFrom: b.firstSample,
        nextScheduled: b.firstSample,
        captures: [],
      };
      this.paths.set(b.path, st);
    }
    if (b.firstSample > st.seen) this.hole(b.path, st, b.firstSample);
    if (this.policy.scheduleEveryS > 0 && b.firstSample + n > st.nextScheduled && !st.captures.some((c) => c.reason === 'schedule')) {
      const first = Math.max(st.nextScheduled, b.firstSample);
      this.open(st, 'schedule', null, first, first + Math.max(1, Math.round(this.policy.scheduleLengthS * st.rate)));
      st.nextScheduled = first + Math.round(this.policy.scheduleEveryS * st.rate);
    }
    for (const c of st.captures) this.copyInto(c, b.firstSample, b.axes);
    // Ring: the newest samples, written at index (sample % ringLen).
    const len = st.ring[0].length;
    for (let a = 0; a < st.axisCount; a++) {
      const src = b.axes[a];
      const ring = st.ring[a];
      const from = Math.max(0, n - len);
      for (let i = from; i < n; i++) ring[(b.firstSample + i) % len] = src[i];
    }
    st.seen = b.firstSample + n;
    this.closeDone(b.path, st);
  }

  /**
   * An event at `atSample` (default: the newest sample): pre-trigger from the ring, the rest as it
   * arrives. A trigger older than the ring holds is moved to its oldest sample; one further ahead
   * than the ring is long is on another clock and taken as the newest sample.
   */
  trigger(path: string, eventId: string, atSample?: number): boolean {
    const st = this.paths.get(path);
    if (!st) return false;
    const len = st.ring[0].length;
    const oldest = Math.max(st.seen - len, st.validFrom, 0);
    let at = atSample !== undefined && Number.isFinite(atSample) && atSample <= st.seen + len ? Math.floor(atSample) : st.seen;
    at = Math.max(at, oldest);
    const first = Math.max(at - len, oldest);
    const c = this.open(st, 'event', eventId, first, at + Math.max(1, Math.round(this.policy.postTriggerS * st.rate)));
    // Fill what the ring still holds.
    for (let a = 0; a < st.axisCount; a++) {
      for (let s = first; s < Math.min(st.seen, c.end); s++) c.axes[a][s - first] = st.ring[a][s % len];
    }
    this.closeDone(path, st);
    return true;
  }

  /** The path's stream is over: open snapshots are handed over with what they hold, the ring is dropped. */
  end(path: string): void {
    const st = this.paths.get(path);
    if (!st) return;
    this.paths.delete(path);
    for (const c of st.captures) if (c.first < st.seen) this.emit(path, st, c, Math.min(c.end, st.seen));
    st.captures = [];
  }

  /** Samples [st.seen, next) never arrived: snapshots before the hole end there, the ring starts again. */
  private hole(path: string, st: PathState, next: number): void {
    const keep: Capture[] = [];
    for (const c of st.captures) {
      if (c.first >= next) keep.push(c);
      else if (c.first < st.seen) this.emit(path, st, c, st.seen);
      else if (c.end > next) {
        // Nothing of it arrived yet: it starts after the hole.
        c.axes = c.axes.map((x) => x.slice(next - c.first));
        c.first = next;
        keep.push(c);
      }
    }
    st.captures = keep;
    st.seen = next;
    st.validFrom = next;
  }

  private open(st: PathState, reason: 'schedule' | 'event', eventId: string | null, first: number, end: number): Capture {
    const c: Capture = { reason, eventId, first, end, axes: Array.from({ length: st.axisCount }, () => new Float32Array(end - first)) };
    st.captures.push(c);
    return c;
  }

  private copyInto(c: Capture, firstSample: number, axes: Float32Array[]): void {
    const from = Math.max(c.first, firstSample);
    const to = Math.min(c.end, firstSample + axes[0].length);
    for (let a = 0; a < axes.length; a++) {
      for (let s = from; s < to; s++) c.axes[a][s - c.first] = axes[a][s - firstSample];
    }
  }

  /** Hands over samples [c.first, end) of a capture. */
  private emit(path: string, st: PathState, c: Capture, end: number): void {
    const count = end - c.first;
    if (count <= 0) return;
    const samples = new Float32Array(count * st.axisCount);
    c.axes.forEach((x, a) => samples.set(x.subarray(0, count), a * count));
    this.store({ path, firstSample: c.first, sampleRateHz: st.rate, count, samples, reason: c.reason, eventId: c.eventId });
  }

  private closeDone(path: string, st: PathState): void {
    const still: Capture[] = [];
    for (const c of st.captures) {
      if (st.seen < c.end) still.push(c);
      else this.emit(path, st, c, c.end);
    }
    st.captures = still;
  }
}
