import type { VigilClient } from '../api/types';
import { t } from '../i18n';
import { useConnection } from './hooks';

/** Shown while the browser-mode link to the host is down; Electron's IPC link is never down. */
export function ConnectionBanner({ client }: { client: VigilClient }) {
  const status = useConnection(client);
  if (status.state !== 'reconnecting') return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="connection-banner">
      <strong>{t('app.connLost')}</strong>
      <p>{t('app.connStale')}</p>
      {status.problem && <p>{status.problem}</p>}
    </div>
  );
}
