import { useCallback, useState, type FormEvent } from 'react';
import type { PortInfo } from '../../../models/api/contract';
import { useAction, usePorts } from '../app/hooks';
import type { VigilClient } from '../api/types';

export function PortsTable({ client, connectedPaths }: { client: VigilClient; connectedPaths: ReadonlySet<string> }) {
  const ports = usePorts(client, [...connectedPaths].sort().join('\n'));
  return (
    <section className="panel" aria-labelledby="ports-title">
      <div className="panel-head">
        <h3 id="ports-title">Serial ports</h3>
        <button type="button" onClick={ports.refresh} disabled={ports.loading}>
          {ports.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {ports.error && (
        <p className="error" role="alert">
          {ports.error}
        </p>
      )}
      {ports.ports === null ? (
        !ports.error && <p className="muted">Looking for serial ports…</p>
      ) : ports.ports.length === 0 ? (
        <p className="empty">
          No serial ports found. Plug the node's USB cable in, then press Refresh.
        </p>
      ) : (
        <table className="ports">
          <thead>
            <tr>
              <th scope="col">Path</th>
              <th scope="col">Manufacturer</th>
              <th scope="col">Serial no.</th>
              <th scope="col">
                <span className="visually-hidden">Action</span>
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
      <label htmlFor="connect-path-input">Port not listed? Connect by path</label>
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
        {action.busy ? 'Connecting…' : 'Connect'}
      </button>
      {action.error && (
        <p className="error" role="alert">
          Could not connect to {path.trim()}: {action.error}
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
          {port.demo && <span className="badge demo">Demo</span>}
        </td>
        <td>{port.manufacturer ?? <span className="muted">—</span>}</td>
        <td className="mono">{port.serialNumber ?? <span className="muted">—</span>}</td>
        <td className="actions">
          {connected ? (
            <span className="muted">Connected</span>
          ) : (
            <button type="button" onClick={() => action.start()} disabled={action.busy}>
              {action.busy ? 'Connecting…' : 'Connect'}
            </button>
          )}
        </td>
      </tr>
      {action.error && (
        <tr className="row-error">
          <td colSpan={4}>
            <p className="error" role="alert">
              Could not connect to {port.path}: {action.error}
            </p>
          </td>
        </tr>
      )}
    </>
  );
}
