/**
 * The rows Vigil keeps in IndexedDB (schema: ./schema.ts, explained in docs/storage.md). Every row
 * that can travel in a dataset bundle has a stable string id (a UUID, a node's hardware UID, or an
 * id derived from one), so importing a bundle twice, or on a laptop that already has some of it,
 * never makes duplicates.
 */
import type { StoredFeatureChunk } from '../../../models/dataset/chunkCodec';
import type { FeatureLayout, FeatureMinuteSummary, FeatureSummary } from '../../../models/dataset/columns';
import type { ImportSettings } from '../../../models/dataset/formats';
import type { LabelKind } from '../../../models/dataset/labels';
import type { CliSummary } from '../../../models/eval/report';
import type { Msg } from '../../../models/i18n/msg';
import type { Lineage } from '../../../models/nn/appSection';

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

/**
 * A stored feature chunk: packed (window index, time and shaft speed as runs; models/dataset/chunkCodec.ts)
 * or, written before that, every column in full. Read it through `unpackChunk`.
 */
export type FeatureChunkRow = StoredFeatureChunk;
export type FeatureSummaryRow = FeatureSummary;
/** Schema v5: per-minute summaries, one row per session-hour. */
export type FeatureMinuteRow = FeatureMinuteSummary;

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

/**
 * A trained model (v3: the one model store; renderer/src/db/models.ts). Versions are monotonic:
 * never reused, even after a deletion (the node refuses a model not newer than the one it runs).
 */
export interface ModelRow {
  /** A UUID; `registry-v${version}` for a model migrated from the old registry database. */
  id: string;
  /** "v7" */
  name: string;
  /** v3. The model version in the file (u32). */
  version: number;
  /** The node it was trained for (its feature spec), null when unknown (CSV files, old registry). */
  nodeId: string | null;
  kind: string;
  /** featureSpecKey() of the spec it reads. */
  specKey: string;
  /** The .vgm file: the node's model blob and the app section (docs/model-format.md). */
  blob: Uint8Array | null;
  /** v3: size of the node's blob inside the file, layer sizes, input channels. */
  blobBytes: number;
  architecture: string;
  channels: string[];
  /** v3: which data and labels, parameters and seed, training, threshold (models/nn/appSection.ts). */
  lineage: Lineage | null;
  /** v3: held-out metrics (models/eval/report.ts). */
  summary: CliSummary | null;
  /** v3: the technician's verdict sentence at training time, when there was one, in English. */
  verdict: string;
  /**
   * The same sentence as a catalogue key and numbers (models/i18n/msg.ts), said in the interface
   * language. Not indexed, so no schema version: models stored before it have only `verdict`.
   */
  verdictMsg?: Msg;
  note: string;
  /** Anything else; a migrated registry entry keeps its old status and deployedMs here. */
  meta: Record<string, unknown>;
  createdMs: number;
  updatedMs: number;
}

/** Where a deployment stands. The deploy flow moves it along; the node's word ends it. */
export const DEPLOYMENT_STATES = ['requested', 'sending', 'trial', 'confirmed', 'failed', 'rolled-back', 'cancelled', 'marked'] as const;
export type DeploymentState = (typeof DEPLOYMENT_STATES)[number];

/** What the node said about the model it runs after a deployment (MODEL_STATUS, docs/protocol.md 3.14). */
export interface NodeConfirmation {
  atMs: number;
  runningVersion: number;
  /** SHA-256 of the image the node reports, hex, when it did. */
  sha256: string | null;
  text: string;
}

/** One attempt to put a model on a node (renderer/src/db/deployments.ts). */
export interface DeploymentRow {
  id: string;
  modelId: string;
  /** v3 */
  modelVersion: number;
  nodeId: string;
  /** A DeploymentState. */
  status: DeploymentState;
  /** The outcome in words (the refusal, the reason of a rollback, ...). */
  message: string;
  /** v3: who asked for it (the technician's name, else "Vigil"). */
  actor: string;
  /** v3 */
  confirmation: NodeConfirmation | null;
  /** v3: when it reached a final state (confirmed, failed, rolled back, cancelled). */
  finishedMs: number | null;
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

/** A bearing as the technician chose it: one of the built-in table (models/analysis/bearings.ts) or its geometry. */
export type FleetBearing = { kind: 'table'; id: string } | { kind: 'geometry'; balls: number; ballDiameter: number; pitchDiameter: number; contactAngleDeg: number } | null;

/** What a machine carries (ISO 20816-3 class, speed, bearing). */
export interface FleetMachine {
  /** ISO 20816-3 machine group: 1 over 300 kW, 2 from 15 to 300 kW. */
  group: 1 | 2;
  foundation: 'rigid' | 'flexible';
  /** Shaft speed, Hz; 0 unknown. */
  shaftHz: number;
  bearing: FleetBearing;
}

/** One item of the fleet's asset tree (schema v4). */
export interface FleetItemRow {
  id: string;
  kind: 'site' | 'line' | 'machine' | 'point';
  /** The site of a line, the line of a machine, the machine of a point; null for a site. */
  parentId: string | null;
  name: string;
  /** Machines only. */
  machine?: FleetMachine;
  /** Points only: the node's UID (hello.uid, NodeRow.id) placed here, or null. */
  nodeId: string | null;
  createdMs: number;
  updatedMs: number;
}
