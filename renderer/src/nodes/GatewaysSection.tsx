import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { GatewayInfo } from '../../../models/api/contract';
import { useAction } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { t } from '../i18n';

/**
 * The plant gateways' brokers this workstation subscribes to (docs/gateway.md, "Workstations"):
 * add one (URL, CA file, user, password, group), see its state, remove it. Main keeps the entries
 * and never sends a password back. The list is asked for once (and again when the link to main
 * comes back); then main tells each change (gateway.updated: connected, reconnecting, refused with
 * the reason, its nodes, its gap fill; gateway.removed). Its nodes come as node.updated like local ones.
 */
export function GatewaysSection({ client }: { client: VigilClient }) {
  const [list, setList] = useState<GatewayInfo[] | null>(null);
  const [url, setUrl] = useState('mqtts://');
  const [caPath, setCaPath] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [group, setGroup] = useState('plant');

  const refresh = useCallback(() => {
    client.invoke('gateways.list', {}).then(setList, () => {});
  }, [client]);
  useEffect(() => {
    refresh();
    const offUpdated = client.on('gateway.updated', (g) => setList((l) => upsertGateway(l, g)));
    const offRemoved = client.on('gateway.removed', ({ id }) => setList((l) => (l ? l.filter((x) => x.id !== id) : l)));
    // Events sent while the link to main was down are lost: ask again when it is back.
    const offLink = client.onConnection((c) => {
      if (c.state === 'open') refresh();
    });
    return () => {
      offUpdated();
      offRemoved();
      offLink();
    };
  }, [client, refresh]);

  const add = useAction(
    useCallback(
      async () => {
        const r = await client.invoke('gateways.add', { url: url.trim(), group: group.trim(), ...(caPath.trim() ? { caPath: caPath.trim() } : {}), ...(username ? { username } : {}), ...(password ? { password } : {}) });
        setPassword('');
        refresh();
        return r;
      },
      [client, url, caPath, username, password, group, refresh],
    ),
  );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void add.start();
  };

  return (
    <section className="panel gateways" aria-labelledby="gateways-title" data-testid="gateways-section">
      <h3 id="gateways-title">{t('nodes.gw.title')}</h3>
      <p className="muted small">{t('nodes.gw.intro')}</p>
      {list && list.length === 0 && <p className="empty">{t('nodes.gw.none')}</p>}
      {list && list.length > 0 && (
        <ul className="gateway-list">
          {list.map((g) => (
            <GatewayRow key={g.id} client={client} gateway={g} onRemoved={refresh} />
          ))}
        </ul>
      )}
      <form className="gateway-form" onSubmit={submit}>
        <label>
          {t('nodes.gw.url')}
          <input data-testid="gateway-url" className="mono" value={url} onChange={(e) => setUrl(e.target.value)} maxLength={512} required spellCheck={false} />
        </label>
        <label>
          {t('nodes.gw.ca')}
          <input data-testid="gateway-ca" className="mono" value={caPath} onChange={(e) => setCaPath(e.target.value)} maxLength={1024} spellCheck={false} placeholder="/etc/vigil/ca.crt" />
        </label>
        <label>
          {t('nodes.gw.user')}
          <input data-testid="gateway-user" value={username} onChange={(e) => setUsername(e.target.value)} maxLength={256} autoComplete="username" spellCheck={false} />
        </label>
        <label>
          {t('nodes.gw.password')}
          <input data-testid="gateway-password" type="password" value={password} onChange={(e) => setPassword(e.target.value)} maxLength={256} autoComplete="current-password" />
        </label>
        <label>
          {t('nodes.gw.group')}
          <input data-testid="gateway-group" value={group} onChange={(e) => setGroup(e.target.value)} maxLength={64} spellCheck={false} />
        </label>
        <button type="submit" className="primary" data-testid="gateway-add" disabled={add.busy}>
          {add.busy ? t('nodes.gw.adding') : t('nodes.gw.add')}
        </button>
      </form>
      {add.error && (
        <p className="error" role="alert">
          {t('nodes.gw.addFailed', { error: add.error })}
        </p>
      )}
    </section>
  );
}

/** The list with this entry's new state, added at the end when it is new. */
export function upsertGateway(list: GatewayInfo[] | null, g: GatewayInfo): GatewayInfo[] {
  const l = list ?? [];
  const i = l.findIndex((x) => x.id === g.id);
  return i < 0 ? [...l, g] : l.map((x, j) => (j === i ? g : x));
}

export function GatewayRow({ client, gateway: g, onRemoved }: { client: VigilClient; gateway: GatewayInfo; onRemoved: () => void }) {
  const remove = useAction(
    useCallback(async () => {
      await client.invoke('gateways.remove', { id: g.id });
      onRemoved();
    }, [client, g.id, onRemoved]),
  );
  const edges = g.edges.map((e) => (e.online ? e.edge : t('nodes.gw.edgeOffline', { edge: e.edge }))).join(', ');
  return (
    <li data-testid="gateway-row" data-state={g.state} data-url={g.url}>
      <span className="mono" translate="no">
        {g.url}
      </span>{' '}
      <span className="muted">
        {g.group}
        {g.username ? ` · ${t('nodes.gw.asUser', { user: g.username })}` : ''}
      </span>{' '}
      <span className={`badge status-${g.state === 'connected' ? 'online' : g.state === 'connecting' ? 'connecting' : 'offline'}`} data-testid="gateway-state">
        {t(`nodes.gw.state.${g.state}`)}
      </span>{' '}
      <span data-testid="gateway-nodes">{t('nodes.gw.nodes', { online: g.online, count: g.nodes })}</span>
      {edges && <span className="muted small"> · {t('nodes.gw.edges', { list: edges })}</span>}{' '}
      <button type="button" data-testid="gateway-remove" onClick={() => void remove.start()} disabled={remove.busy}>
        {remove.busy ? t('nodes.gw.removing') : t('nodes.gw.remove')}
      </button>
      {g.message && g.state !== 'connected' && (
        <p className="muted small" data-testid="gateway-message">
          {g.message}
        </p>
      )}
      {(g.gapFill.gaps > 0 || g.gapFill.seqGaps > 0) && (
        <p className="muted small" data-testid="gateway-gaps">
          {t('nodes.gw.gaps', { count: g.gapFill.missingWindows, filled: g.gapFill.filledWindows, lost: g.gapFill.lostWindows })}
          {g.gapFill.seqGaps > 0 ? ` · ${t('nodes.gw.seqGaps', { count: g.gapFill.seqGaps })}` : ''}
        </p>
      )}
      {remove.error && (
        <p className="error" role="alert">
          {t('nodes.gw.removeFailed', { error: remove.error })}
        </p>
      )}
    </li>
  );
}
