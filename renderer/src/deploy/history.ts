/**
 * The deployment history: who deployed or rolled back which model version to which node, when, and
 * how it ended (with the version the node then said it runs). The page writes through this small
 * interface; `dbDeploymentLog` keeps it in the app database's `deployments` table (renderer/src/db,
 * schema v1), so pointing it at another store only needs another DeploymentLog.
 */
import type { ModelProgress } from '../../../models/api/contract';
import type { VigilDb } from '../db/db';
import type { DeploymentRow } from '../db/types';

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

type StoredRow = DeploymentRow & Omit<DeploymentRecord, keyof DeploymentRow>;

export function dbDeploymentLog(db: VigilDb): DeploymentLog {
  return {
    async save(r) {
      const row: StoredRow = { ...r, modelId: `v${r.modelVersion}` };
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
        status: (x.status as DeploymentRecord['status']) ?? 'failed',
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
