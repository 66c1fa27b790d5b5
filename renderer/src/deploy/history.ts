/**
 * The deployment history: who deployed or rolled back which model version to which node, when, and
 * how it ended (with the version the node then said it runs). The page writes through this small
 * interface; `dbDeploymentLog` keeps it in the model store's `deployments` table (schema v3, the
 * rows renderer/src/db/deployments.ts reads: state, confirmation, finish time), with the transfer's
 * own state and the node's name beside them.
 */
import type { ModelProgress } from '../../../models/api/contract';
import type { VigilDb } from '../db/db';
import type { DeploymentRow, DeploymentState } from '../db/types';

export interface DeploymentRecord {
  id: string;
  kind: ModelProgress['kind'];
  nodeId: string;
  nodeName: string;
  modelVersion: number;
  actor: string;
  status: ModelProgress['state'];
  message: string;
  /** The version the node reported running at the end (its confirmation), if it did. */
  runningVersion: number | null;
  createdMs: number;
  updatedMs: number;
}

export interface DeploymentLog {
  /** Adds or updates one record (by id). */
  save(r: DeploymentRecord): Promise<void>;
  /** Newest first. */
  list(limit?: number): Promise<DeploymentRecord[]>;
}

type StoredRow = DeploymentRow & { kind: DeploymentRecord['kind']; nodeName: string; progressState: DeploymentRecord['status']; runningVersion: number | null };

/** The store's deployment state for a transfer state (the transfer's own is kept beside it). */
export function deploymentState(s: DeploymentRecord['status'], kind: DeploymentRecord['kind']): DeploymentState {
  switch (s) {
    case 'sending':
    case 'committing':
      return 'sending';
    case 'trial':
      return 'trial';
    case 'confirmed':
      return kind === 'rollback' ? 'rolled-back' : 'confirmed';
    case 'rolled-back':
    case 'reverted':
      return 'rolled-back';
    default:
      return 'failed';
  }
}

export function dbDeploymentLog(db: VigilDb): DeploymentLog {
  return {
    async save(r) {
      const state = deploymentState(r.status, r.kind);
      const final = state !== 'sending' && state !== 'trial';
      const row: StoredRow = {
        id: r.id,
        modelId: `v${r.modelVersion}`,
        modelVersion: r.modelVersion,
        nodeId: r.nodeId,
        status: state,
        message: r.message,
        actor: r.actor,
        confirmation: r.runningVersion === null ? null : { atMs: r.updatedMs, runningVersion: r.runningVersion, sha256: null, text: `the node runs model ${r.runningVersion}` },
        finishedMs: final ? r.updatedMs : null,
        createdMs: r.createdMs,
        updatedMs: r.updatedMs,
        kind: r.kind,
        nodeName: r.nodeName,
        progressState: r.status,
        runningVersion: r.runningVersion,
      };
      const stored = (await db.models.where('version').equals(r.modelVersion).first())?.id;
      if (stored) row.modelId = stored;
      await db.deployments.put(row);
    },
    async list(limit = 50) {
      const rows = (await db.deployments.orderBy('createdMs').reverse().limit(limit).toArray()) as Partial<StoredRow>[];
      return rows.map((x) => ({
        id: x.id ?? '',
        kind: x.kind ?? 'deploy',
        nodeId: x.nodeId ?? '',
        nodeName: x.nodeName ?? x.nodeId ?? '',
        modelVersion: x.modelVersion ?? (Number((x.modelId ?? '').replace(/^v/, '')) || 0),
        actor: x.actor ?? 'Vigil',
        status: x.progressState ?? (x.status === 'confirmed' ? 'confirmed' : x.status === 'rolled-back' ? 'rolled-back' : 'failed'),
        message: x.message ?? '',
        runningVersion: x.runningVersion ?? null,
        createdMs: x.createdMs ?? 0,
        updatedMs: x.updatedMs ?? 0,
      }));
    },
  };
}

/** The version a rollback returns to: the newest confirmed deployment below the running version. */
export function previousVersion(history: readonly DeploymentRecord[], nodeId: string, running: number): number | null {
  let best: number | null = null;
  for (const r of history) {
    if (r.nodeId !== nodeId || r.status !== 'confirmed' || r.kind !== 'deploy' || r.modelVersion >= running) continue;
    if (best === null || r.modelVersion > best) best = r.modelVersion;
  }
  return best;
}
