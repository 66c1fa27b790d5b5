/**
 * Raw snapshots from a live node: one on a schedule (e.g. 1 s every 10 min) and one around every
 * event, with samples from before the trigger (a ring buffer) and after it.
 *
 * The link carries no raw samples yet: RAW_BLOCK comes with the protocol issue, anomaly EVENT
 * frames with the firmware issue. This class is the policy, written against the `RawBlock` shape
 * that message will give; the recorder wires it up once a source exists (docs/storage.md).
 */

export interface RawBlock {
  path: string;
  /** Index of the block's first sample since the stream started (the sample clock of FEATURES). */
  firstSample: number;
  sampleRateHz: number;
  /** One array per axis, same length. */
  axes: Float32Array[];
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
  nextScheduled: number;
  captures: Capture[];
}

export class RawCapture {
  private readonly paths = new Map<string, PathState>();

  constructor(
    private readonly policy: RawPolicy,
    private readonly store: (s: CapturedSnapshot) => void,
  ) {}

  onBlock(b: RawBlock): void {
    const n = b.axes[0]?.length ?? 0;
    if (n === 0) return;
    let st = this.paths.get(b.path);
    if (!st || st.rate !== b.sampleRateHz || st.axisCount !== b.axes.length || b.firstSample < st.seen) {
      const ringLen = Math.max(1, Math.round(this.policy.preTriggerS * b.sampleRateHz));
      st = {
        rate: b.sampleRateHz,
        axisCount: b.axes.length,
        ring: b.axes.map(() => new Float32Array(ringLen)),
        seen: b.firstSample,
        nextScheduled: b.firstSample,
        captures: [],
      };
      this.paths.set(b.path, st);
    }
    if (b.firstSample > st.seen) st.seen = b.firstSample; // samples lost on the link: the ring has a hole, keep going
    if (this.policy.scheduleEveryS > 0 && b.firstSample + n > st.nextScheduled && !st.captures.some((c) => c.reason === 'schedule')) {
      const first = Math.max(st.nextScheduled, b.firstSample);
      this.open(st, 'schedule', null, first, first + Math.round(this.policy.scheduleLengthS * st.rate));
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

  /** An event at `atSample` (default: the newest sample): pre-trigger from the ring, the rest as it arrives. */
  trigger(path: string, eventId: string, atSample?: number): boolean {
    const st = this.paths.get(path);
    if (!st) return false;
    const at = atSample ?? st.seen;
    const len = st.ring[0].length;
    const first = Math.max(at - len, st.seen - len, 0);
    const c = this.open(st, 'event', eventId, first, at + Math.round(this.policy.postTriggerS * st.rate));
    // Fill what the ring still holds.
    for (let a = 0; a < st.axisCount; a++) {
      for (let s = first; s < Math.min(st.seen, c.end); s++) c.axes[a][s - first] = st.ring[a][s % len];
    }
    this.closeDone(path, st);
    return true;
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

  private closeDone(path: string, st: PathState): void {
    const still: Capture[] = [];
    for (const c of st.captures) {
      if (st.seen < c.end) {
        still.push(c);
        continue;
      }
      const count = c.end - c.first;
      const samples = new Float32Array(count * st.axisCount);
      c.axes.forEach((x, a) => samples.set(x, a * count));
      this.store({ path, firstSample: c.first, sampleRateHz: st.rate, count, samples, reason: c.reason, eventId: c.eventId });
    }
    st.captures = still;
  }
}
