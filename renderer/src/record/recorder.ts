/**
 * Stores every node's features continuously, in batches: `node.features` frames go into an
 * in-memory column builder per node, and every few seconds one IndexedDB transaction writes the
 * minute chunks they belong to (the open minute is rewritten as it grows), their per-second
 * summaries, the gaps (jumps in window_index) and the session row. A crash loses at most the last
 * few seconds. When the disk is full, recording stops, the banner says so, and nothing stored is
 * touched. Outside React on purpose: no render happens per batch.
 *
 * Raw snapshots: `node.raw` blocks go through RawCapture (./rawCapture.ts; a scheduled snapshot,
 * and one around every node EVENT that starts), and each snapshot it hands back is written as a
 * `rawSnapshots` row of the session being recorded, in the same transaction as the features.
 */
import type { FeatureBatch, NodeEventInfo, NodeInfo, RawBatch } from '../../../models/api/contract';
import { packChunkRow } from '../../../models/dataset/chunkCodec';
import { chunkRanges, FeatureColumnsBuilder, LIVE_FIELDS, LIVE_NODE_FIELDS, packChunk, summarize, type FeatureLayout } from '../../../models/dataset/columns';
import { StreamContinuity } from '../../../models/protocol/continuity';
import { addAudit, isQuotaError, newId, storageErrorMessage, type VigilDb } from '../db/db';
import { formatDateTime } from '../format';
import { t } from '../i18n';
import type { EventRow, FeatureChunkRow, FeatureSummaryRow, GapRow, NodeRow, RawSnapshotRow, SessionRow } from '../db/types';
import { DEFAULT_RAW_POLICY, toCaptureBlock, RawCapture, type CapturedSnapshot, type RawPolicy } from './rawCapture';

export type RecorderState =
  | { kind: 'recording' }
  /** Another Vigil window on this laptop holds the recording lock and records. */
  | { kind: 'standby' }
  | { kind: 'stopped'; reason: 'quota' | 'error'; sinceMs: number; message: string; droppedWindows: number };

type Hello = NonNullable<NodeInfo['hello']>;

interface Stream {
  path: string;
  hello: Hello;
  session: SessionRow;
  node: NodeRow;
  builder: FeatureColumnsBuilder;
  /** The window_index stream (models/protocol/continuity.ts): missed windows are gaps. */
  windows: StreamContinuity;
  lastWi: number;
  lastTUs: number;
  /** Bytes of the chunks already closed (written for the last time). */
  closedBytes: number;
  closedSummaryBytes: number;
  gaps: GapRow[];
  /** Node EVENTs of this session by row id; `dirty` ones are written at the next flush. */
  events: Map<string, EventRow>;
  dirtyEvents: Set<string>;
  /** Raw snapshots captured and not written yet. */
  raws: RawSnapshotRow[];
  nodeWritten: boolean;
  ended: boolean;
}

export interface RecorderOptions {
  db: VigilDb;
  now?: () => number;
  /** How often buffered frames are written (ms). */
  flushEveryMs?: number;
  /** Asks the host for the node list when features arrive from a port whose HELLO is unknown. */
  requestNodes?: () => void;
  /** Timers (tests pass fakes). */
  setInterval?: (cb: () => void, ms: number) => unknown;
  clearInterval?: (h: unknown) => void;
  /** When raw snapshots are taken (default DEFAULT_RAW_POLICY). */
  rawPolicy?: RawPolicy;
}

/**
 * One run of RAW_BLOCKs on one port with one decimation, in one stream, anchored to one session:
 * RawCapture's path. A new run (new key) starts when D or the axis count changes, `first_frame` goes
 * back (the stream restarted) or does not fit the run's clock, or the session changes.
 */
interface RawRun {
  key: string;
  stream: Stream;
  decimation: number;
  axisCount: number;
  /** `first_frame mod D` of the run's first block: raw sample s starts at input frame originFrame + s·D. */
  originFrame: number;
  /** The node's input frame rate (HELLO sample_rate_hz). */
  nodeRateHz: number;
  /** The run's first_frame stream (models/protocol/continuity.ts): a block behind it is late or a restart. */
  frames: StreamContinuity;
}

/** A RAW_BLOCK that goes back less than this (s) behind the newest window is late, not a restart. */
const RAW_LATE_S = 2;

/** Frames from a port whose HELLO is not known yet are kept this long, then dropped. */
const MAX_PENDING_FRAMES = 4096;

/**
 * A frame's scalar columns in the session layout's order: RMS and velocity RMS per axis
 * (axis-major), then the node's anomaly score once (NaN when the node runs no model or does not
 * send it, and for anything the frame does not carry).
 */
export function liveValues(f: FeatureBatch['frames'][number], layout: FeatureLayout): Float64Array {
  const F = layout.fields.length;
  const node = layout.nodeFields ?? [];
  const out = new Float64Array(layout.axisCount * F + node.length).fill(NaN);
  for (let a = 0; a < layout.axisCount; a++) {
    for (let k = 0; k < F; k++) {
      const field = layout.fields[k];
      const v = field === 'rms' ? f.rmsG[a] : field === 'velocityRmsMmS' ? f.velocityMmS?.[a] : undefined;
      if (typeof v === 'number') out[a * F + k] = v;
    }
  }
  node.forEach((field, j) => {
    if (field === 'anomalyScore' && typeof f.anomalyScore === 'number' && f.anomalyScore >= 0) out[layout.axisCount * F + j] = f.anomalyScore;
  });
  return out;
}

type StreamPlan = ReturnType<LiveRecorder['planStream']>;

export class LiveRecorder {
  private readonly db: VigilDb;
  private readonly now: () => number;
  private readonly streams = new Map<string, Stream>();
  private readonly finished: Stream[] = [];
  private readonly hellos = new Map<string, Hello>();
  private readonly pending = new Map<string, FeatureBatch['frames']>();
  private readonly listeners = new Set<(s: RecorderState) => void>();
  private st: RecorderState = { kind: 'recording' };
  private flushing: Promise<void> | null = null;
  private timer: unknown = null;
  private requested = false;
  private readonly rawCapture: RawCapture;
  /** The current raw run of each port, and every run by key (RawCapture's path). */
  private readonly rawRuns = new Map<string, RawRun>();
  private readonly rawByKey = new Map<string, RawRun>();
  /** A port whose raw stream went back while its session did not change yet: wait for the new session. */
  private readonly rawStale = new Map<string, string>();
  private rawSeq = 0;
  /** The technician's name for the audit log. */
  actor = 'Vigil';

  constructor(private readonly o: RecorderOptions) {
    this.db = o.db;
    this.now = o.now ?? (() => Date.now());
    this.rawCapture = new RawCapture(o.rawPolicy ?? DEFAULT_RAW_POLICY, (c) => this.storeRaw(c));
    const every = o.flushEveryMs ?? 5000;
    const si = o.setInterval ?? ((cb: () => void, ms: number) => setInterval(cb, ms));
    this.timer = si(() => void this.flush(), every);
  }

  get state(): RecorderState {
    return this.st;
  }

  onState(listener: (s: RecorderState) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The session a port is recording into (the Live page turns node time into wall clock with it). */
  sessionOf(path: string): { id: string; nodeId: string; t0Ms: number } | null {
    const s = this.streams.get(path);
    return s ? { id: s.session.id, nodeId: s.node.id, t0Ms: s.session.t0Ms } : null;
  }

  /**
   * The events-table id of a node's alarm, for a label made on it (LabelRow.eventId). When this
   * recording never got the alarm's EVENT (the page opened or reloaded while it was on, and main
   * held it: NodeInfo.condition.alarm), its row is written now, so the label points at a row.
   * Null while nothing is recorded on the port.
   */
  alarmEventId(path: string, e: Omit<NodeEventInfo, 'path' | 'state'> & { active: boolean }): string | null {
    const s = this.streams.get(path);
    if (!s || this.st.kind !== 'recording') return null;
    const id = `${s.session.id}:event:${e.eventId}`;
    if (!s.events.has(id)) this.ingestEvent({ ...e, path, state: e.active ? 'started' : 'ended' }, false);
    return s.events.has(id) ? id : null;
  }

  /** From `nodes.list` and `node.updated`: a node's HELLO names it. */
  setNode(info: NodeInfo): void {
    if (!info.hello) return;
    const prev = this.hellos.get(info.path);
    this.hellos.set(info.path, info.hello);
    const s = this.streams.get(info.path);
    if (s && prev && prev.uid !== info.hello.uid) this.endStream(s);
    if (info.status === 'offline' || info.status === 'error') {
      if (s) this.endStream(s);
    }
    const waiting = this.pending.get(info.path);
    if (waiting) {
      this.pending.delete(info.path);
      this.ingest({ path: info.path, frames: waiting });
    }
  }

  /** The port went away: its session is complete. */
  nodeGone(path: string): void {
    const s = this.streams.get(path);
    if (s) this.endStream(s);
    this.hellos.delete(path);
    this.pending.delete(path);
    this.rawStale.delete(path);
    void this.flush();
  }

  /**
   * Only one window records (startStorage takes a Web Lock): the others stay in standby, so two
   * windows never store the same stream twice.
   */
  setActive(active: boolean): void {
    const next: RecorderState = active ? { kind: 'recording' } : { kind: 'standby' };
    if (this.st.kind === 'stopped' || this.st.kind === next.kind) return;
    this.st = next;
    for (const l of this.listeners) l(this.st);
  }

  ingest(batch: FeatureBatch): void {
    if (!batch || !Array.isArray(batch.frames) || batch.frames.length === 0) return;
    if (this.st.kind === 'standby') return;
    if (this.st.kind === 'stopped') {
      this.st.droppedWindows += batch.frames.length;
      return;
    }
    const hello = this.hellos.get(batch.path);
    if (!hello) {
      const list = this.pending.get(batch.path) ?? [];
      list.push(...batch.frames);
      this.pending.set(batch.path, list.length > MAX_PENDING_FRAMES ? list.slice(-MAX_PENDING_FRAMES) : list);
      if (!this.requested) {
        this.requested = true;
        this.o.requestNodes?.();
      }
      return;
    }
    for (const f of batch.frames) {
      let s = this.streams.get(batch.path);
      const axes = f.rmsG.length;
      // Band energies (the model's input) are stored when the node sends them (send_bands).
      const bands = f.logBands && f.logBands.length === axes ? f.logBands[0].length : 0;
      if (s && (f.tUs < s.lastTUs || s.windows.peek(f.windowIndex).kind === 'restarted' || s.builder.layout.axisCount !== axes || s.builder.layout.bandCount !== bands)) {
        // The node restarted (its clock or its window index went back) or changed shape: a new session.
        this.endStream(s);
        s = undefined;
      }
      if (!s) s = this.startStream(batch.path, hello, f.tUs, axes, bands);
      const step = s.windows.observe(f.windowIndex);
      if (step.kind === 'duplicate') continue; // the same window again
      if (step.kind === 'missed') {
        s.gaps.push({
          id: `${s.session.id}:${s.lastWi + 1}`,
          sessionId: s.session.id,
          nodeId: s.node.id,
          fromWindow: s.lastWi + 1,
          toWindow: f.windowIndex,
          startMs: s.session.t0Ms + s.lastTUs / 1000,
          endMs: s.session.t0Ms + f.tUs / 1000,
          // The host marks the first frame after a reconnect: those windows went while the link was down.
          reason: f.gapReason === 'link-lost' ? 'link-lost' : 'missed',
        });
        s.session.gapWindows += step.missed;
      }
      s.builder.push(f.windowIndex, f.tUs, f.shaftHz, liveValues(f, s.builder.layout), bands > 0 ? f.logBands!.flat() : undefined);
      s.lastWi = f.windowIndex;
      s.lastTUs = f.tUs;
      s.session.windowCount++;
      s.session.endMs = s.session.t0Ms + f.tUs / 1000;
    }
  }

  /**
   * A node's EVENT (anomaly alarm started or ended) goes into the events table, on the session
   * being recorded (its times are node stream time, like the FEATURES' t_us). Events from a port
   * with no session yet are dropped: there is nothing to anchor their time to.
   */
  ingestEvent(e: NodeEventInfo, snapshot = true): void {
    if (!e || this.st.kind !== 'recording') return;
    const s = this.streams.get(e.path);
    if (!s) return;
    const id = `${s.session.id}:event:${e.eventId}`;
    const now = this.now();
    const prev = s.events.get(id);
    const startMs = s.session.t0Ms + e.startTUs / 1000;
    const endMs = s.session.t0Ms + e.endTUs / 1000;
    const peak = Number.isFinite(e.peakScore) ? e.peakScore : null;
    const fmt = (x: number) => (Number.isFinite(x) ? (Math.abs(x) >= 100 || Math.abs(x) < 0.01 ? x.toExponential(2) : x.toFixed(3)) : '—');
    const rule = `${e.debounceK} of ${e.debounceN} windows over the threshold ${fmt(e.threshold)}`;
    const message =
      e.state === 'started'
        ? `Anomaly alarm started (${rule}); peak score ${fmt(e.peakScore)} so far; model ${e.modelVersion}`
        : `Anomaly alarm, ended (${rule}); peak score ${fmt(e.peakScore)}; model ${e.modelVersion}`;
    const row: EventRow = {
      id,
      nodeId: s.node.id,
      sessionId: s.session.id,
      startMs: prev ? Math.min(prev.startMs, startMs) : startMs,
      endMs: Math.max(endMs, startMs),
      kind: 'anomaly alarm',
      score: peak,
      message,
      createdMs: prev?.createdMs ?? now,
      updatedMs: now,
    };
    s.events.set(id, row);
    s.dirtyEvents.add(id);
    if (snapshot && e.state === 'started' && !prev) this.triggerRaw(s, e, id);
  }

  /**
   * RAW_BLOCKs (docs/protocol.md 3.9) feed the raw snapshots. Only while recording, and only on a
   * port with a session (its wall clock anchors the samples): raw from a node that sends no
   * features is not stored.
   */
  ingestRaw(batch: RawBatch): void {
    if (!batch || !Array.isArray(batch.blocks) || this.st.kind !== 'recording') return;
    const s = this.streams.get(batch.path);
    if (!s) return;
    for (const b of batch.blocks) {
      if (!b || !(b.frameCount > 0) || !(b.decimation >= 1)) continue;
      let run = this.rawRuns.get(batch.path);
      if (run && run.stream !== s) {
        this.endRawRun(run);
        run = undefined;
      }
      const step = run?.frames.peek(b.firstFrame);
      const back = step?.kind === 'restarted' || step?.kind === 'duplicate';
      // A block behind the run but within the last seconds of this session's features is a late or
      // repeated one: skip it. Further back, the node's stream restarted.
      if (run && back && b.firstFrame + RAW_LATE_S * run.nodeRateHz >= s.lastWi * s.hello.hop) continue;
      if (run && (back || b.decimation !== run.decimation || b.axisCount !== run.axisCount || (b.firstFrame - run.originFrame) % run.decimation !== 0)) {
        // After a restart the features of the new stream (a new session) may not have arrived yet:
        // until they do, these samples have no wall clock.
        if (back) this.rawStale.set(batch.path, s.session.id);
        this.endRawRun(run);
        run = undefined;
      }
      if (!run) {
        if (this.rawStale.get(batch.path) === s.session.id) continue;
        this.rawStale.delete(batch.path);
        run = {
          key: `${batch.path}#${++this.rawSeq}`,
          stream: s,
          decimation: b.decimation,
          axisCount: b.axisCount,
          originFrame: b.firstFrame % b.decimation,
          nodeRateHz: s.hello.sampleRateHz,
          frames: new StreamContinuity(),
        };
        run.frames.observe(b.firstFrame, 0); // this block is the one expected
        this.rawRuns.set(batch.path, run);
        this.rawByKey.set(run.key, run);
      }
      const block = toCaptureBlock(b, run.key, run.nodeRateHz, run.originFrame);
      if (!block) continue;
      run.frames.observe(b.firstFrame, b.frameCount * b.decimation);
      this.rawCapture.onBlock(block);
    }
  }

  /** An event started: a raw snapshot around its first over window (window_index · hop on the sample clock). */
  private triggerRaw(s: Stream, e: NodeEventInfo, eventRowId: string): void {
    const run = this.rawRuns.get(s.path);
    if (!run || run.stream !== s) return;
    const frame = e.startWindow * s.hello.hop;
    const at = Number.isFinite(frame) && frame >= run.originFrame ? Math.floor((frame - run.originFrame) / run.decimation) : undefined;
    this.rawCapture.trigger(run.key, eventRowId, at);
  }

  private endRawRun(run: RawRun): void {
    this.rawCapture.end(run.key); // hands over what open snapshots hold (storeRaw)
    this.rawByKey.delete(run.key);
    if (this.rawRuns.get(run.stream.path) === run) this.rawRuns.delete(run.stream.path);
  }

  /** A snapshot RawCapture completed: a row of its run's session, written at the next flush. */
  private storeRaw(c: CapturedSnapshot): void {
    const run = this.rawByKey.get(c.path);
    if (!run) return;
    const s = run.stream;
    const frame = run.originFrame + c.firstSample * run.decimation;
    const axisCount = c.samples.length / c.count;
    s.raws.push({
      // An event's snapshot is named after its event; a scheduled one after its first input frame.
      id: c.reason === 'event' && c.eventId ? `${c.eventId}:raw` : `${s.session.id}:raw:${frame}`,
      sessionId: s.session.id,
      nodeId: s.node.id,
      startMs: s.session.t0Ms + (frame / run.nodeRateHz) * 1000,
      tUs: Math.floor((frame * 1e6) / run.nodeRateHz),
      sampleRateHz: c.sampleRateHz,
      axisCount,
      count: c.count,
      samples: c.samples,
      reason: c.reason,
      eventId: c.eventId,
      bytes: c.samples.byteLength,
    });
  }

  private startStream(path: string, hello: Hello, tUs: number, axes: number, bandCount: number): Stream {
    const now = this.now();
    const t0Ms = now - tUs / 1000;
    const layout = { axisCount: axes, fields: LIVE_FIELDS, nodeFields: LIVE_NODE_FIELDS, bandCount };
    const nodeId = hello.uid;
    const node: NodeRow = {
      id: nodeId,
      name: hello.name || path,
      kind: 'node',
      assetId: null,
      board: hello.board,
      firmware: hello.firmware,
      channels: hello.channels,
      sampleRateHz: hello.sampleRateHz,
      createdMs: now,
      updatedMs: now,
    };
    const session: SessionRow = {
      id: newId(),
      nodeId,
      assetId: null,
      kind: 'live',
      name: `${node.name} — ${formatDateTime(now)}`,
      startMs: t0Ms + tUs / 1000,
      endMs: t0Ms + tUs / 1000,
      t0Ms,
      sampleRateHz: hello.sampleRateHz,
      windowLen: hello.windowLen,
      hop: hello.hop,
      channels: hello.channels.slice(0, axes),
      layout,
      specKey: '',
      windowCount: 0,
      gapWindows: 0,
      status: 'recording',
      source: null,
      bytes: { features: 0, summaries: 0, raw: 0 },
      createdMs: now,
      updatedMs: now,
    };
    const s: Stream = {
      path,
      hello,
      session,
      node,
      builder: new FeatureColumnsBuilder(layout, 1024),
      windows: new StreamContinuity(),
      lastWi: -1,
      lastTUs: -1,
      closedBytes: 0,
      closedSummaryBytes: 0,
      gaps: [],
      events: new Map(),
      dirtyEvents: new Set(),
      raws: [],
      nodeWritten: false,
      ended: false,
    };
    this.streams.set(path, s);
    return s;
  }

  private endStream(s: Stream): void {
    s.ended = true;
    s.session.status = 'complete';
    const run = this.rawRuns.get(s.path);
    if (run && run.stream === s) this.endRawRun(run);
    if (this.streams.get(s.path) === s) this.streams.delete(s.path);
    this.finished.push(s);
  }

  /** Writes what is buffered. Calls made while a write runs wait for it and then write again. */
  flush(): Promise<void> {
    const run = async () => {
      if (this.flushing) await this.flushing.catch(() => {});
      await this.writeOnce();
    };
    const p = run();
    this.flushing = p;
    return p;
  }

  /** What one stream's next write holds: its chunks (the complete minutes' bands coded), summaries, gaps, events, snapshots and session row. */
  private planStream(s: Stream) {
  const n = s.builder.length;
  const ctx = { sessionId: s.session.id, nodeId: s.node.id, t0Ms: s.session.t0Ms };
  const ranges = n > 0 ? chunkRanges(s.builder.tUs, 0, n) : [];
  const full = ranges.map(([a, b]) => packChunk(s.builder, a, b, ctx));
  const summaries: FeatureSummaryRow[] = full.map(summarize);
  // All chunks but the last are complete; the last stays open unless the stream ended.
  const keepFrom = s.ended || ranges.length === 0 ? n : ranges[ranges.length - 1][0];
  const closed = s.ended ? full.length : full.length - 1;
  // Stored packed: window index, time and speed as runs, band energies quantized and coded once
  // the minute is complete (the open chunk is rewritten at every flush: its bands stay float32
  // until then, a layout every reader takes) (models/dataset/chunkCodec.ts).
  const chunks: FeatureChunkRow[] = full.map((c, i) => packChunkRow(c, { codeBands: i < closed }));
  let closedBytes = s.closedBytes;
  let closedSummaryBytes = s.closedSummaryBytes;
  for (let i = 0; i < closed; i++) {
    closedBytes += chunks[i].bytes;
    closedSummaryBytes += summaries[i].bytes;
  }
  const open = closed < chunks.length ? chunks.length - 1 : -1;
  const raws = s.raws.slice();
  const session: SessionRow = {
    ...s.session,
    bytes: {
      features: closedBytes + (open >= 0 ? chunks[open].bytes : 0),
      summaries: closedSummaryBytes + (open >= 0 ? summaries[open].bytes : 0),
      raw: s.session.bytes.raw + raws.reduce((sum, r) => sum + r.bytes, 0),
    },
    updatedMs: this.now(),
  };
  const events = [...s.dirtyEvents].map((id) => s.events.get(id)!);
  return { s, chunks, summaries, gaps: s.gaps.slice(), events, raws, keepFrom, closedBytes, closedSummaryBytes, session, codedBands: closed > 0 && full.some((c) => c.bands !== null) };
  }

  private async writeOnce(): Promise<void> {
    if (this.st.kind === 'stopped') return;
    const streams = [...this.finished, ...this.streams.values()].filter(
      (s) => s.builder.length > 0 || s.gaps.length > 0 || s.dirtyEvents.size > 0 || s.raws.length > 0 || (s.ended && s.session.windowCount > 0),
    );
    if (streams.length === 0) {
      this.finished.length = 0;
      return;
    }
    const plan: StreamPlan[] = [];
    for (const s of streams) {
      const p = this.planStream(s);
      plan.push(p);
      // Coding a complete minute's band energies takes tens of milliseconds a node (about 60 ms for
      // a 2-axis node, measured), and nodes started together complete their minutes in the same
      // flush: the page gets a turn after each such node (its charts draw in between) instead of one
      // task of about a second for 16 nodes.
      if (p.codedBands) await new Promise((r) => setTimeout(r, 0));
    }
    try {
      await this.db.transaction('rw', [this.db.nodes, this.db.sessions, this.db.featureChunks, this.db.featureSummaries, this.db.gaps, this.db.events, this.db.rawSnapshots], async () => {
        for (const p of plan) {
          if (!p.s.nodeWritten) {
            const existing = await this.db.nodes.get(p.s.node.id);
            // Keep what the technician set (asset); refresh what the node says about itself.
            const node = existing ? { ...existing, name: p.s.node.name, board: p.s.node.board, firmware: p.s.node.firmware, channels: p.s.node.channels, sampleRateHz: p.s.node.sampleRateHz } : p.s.node;
            await this.db.nodes.put(node);
            p.s.node.assetId = node.assetId;
            p.session.assetId = node.assetId;
            p.s.session.assetId = node.assetId;
          }
          await this.db.sessions.put(p.session);
          await this.db.featureChunks.bulkPut(p.chunks);
          await this.db.featureSummaries.bulkPut(p.summaries);
          await this.db.gaps.bulkPut(p.gaps);
          if (p.events.length > 0) await this.db.events.bulkPut(p.events);
          if (p.raws.length > 0) await this.db.rawSnapshots.bulkPut(p.raws);
        }
      });
    } catch (e) {
      this.stop(isQuotaError(e) ? 'quota' : 'error', e);
      return;
    }
    for (const p of plan) {
      p.s.nodeWritten = true;
      p.s.builder.dropFirst(p.keepFrom);
      p.s.closedBytes = p.closedBytes;
      p.s.closedSummaryBytes = p.closedSummaryBytes;
      p.s.gaps.splice(0, p.gaps.length);
      p.s.raws.splice(0, p.raws.length);
      // An event updated while this write ran stays dirty (its newer row was not written).
      for (const e of p.events) if (p.s.events.get(e.id) === e) p.s.dirtyEvents.delete(e.id);
      p.s.session.bytes = p.session.bytes;
    }
    this.finished.splice(0, this.finished.length, ...this.finished.filter((s) => s.builder.length > 0 || s.dirtyEvents.size > 0 || s.raws.length > 0));
  }

  private stop(reason: 'quota' | 'error', e: unknown): void {
    const message = storageErrorMessage(e, t('storage.doing.storeLive'));
    this.st = { kind: 'stopped', reason, sinceMs: this.now(), message, droppedWindows: 0 };
    for (const l of this.listeners) l(this.st);
    void addAudit(this.db, { actor: 'Vigil', action: 'recording.stopped', target: '', detail: message }).catch(() => {});
  }

  /** After the technician freed space: write what was buffered and record again. */
  async resume(): Promise<void> {
    if (this.st.kind !== 'stopped') return;
    // Frames dropped while stopped make the next frame of each stream jump in window_index: ingest
    // stores that as a gap.
    this.st = { kind: 'recording' };
    for (const l of this.listeners) l(this.st);
    await this.flush();
  }

  dispose(): void {
    (this.o.clearInterval ?? ((h: unknown) => clearInterval(h as ReturnType<typeof setInterval>)))(this.timer);
  }
}
