/**
 * What a node's live analysis view draws, kept for every node from the moment the app opens (so the
 * view has history when it is opened), outside React: per window the RMS and velocity of each axis
 * and the anomaly score in one typed-array ring (SeriesRing), and the band energies averaged to a
 * row every 0.25 s in a waterfall ring. Listeners are told at most once per animation frame.
 */
import type { FeatureBatch } from '../../../models/api/contract';
import { StreamContinuity } from '../../../models/protocol/continuity';
import { RowAverager, WaterfallRing } from './analysisLogic';
import { FrameNotifier } from './frameNotifier';
import { SeriesRing } from './ringBuffer';

/** 8192 windows: about 87 s at 94 windows/s. */
export const TREND_CAPACITY = 8192;
/** 480 rows of 0.25 s: two minutes of band energies. */
export const WATERFALL_ROWS = 480;
export const WATERFALL_ROW_S = 0.25;

export interface NodeTrend {
  readonly path: string;
  readonly axes: number;
  /** Columns: rms g × axes, velocity mm/s × axes, anomaly score (NaN when none). Time: node seconds. */
  ring: SeriesRing;
  /** log10 band energy (g²) rows, axes × bands wide; null until the node sends bands. */
  bands: WaterfallRing | null;
  bandCount: number;
  averager: RowAverager | null;
  windows: StreamContinuity;
  latestWindow: number;
}

export const rmsCol = (a: number) => a;
export const velCol = (axes: number, a: number) => axes + a;
export const scoreCol = (axes: number) => 2 * axes;

export class TrendStore {
  private readonly nodes = new Map<string, NodeTrend>();
  private readonly notifier: FrameNotifier<NodeTrend>;
  private readonly row: number[] = [];

  constructor(
    scheduleFrame: (cb: () => void) => void,
    private readonly capacity = TREND_CAPACITY,
  ) {
    this.notifier = new FrameNotifier(scheduleFrame, (p) => this.nodes.get(p));
  }

  get(path: string): NodeTrend | undefined {
    return this.nodes.get(path);
  }

  ingest(batch: FeatureBatch): void {
    if (!batch || typeof batch.path !== 'string' || !Array.isArray(batch.frames) || batch.frames.length === 0) return;
    let n = this.nodes.get(batch.path);
    for (const f of batch.frames) {
      const axes = f.rmsG.length;
      if (!n || n.axes !== axes) {
        n = { path: batch.path, axes, ring: new SeriesRing(this.capacity, 2 * axes + 1), bands: null, bandCount: 0, averager: null, windows: new StreamContinuity(), latestWindow: -1 };
        this.nodes.set(batch.path, n);
      }
      const t = f.tUs / 1e6;
      if (t < n.ring.lastTime()) {
        // The node restarted (its clock went back): start over, as the RMS trend does.
        n.ring.clear();
        n.bands?.clear();
        n.averager = null;
        n.windows.reset();
      }
      if (n.windows.observe(f.windowIndex).kind === 'duplicate') continue;
      const row = this.row;
      row.length = 2 * axes + 1;
      for (let a = 0; a < axes; a++) {
        row[rmsCol(a)] = f.rmsG[a];
        row[velCol(axes, a)] = f.velocityMmS?.[a] ?? NaN;
      }
      row[scoreCol(axes)] = typeof f.anomalyScore === 'number' ? f.anomalyScore : NaN;
      n.ring.push(t, row);
      n.latestWindow = f.windowIndex;
      const lb = f.logBands;
      if (lb && lb.length === axes && lb[0].length > 0) {
        const count = lb[0].length;
        if (!n.bands || n.bandCount !== count) {
          const bands = new WaterfallRing(WATERFALL_ROWS, axes * count);
          n.bands = bands;
          n.bandCount = count;
          n.averager = null;
        }
        if (!n.averager) {
          const target = n.bands;
          n.averager = new RowAverager(axes * count, WATERFALL_ROW_S, (rt, r) => target.push(rt, r));
        }
        n.averager.add(t, lb.flat());
      }
    }
    this.notifier.changed(batch.path);
  }

  remove(path: string): void {
    this.nodes.delete(path);
    this.notifier.forget(path);
  }

  subscribe(path: string, l: (n: NodeTrend) => void): () => void {
    return this.notifier.subscribe(path, l);
  }
}
