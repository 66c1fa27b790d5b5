/**
 * What data did not arrive from a node, when and why, for the technician (NodeInfo.losses): the
 * session notices missing windows (window_index jumps) and raw sample frames (first_frame jumps);
 * the node says when its send buffer could not take frames (LOG 7 "frames dropped: N", at most
 * once a second). A loss is put down to the node's buffer when that LOG comes within
 * CAUSE_WINDOW_MS either side of it, to the link when the connection was lost meanwhile, else it
 * stays 'unknown'. Losses closer than MERGE_MS are one burst.
 */
import { DATA_LOSS_KEPT, type DataLoss } from '../../models/api/contract';

/** A LOG 7 this close (either side) to a gap explains it. */
export const CAUSE_WINDOW_MS = 5000;
/** Gaps this close to the last one are the same burst. */
export const MERGE_MS = 5000;

export class DataLossLog {
  private readonly list: DataLoss[] = [];
  private lastDropLogMs = -Infinity;

  /**
   * Missing data noticed at nowMs; `firstMissingMs` is when the first missing window was due (the
   * node's clock mapped to wall time; nowMs when unknown). Returns 'new' for a new loss or a cause
   * now known (worth an update at once), 'merged' when a burst grew (the once-a-second refresh
   * carries it), false when nothing was missing.
   */
  missed(o: { windows?: number; rawFrames?: number; nowMs: number; firstMissingMs?: number; linkLost: boolean }): 'new' | 'merged' | false {
    const windows = o.windows ?? 0;
    const rawFrames = o.rawFrames ?? 0;
    if (windows <= 0 && rawFrames <= 0) return false;
    const cause = o.linkLost ? 'link-lost' : o.nowMs - this.lastDropLogMs <= CAUSE_WINDOW_MS ? 'node-buffer' : 'unknown';
    const last = this.list[this.list.length - 1];
    if (last && o.nowMs - last.untilMs <= MERGE_MS && (last.cause === cause || cause === 'unknown' || last.cause === 'unknown')) {
      last.windows += windows;
      last.rawFrames += rawFrames;
      last.untilMs = o.nowMs;
      if (last.cause === 'unknown' && cause !== 'unknown') {
        last.cause = cause;
        return 'new';
      }
      return 'merged';
    }
    const atMs = Math.min(o.nowMs, Number.isFinite(o.firstMissingMs) ? o.firstMissingMs! : o.nowMs);
    this.list.push({ atMs, untilMs: o.nowMs, windows, rawFrames, cause });
    if (this.list.length > DATA_LOSS_KEPT) this.list.shift();
    return 'new';
  }

  /** The node said it dropped frames (LOG 7). Returns true when a loss it explains changed. */
  nodeDropped(nowMs: number): boolean {
    this.lastDropLogMs = nowMs;
    const last = this.list[this.list.length - 1];
    if (last && last.cause === 'unknown' && nowMs - last.untilMs <= CAUSE_WINDOW_MS) {
      last.cause = 'node-buffer';
      return true;
    }
    return false;
  }

  snapshot(): DataLoss[] | undefined {
    return this.list.length > 0 ? this.list.map((l) => ({ ...l })) : undefined;
  }
}
