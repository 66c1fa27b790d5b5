/**
 * Turns a parsed recording (models/dataset/recording.ts) into the database rows of one import.
 * Pure: runs in the import worker, so the page only has to write the rows.
 */
import { packChunkRow, type PackedFeatureChunk } from '../../../models/dataset/chunkCodec';
import { chunkRanges, packChunk, summarize, windowTimeUs } from '../../../models/dataset/columns';
import type { ImportSettings } from '../../../models/dataset/formats';
import type { BuiltRecording } from '../../../models/dataset/recording';
import type { ImportRows } from '../db/recordings';
import type { AssetRow, GapRow, RawSnapshotRow } from '../db/types';

export interface ImportMeta {
  sessionId: string;
  nodeId: string;
  nodeName: string;
  assetId: string | null;
  /** Created with the import when the technician typed a new asset name. */
  newAsset: AssetRow | null;
  name: string;
  /** Wall clock of the recording's first sample, ms. */
  t0Ms: number;
  fileName: string;
  bytes: number;
  hash: string;
  settings: ImportSettings;
  nowMs: number;
}

export function buildImportRows(r: BuiltRecording, m: ImportMeta): ImportRows {
  const ctx = { sessionId: m.sessionId, nodeId: m.nodeId, t0Ms: m.t0Ms };
  const f = r.features;
  const full = chunkRanges(f.tUs, 0, f.length).map(([a, b]) => packChunk(f, a, b, ctx));
  const summaries = full.map(summarize);
  // Stored packed: window index, time and speed as runs (models/dataset/chunkCodec.ts).
  const chunks = full.map((c) => packChunkRow(c));
  const { hop, windowLen, sampleRateHz } = r.spec;
  const wallOfWindow = (k: number) => m.t0Ms + windowTimeUs(k, hop, windowLen, sampleRateHz) / 1000;
  const gaps: GapRow[] = r.gaps.map((g) => ({
    id: `${m.sessionId}:${g.fromWindow}`,
    sessionId: m.sessionId,
    nodeId: m.nodeId,
    fromWindow: g.fromWindow,
    toWindow: g.toWindow,
    startMs: wallOfWindow(g.fromWindow - 1),
    endMs: wallOfWindow(g.toWindow),
    reason: m.settings.segmentSpacingS !== null ? 'pause' : 'missed',
  }));
  const axisCount = r.layout.axisCount;
  const raw: RawSnapshotRow[] = r.raw.map((b) => ({
    id: `${m.sessionId}:raw:${b.startSample}`,
    sessionId: m.sessionId,
    nodeId: m.nodeId,
    startMs: m.t0Ms + (b.startSample / sampleRateHz) * 1000,
    tUs: Math.floor((b.startSample * 1e6) / sampleRateHz),
    sampleRateHz,
    axisCount,
    count: b.count,
    samples: b.samples,
    reason: 'import',
    eventId: null,
    bytes: b.samples.byteLength,
  }));
  const sum = (xs: { bytes: number }[]) => xs.reduce((s, x) => s + x.bytes, 0);
  return {
    asset: m.newAsset,
    node: {
      id: m.nodeId,
      name: m.nodeName,
      kind: 'import',
      assetId: m.assetId,
      board: '',
      firmware: '',
      channels: m.settings.channels.slice(),
      sampleRateHz,
      createdMs: m.nowMs,
      updatedMs: m.nowMs,
    },
    session: {
      id: m.sessionId,
      nodeId: m.nodeId,
      assetId: m.assetId,
      kind: 'import',
      name: m.name,
      startMs: m.t0Ms + f.tUs[0] / 1000,
      endMs: m.t0Ms + f.tUs[f.length - 1] / 1000,
      t0Ms: m.t0Ms,
      sampleRateHz,
      windowLen,
      hop,
      channels: m.settings.channels.slice(),
      layout: { axisCount, fields: [...r.layout.fields], bandCount: r.layout.bandCount },
      specKey: r.specKey,
      windowCount: f.length,
      gapWindows: r.gaps.reduce((s, g) => s + g.toWindow - g.fromWindow, 0),
      status: 'complete',
      source: { fileName: m.fileName, bytes: m.bytes, hash: m.hash, settings: m.settings },
      bytes: { features: sum(chunks), summaries: sum(summaries), raw: sum(raw) },
      createdMs: m.nowMs,
      updatedMs: m.nowMs,
    },
    chunks,
    summaries,
    raw,
    gaps,
  };
}

/** The typed arrays of the rows, for postMessage's transfer list (no copy between threads). */
export function transferablesOf(rows: ImportRows): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView | null) => {
    if (a && a.buffer instanceof ArrayBuffer) out.add(a.buffer);
  };
  for (const c of rows.chunks) {
    const p = c as Partial<PackedFeatureChunk>;
    [c.windowIndex, c.tUsOffset, c.shaftHz, c.values, c.bands, p.windowRuns ?? null, p.shaftRuns ?? null, p.tRule ?? null, p.timeExceptions ?? null, p.bandBits ?? null, p.bandExceptions ?? null].forEach(add);
  }
  for (const s of rows.summaries) [s.tUsOffset, s.windows, s.min, s.mean, s.max].forEach(add);
  for (const r of rows.raw) add(r.samples);
  return [...out];
}
