/**
 * The rows Vigil keeps in IndexedDB (schema: ./schema.ts, explained in docs/storage.md). Every row
 * that can travel in a dataset bundle has a stable string id (a UUID, a node's hardware UID, or an
 * id derived from one), so importing a bundle twice, or on a laptop that already has some of it,
 * never makes duplicates.
 */
import type { FeatureChunk, FeatureLayout, FeatureSummary } from '../../../models/dataset/columns';
import type { ImportSettings } from '../../../models/dataset/formats';
import type { LabelKind } from '../../../models/dataset/labels';

export interface NodeRow {
  /** A sensor node's 96-bit UID (24 hex digits), or a UUID for the "node" of an imported file. */
  id: string;
  name: string;
  kind: 'node' | 'import';
  assetId: string | null;
  board: string;
  firmware: string;
  channels: string[];
  sampleRateHz: number;
  createdMs: number;
  updatedMs: number;
}

export interface AssetRow {
  id: string;
  name: string;
  location: string;
  notes: string;
  createdMs: number;
  updatedMs: number;
}

export interface SessionSource {
  fileName: string;
  bytes: number;
  /** CRC-32 of the file's bytes (hex) with its length: recognises a file imported before. */
  hash: string;
  settings: ImportSettings;
}

/** One continuous stream of one node (live), or one imported file. */
export interface SessionRow {
  id: string;
  nodeId: string;
  assetId: string | null;
  kind: 'live' | 'import';
  name: string;
  /** Wall clock (ms since 1970) of the first and last window. */
  startMs: number;
  endMs: number;
  /** Wall clock at node time 0: a window's time is t0Ms + tUs / 1000. */
  t0Ms: number;
  sampleRateHz: number;
  windowLen: number;
  hop: number;
  channels: string[];
  layout: FeatureLayout;
  /** featureSpecKey() of the spec that computed the features, '' when a node computed them. */
  specKey: string;
  windowCount: number;
  gapWindows: number;
  status: 'recording' | 'complete';
  source: SessionSource | null;
  /** Bytes of stored typed arrays by kind (kept current on every write; the storage page sums them). */
  bytes: { features: number; summaries: number; raw: number };
  createdMs: number;
  updatedMs: number;
}

export type FeatureChunkRow = FeatureChunk;
export type FeatureSummaryRow = FeatureSummary;

export type RawReason = 'import' | 'schedule' | 'event';

export interface RawSnapshotRow {
  id: string;
  sessionId: string;
  nodeId: string;
  startMs: number;
  /** Node time of the first sample, µs. */
  tUs: number;
  sampleRateHz: number;
  axisCount: number;
  count: number;
  /** Axis-major: axis a at [a * count, (a + 1) * count), g. */
  samples: Float32Array;
  reason: RawReason;
  eventId: string | null;
  bytes: number;
}

export interface GapRow {
  /** `${sessionId}:${fromWindow}` */
  id: string;
  sessionId: string;
  nodeId: string;
  fromWindow: number;
  toWindow: number;
  /** Wall clock of the last window before and the first window after the gap. */
  startMs: number;
  endMs: number;
  /**
   * 'missed': windows lost on the link; 'pause': the recording itself pauses (FEMTO snapshots);
   * 'link-lost': the link went away and came back (the node kept sampling, those windows never
   * arrived: docs/protocol.md 6.3). A new value needs no schema version: `reason` is not indexed.
   */
  reason: 'missed' | 'pause' | 'link-lost';
}

/**
 * Something a node (or Vigil) flagged. A node's EVENT (docs/protocol.md 3.3) is stored by the live
 * recorder as kind 'anomaly alarm', id `${sessionId}:event:${event_id}`, its end filled when it ends.
 */
export interface EventRow {
  id: string;
  nodeId: string;
  sessionId: string | null;
  startMs: number;
  endMs: number;
  kind: string;
  score: number | null;
  message: string;
  createdMs: number;
  updatedMs: number;
}

export interface LabelRow {
  id: string;
  nodeId: string;
  sessionId: string | null;
  eventId: string | null;
  /** The node's asset when the label was made (v2; filled by the v1 -> v2 migration). */
  assetId: string | null;
  startMs: number;
  endMs: number;
  label: LabelKind;
  notes: string;
  author: string;
  createdMs: number;
  updatedMs: number;
  /** Set when deleted: a tombstone, so undo works and a deletion travels in a bundle. */
  deletedMs: number | null;
}

export interface ModelRow {
  id: string;
  name: string;
  nodeId: string | null;
  kind: string;
  specKey: string;
  blob: Uint8Array | null;
  meta: Record<string, unknown>;
  createdMs: number;
  updatedMs: number;
}

export interface DeploymentRow {
  id: string;
  modelId: string;
  nodeId: string;
  status: string;
  message: string;
  createdMs: number;
  updatedMs: number;
}

export interface AuditRow {
  seq?: number;
  tMs: number;
  /** The technician's name when known, else "Vigil". */
  actor: string;
  action: string;
  target: string;
  detail: string;
}

export interface SettingRow {
  key: string;
  value: unknown;
}
