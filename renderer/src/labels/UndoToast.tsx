/** The newest label change, with Undo; and Ctrl+Z / Cmd+Z anywhere outside a text field. */
import { useEffect, useSyncExternalStore } from 'react';
import { useI18n } from '../i18n';
import { useStorage } from '../storage/services';

export function UndoToast() {
  const { undo } = useStorage();
  const toast = useSyncExternalStore(undo.subscribe, undo.toast);
  const { t } = useI18n();

  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (!(e.ctrlKey || e.metaKey) || e.shiftKey || e.altKey || e.key.toLowerCase() !== 'z') return;
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) return; // the field's own undo
      if (undo.size === 0) return;
      e.preventDefault();
      void undo.undoLast();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [undo]);

  if (!toast) return null;
  return (
    <div className={toast.error ? 'toast toast-err' : 'toast'} role="status" data-testid="toast">
      <span>{toast.message}</span>
      {toast.canUndo && (
        <button type="button" data-testid="undo" onClick={() => void undo.undoLast()}>
          {t('app.toast.undo')} <kbd>Ctrl+Z</kbd>
        </button>
      )}
      <button type="button" className="close" aria-label={t('app.toast.dismiss')} onClick={() => undo.dismiss()}>
        ×
      </button>
    </div>
  );
}
