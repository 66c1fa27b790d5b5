/** Label changes from the UI, each pushing its undo onto the shared stack. */
import { LABEL_NAMES } from '../../../models/dataset/labels';
import { storageErrorMessage } from '../db/db';
import { createLabel, deleteLabel, LabelInputError, restoreLabel, updateLabel, type LabelPatch, type NewLabel } from '../db/labels';
import type { LabelRow } from '../db/types';
import type { StorageServices } from '../storage/services';

/** Input mistakes keep their message; database failures (a full disk) get a plain sentence. */
async function plain<T>(doing: string, f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (e) {
    if (e instanceof LabelInputError) throw e;
    throw new Error(storageErrorMessage(e, doing), { cause: e });
  }
}

export async function createWithUndo(s: Pick<StorageServices, 'db' | 'undo'>, input: NewLabel): Promise<LabelRow> {
  const row = await plain('save the label', () => createLabel(s.db, input));
  const name = LABEL_NAMES[row.label];
  s.undo.push({ message: `Label "${name}" saved.`, undoneMessage: `Label "${name}" removed again.`, undo: () => restoreLabel(s.db, row.id, null, input.author) });
  return row;
}

export async function editWithUndo(s: Pick<StorageServices, 'db' | 'undo'>, id: string, patch: LabelPatch, actor: string): Promise<void> {
  const { before } = await plain('change the label', () => updateLabel(s.db, id, patch, actor));
  s.undo.push({ message: 'Label changed.', undoneMessage: `Label change undone: it is "${LABEL_NAMES[before.label]}" again.`, undo: () => restoreLabel(s.db, id, before, actor) });
}

export async function deleteWithUndo(s: Pick<StorageServices, 'db' | 'undo'>, id: string, actor: string): Promise<void> {
  const before = await plain('delete the label', () => deleteLabel(s.db, id, actor));
  const name = LABEL_NAMES[before.label];
  s.undo.push({ message: `Label "${name}" deleted.`, undoneMessage: `Label "${name}" restored.`, undo: () => restoreLabel(s.db, id, before, actor) });
}
