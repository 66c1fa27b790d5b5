/**
 * Labels: what a technician says about a time range of one node. Deleting sets a tombstone
 * (`deletedMs`) so it can be undone and so a deletion travels in a bundle; every change is in the
 * audit log, in the same transaction as the change itself.
 */
import { isLabelKind, LABEL_NAMES, type LabelKind } from '../../../models/dataset/labels';
import { t } from '../i18n';
import { addAudit, newId, type VigilDb } from './db';
import type { LabelRow } from './types';

export interface NewLabel {
  nodeId: string;
  sessionId: string | null;
  eventId?: string | null;
  startMs: number;
  endMs: number;
  label: LabelKind;
  notes: string;
  author: string;
}

export class LabelInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LabelInputError';
  }
}

function check(l: Pick<NewLabel, 'startMs' | 'endMs' | 'label' | 'author' | 'notes'>): void {
  if (!isLabelKind(l.label)) throw new LabelInputError(t('labels.err.kind'));
  if (!Number.isFinite(l.startMs) || !Number.isFinite(l.endMs) || l.endMs <= l.startMs) throw new LabelInputError(t('labels.err.range'));
  if (!l.author.trim()) throw new LabelInputError(t('labels.err.author'));
  if (l.notes.length > 4000) throw new LabelInputError(t('labels.err.notes'));
}

export async function createLabel(db: VigilDb, input: NewLabel): Promise<LabelRow> {
  check(input);
  const now = Date.now();
  return db.transaction('rw', [db.labels, db.nodes, db.audit], async () => {
    const node = await db.nodes.get(input.nodeId);
    const row: LabelRow = {
      id: newId(),
      nodeId: input.nodeId,
      sessionId: input.sessionId,
      eventId: input.eventId ?? null,
      assetId: node?.assetId ?? null,
      startMs: input.startMs,
      endMs: input.endMs,
      label: input.label,
      notes: input.notes.trim(),
      author: input.author.trim(),
      createdMs: now,
      updatedMs: now,
      deletedMs: null,
    };
    await db.labels.add(row);
    await addAudit(db, { actor: row.author, action: 'label.create', target: row.id, detail: describe(row) });
    return row;
  });
}

export type LabelPatch = Partial<Pick<LabelRow, 'label' | 'notes' | 'startMs' | 'endMs'>>;

/** Changes a label; returns the row as it was before (for undo). */
export async function updateLabel(db: VigilDb, id: string, patch: LabelPatch, actor: string): Promise<{ before: LabelRow; after: LabelRow }> {
  return db.transaction('rw', [db.labels, db.audit], async () => {
    const before = await db.labels.get(id);
    if (!before || before.deletedMs !== null) throw new LabelInputError(t('labels.err.gone'));
    const after: LabelRow = { ...before, ...patch, updatedMs: Math.max(Date.now(), before.updatedMs + 1) };
    check({ ...after, author: actor || after.author });
    await db.labels.put(after);
    await addAudit(db, { actor, action: 'label.edit', target: id, detail: `${describe(before)} -> ${describe(after)}` });
    return { before, after };
  });
}

/** Deletes a label (a tombstone); returns the row as it was (for undo). */
export async function deleteLabel(db: VigilDb, id: string, actor: string): Promise<LabelRow> {
  return db.transaction('rw', [db.labels, db.audit], async () => {
    const before = await db.labels.get(id);
    if (!before || before.deletedMs !== null) throw new LabelInputError(t('labels.err.gone'));
    const now = Math.max(Date.now(), before.updatedMs + 1);
    await db.labels.put({ ...before, deletedMs: now, updatedMs: now });
    await addAudit(db, { actor, action: 'label.delete', target: id, detail: describe(before) });
    return before;
  });
}

/** Puts a label back as it was (undo of create, edit or delete). `previous` null: undo a create. */
export async function restoreLabel(db: VigilDb, id: string, previous: LabelRow | null, actor: string): Promise<void> {
  await db.transaction('rw', [db.labels, db.audit], async () => {
    const current = await db.labels.get(id);
    const now = Math.max(Date.now(), (current?.updatedMs ?? 0) + 1);
    if (previous === null) {
      if (current) await db.labels.put({ ...current, deletedMs: now, updatedMs: now });
    } else {
      await db.labels.put({ ...previous, updatedMs: now });
    }
    await addAudit(db, { actor, action: 'label.undo', target: id, detail: previous ? describe(previous) : 'created label removed' });
  });
}

export interface LabelFilter {
  nodeId?: string;
  assetId?: string;
  label?: LabelKind;
  sessionId?: string;
  /** Labels that overlap [fromMs, toMs). */
  fromMs?: number;
  toMs?: number;
}

export async function queryLabels(db: VigilDb, f: LabelFilter = {}): Promise<LabelRow[]> {
  let rows: LabelRow[];
  if (f.sessionId) rows = await db.labels.where('sessionId').equals(f.sessionId).toArray();
  else if (f.nodeId) rows = await db.labels.where('nodeId').equals(f.nodeId).toArray();
  else if (f.assetId) rows = await db.labels.where('assetId').equals(f.assetId).toArray();
  else if (f.label) rows = await db.labels.where('label').equals(f.label).toArray();
  else rows = await db.labels.toArray();
  return rows
    .filter(
      (l) =>
        l.deletedMs === null &&
        (!f.nodeId || l.nodeId === f.nodeId) &&
        (!f.assetId || l.assetId === f.assetId) &&
        (!f.label || l.label === f.label) &&
        (f.fromMs === undefined || l.endMs > f.fromMs) &&
        (f.toMs === undefined || l.startMs < f.toMs),
    )
    .sort((a, b) => b.startMs - a.startMs);
}

function describe(l: LabelRow): string {
  return `${LABEL_NAMES[l.label]} ${new Date(l.startMs).toISOString()} (${((l.endMs - l.startMs) / 1000).toFixed(3)} s)${l.notes ? `: ${l.notes.slice(0, 80)}` : ''}`;
}
