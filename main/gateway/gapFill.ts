/**
 * The gateway's side of gap fill (docs/gateway.md, "Gap fill"): requests heard on its NCMD
 * (models/gateway/gapFill.ts) are gathered for 100 ms, answered together with one pass over the
 * history files (history.ts), and each answered with historical DDATA on the node's topic,
 * FILL_WINDOWS_PER_MESSAGE windows a message, the last one saying how many windows were found and
 * how many the history no longer had. A gateway that is not connected answers nothing: the
 * workstation asks again.
 */
import { FILL_WINDOWS_PER_MESSAGE, gapAnswerMetrics, parseGapRequests, type GapRequest } from '../../models/gateway/gapFill';
import { featureMetrics, type Metric } from '../../models/gateway/sparkplug';
import type { WindowHistory } from './history';

export interface GapFillCounters {
  requests: number;
  windowsSent: number;
  windowsMissing: number;
}

export class GapFillServer {
  private queue: GapRequest[] = [];
  private timer: NodeJS.Timeout | null = null;
  readonly counters: GapFillCounters = { requests: 0, windowsSent: 0, windowsMissing: 0 };

  constructor(
    private readonly history: WindowHistory,
    /** Publishes one answering DDATA for a device; false when the gateway is not connected. */
    private readonly publish: (device: string, metrics: Metric[], timestamp: number) => boolean,
    private readonly log: (line: string) => void,
  ) {}

  /** An NCMD's metrics: the gap-fill requests in it, if any, are queued. True when it held one. */
  heard(metrics: { name: string; value: unknown }[]): boolean {
    const { requests, refused } = parseGapRequests(metrics);
    for (const r of refused) this.log(`refused a ${r}`);
    if (requests.length === 0) return refused.length > 0;
    this.queue.push(...requests);
    if (!this.timer) {
      this.timer = setTimeout(() => this.answer(), 100);
      this.timer.unref();
    }
    return true;
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.queue = [];
  }

  private answer(): void {
    this.timer = null;
    const reqs = this.queue;
    this.queue = [];
    const found = this.history.query(reqs);
    for (const r of reqs) {
      const windows = found.get(r.request) ?? [];
      const missing = r.toWindow - r.fromWindow + 1 - windows.length;
      this.counters.requests++;
      let ok = true;
      for (let i = 0; ok && (i < windows.length || i === 0); i += FILL_WINDOWS_PER_MESSAGE) {
        const part = windows.slice(i, i + FILL_WINDOWS_PER_MESSAGE);
        const last = i + FILL_WINDOWS_PER_MESSAGE >= windows.length;
        const t = Date.now();
        const metrics = [
          ...part.flatMap((w) => featureMetrics(w.frame, w.gwMs).map((m) => ({ ...m, isHistorical: true }))),
          ...gapAnswerMetrics(r.request, last ? { found: windows.length, missing } : null, t),
        ];
        ok = this.publish(r.device, metrics, t);
      }
      if (!ok) {
        this.log(`gap fill ${r.request}: not connected, not answered`);
        continue;
      }
      this.counters.windowsSent += windows.length;
      this.counters.windowsMissing += missing;
      this.log(`gap fill ${r.request}: ${r.device} windows ${r.fromWindow}..${r.toWindow}: sent ${windows.length}, ${missing} no longer held`);
    }
  }
}
