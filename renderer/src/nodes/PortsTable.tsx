import { useCallback } from 'react';
import type { PortInfo } from '../../../main/api/contract';
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
    </section>
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
