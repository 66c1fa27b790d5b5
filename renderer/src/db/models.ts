/**
 * The one model store: every model the app built, with its lineage (data spans, labels, seed,
 * parameters) and metrics, in the app's database (`models`, schema version 3). Versions are
 * monotonic: a new model gets a version above every one ever given (kept in settings, so a deleted
 * model's version is never reused), as the node's rollback protection expects.
 */
import type { ModelRow } from './types';
import type { VigilDb } from './db';
import { addAudit, newId } from './db';
import { HIGHEST_MODEL_VERSION_KEY } from './schema';
import { msg, MsgError } from '../../../models/i18n/msg';

async function highestGiven(db: VigilDb): Promise<number> {
  const kept = Number((await db.settings.get(HIGHEST_MODEL_VERSION_KEY))?.value ?? 0);
  const last = (await db.models.orderBy('version').last())?.version ?? 0;
  return Math.max(kept, last);
}

/**
 * The version the next model gets: one more than any given before, and more than `atLeast` (the
 * version a node runs, e.g. its factory default, so the new one is newer).
 */
export async function nextModelVersion(db: VigilDb, atLeast = 0): Promise<number> {
  return Math.max(await highestGiven(db), atLeast) + 1;
}

export type NewModel = Omit<ModelRow, 'id' | 'name' | 'createdMs' | 'updatedMs'> & { createdMs?: number; actor?: string };

/** Adds a model; refuses a version that is not new (retrain to get one). */
export async function addModel(db: VigilDb, m: NewModel): Promise<ModelRow> {
  return db.transaction('rw', db.models, db.settings, db.audit, async () => {
    const next = (await highestGiven(db)) + 1;
    if (!Number.isInteger(m.version) || m.version < next) throw new MsgError(msg('problems.store.versionNotNew', { version: String(m.version), next: String(next) }));
    const now = m.createdMs ?? Date.now();
    const { actor, ...rest } = m;
    const row: ModelRow = { ...rest, id: newId(), name: `v${m.version}`, createdMs: now, updatedMs: now };
    await db.models.add(row);
    await db.settings.put({ key: HIGHEST_MODEL_VERSION_KEY, value: m.version });
    await addAudit(db, { actor: actor ?? '', action: 'model add', target: row.id, detail: `v${m.version}${m.nodeId ? ` for node ${m.nodeId}` : ''}` });
    return row;
  });
}

/** Every model, newest version first; only those trained for `nodeId` when given. */
export async function listModels(db: VigilDb, nodeId?: string): Promise<ModelRow[]> {
  // Sorted here, not by the index: a row that came without a version (a bundle) is still listed.
  const all = (await db.models.toArray()).sort((a, b) => (b.version ?? 0) - (a.version ?? 0) || b.createdMs - a.createdMs);
  return nodeId === undefined ? all : all.filter((m) => m.nodeId === nodeId);
}

export async function getModel(db: VigilDb, id: string): Promise<ModelRow | undefined> {
  return db.models.get(id);
}
