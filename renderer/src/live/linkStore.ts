/**
 * What the Live page shows besides the RMS trend, kept outside React like the FeatureStore: the
 * newest FEATURES frame of each node (all its per-axis fields), its recent raw waveform
 * (node.raw), its anomaly alarms (node.event) and its log (node.log). Listeners are told at most
 * once per animation frame.
 */
import type { FeatureFrame, NodeEventInfo, NodeLogEntry, RawBatch } from '../../../models/api/contract';
import { StreamContinuity } from '../../../models/protocol/continuity';
import { FrameNotifier } from './frameNotifier';

/** Raw samples kept per axis: about 0.2 s at 48 kHz, D = 1; 5 s at D = 32. */
export const RAW_CAPACITY = 8192;
export const MAX_LOG = 200;
export const MAX_EVENTS = 50;

export interface RawSeries {
  axisCount: number;
  /** Input frame index of each kept sample (x), and g per axis. */
  frame: Float64Array;
  g: Float32Array[];
  length: number;
  decimation: number;
  /** The first_frame stream (models/protocol/continuity.ts): anything but the next block starts the waveform over. */
  frames: StreamContinuity;
  blocks: number;
  /** Times the waveform started over after lost blocks. */
  gaps: number;
}

export interface NodeExtras {
  latest?: FeatureFrame;
  raw?: RawSeries;
  events: NodeEventInfo[];
  log: NodeLogEntry[];
  /** Bumped on every change (cheap change detection for React). */
  version: number;
}

type Listener = (x: NodeExtras) => void;

export class LinkStore {
  private readonly nodes = new Map<string, NodeExtras>();
  private readonly notifier: FrameNotifier<NodeExtras>;

  constructor(scheduleFrame: (cb: () => void) => void) {
    this.notifier = new FrameNotifier(scheduleFrame, (path) => this.nodes.get(path));
  }

  get(path: string): NodeExtras {
    let x = this.nodes.get(path);
    if (!x) this.nodes.set(path, (x = { events: [], log: [], version: 0 }));
    return x;
  }

  features(path: string, frames: readonly FeatureFrame[]): void {
    if (frames.length === 0) return;
    this.get(path).latest = frames[frames.length - 1];
    this.touch(path);
  }

  raw(batch: RawBatch): void {
    if (!batch || !Array.isArray(batch.blocks)) return;
    const x = this.get(batch.path);
    for (const b of batch.blocks) {
      const axes = b.axisCount;
      if (!(axes >= 1) || b.frameCount <= 0 || b.samples.length < axes * b.frameCount) continue;
      let r = x.raw;
      if (!r || r.axisCount !== axes || r.decimation !== b.decimation || r.frames.peek(b.firstFrame).kind !== 'next') {
        const gap = !!r && r.length > 0;
        r = {
          axisCount: axes,
          frame: new Float64Array(RAW_CAPACITY),
          g: Array.from({ length: axes }, () => new Float32Array(RAW_CAPACITY)),
          length: 0,
          decimation: b.decimation,
          frames: new StreamContinuity(),
          blocks: r?.blocks ?? 0,
          gaps: (r?.gaps ?? 0) + (gap ? 1 : 0),
        };
        x.raw = r;
      }
      const n = b.frameCount;
      // Keep the newest RAW_CAPACITY samples: shift left when full.
      const keep = Math.max(0, Math.min(r.length, RAW_CAPACITY - n));
      if (keep < r.length) {
        const drop = r.length - keep;
        r.frame.copyWithin(0, drop, r.length);
        for (const g of r.g) g.copyWithin(0, drop, r.length);
        r.length = keep;
      }
      const from = Math.max(0, n - RAW_CAPACITY);
      for (let k = from; k < n; k++) {
        const i = r.length++;
        r.frame[i] = b.firstFrame + k * b.decimation;
        for (let a = 0; a < axes; a++) r.g[a][i] = b.samples[k * axes + a]; // already g (RawBlock.samples)
      }
      r.frames.observe(b.firstFrame, n * b.decimation);
      r.blocks++;
    }
    this.touch(batch.path);
  }

  event(e: NodeEventInfo): void {
    const x = this.get(e.path);
    const i = x.events.findIndex((o) => o.eventId === e.eventId && o.startWindow === e.startWindow);
    if (i >= 0) x.events[i] = e;
    else x.events.push(e);
    if (x.events.length > MAX_EVENTS) x.events.splice(0, x.events.length - MAX_EVENTS);
    this.touch(e.path);
  }

  log(l: NodeLogEntry): void {
    const x = this.get(l.path);
    x.log.push(l);
    if (x.log.length > MAX_LOG) x.log.splice(0, x.log.length - MAX_LOG);
    this.touch(l.path);
  }

  remove(path: string): void {
    this.nodes.delete(path);
  }

  subscribe(path: string, l: Listener): () => void {
    return this.notifier.subscribe(path, l);
  }

  private touch(path: string): void {
    this.get(path).version++;
    this.notifier.changed(path);
  }
}
