/**
 * Deployments: who put which model on which node, when, how it went and what the node said. The
 * deploy flow records one when the technician confirms and moves it along as the transfer runs:
 *
 *   requested -> sending -> trial -> confirmed
 *                      \-> failed    \-> rolled-back        (or cancelled before it is sent)
 *
 * 'marked' is a version marked deployed in the old registry, before models went over the link.
 * Every step is also an audit row. The history is kept per node and per model (schema version 3).
 */
import type { DeploymentRow, DeploymentState, NodeConfirmation, ModelRow } from './types';
import type { VigilDb } from './db';
import { addAudit, newId } from './db';
import { msg, MsgError } from '../../../models/i18n/msg';

const FINAL: readonly DeploymentState[] = ['confirmed', 'failed', 'rolled-back', 'cancelled', 'marked'];

export interface NewDeployment {
  modelId: string;
  nodeId: string;
  /** The technician's name (else "Vigil"). */
  actor: string;
  status?: DeploymentState;
  message?: string;
  atMs?: number;
}

/** Records a deployment of a stored model to a node (state 'requested' unless given). */
export async function recordDeployment(db: VigilDb, d: NewDeployment): Promise<DeploymentRow> {
  return db.transaction('rw', db.models, db.deployments, db.audit, async () => {
    const model = await db.models.get(d.modelId);
    if (!model) throw new Error(`there is no model ${d.modelId} in the model store`);
    if (!d.nodeId) throw new Error('a deployment needs the node it goes to');
    const now = d.atMs ?? Date.now();
    const status = d.status ?? 'requested';
    const row: DeploymentRow = {
      id: newId(),
      modelId: model.id,
      modelVersion: model.version,
      nodeId: d.nodeId,
      status,
      message: d.message ?? '',
      actor: d.actor || 'Vigil',
      confirmation: null,
      finishedMs: FINAL.includes(status) ? now : null,
      createdMs: now,
      updatedMs: now,
    };
    await db.deployments.add(row);
    await addAudit(db, { tMs: now, actor: row.actor, action: 'deploy', target: d.nodeId, detail: `${model.name} ${status}${row.message ? `: ${row.message}` : ''}` });
    return row;
  });
}

export interface DeploymentUpdate {
  status: DeploymentState;
  message?: string;
  /** The node's own word on what it runs (MODEL_STATUS). */
  confirmation?: NodeConfirmation;
  atMs?: number;
  actor?: string;
}

/** Moves a deployment to a new state; a deployment in a final state does not move again. */
export async function updateDeployment(db: VigilDb, id: string, u: DeploymentUpdate): Promise<DeploymentRow> {
  return db.transaction('rw', db.deployments, db.audit, async () => {
    const row = await db.deployments.get(id);
    if (!row) throw new Error(`there is no deployment ${id}`);
    if (FINAL.includes(row.status)) throw new MsgError(msg('problems.store.deploymentEnded', { version: String(row.modelVersion), node: row.nodeId, state: msg(`problems.store.state.${row.status}`) }));
    const now = u.atMs ?? Date.now();
    const next: DeploymentRow = {
      ...row,
      status: u.status,
      message: u.message ?? row.message,
      confirmation: u.confirmation ?? row.confirmation,
      finishedMs: FINAL.includes(u.status) ? now : null,
      updatedMs: now,
    };
    await db.deployments.put(next);
    await addAudit(db, { tMs: now, actor: u.actor ?? row.actor, action: 'deploy', target: row.nodeId, detail: `v${row.modelVersion} ${u.status}${u.message ? `: ${u.message}` : ''}` });
    return next;
  });
}

/** A node's deployments, newest first. */
export async function nodeDeployments(db: VigilDb, nodeId: string): Promise<DeploymentRow[]> {
  return db.deployments.where('[nodeId+createdMs]').between([nodeId, -Infinity], [nodeId, Infinity]).reverse().toArray();
}

/** A model's deployments, newest first. */
export async function modelDeployments(db: VigilDb, modelId: string): Promise<DeploymentRow[]> {
  return db.deployments.where('[modelId+createdMs]').between([modelId, -Infinity], [modelId, Infinity]).reverse().toArray();
}

/** The model a node last confirmed running through a deployment, if any. */
export async function confirmedModel(db: VigilDb, nodeId: string): Promise<{ model: ModelRow; deployment: DeploymentRow } | null> {
  for (const d of await nodeDeployments(db, nodeId)) {
    if (d.status !== 'confirmed') continue;
    const model = await db.models.get(d.modelId);
    if (model) return { model, deployment: d };
  }
  return null;
}
