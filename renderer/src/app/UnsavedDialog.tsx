/** Asked before leaving a page with an unsaved label (app/unsaved.ts): keep editing, or discard and leave. */
import { useEffect, useRef } from 'react';
import { t } from '../i18n';
import { unsaved } from './unsaved';

export function UnsavedDialog({ onKeep, onLeave }: { onKeep(): void; onLeave(): void }) {
  const keepRef = useRef<HTMLButtonElement>(null);
  useEffect(() => keepRef.current?.focus(), []);
  const what = unsaved.pending.map((w) => w.what);
  return (
    <div className="modal-backdrop" role="presentation">
      <div
        className="modal unsaved-dialog"
        role="alertdialog"
        aria-modal="true"
        aria-labelledby="unsaved-title"
        data-testid="unsaved-dialog"
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            e.stopPropagation();
            onKeep();
          }
        }}
      >
        <h3 id="unsaved-title">{t('app.unsaved.title')}</h3>
        <p>{t('app.unsaved.body', { what: what.join('; ') })}</p>
        <div className="modal-foot">
          <button type="button" className="primary" ref={keepRef} data-testid="unsaved-keep" onClick={onKeep}>
            {t('app.unsaved.keep')}
          </button>
          <button type="button" data-testid="unsaved-discard" onClick={onLeave}>
            {t('app.unsaved.discard')}
          </button>
        </div>
      </div>
    </div>
  );
}
