import { useEffect, useRef, useState, useSyncExternalStore } from 'react';
import type { NodeInfo } from '../../../models/api/contract';
import { LABEL_COLOURS, type LabelKind } from '../../../models/dataset/labels';
import { labelName, t } from '../i18n';
import { detectorWords } from '../detectorWords';
import { queryLabels } from '../db/labels';
import type { LabelRow } from '../db/types';
import { createWithUndo } from '../labels/actions';
import type { Band } from '../labels/labelBands';
import { LabelForm } from '../labels/LabelForm';
import { useLiveQuery, useStorage } from '../storage/services';
import { DemoStarter } from '../app/DemoStarter';
import type { NodesState } from '../app/hooks';
import type { VigilClient } from '../api/types';
import { formatFixed, formatHz, nodeTitle } from '../format';
import { LinkBadge } from '../nodes/NodeCard';
import type { FeatureStore } from './featureStore';
import { alarmEntries, alarmForRange } from './alarms';
import { DataLossNote } from '../nodes/DataLossNote';
import { AlarmBadge, AlarmList, AxisTable, LiveHealthBadge, NodeLog, RawWaveform } from './LiveExtras';
import type { LinkStore } from './linkStore';
import { RmsChartView, axisColour } from './rmsChart';
import { NodeAnalysis } from './NodeAnalysis';
import type { TrendStore } from './trendStore';

/**
 * #/live/<uid> of a node the host does not know now (not connected since the app started, e.g.
 * opened from the Fleet page): its recorded trends, from the node's stored row; else the way back.
 */
function StoredNodeAnalysis({ id, trends, extras }: { id: string; trends: TrendStore; extras: LinkStore }) {
  const { db } = useStorage();
  const row = useLiveQuery(() => db.nodes.get(id), [db, id], undefined);
  const r = row.value;
  if (!row.loaded) return null;
  if (!r || r.kind !== 'node') {
    return (
      <section className="panel">
        <p className="empty">{t('live.an.notConnected')}</p>
        <a href="#/live">{t('live.an.back')}</a>
      </section>
    );
  }
  const node = {
    path: `stored:${r.id}`,
    status: 'offline',
    message: t('live.an.storedOnly'),
    demo: false,
    link: 'serial',
    hello: { uid: r.id, name: r.name, board: 'unknown', firmware: r.firmware, protocolVersion: 1, axisCount: r.channels.length, windowLen: 1024, hop: 512, sampleRateHz: r.sampleRateHz, channels: r.channels },
  } as NodeInfo;
  return (
    <>
      <p className="muted small" data-testid="an-stored-only">
        {t('live.an.storedOnly')}
      </p>
      <NodeAnalysis key={node.path} node={node} trends={trends} extras={extras} />
    </>
  );
}

export function LivePage({ client, nodes, store, extras, trends, id }: { client: VigilClient; nodes: NodesState; store: FeatureStore; extras: LinkStore; trends: TrendStore; id: string | null }) {
  // A node whose link is down stays on the page, marked, so its trend and the gap remain in view.
  const online = nodes.nodes.filter((n) => n.status === 'online' || n.status === 'reconnecting');
  if (id !== null) {
    // #/live/<node uid>: one node's analysis (the uid outlives a reconnect on another port).
    const node = nodes.nodes.find((n) => n.hello?.uid === id) ?? nodes.nodes.find((n) => n.path === id);
    return (
      <div data-testid="live-page" className="page">
        {node ? (
          <NodeAnalysis key={`${node.path}|${node.hello?.channels.join(',') ?? ''}`} node={node} trends={trends} extras={extras} />
        ) : (
          <StoredNodeAnalysis id={id} trends={trends} extras={extras} />
        )}
      </div>
    );
  }
  return (
    <div data-testid="live-page" className="page">
      <div className="page-head">
        <h2>{t('live.title')}</h2>
      </div>
      {nodes.error && (
        <p className="error" role="alert">
          {nodes.error}
        </p>
      )}
      {online.length === 0 ? (
        <section className="panel empty-live">
          <h3>{t('live.noneOnline')}</h3>
          <p className="empty">
            {t('live.explain1')} <a href="#/nodes">{t('live.nodesLink')}</a> {t('live.explain2')}
          </p>
          <DemoStarter client={client} />
        </section>
      ) : (
        online.map((n) => <LiveNodeCard key={`${n.path}|${n.hello?.channels.join(',') ?? ''}`} node={n} store={store} extras={extras} />)
      )}
    </div>
  );
}

function LiveNodeCard({ node, store, extras }: { node: NodeInfo; store: FeatureStore; extras: LinkStore }) {
  const services = useStorage();
  const { db, recorder } = services;
  const channels = node.hello?.channels ?? [];
  const nodeId = node.hello?.uid ?? '';
  const hostRef = useRef<HTMLDivElement>(null);
  const gapsRef = useRef<HTMLSpanElement>(null);
  const readoutRefs = useRef<HTMLElement[]>([]);
  const viewRef = useRef<RmsChartView | null>(null);
  // Labelling: the chart's x is node time in seconds; labels are stored in wall-clock ms.
  const [selection, setSelection] = useState<{ startS: number; endS: number } | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const labels = useLiveQuery(() => (nodeId ? queryLabels(db, { nodeId, fromMs: Date.now() - 3_600_000 }) : Promise.resolve([])), [db, nodeId], [] as LabelRow[]);
  const recState = useSyncExternalStore(
    (cb) => recorder.onState(cb),
    () => recorder.state,
  );
  // Read by the chart on every redraw: node time comes from the session being recorded right now.
  const labelsRef = useRef<LabelRow[]>([]);
  labelsRef.current = labels.value;
  const selectionRef = useRef(selection);
  selectionRef.current = selection;
  const nodeRef = useRef(node);
  nodeRef.current = node;
  const bands = (): Band[] => {
    const t0 = recorder.sessionOf(node.path)?.t0Ms;
    const out: Band[] =
      t0 === undefined ? [] : labelsRef.current.map((l) => ({ start: (l.startMs - t0) / 1000, end: (l.endMs - t0) / 1000, colour: LABEL_COLOURS[l.label], text: labelName(l.label) }));
    // The node's anomaly alarms (EVENT, and the one main holds), on the same node clock as the trend.
    const x = extras.get(node.path);
    const lastT = (x.latest?.tUs ?? 0) / 1e6;
    for (const e of alarmEntries(nodeRef.current, x.events)) {
      const start = e.startTUs / 1e6;
      const end = e.active ? Math.max(lastT, e.endTUs / 1e6) : e.endTUs / 1e6;
      out.push({ start, end, colour: '#b3261e', text: t(e.active ? 'live.alarmActive' : 'live.alarm', { id: e.eventId }) });
    }
    const sel = selectionRef.current;
    if (sel) out.push({ start: sel.startS, end: sel.endS, colour: '#0b5cad', text: t('live.newLabel'), pending: true });
    return out;
  };
  const bandsFn = useRef(bands);
  bandsFn.current = bands;

  const saveLabel = async (label: LabelKind, notes: string, author: string) => {
    const session = recorder.sessionOf(node.path);
    if (!selection || !session) {
      setError(t('live.notRecorded'));
      return;
    }
    setBusy(true);
    setError(null);
    try {
      // The alarm the range overlaps, if any: the label records its event, and the alarm shows its label.
      const x = extras.get(node.path);
      const alarm = alarmForRange(alarmEntries(node, x.events), selection.startS, selection.endS, (x.latest?.tUs ?? 0) / 1e6);
      const eventId = alarm ? recorder.alarmEventId(node.path, alarm) : null;
      // Store the features of the labelled range now, so the label never points at unstored data.
      await recorder.flush();
      await createWithUndo(services, { nodeId: session.nodeId, sessionId: session.id, eventId, startMs: session.t0Ms + selection.startS * 1000, endMs: session.t0Ms + selection.endS * 1000, label, notes, author });
      setSelection(null);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => {
    const view = new RmsChartView(
      { host: hostRef.current!, gaps: gapsRef.current!, readouts: readoutRefs.current.slice(0, channels.length) },
      channels,
      260,
      {
        bands: () => bandsFn.current(),
        onSelect: (a, b) => {
          setError(null);
          setSelection({ startS: a, endS: b });
        },
      },
      // The clock of the node's recording: the time axis reads local time.
      () => recorder.sessionOf(node.path)?.t0Ms ?? null,
    );
    viewRef.current = view;
    const existing = store.get(node.path);
    if (existing) view.update(existing);
    const off = store.subscribe(node.path, (s) => view.update(s));
    return () => {
      off();
      view.destroy();
      viewRef.current = null;
    };
    // The card is keyed on path and channels, so these never change for one mounted card.
  }, [store, node.path]);

  useEffect(() => {
    viewRef.current?.setLinkMissedWindows(node.stats.missedWindows);
  }, [node.stats.missedWindows]);

  const h = node.hello;
  return (
    <article className="panel live-card" data-testid="live-card" data-path={node.path}>
      <header className="live-head">
        <h3 translate="no">{nodeTitle(node)}</h3>
        <LiveHealthBadge node={node} store={extras} />
        <LinkBadge node={node} />
        {node.demo && <span className="badge demo">{t('common.demo')}</span>}
        <AlarmBadge node={node} />
        {nodeId && (
          <a className="button-link" href={`#/live/${encodeURIComponent(nodeId)}`} data-testid="open-node-analysis">
            {t('live.an.open')}
          </a>
        )}
        {h && (
          <span className="muted small">
            {h.board} · {formatHz(h.sampleRateHz)} · {t('live.headInfo', { window: h.windowLen, hop: h.hop })}
          </span>
        )}
        {h?.info && (
          <span className="badge model" data-testid="running-model" title={t('live.modelTitle')}>
            {detectorWords(node.condition?.detector ?? extras.get(node.path).latest?.detector ?? h.info.detector) ?? (h.info.modelSource === 'none' ? t('live.noModel') : t('live.model', { version: h.info.modelVersion, source: t(`common.modelSource.${h.info.modelSource}`) }))}
          </span>
        )}
        <span
          className={recState.kind === 'recording' ? 'badge rec' : 'badge rec stopped'}
          title={t(recState.kind === 'recording' ? 'live.recTitle.recording' : recState.kind === 'standby' ? 'live.recTitle.standby' : 'live.recTitle.stopped')}
        >
          {t(recState.kind === 'recording' ? 'live.rec.recording' : recState.kind === 'standby' ? 'live.rec.standby' : 'live.rec.stopped')}
        </span>
        <span className="gaps" ref={gapsRef} data-testid="window-gaps" title={t('live.gapsTitle')} />
      </header>
      <DataLossNote node={node} />
      <div className="live-body">
        <div className="chart" data-testid="rms-chart" ref={hostRef} />
        <dl className="readouts" aria-label={t('live.latestRms')}>
          {channels.map((c, i) => (
            <div key={c + i} className="readout">
              <dt>
                <span className="swatch" style={{ backgroundColor: axisColour(i) }} />
                {c}
              </dt>
              <dd
                ref={(el) => {
                  if (el) readoutRefs.current[i] = el;
                }}
              >
                —
              </dd>
            </div>
          ))}
        </dl>
      </div>
      {selection ? (
        <LabelForm
          title={t('live.labelTitle', { seconds: formatFixed(selection.endS - selection.startS, 2), node: nodeTitle(node) })}
          busy={busy}
          error={error}
          onSave={(label, notes, author) => void saveLabel(label, notes, author)}
          onCancel={() => setSelection(null)}
        />
      ) : (
        <p className="muted small chart-hint">{t('live.dragHint')}</p>
      )}
      <AlarmList node={node} store={extras} labels={labels.value} t0Ms={recorder.sessionOf(node.path)?.t0Ms} />
      <AxisTable node={node} store={extras} />
      <RawWaveform node={node} store={extras} />
      <NodeLog node={node} store={extras} />
    </article>
  );
}
