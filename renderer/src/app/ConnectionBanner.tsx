import type { VigilClient } from '../api/types';
import { useConnection } from './hooks';

/** Shown while the browser-mode link to the host is down; Electron's IPC link is never down. */
export function ConnectionBanner({ client }: { client: VigilClient }) {
  const status = useConnection(client);
  if (status.state !== 'reconnecting') return null;
  return (
    <div className="banner banner-warn" role="status" data-testid="connection-banner">
      <strong>Lost connection to the Vigil host — reconnecting…</strong>
      <p>What you see below is the last known state, not live data.</p>
      {status.problem && <p>{status.problem}</p>}
    </div>
  );
}
