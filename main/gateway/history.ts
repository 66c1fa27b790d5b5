/**
 * The gateway's window history (docs/gateway.md, "Gap fill"): every feature window it got from its
 * nodes, kept on disk for a while so a workstation that missed some can ask for them again
 * (main/gateway/gapFill.ts answers). Unlike the store-and-forward buffer (buffer.ts), which holds
 * only what the broker has not taken yet and empties itself, the history holds everything recent,
 * whether the broker took it or not, because what a workstation misses was usually delivered to
 * the broker (it dropped it from a full queue, or lost it in a crash).
 *
 * Bounded in bytes (default 256 MB, `--history-max-mb`): the oldest segment file goes first. A
 * window is a binary record of 50 to 80 bytes (2 or 3 axes), about 5 kB/s per node at 94 windows/s,
 * so 256 MB keep about 14 hours of one node, 50 minutes of 16, 4 minutes of 200: longer than the
 * broker's queue of a persistent session covers at that plant size (max_queued_messages 200000 in
 * the shipped vigil.conf: 100 s at 200 nodes, over 5 h for one node).
 *
 * Files: DIR/history/START_MS.bin, a new one every 60 s (or at 1/16 of the bound), each a run of
 * records `u16 length, u8 device length, device (ASCII), f64 gateway ms, u32 window_index, f64 t_us,
 * f32 shaft_hz, u8 n, n×f32 rms_g, u8 n (255: none), n×f32 velocity_mm_s, u8 score kind (0 none,
 * 1 null, 2 value), f32 score, u8 detector (255: none), u8 learn %`, little-endian. Appends are
 * gathered and written every 200 ms: a gateway killed outright loses that much history (what it
 * had published is not affected). A record cut short by a crash ends its file's reading.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import type { DetectorStatus, FeatureFrame } from '../../models/api/contract';
import type { GapRequest } from '../../models/gateway/gapFill';

export interface HistoryWindow {
  frame: FeatureFrame;
  gwMs: number;
}

interface Segment {
  startMs: number;
  file?: string;
  /** In memory when there is no folder. */
  chunks: Buffer[];
  bytes: number;
}

const SEGMENT_MS = 60_000;
const FLUSH_MS = 200;
const MAX_DEVICE = 64;

export const DEFAULT_HISTORY_BYTES = 256 * 1024 * 1024;

export class WindowHistory {
  private readonly dir: string | undefined;
  private segments: Segment[] = [];
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  private readonly segmentMax: number;
  private total = 0;

  constructor(
    dir: string | undefined,
    readonly maxBytes: number = DEFAULT_HISTORY_BYTES,
  ) {
    if (!Number.isFinite(maxBytes) || maxBytes < 64 * 1024) throw new RangeError('the history size limit must be at least 64 kB');
    this.segmentMax = Math.max(16 * 1024, Math.floor(maxBytes / 16));
    if (dir === undefined) return;
    this.dir = join(dir, 'history');
    mkdirSync(this.dir, { recursive: true });
    for (const name of readdirSync(this.dir).filter((n) => /^\d{13}\.bin$/.test(n)).sort()) {
      const file = join(this.dir, name);
      const bytes = statSync(file).size;
      this.segments.push({ startMs: Number(name.slice(0, 13)), file, chunks: [], bytes });
      this.total += bytes;
    }
    // A restarted gateway starts a new file: a record the old one may have cut short stays at its end.
    this.segments.push({ startMs: -1, chunks: [], bytes: 0 });
  }

  /** Bytes held (written and waiting to be). */
  get bytes(): number {
    return this.total + this.pendingBytes;
  }

  /** The gateway stamp of the oldest segment still held (ms), or null when empty. */
  get oldestMs(): number | null {
    const s = this.segments.find((x) => x.startMs >= 0 && x.bytes > 0);
    return s ? s.startMs : null;
  }

  /** The windows of one node's batch, stamped with the gateway's time (the DDATA metrics' timestamp). */
  add(device: string, gwMs: number, frames: FeatureFrame[]): void {
    if (device.length === 0 || device.length > MAX_DEVICE || frames.length === 0) return;
    // One buffer for the batch (a window costs a few microseconds, not an allocation).
    const b = Buffer.allocUnsafe(frames.reduce((n, f) => n + recordLength(device, f), 0));
    let o = 0;
    for (const f of frames) o = encodeRecord(b, o, device, gwMs, f);
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (this.pendingBytes > this.segmentMax) this.flush();
    else if (!this.timer) {
      this.timer = setTimeout(() => this.flush(), FLUSH_MS);
      this.timer.unref();
    }
  }

  /** Writes what is waiting (also on stop). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.pendingBytes === 0) return;
    const data = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    const now = readMs(data, 0);
    let seg = this.segments.at(-1);
    if (!seg || seg.startMs < 0 || seg.bytes >= this.segmentMax || now - seg.startMs >= SEGMENT_MS) {
      if (seg && seg.startMs < 0) this.segments.pop();
      seg = { startMs: now, ...(this.dir ? { file: join(this.dir, `${String(Math.max(0, Math.floor(now))).padStart(13, '0')}.bin`) } : {}), chunks: [], bytes: 0 };
      this.segments.push(seg);
    }
    if (seg.file) appendFileSync(seg.file, data);
    else seg.chunks.push(data);
    seg.bytes += data.length;
    this.total += data.length;
    while (this.total > this.maxBytes && this.segments.length > 1) {
      const old = this.segments.shift()!;
      this.total -= old.bytes;
      if (old.file && existsSync(old.file)) unlinkSync(old.file);
    }
  }

  /**
   * The windows each request asks for that the history holds, by request id, in index order, one
   * per index (the first stamped inside the request's time range).
   */
  query(reqs: GapRequest[]): Map<string, HistoryWindow[]> {
    this.flush();
    const out = new Map<string, Map<number, HistoryWindow>>(reqs.map((r) => [r.request, new Map()]));
    if (reqs.length === 0) return new Map();
    const byDevice = new Map<string, GapRequest[]>();
    for (const r of reqs) (byDevice.get(r.device) ?? byDevice.set(r.device, []).get(r.device)!).push(r);
    const lo = Math.min(...reqs.map((r) => r.afterMs));
    const hi = Math.max(...reqs.map((r) => r.beforeMs));
    this.segments.forEach((seg, i) => {
      const next = this.segments[i + 1];
      // Segment i holds stamps from its start up to the next one's start.
      if (seg.bytes === 0 || seg.startMs > hi || (next && next.startMs >= 0 && next.startMs < lo)) return;
      const data = seg.file ? (existsSync(seg.file) ? readFileSync(seg.file) : Buffer.alloc(0)) : Buffer.concat(seg.chunks);
      scan(data, byDevice, (r, w) => {
        const got = out.get(r.request)!;
        if (!got.has(w.frame.windowIndex)) got.set(w.frame.windowIndex, w);
      });
    });
    return new Map([...out].map(([k, m]) => [k, [...m.values()].sort((a, b) => a.frame.windowIndex - b.frame.windowIndex)]));
  }

  /** Every window held, in the order it was added (tests and tools). */
  all(): { device: string; window: HistoryWindow }[] {
    this.flush();
    const out: { device: string; window: HistoryWindow }[] = [];
    for (const seg of this.segments) {
      if (seg.bytes === 0) continue;
      const data = seg.file ? (existsSync(seg.file) ? readFileSync(seg.file) : Buffer.alloc(0)) : Buffer.concat(seg.chunks);
      forEachRecord(data, (device, w) => out.push({ device, window: w }));
    }
    return out;
  }

  close(): void {
    this.flush();
  }
}

const DETECTOR_KINDS: readonly DetectorStatus['kind'][] = ['none', 'model', 'learning', 'baseline', 'unseen-condition', 'unknown'];
const KIND_CODE = new Map<string, number>(DETECTOR_KINDS.map((k, i) => [k, i]));

function recordLength(device: string, f: FeatureFrame): number {
  return 2 + 1 + device.length + 8 + 4 + 8 + 4 + 1 + 4 * f.rmsG.length + 1 + 4 * (f.velocityMmS?.length ?? 0) + 1 + 4 + 1 + 1;
}

/** Writes one record at `at`; returns the offset after it. */
function encodeRecord(b: Buffer, at: number, device: string, gwMs: number, f: FeatureFrame): number {
  const axes = f.rmsG.length;
  const vel = f.velocityMmS?.length ?? -1;
  const len = recordLength(device, f);
  let o = b.writeUInt16LE(len, at);
  o = b.writeUInt8(device.length, o);
  o += b.write(device, o, 'latin1');
  o = b.writeDoubleLE(gwMs, o);
  o = b.writeUInt32LE(f.windowIndex >>> 0, o);
  o = b.writeDoubleLE(f.tUs, o);
  o = b.writeFloatLE(f.shaftHz, o);
  o = b.writeUInt8(axes, o);
  for (const v of f.rmsG) o = b.writeFloatLE(v, o);
  o = b.writeUInt8(vel < 0 ? 255 : vel, o);
  for (const v of f.velocityMmS ?? []) o = b.writeFloatLE(v, o);
  o = b.writeUInt8(f.anomalyScore === undefined ? 0 : f.anomalyScore === null ? 1 : 2, o);
  o = b.writeFloatLE(f.anomalyScore ?? 0, o);
  o = b.writeUInt8(f.detector ? (KIND_CODE.get(f.detector.kind) ?? 255) : 255, o);
  return b.writeUInt8(f.detector ? Math.max(0, Math.min(255, Math.round(f.detector.learnPercent))) : 0, o);
}

/** The gateway stamp of the record at `at`. */
function readMs(b: Buffer, at: number): number {
  return b.readDoubleLE(at + 3 + b.readUInt8(at + 2));
}

function forEachRecord(b: Buffer, each: (device: string, w: HistoryWindow) => void, want?: (device: string) => boolean): void {
  let at = 0;
  while (at + 3 <= b.length) {
    const len = b.readUInt16LE(at);
    if (len < 37 || at + len > b.length) return; // cut short by a crash
    const dl = b.readUInt8(at + 2);
    const device = b.toString('latin1', at + 3, at + 3 + dl);
    if (!want || want(device)) {
      const r = decodeBody(b, at + 3 + dl);
      if (r) each(device, r);
    }
    at += len;
  }
}

function decodeBody(b: Buffer, o: number): HistoryWindow | null {
  const gwMs = b.readDoubleLE(o);
  const windowIndex = b.readUInt32LE(o + 8);
  const tUs = b.readDoubleLE(o + 12);
  const shaftHz = b.readFloatLE(o + 20);
  let p = o + 24;
  const axes = b.readUInt8(p++);
  const rmsG: number[] = [];
  for (let i = 0; i < axes; i++, p += 4) rmsG.push(b.readFloatLE(p));
  const nv = b.readUInt8(p++);
  let velocityMmS: number[] | undefined;
  if (nv !== 255) {
    velocityMmS = [];
    for (let i = 0; i < nv; i++, p += 4) velocityMmS.push(b.readFloatLE(p));
  }
  const sk = b.readUInt8(p++);
  const score = b.readFloatLE(p);
  p += 4;
  const dk = b.readUInt8(p++);
  const learn = b.readUInt8(p);
  const frame: FeatureFrame = { windowIndex, tUs, shaftHz, rmsG };
  if (velocityMmS) frame.velocityMmS = velocityMmS;
  if (sk === 1) frame.anomalyScore = null;
  else if (sk === 2) frame.anomalyScore = score;
  if (dk !== 255 && dk < DETECTOR_KINDS.length) frame.detector = { kind: DETECTOR_KINDS[dk], learnPercent: learn };
  return { frame, gwMs };
}

function scan(data: Buffer, byDevice: Map<string, GapRequest[]>, hit: (r: GapRequest, w: HistoryWindow) => void): void {
  forEachRecord(
    data,
    (device, w) => {
      for (const r of byDevice.get(device)!) {
        const wi = w.frame.windowIndex;
        if (wi >= r.fromWindow && wi <= r.toWindow && w.gwMs >= r.afterMs && w.gwMs <= r.beforeMs) hit(r, w);
      }
    },
    (device) => byDevice.has(device),
  );
}
