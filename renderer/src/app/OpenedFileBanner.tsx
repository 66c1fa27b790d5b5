/** Shown on every page while an opened file is read, or when one was not opened (and why). */
import { useSyncExternalStore } from 'react';
import { openedFileInbox, type OpenedFileInbox } from './openedFiles';

export function OpenedFileBanner({ inbox = openedFileInbox }: { inbox?: OpenedFileInbox }) {
  const s = useSyncExternalStore(
    (cb) => inbox.subscribe(cb),
    () => inbox.status,
  );
  if (!s) return null;
  return (
    <div className={s.error ? 'banner banner-err' : 'banner banner-info'} role={s.error ? 'alert' : 'status'} data-testid="opened-file-status">
      <p>{s.text}</p>
      {s.error && (
        <button type="button" onClick={() => inbox.setStatus(null)}>
          Dismiss
        </button>
      )}
    </div>
  );
}
