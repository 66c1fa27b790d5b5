/**
 * The fleet at a glance: the asset tree (site → line → machine → measurement point) kept in
 * IndexedDB (`fleetItems`), each point with the node placed on it and one compact row of state.
 * The link counters stay on the Nodes page (a point links there).
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { BEARINGS, defectFactors, findBearing } from '../../../models/analysis/bearings';
import type { NodeInfo } from '../../../models/api/contract';
import { useAction, type NodesState } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { newId } from '../db/db';
import type { FleetBearing, FleetItemRow, FleetMachine, NodeRow } from '../db/types';
import { formatDateTime, formatFixed, formatNumber, formatTime } from '../format';
import { t } from '../i18n';
import { say, sayError } from '../msg';
import { bearingWords } from '../analysis/settings';
import type { LinkStore } from '../live/linkStore';
import { useLiveQuery, useStorage } from '../storage/services';
import { pointState, worstState, type PointState } from './machineState';

const DEFAULT_MACHINE: FleetMachine = { group: 2, foundation: 'rigid', shaftHz: 0, bearing: null };

/** A node the tree can place: connected now, known from stored recordings, or both. */
interface KnownNode {
  uid: string;
  name: string;
  info?: NodeInfo;
  stored?: NodeRow;
}

function useKnownNodes(nodes: NodesState, stored: NodeRow[]): Map<string, KnownNode> {
  return useMemo(() => {
    const m = new Map<string, KnownNode>();
    for (const s of stored) if (s.kind === 'node') m.set(s.id, { uid: s.id, name: s.name, stored: s });
    for (const n of nodes.nodes) {
      const uid = n.hello?.uid;
      if (!uid) continue;
      m.set(uid, { uid, name: n.hello!.name || uid, info: n, stored: m.get(uid)?.stored });
    }
    return m;
  }, [nodes.nodes, stored]);
}

/** Re-renders once a second, so the rows follow the latest features without React per frame. */
function useTick(ms = 1000): void {
  const [, set] = useState(0);
  useEffect(() => {
    const id = setInterval(() => set((x) => x + 1), ms);
    return () => clearInterval(id);
  }, [ms]);
}

function stateOf(node: KnownNode | undefined, extras: LinkStore, m: FleetMachine): PointState | null {
  if (!node) return null;
  const x = node.info ? extras.get(node.info.path) : undefined;
  return pointState({
    status: node.info?.status ?? null,
    latest: x?.latest,
    ...(node.info?.condition ? { condition: node.info.condition } : {}),
    helloDetector: node.info?.hello?.info?.detector,
    helloModelVersion: node.info?.hello?.info?.modelVersion,
    group: m.group,
    foundation: m.foundation,
  });
}

function stateWords(s: PointState): string {
  return s.kind === 'learning' ? t('fleet.state.learning', { percent: s.learnPercent ?? 0 }) : t(`fleet.state.${s.kind}`);
}

function StateBadge({ state, testId }: { state: PointState | null; testId: string }) {
  if (!state) {
    return (
      <span className="fleet-state tone-idle" data-testid={testId} data-kind="unplaced">
        {t('fleet.state.unplaced')}
      </span>
    );
  }
  return (
    <span className={`fleet-state tone-${state.tone}`} data-testid={testId} data-kind={state.kind}>
      {stateWords(state)}
    </span>
  );
}

/** The time alone when it is today, else date and time. */
function when(ms: number): string {
  return new Date(ms).toDateString() === new Date().toDateString() ? formatTime(ms) : formatDateTime(ms);
}

function lastSeen(node: KnownNode, extras: LinkStore): string {
  const info = node.info;
  // When main last heard the node, whichever page was open then.
  if (info?.condition?.lastSeenMs) return t('fleet.point.lastSeen', { time: when(info.condition.lastSeenMs) });
  if (info?.status === 'online') {
    const fr = extras.get(info.path).latest;
    if (fr && info.time) return t('fleet.point.lastSeen', { time: when((fr.tUs + info.time.offsetUs) / 1000) });
    return t('fleet.point.seenNow');
  }
  return node.stored ? t('fleet.point.lastSeen', { time: when(node.stored.updatedMs) }) : t('fleet.point.neverSeen');
}

function AddForm({ label, testId, onAdd }: { label: string; testId: string; onAdd: (name: string) => void }) {
  const [name, setName] = useState('');
  return (
    <form
      className="fleet-add"
      onSubmit={(e) => {
        e.preventDefault();
        if (name.trim() === '') return;
        onAdd(name.trim());
        setName('');
      }}
    >
      <input aria-label={label} placeholder={label} value={name} onChange={(e) => setName(e.target.value)} data-testid={`${testId}-name`} />
      <button type="submit" disabled={name.trim() === ''} data-testid={`${testId}-add`}>
        {t('fleet.add')}
      </button>
    </form>
  );
}

function bearingName(b: FleetBearing): string {
  if (!b) return t('fleet.machine.bearingUnset');
  if (b.kind === 'table') return bearingWords(b.id) ?? b.id;
  return t('fleet.machine.bearingGeometry').replace(/…$/, '');
}

interface MachineDraft {
  group: '1' | '2';
  foundation: 'rigid' | 'flexible';
  rpm: string;
  bearing: string; // '' none, a table id, or 'geometry'
  balls: string;
  ballDiameter: string;
  pitchDiameter: string;
  contactAngleDeg: string;
}

function draftOf(m: FleetMachine): MachineDraft {
  const g = m.bearing?.kind === 'geometry' ? m.bearing : null;
  return {
    group: String(m.group) as '1' | '2',
    foundation: m.foundation,
    rpm: m.shaftHz > 0 ? String(Number((m.shaftHz * 60).toPrecision(6))) : '',
    bearing: m.bearing === null ? '' : m.bearing.kind === 'table' ? m.bearing.id : 'geometry',
    balls: g ? String(g.balls) : '',
    ballDiameter: g ? String(g.ballDiameter) : '',
    pitchDiameter: g ? String(g.pitchDiameter) : '',
    contactAngleDeg: g ? String(g.contactAngleDeg) : '0',
  };
}

/** The draft as machine data, or the words of what is wrong. */
function machineOf(d: MachineDraft): FleetMachine | string {
  const rpm = d.rpm.trim() === '' ? 0 : Number(d.rpm);
  if (!(rpm === 0 || (rpm >= 6 && rpm <= 60000))) return t('fleet.machine.badSpeed');
  let bearing: FleetBearing = null;
  if (d.bearing === 'geometry') {
    const g = { balls: Number(d.balls), ballDiameter: Number(d.ballDiameter), pitchDiameter: Number(d.pitchDiameter), contactAngleDeg: Number(d.contactAngleDeg || 0) };
    try {
      defectFactors(g);
    } catch (e) {
      return t('fleet.machine.badGeometry', { why: sayError(e) });
    }
    bearing = { kind: 'geometry', ...g };
  } else if (d.bearing !== '') bearing = { kind: 'table', id: d.bearing };
  return { group: d.group === '1' ? 1 : 2, foundation: d.foundation, shaftHz: rpm / 60, bearing };
}

function MachineForm({ item, onSave, onSend }: { item: FleetItemRow; onSave: (m: FleetMachine) => Promise<void>; onSend: (shaftHz: number) => Promise<number> }) {
  const m = item.machine ?? DEFAULT_MACHINE;
  const [d, setD] = useState<MachineDraft>(() => draftOf(m));
  const [msg, setMsg] = useState<{ error: boolean; text: string } | null>(null);
  const set = (p: Partial<MachineDraft>) => {
    setD((o) => ({ ...o, ...p }));
    setMsg(null);
  };
  const parsed = machineOf(d);
  const send = useAction(onSend);
  const factors = d.bearing === 'geometry' ? (typeof parsed === 'string' || parsed.bearing?.kind !== 'geometry' ? null : defectFactors(parsed.bearing)) : d.bearing ? findBearing(d.bearing)?.factors : null;
  const p = `machine-${item.id}`;
  return (
    <details className="fleet-machine-form">
      <summary data-testid={`${p}-edit`}>{t('fleet.machine.edit')}</summary>
      <form
        onSubmit={async (e) => {
          e.preventDefault();
          if (typeof parsed === 'string') return setMsg({ error: true, text: parsed });
          await onSave(parsed);
          setMsg({ error: false, text: t('fleet.machine.saved') });
        }}
      >
        <div className="fleet-fields">
          <label>
            {t('fleet.machine.group')}
            <select value={d.group} onChange={(e) => set({ group: e.target.value as '1' | '2' })} data-testid={`${p}-group`}>
              <option value="1">{t('fleet.machine.group1')}</option>
              <option value="2">{t('fleet.machine.group2')}</option>
            </select>
          </label>
          <label>
            {t('fleet.machine.foundation')}
            <select value={d.foundation} onChange={(e) => set({ foundation: e.target.value as 'rigid' | 'flexible' })} data-testid={`${p}-foundation`}>
              <option value="rigid">{t('fleet.machine.rigid')}</option>
              <option value="flexible">{t('fleet.machine.flexible')}</option>
            </select>
          </label>
          <label>
            {t('fleet.machine.speed')}
            <input type="number" min={0} max={60000} step="any" value={d.rpm} onChange={(e) => set({ rpm: e.target.value })} data-testid={`${p}-rpm`} />
          </label>
          <label>
            {t('fleet.machine.bearing')}
            <select value={d.bearing} onChange={(e) => set({ bearing: e.target.value })} data-testid={`${p}-bearing`}>
              <option value="">{t('fleet.machine.bearingNone')}</option>
              {BEARINGS.map((b) => (
                <option key={b.id} value={b.id}>
                  {say(b.words)}
                </option>
              ))}
              <option value="geometry">{t('fleet.machine.bearingGeometry')}</option>
            </select>
          </label>
          {d.bearing === 'geometry' && (
            <>
              <label>
                {t('fleet.machine.balls')}
                <input type="number" min={3} max={200} step={1} value={d.balls} onChange={(e) => set({ balls: e.target.value })} data-testid={`${p}-balls`} />
              </label>
              <label>
                {t('fleet.machine.ballDiameter')}
                <input type="number" min={0} step="any" value={d.ballDiameter} onChange={(e) => set({ ballDiameter: e.target.value })} data-testid={`${p}-ball-d`} />
              </label>
              <label>
                {t('fleet.machine.pitchDiameter')}
                <input type="number" min={0} step="any" value={d.pitchDiameter} onChange={(e) => set({ pitchDiameter: e.target.value })} data-testid={`${p}-pitch-d`} />
              </label>
              <label>
                {t('fleet.machine.contactAngle')}
                <input type="number" min={0} max={89} step="any" value={d.contactAngleDeg} onChange={(e) => set({ contactAngleDeg: e.target.value })} data-testid={`${p}-angle`} />
              </label>
            </>
          )}
        </div>
        {factors && (
          <p className="muted small" data-testid={`${p}-factors`}>
            {t('fleet.machine.factors', { bpfo: formatFixed(factors.bpfo, 3), bpfi: formatFixed(factors.bpfi, 3), bsf: formatFixed(factors.bsf, 3), ftf: formatFixed(factors.ftf, 4) })}
          </p>
        )}
        <div className="fleet-actions">
          <button type="submit" data-testid={`${p}-save`}>
            {t('fleet.machine.save')}
          </button>
          <button
            type="button"
            title={t('fleet.machine.sendSpeedTitle')}
            disabled={send.busy || !(m.shaftHz > 0)}
            onClick={async () => {
              const n = await send.start(m.shaftHz);
              if (n !== undefined) setMsg({ error: false, text: n === 0 ? t('fleet.machine.sentNone') : t('fleet.machine.sent', { count: n }) });
            }}
            data-testid={`${p}-send-speed`}
          >
            {t('fleet.machine.sendSpeed')}
          </button>
          {msg && (
            <span className={msg.error ? 'error' : 'muted'} role={msg.error ? 'alert' : 'status'}>
              {msg.text}
            </span>
          )}
          {send.error && (
            <span className="error" role="alert">
              {send.error}
            </span>
          )}
        </div>
      </form>
    </details>
  );
}

function PointRow({ item, machine, known, extras, placed, onPlace, onRemove }: { item: FleetItemRow; machine: FleetMachine; known: Map<string, KnownNode>; extras: LinkStore; placed: Set<string>; onPlace: (uid: string | null) => void; onRemove: () => void }) {
  const node = item.nodeId ? known.get(item.nodeId) : undefined;
  // A placed node nobody knows any more (its stored data deleted) still reads as offline.
  const state = item.nodeId ? stateOf(node ?? { uid: item.nodeId, name: item.nodeId }, extras, machine) : null;
  const hello = node?.info?.hello;
  const modelVersion = hello?.info?.modelVersion;
  const choices = [...known.values()].filter((k) => k.uid === item.nodeId || !placed.has(k.uid)).sort((a, b) => a.name.localeCompare(b.name));
  return (
    <li className="fleet-point" data-testid="fleet-point" data-name={item.name}>
      <span className="fleet-point-name" translate="no">
        {item.name}
      </span>
      <select aria-label={t('fleet.point.place')} value={item.nodeId ?? ''} onChange={(e) => onPlace(e.target.value || null)} data-testid="fleet-point-node">
        <option value="">{t('fleet.point.noNode')}</option>
        {item.nodeId && !node && <option value={item.nodeId}>{item.nodeId}</option>}
        {choices.map((k) => (
          <option key={k.uid} value={k.uid}>
            {k.info ? k.name : t('fleet.point.storedOnly', { name: k.name })}
          </option>
        ))}
      </select>
      {state ? <StateBadge state={state} testId="fleet-point-state" /> : <span />}
      {!state?.zone ? (
        <span />
      ) : (
        <span className={`zone zone-${state.zone}`} title={t('fleet.zoneTitle')} data-testid="fleet-point-zone">
          {t(`fleet.zone.${state.zone}`)} · {t('fleet.velocity', { v: formatNumber(state.velocityMmS ?? 0, 2, 2) })}
        </span>
      )}
      <span className="muted small fleet-meta" data-testid="fleet-point-meta">
        {node && [lastSeen(node, extras), hello ? t('fleet.point.firmware', { fw: hello.firmware, protocol: `1.${hello.info?.protocolMinor ?? 0}` }) : node.stored?.firmware ? t('fleet.point.firmwareOnly', { fw: node.stored.firmware }) : t('fleet.point.firmwareUnknown'), modelVersion === undefined ? null : modelVersion > 0 ? t('fleet.point.model', { version: modelVersion }) : t('fleet.point.noModelVersion')].filter(Boolean).join(' · ')}
      </span>
      <span className="fleet-links small">
        {item.nodeId && (
          <a href={`#/live/${encodeURIComponent(item.nodeId)}`} data-testid="fleet-point-analysis" title={t('fleet.point.analysisTitle')}>
            {t('fleet.point.analysis')}
          </a>
        )}
        {node?.info && (
          <a href="#/nodes" title={t('fleet.point.detailsTitle')}>
            {t('fleet.point.details')}
          </a>
        )}
      </span>
      <button type="button" className="link-button small" onClick={onRemove}>
        {t('fleet.remove')}
      </button>
      {state?.alarmActive && (state.zone === 'A' || state.zone === 'B') && (
        <p className="fleet-note" role="note">
          {t('fleet.alarmInZone', { zone: t(`fleet.zone.${state.zone}`) })}
        </p>
      )}
    </li>
  );
}

export function FleetPage({ client, nodes, extras }: { client: VigilClient; nodes: NodesState; extras: LinkStore }) {
  const { db } = useStorage();
  useTick();
  const items = useLiveQuery(() => db.fleetItems.orderBy('updatedMs').toArray(), [db], [] as FleetItemRow[]);
  const stored = useLiveQuery(() => db.nodes.toArray(), [db], [] as NodeRow[]);
  const known = useKnownNodes(nodes, stored.value);

  const byParent = useMemo(() => {
    const m = new Map<string | null, FleetItemRow[]>();
    for (const it of [...items.value].sort((a, b) => a.createdMs - b.createdMs)) {
      const list = m.get(it.parentId) ?? [];
      list.push(it);
      m.set(it.parentId, list);
    }
    return m;
  }, [items.value]);
  const placed = useMemo(() => new Set(items.value.filter((i) => i.kind === 'point' && i.nodeId).map((i) => i.nodeId!)), [items.value]);
  const children = (id: string | null) => byParent.get(id) ?? [];

  const add = useCallback(
    async (kind: FleetItemRow['kind'], parentId: string | null, name: string) => {
      const now = Date.now();
      await db.fleetItems.add({ id: newId(), kind, parentId, name, nodeId: null, ...(kind === 'machine' ? { machine: DEFAULT_MACHINE } : {}), createdMs: now, updatedMs: now });
    },
    [db],
  );
  const update = useCallback((id: string, changes: Partial<FleetItemRow>) => db.fleetItems.update(id, { ...changes, updatedMs: Date.now() }).then(() => undefined), [db]);
  const remove = useCallback(
    async (item: FleetItemRow) => {
      if (!window.confirm(t('fleet.removeConfirm', { name: item.name }))) return;
      const ids: string[] = [];
      const walk = (id: string) => {
        ids.push(id);
        for (const c of byParent.get(id) ?? []) walk(c.id);
      };
      walk(item.id);
      await db.fleetItems.bulkDelete(ids);
    },
    [db, byParent],
  );
  const sendSpeed = useCallback(
    async (machineId: string, shaftHz: number) => {
      let n = 0;
      for (const p of byParent.get(machineId) ?? []) {
        const info = p.nodeId ? known.get(p.nodeId)?.info : undefined;
        // A gateway's node takes the change signed with its pairing key: skipped where this workstation holds none (docs/gateway.md, "Commands").
        if (info?.status !== 'online' || (info.link === 'gateway' && !info.hello?.info?.keyKnown)) continue;
        await client.invoke('nodes.config.set', { path: info.path, changes: { shaftHz } });
        n++;
      }
      return n;
    },
    [byParent, known, client],
  );

  const unplaced = [...known.values()].filter((k) => !placed.has(k.uid));

  return (
    <div className="page fleet-page" data-testid="fleet-page">
      <div className="page-head">
        <h2>{t('fleet.title')}</h2>
      </div>
      <p className="muted">{t('fleet.intro')}</p>
      {items.error && (
        <p className="error" role="alert">
          {items.error}
        </p>
      )}
      {!items.loaded ? (
        <p className="muted">{t('fleet.loading')}</p>
      ) : children(null).length === 0 ? (
        <p className="empty">{t('fleet.empty')}</p>
      ) : null}
      {children(null).map((site) => (
        <section key={site.id} className="panel fleet-site" data-testid="fleet-site" data-name={site.name}>
          <div className="panel-head">
            <h3>
              <span className="fleet-kind">{t('fleet.kind.site')}</span> <span translate="no">{site.name}</span>
            </h3>
            <button type="button" className="link-button small" onClick={() => remove(site)}>
              {t('fleet.remove')}
            </button>
          </div>
          {children(site.id).map((line) => (
            <div key={line.id} className="fleet-line" data-testid="fleet-line" data-name={line.name}>
              <h4>
                <span className="fleet-kind">{t('fleet.kind.line')}</span> <span translate="no">{line.name}</span>
                <button type="button" className="link-button small" onClick={() => remove(line)}>
                  {t('fleet.remove')}
                </button>
              </h4>
              {children(line.id).map((machine) => {
                const m = machine.machine ?? DEFAULT_MACHINE;
                const points = children(machine.id);
                const states = points.map((p) => (p.nodeId ? stateOf(known.get(p.nodeId) ?? { uid: p.nodeId, name: p.nodeId }, extras, m) : null)).filter((s): s is PointState => s !== null);
                const worst = worstState(states);
                return (
                  <div key={machine.id} className={`fleet-machine tone-edge-${worst?.tone ?? 'idle'}`} data-testid="fleet-machine" data-name={machine.name}>
                    <div className="fleet-machine-head">
                      <strong translate="no">{machine.name}</strong>
                      <StateBadge state={worst} testId="fleet-machine-state" />
                      <span className="muted small" data-testid="fleet-machine-summary">
                        {t('fleet.machine.summary', {
                          group: m.group,
                          foundation: t(`fleet.machine.${m.foundation}`).toLowerCase(),
                          speed: m.shaftHz > 0 ? `${formatNumber(m.shaftHz * 60, 0)} rpm` : t('fleet.machine.speedUnknown'),
                          bearing: bearingName(m.bearing),
                        })}
                      </span>
                      <button type="button" className="link-button small" onClick={() => remove(machine)}>
                        {t('fleet.remove')}
                      </button>
                    </div>
                    <MachineForm item={machine} onSave={(mm) => update(machine.id, { machine: mm })} onSend={(hz) => sendSpeed(machine.id, hz)} />
                    <ul className="fleet-points">
                      {points.map((p) => (
                        <PointRow key={p.id} item={p} machine={m} known={known} extras={extras} placed={placed} onPlace={(uid) => void update(p.id, { nodeId: uid })} onRemove={() => void remove(p)} />
                      ))}
                    </ul>
                    <AddForm label={t('fleet.pointName')} testId={`add-point-${machine.name}`} onAdd={(name) => void add('point', machine.id, name)} />
                  </div>
                );
              })}
              <AddForm label={t('fleet.machineName')} testId={`add-machine-${line.name}`} onAdd={(name) => void add('machine', line.id, name)} />
            </div>
          ))}
          <AddForm label={t('fleet.lineName')} testId={`add-line-${site.name}`} onAdd={(name) => void add('line', site.id, name)} />
        </section>
      ))}
      <section className="panel">
        <AddForm label={t('fleet.siteName')} testId="add-site" onAdd={(name) => void add('site', null, name)} />
      </section>
      <section className="panel" data-testid="fleet-unplaced">
        <h3>{t('fleet.unplacedNodes')}</h3>
        {unplaced.length === 0 ? (
          <p className="muted">{t('fleet.unplacedNone')}</p>
        ) : (
          <ul className="fleet-unplaced">
            {unplaced.map((k) => (
              <li key={k.uid}>
                {k.info ? k.name : t('fleet.point.storedOnly', { name: k.name })}
              </li>
            ))}
          </ul>
        )}
      </section>
    </div>
  );
}
