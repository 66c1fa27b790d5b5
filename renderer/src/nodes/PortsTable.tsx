import { useCallback, useState, type FormEvent } from 'react';
import type { PortInfo } from '../../../models/api/contract';
import { useAction, usePorts } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { t } from '../i18n';

export function PortsTable({ client, connectedPaths }: { client: VigilClient; connectedPaths: ReadonlySet<string> }) {
  const ports = usePorts(client, [...connectedPaths].sort().join('\n'));
  return (
    <section className="panel" aria-labelledby="ports-title">
      <div className="panel-head">
        <h3 id="ports-title">{t('nodes.ports.title')}</h3>
        <button type="button" onClick={ports.refresh} disabled={ports.loading}>
          {ports.loading ? t('common.refreshing') : t('common.refresh')}
        </button>
      </div>
      {ports.error && (
        <p className="error" role="alert">
          {ports.error}
        </p>
      )}
      {ports.ports === null ? (
        !ports.error && <p className="muted">{t('nodes.ports.looking')}</p>
      ) : ports.ports.length === 0 ? (
        <p className="empty">
          {t('nodes.ports.none')}
        </p>
      ) : (
        <table className="ports">
          <thead>
            <tr>
              <th scope="col">{t('nodes.ports.path')}</th>
              <th scope="col">{t('nodes.ports.manufacturer')}</th>
              <th scope="col">{t('nodes.ports.serial')}</th>
              <th scope="col">
                <span className="visually-hidden">{t('nodes.ports.action')}</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {ports.ports.map((p) => (
              <PortRow key={p.path} client={client} port={p} connected={connectedPaths.has(p.path)} />
            ))}
          </tbody>
        </table>
      )}
      <ConnectByPath client={client} />
    </section>
  );
}

/**
 * Ports the OS does not enumerate (a pseudo-terminal from socat or QEMU, a virtual node started by
 * hand) are connected by typing their path; main/ validates it.
 */
function ConnectByPath({ client }: { client: VigilClient }) {
  const [path, setPath] = useState('');
  const run = useCallback(() => client.invoke('nodes.connect', { path: path.trim() }), [client, path]);
  const action = useAction(run);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (path.trim()) action.start();
  };
  return (
    <form className="connect-path" onSubmit={submit}>
      <label htmlFor="connect-path-input">{t('nodes.ports.byPath')}</label>
      <input
        id="connect-path-input"
        data-testid="connect-path"
        className="mono"
        placeholder="/dev/pts/3"
        value={path}
        onChange={(e) => setPath(e.target.value)}
        spellCheck={false}
      />
      <button type="submit" disabled={action.busy || !path.trim()}>
        {action.busy ? t('common.connecting') : t('common.connect')}
      </button>
      {action.error && (
        <p className="error" role="alert">
          {t('nodes.ports.failed', { path: path.trim(), error: action.error })}
        </p>
      )}
    </form>
  );
}

function PortRow({ client, port, connected }: { client: VigilClient; port: PortInfo; connected: boolean }) {
  const run = useCallback(() => client.invoke('nodes.connect', { path: port.path }), [client, port.path]);
  const action = useAction(run);
  return (
    <>
      <tr>
        <td className="mono">
          {port.path}
          {port.demo && <span className="badge demo">{t('common.demo')}</span>}
        </td>
        <td translate="no">{port.manufacturer ?? <span className="muted">—</span>}</td>
        <td className="mono">{port.serialNumber ?? <span className="muted">—</span>}</td>
        <td className="actions">
          {connected ? (
            <span className="muted">{t('nodes.ports.connected')}</span>
          ) : (
            <button type="button" onClick={() => action.start()} disabled={action.busy}>
              {action.busy ? t('common.connecting') : t('common.connect')}
            </button>
          )}
        </td>
      </tr>
      {action.error && (
        <tr className="row-error">
          <td colSpan={4}>
            <p className="error" role="alert">
              {t('nodes.ports.failed', { path: port.path, error: action.error })}
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
