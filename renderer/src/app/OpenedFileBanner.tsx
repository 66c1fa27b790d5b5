/** Shown on every page while an opened file is read or waits for its page, or when one was not opened (and why). */
import { useSyncExternalStore } from 'react';
import { t } from '../i18n';
import { openedFileInbox, type OpenedFileInbox } from './openedFiles';

export function OpenedFileBanner({ inbox = openedFileInbox }: { inbox?: OpenedFileInbox }) {
  const lines = useSyncExternalStore(
    (cb) => inbox.subscribe(cb),
    () => inbox.statuses,
  );
  return (
    <>
      {lines.map((s) => (
        <div key={s.id} className={s.error ? 'banner banner-err' : 'banner banner-info'} role={s.error ? 'alert' : 'status'} data-testid="opened-file-status">
          <p>{s.text}</p>
          {s.error && (
            <button type="button" onClick={() => inbox.setStatus(s.id, null)}>
              {t('files.dismiss')}
            </button>
          )}
        </div>
      ))}
    </>
  );
}
