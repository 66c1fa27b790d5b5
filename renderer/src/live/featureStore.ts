/**
 * Holds the RMS trend of every node that sends features, outside React: batches from the
 * `node.features` event go straight into typed-array ring buffers, and charts are told to redraw
 * at most once per animation frame, however many batches arrived in between.
 */
import type { FeatureBatch } from '../../../models/api/contract';
import { StreamContinuity } from '../../../models/protocol/continuity';
import { FrameNotifier } from './frameNotifier';
import { SeriesRing } from './ringBuffer';

/** 8192 points is about 87 s of history at 94 windows/s. */
export const DEFAULT_CAPACITY = 8192;

export interface NodeSeries {
  readonly path: string;
  /** Time in seconds (node clock) and RMS in g per axis. */
  ring: SeriesRing;
  /** The window_index stream (a window it already has is skipped). Missed windows are the host's
   * count (LinkStats.missedWindows), which the Live page shows. */
  windows: StreamContinuity;
  /** Times the node clock went backwards (node restart) and the trend started over. */
  restarts: number;
  /**
   * Where the line breaks: pairs [time of the last point before, time of the first point after]
   * (seconds, flat) for every jump in window_index (windows that never arrived, a reconnect that
   * missed some, a stream that started over). Pairs older than the ring's oldest point are let go.
   */
  breaks: number[];
}

type Redraw = (s: NodeSeries) => void;

export interface FeatureStoreOptions {
  capacity?: number;
  /** requestAnimationFrame in the browser; tests pass their own. */
  scheduleFrame: (cb: () => void) => void;
}

export class FeatureStore {
  private readonly capacity: number;
  private readonly series = new Map<string, NodeSeries>();
  private readonly notifier: FrameNotifier<NodeSeries>;

  constructor(opts: FeatureStoreOptions) {
    this.capacity = opts.capacity ?? DEFAULT_CAPACITY;
    this.notifier = new FrameNotifier(opts.scheduleFrame, (path) => this.series.get(path));
  }

  get(path: string): NodeSeries | undefined {
    return this.series.get(path);
  }

  ingest(batch: FeatureBatch): void {
    if (!batch || typeof batch.path !== 'string' || !Array.isArray(batch.frames) || batch.frames.length === 0) return;
    let s = this.series.get(batch.path);
    for (const f of batch.frames) {
      const axes = f.rmsG.length;
      if (!s || s.ring.columns !== axes) {
        // First data from this node, or it now reports a different number of axes.
        const ring = new SeriesRing(this.capacity, axes);
        s = { path: batch.path, ring, windows: new StreamContinuity(), restarts: s?.restarts ?? 0, breaks: [] };
        this.series.set(batch.path, s);
      }
      const t = f.tUs / 1e6;
      const lastT = s.ring.lastTime();
      if (t < lastT) {
        // The node clock went backwards: the node restarted. uPlot needs ascending x, so start over.
        s.ring.clear();
        s.windows.reset();
        s.breaks.length = 0;
        s.restarts++;
      }
      const step = s.windows.observe(f.windowIndex);
      if (step.kind === 'duplicate') continue; // the same window again
      if ((step.kind === 'missed' || step.kind === 'restarted') && s.ring.length > 0) s.breaks.push(s.ring.lastTime(), t);
      s.ring.push(t, f.rmsG);
      // Breaks whose later point has left the ring draw nothing any more.
      const oldest = s.ring.firstTime();
      let drop = 0;
      while (drop < s.breaks.length && s.breaks[drop + 1] < oldest) drop += 2;
      if (drop > 0) s.breaks.splice(0, drop);
    }
    this.notifier.changed(batch.path);
  }

  /** Forgets a node's trend (it was removed). */
  remove(path: string): void {
    this.series.delete(path);
    this.notifier.forget(path);
  }

  /** `redraw` runs in an animation frame after new data for `path`, at most once per frame. */
  subscribe(path: string, redraw: Redraw): () => void {
    return this.notifier.subscribe(path, redraw);
  }
}
