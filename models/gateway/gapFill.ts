/**
 * Gap fill (docs/gateway.md, "Gap fill"): a workstation that missed windows of a gateway node asks
 * the gateway for them, and the gateway answers from the history it keeps on disk. Pure: the metric
 * names, the request and answer shapes, and the workstation's per-node bookkeeping (DeviceGapFill)
 * that notices a gap, holds the node's newer windows back while the fill is on its way, and hands
 * the windows on strictly in order and each once, so the pages and the recorder see an unbroken
 * stream (or the gap, counted, when the gateway no longer has it).
 *
 * Request: an NCMD to the gateway (the shipped ACLs let a workstation write NCMD), one set of
 * `gap_fill/*` metrics per range, each set starting with `gap_fill/request`. Answer: historical
 * DDATA on the node's topic (its windows as in a live DDATA, every metric is_historical) carrying
 * `gap_fill/request`; the last one also `gap_fill/done`, `gap_fill/found` and `gap_fill/missing`.
 * Every workstation reads the answer; one that misses the same windows takes them too, the others
 * drop them as windows they already have.
 */
import type { FeatureFrame } from '../api/contract';
import type { Metric } from './sparkplug';

export const GAP_FILL = {
  request: 'gap_fill/request',
  device: 'gap_fill/device',
  fromWindow: 'gap_fill/from_window',
  toWindow: 'gap_fill/to_window',
  afterMs: 'gap_fill/after_ms',
  beforeMs: 'gap_fill/before_ms',
  done: 'gap_fill/done',
  found: 'gap_fill/found',
  missing: 'gap_fill/missing',
} as const;

/** Windows of one node a workstation asks for: indices fromWindow..toWindow, stamped by the gateway within afterMs..beforeMs. */
export interface GapRequest {
  /** Chosen by the workstation; names its answer. 1 to 64 letters, digits, - or _. */
  request: string;
  device: string;
  fromWindow: number;
  toWindow: number;
  /** The gateway's stamps (ms) of the windows either side of the gap: the node's windows in between are the missing ones (a node restarted meanwhile counts its windows again, its stamps do not go back). */
  afterMs: number;
  beforeMs: number;
}

/** At most this many windows in one request (about 3 h of a node at 94 windows/s); a larger jump is a node that restarted, not a gap. */
export const MAX_GAP_WINDOWS = 1_000_000;
/** At most this many windows per answering DDATA. */
export const FILL_WINDOWS_PER_MESSAGE = 200;

export function gapRequestMetrics(reqs: GapRequest[], t: number): Metric[] {
  return reqs.flatMap((r) => [
    { name: GAP_FILL.request, type: 'String', value: r.request, timestamp: t },
    { name: GAP_FILL.device, type: 'String', value: r.device, timestamp: t },
    { name: GAP_FILL.fromWindow, type: 'UInt32', value: r.fromWindow, timestamp: t },
    { name: GAP_FILL.toWindow, type: 'UInt32', value: r.toWindow, timestamp: t },
    { name: GAP_FILL.afterMs, type: 'UInt64', value: r.afterMs, timestamp: t },
    { name: GAP_FILL.beforeMs, type: 'UInt64', value: r.beforeMs, timestamp: t },
  ]);
}

interface Named {
  name: string;
  value: unknown;
}

const num = (v: unknown): number => (v && typeof v === 'object' && 'toNumber' in v ? (v as { toNumber(): number }).toNumber() : Number(v));
const REQUEST_RE = /^[A-Za-z0-9_-]{1,64}$/;
const DEVICE_RE = /^[A-Za-z0-9_.:-]{1,64}$/;

/** The requests of an NCMD; sets that are incomplete or out of range are left out (with why, for the log). */
export function parseGapRequests(metrics: Named[]): { requests: GapRequest[]; refused: string[] } {
  const requests: GapRequest[] = [];
  const refused: string[] = [];
  let cur: Partial<GapRequest> | null = null;
  const close = () => {
    if (!cur) return;
    const r = cur;
    cur = null;
    const ok =
      typeof r.request === 'string' && REQUEST_RE.test(r.request) &&
      typeof r.device === 'string' && DEVICE_RE.test(r.device) &&
      Number.isInteger(r.fromWindow) && Number.isInteger(r.toWindow) && r.fromWindow! >= 0 && r.toWindow! >= r.fromWindow! && r.toWindow! <= 0xffffffff &&
      r.toWindow! - r.fromWindow! < MAX_GAP_WINDOWS &&
      Number.isFinite(r.afterMs) && Number.isFinite(r.beforeMs) && r.beforeMs! >= r.afterMs!;
    if (ok) requests.push(r as GapRequest);
    else refused.push(`gap fill request ${String(r.request ?? '?').slice(0, 64)}: needs a request id, a device id, 0 <= from <= to (fewer than ${MAX_GAP_WINDOWS} windows) and after_ms <= before_ms`);
  };
  for (const m of metrics) {
    if (m.name === GAP_FILL.request) {
      close();
      cur = { request: String(m.value) };
    } else if (!cur) continue;
    else if (m.name === GAP_FILL.device) cur.device = String(m.value);
    else if (m.name === GAP_FILL.fromWindow) cur.fromWindow = num(m.value);
    else if (m.name === GAP_FILL.toWindow) cur.toWindow = num(m.value);
    else if (m.name === GAP_FILL.afterMs) cur.afterMs = num(m.value);
    else if (m.name === GAP_FILL.beforeMs) cur.beforeMs = num(m.value);
  }
  close();
  return { requests, refused };
}

/** The gap-fill metrics one answering DDATA adds after its windows. */
export function gapAnswerMetrics(request: string, last: { found: number; missing: number } | null, t: number): Metric[] {
  const m: Metric[] = [{ name: GAP_FILL.request, type: 'String', value: request, timestamp: t, isHistorical: true }];
  if (last) {
    m.push(
      { name: GAP_FILL.done, type: 'Boolean', value: true, timestamp: t, isHistorical: true },
      { name: GAP_FILL.found, type: 'UInt32', value: last.found, timestamp: t, isHistorical: true },
      { name: GAP_FILL.missing, type: 'UInt32', value: last.missing, timestamp: t, isHistorical: true },
    );
  }
  return m;
}

/** What a DDATA says about a gap-fill answer: which request, and whether it is the last message. */
export function gapAnswerOf(metrics: Named[]): { request: string; done: boolean } | null {
  const r = metrics.find((m) => m.name === GAP_FILL.request);
  if (!r) return null;
  return { request: String(r.value), done: metrics.some((m) => m.name === GAP_FILL.done && m.value === true) };
}

/** A window as the workstation heard it, with the gateway's stamp (the metric timestamp of its features/window_index). */
export interface StampedFrame {
  frame: FeatureFrame;
  gwMs: number;
}

/** The gateway's stamp of each window of a DDATA, in the order of windowsOf's frames. */
export function windowStamps(metrics: { name: string; timestamp?: number }[]): number[] {
  return metrics.filter((m) => m.name === 'features/window_index').map((m) => m.timestamp ?? 0);
}

/** A workstation's gap-fill counters (per gateway entry; GatewayInfo.gapFill). */
export interface GapCounters {
  /** Gaps noticed (window index jumps) and the windows missing in them. */
  gaps: number;
  missingWindows: number;
  /** Missing windows the gateway sent back, and those it no longer had or that never came (given up). */
  filledWindows: number;
  lostWindows: number;
  /** Windows heard again (already handed on) and dropped. */
  duplicates: number;
}

export function emptyGapCounters(): GapCounters {
  return { gaps: 0, missingWindows: 0, filledWindows: 0, lostWindows: 0, duplicates: 0 };
}

interface Pending {
  req: GapRequest;
  got: Map<number, StampedFrame>;
  /** Newer windows (after the gap), held back until the gap is filled or given up. */
  held: StampedFrame[];
  /** When a request was last sent or an answer last heard (ms). */
  heardMs: number;
  attempts: number;
}

export interface GapFillOptions {
  /** Give up a request when nothing of its answer was heard for this long (ms). */
  silenceMs: number;
  /** Requests sent for one gap before it is given up. */
  attempts: number;
  /** Windows held back at most; more and the gap is given up (the live view must not wait for ever). */
  maxHeld: number;
}

export const DEFAULT_GAP_FILL: GapFillOptions = { silenceMs: 5000, attempts: 3, maxHeld: 60_000 };

/** What a step of DeviceGapFill asks of its owner: windows to hand on (in order), and a request to send. */
export interface GapStep {
  frames: FeatureFrame[];
  request?: GapRequest;
}

/**
 * One gateway node's window stream at a workstation. Windows are handed on in index order, each
 * once: a window at or below the last one handed on is a duplicate (dropped) unless the gateway
 * stamped it later than that one, which is the node counting again after a restart. A jump forward
 * is a gap: a request is made, newer windows are held back, and the held ones follow the filled
 * ones when every missing window came, when the gateway says it has sent all it had, or when the
 * request is given up (DEFAULT_GAP_FILL). What is not filled is counted lost; the recorder then
 * sees the jump and records the gap as it does for a local node.
 */
export class DeviceGapFill {
  private last: { index: number; gwMs: number } | undefined;
  private pending: Pending | undefined;
  /** After a death: the next window starts the stream again (no gap is asked across a death), copies of older ones are still dropped. */
  private fresh = false;

  constructor(
    readonly device: string,
    private readonly counters: GapCounters,
    private readonly newRequestId: () => string,
    private readonly opts: GapFillOptions = DEFAULT_GAP_FILL,
  ) {}

  get waiting(): GapRequest | undefined {
    return this.pending?.req;
  }

  /** The next windows heard (live, replayed or answering a request). */
  accept(frames: StampedFrame[], nowMs: number): GapStep {
    const out: FeatureFrame[] = [];
    let request: GapRequest | undefined;
    for (const s of frames) {
      const step = this.one(s, nowMs, out);
      if (step) request = step;
    }
    return { frames: out, ...(request ? { request } : {}) };
  }

  /** The last message of an answer to `request` arrived: what did not come is not coming. */
  answered(request: string): GapStep {
    if (this.pending?.req.request !== request) return { frames: [] };
    return this.finish();
  }

  /** Called now and then: a request heard nothing for too long is sent again, then given up. */
  tick(nowMs: number): GapStep {
    const p = this.pending;
    if (!p || nowMs - p.heardMs < this.opts.silenceMs) return { frames: [] };
    if (p.attempts < this.opts.attempts) {
      p.attempts++;
      p.heardMs = nowMs;
      return { frames: [], request: p.req };
    }
    return this.finish();
  }

  /**
   * The node or its gateway died: hand on what was held and give up the gap. The next window starts
   * the stream afresh (the node's next session may count from 0, or on from where it was), but a
   * copy of a window already handed on (stamped no later) is still dropped.
   */
  reset(): GapStep {
    const step = this.pending ? this.finish() : { frames: [] };
    this.fresh = true;
    return step;
  }

  private one(s: StampedFrame, nowMs: number, out: FeatureFrame[]): GapRequest | undefined {
    const p = this.pending;
    const wi = s.frame.windowIndex;
    if (p) {
      if (wi >= p.req.fromWindow && wi <= p.req.toWindow && s.gwMs >= p.req.afterMs && s.gwMs <= p.req.beforeMs) {
        if (p.got.has(wi)) this.counters.duplicates++;
        else p.got.set(wi, s);
        p.heardMs = nowMs;
        return p.got.size === p.req.toWindow - p.req.fromWindow + 1 ? this.settle(out) : undefined;
      }
      p.held.push(s);
      return p.held.length > this.opts.maxHeld ? this.settle(out) : undefined;
    }
    const last = this.last;
    if (last !== undefined && wi <= last.index && s.gwMs <= last.gwMs) {
      this.counters.duplicates++;
      return undefined;
    }
    const gap = last !== undefined && !this.fresh && wi > last.index + 1 ? wi - last.index - 1 : 0;
    this.fresh = false;
    if (gap > 0 && gap < MAX_GAP_WINDOWS) {
      this.counters.gaps++;
      this.counters.missingWindows += gap;
      const req: GapRequest = {
        request: this.newRequestId(),
        device: this.device,
        fromWindow: last!.index + 1,
        toWindow: wi - 1,
        afterMs: Math.min(last!.gwMs, s.gwMs),
        beforeMs: Math.max(last!.gwMs, s.gwMs),
      };
      this.pending = { req, got: new Map(), held: [s], heardMs: nowMs, attempts: 1 };
      return req;
    }
    // The first window, the next one, a node that restarted (counts from 0 again, stamped later), or a jump too large to be a gap.
    this.last = { index: wi, gwMs: s.gwMs };
    out.push(s.frame);
    return undefined;
  }

  private settle(out: FeatureFrame[]): GapRequest | undefined {
    const step = this.finish();
    out.push(...step.frames);
    return step.request;
  }

  /** Hands on the filled windows in order, counts the rest lost, then takes the held ones as if they just came. */
  private finish(): GapStep {
    const p = this.pending!;
    this.pending = undefined;
    const filled = [...p.got.values()].sort((a, b) => a.frame.windowIndex - b.frame.windowIndex);
    this.counters.filledWindows += filled.length;
    this.counters.lostWindows += p.req.toWindow - p.req.fromWindow + 1 - filled.length;
    const frames = filled.map((s) => s.frame);
    // Nothing more is taken for this range: a window of it that comes late is dropped (it would be
    // out of order), and the held windows go on after it (a hole left stays a hole, counted).
    this.last = { index: p.req.toWindow, gwMs: p.req.beforeMs };
    const next = this.accept(p.held, p.heardMs);
    return { frames: [...frames, ...next.frames], ...(next.request ? { request: next.request } : {}) };
  }
}
