/** Label changes from the UI, each pushing its undo onto the shared stack. */
import { labelName, t } from '../i18n';
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
  const row = await plain(t('storage.doing.saveLabel'), () => createLabel(s.db, input));
  const name = labelName(row.label);
  s.undo.push({ message: t('labels.toast.saved', { name }), undoneMessage: t('labels.toast.removed', { name }), undo: () => restoreLabel(s.db, row.id, null, input.author) });
  return row;
}

export async function editWithUndo(s: Pick<StorageServices, 'db' | 'undo'>, id: string, patch: LabelPatch, actor: string): Promise<void> {
  const { before } = await plain(t('storage.doing.changeLabel'), () => updateLabel(s.db, id, patch, actor));
  s.undo.push({ message: t('labels.toast.changed'), undoneMessage: t('labels.toast.changeUndone', { name: labelName(before.label) }), undo: () => restoreLabel(s.db, id, before, actor) });
}

export async function deleteWithUndo(s: Pick<StorageServices, 'db' | 'undo'>, id: string, actor: string): Promise<void> {
  const before = await plain(t('storage.doing.deleteLabel'), () => deleteLabel(s.db, id, actor));
  const name = labelName(before.label);
  s.undo.push({ message: t('labels.toast.deleted', { name }), undoneMessage: t('labels.toast.restored', { name }), undo: () => restoreLabel(s.db, id, before, actor) });
}
