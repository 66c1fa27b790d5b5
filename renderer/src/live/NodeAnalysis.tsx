/**
 * One node's live analysis (#/live/<node uid>), opened from its Live card: trends with the ISO
 * zones and the anomaly threshold, the spectrum over a kept baseline, a waterfall; pause, zoom,
 * units and export. React renders the controls; the charts are LiveAnalysisView's, fed straight
 * from the stores' rings (renderer/src/live/analysisView.ts).
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import type { NodeInfo } from '../../../models/api/contract';
import { formatDateTime, formatNumber, nodeTitle } from '../format';
import { t } from '../i18n';
import { downloadBlob } from '../storage/download';
import { useLiveQuery, useStorage } from '../storage/services';
import type { Foundation, MachineGroup } from '../fleet/machineState';
import { StatusBadge } from '../nodes/NodeCard';
import { alarmEntries } from './alarms';
import { exportName, parseUnits, zoneBands, type Units } from './analysisLogic';
import { LiveAnalysisView, type Baseline, type SpectrumKind, type TrendHistory } from './analysisView';
import { nodeEventsIn, readTrend } from '../db/trends';
import { DEFAULT_SPAN, SPANS, spanOf, type TrendSource, type TrendSpan } from './trendSpan';
import { deployedModelFile, knownThreshold, type KnownThreshold } from './threshold';
import { AlarmBadge } from './LiveExtras';
import type { LinkStore } from './linkStore';
import type { TrendStore } from './trendStore';

const UNITS_KEY = 'vigil.units';
const SPAN_KEY = 'vigil.live.span';

let builtInModel: Promise<Uint8Array | null> | null = null;
/** The app's copy of the node's built-in model (scripts/gen-default-model.ts), read once. */
function builtIn(): Promise<Uint8Array | null> {
  builtInModel ??= fetch('./models/default.vgm')
    .then((r) => (r.ok ? r.arrayBuffer() : null))
    .then((b) => (b ? new Uint8Array(b) : null))
    .catch(() => null);
  return builtInModel;
}
const baselineKey = (uid: string) => `vigil.live.baseline.${uid}`;
const groupKey = (uid: string) => `vigil.live.group.${uid}`;

function readBaseline(uid: string): Baseline | null {
  try {
    const o = JSON.parse(localStorage.getItem(baselineKey(uid)) ?? 'null') as { kind: SpectrumKind; x: number[]; y: number[]; savedMs: number; axis: number } | null;
    if (!o || (o.kind !== 'psd' && o.kind !== 'bands') || !Array.isArray(o.x) || !Array.isArray(o.y)) return null;
    return { kind: o.kind, x: Float64Array.from(o.x), y: Float64Array.from(o.y), savedMs: Number(o.savedMs) || 0, axis: Number(o.axis) || 0 };
  } catch {
    return null;
  }
}

export function NodeAnalysis({ node, trends, extras }: { node: NodeInfo; trends: TrendStore; extras: LinkStore }) {
  const { db } = useStorage();
  const uid = node.hello?.uid ?? '';
  const channels = useMemo(() => node.hello?.channels ?? [], [node.hello?.channels]);
  const [units, setUnits] = useState<Units>(() => parseUnits(localStorage.getItem(UNITS_KEY)));
  const [paused, setPaused] = useState(false);
  const [kind, setKind] = useState<SpectrumKind | null>(null);
  const [axis, setAxis] = useState(0);
  const [baseline, setBaseline] = useState<Baseline | null>(() => readBaseline(uid));
  const [span, setSpan] = useState<TrendSpan['key']>(() => spanOf(localStorage.getItem(SPAN_KEY) ?? DEFAULT_SPAN).key);
  // The threshold of what the node runs, from the model file when the app holds it (renderer/src/live/threshold.ts).
  const [threshold, setThreshold] = useState<KnownThreshold | null>(null);
  const thresholdRef = useRef<KnownThreshold | null>(null);
  const runningKey = `${node.condition?.detector.kind ?? ''}:${node.condition?.detector.modelVersion ?? node.hello?.info?.modelVersion ?? ''}:${node.condition?.detector.modelSource ?? node.hello?.info?.modelSource ?? ''}:${node.condition?.alarm?.threshold ?? ''}:${node.condition?.detector.threshold ?? ''}`;
  useEffect(() => {
    let live = true;
    void knownThreshold(node, {
      builtIn,
      byVersion: (v) => deployedModelFile(db, uid, v),
    }).then((k) => {
      if (!live) return;
      thresholdRef.current = k;
      setThreshold(k);
      view.current?.refresh();
    });
    return () => {
      live = false;
    };
    // Looked up again when what the node runs (or the threshold it states, or its last alarm's) changes, not on every update.
  }, [db, runningKey]);
  const [picked, setPicked] = useState<{ group: MachineGroup; foundation: Foundation }>(() => {
    const s = localStorage.getItem(groupKey(uid)) ?? '';
    return { group: s.startsWith('1') ? 1 : 2, foundation: s.endsWith('flexible') ? 'flexible' : 'rigid' };
  });
  // The machine this node is placed on in the Fleet page's asset tree, if any.
  const placed = useLiveQuery(
    async () => {
      if (!uid) return null;
      const point = await db.fleetItems.where('nodeId').equals(uid).first();
      const machine = point?.parentId ? await db.fleetItems.get(point.parentId) : undefined;
      return point && machine?.machine ? { point: point.name, machine: machine.name, group: machine.machine.group, foundation: machine.machine.foundation } : null;
    },
    [db, uid],
    null,
  );
  const machine = placed.value;
  const group = machine?.group ?? picked.group;
  const foundation = machine?.foundation ?? picked.foundation;

  const root = useRef<HTMLDivElement>(null);
  const rmsHost = useRef<HTMLDivElement>(null);
  const velHost = useRef<HTMLDivElement>(null);
  const scoreHost = useRef<HTMLDivElement>(null);
  const specHost = useRef<HTMLDivElement>(null);
  const waterfall = useRef<HTMLCanvasElement>(null);
  const specNote = useRef<HTMLSpanElement>(null);
  const pausedNote = useRef<HTMLSpanElement>(null);
  const latest = useRef<HTMLSpanElement>(null);
  const trendNote = useRef<HTMLParagraphElement>(null);
  const view = useRef<LiveAnalysisView | null>(null);
  const nodeRef = useRef(node);
  nodeRef.current = node;

  useEffect(() => {
    const v = new LiveAnalysisView(
      { root: root.current!, rms: rmsHost.current!, velocity: velHost.current!, score: scoreHost.current!, spectrum: specHost.current!, waterfall: waterfall.current!, spectrumNote: specNote.current!, pausedNote: pausedNote.current!, latest: latest.current!, trendNote: trendNote.current! },
      {
        axes: node.hello?.axisCount ?? channels.length,
        span,
        readHistory: async (fromMs: number, toMs: number, source: TrendSource): Promise<TrendHistory> => {
          if (!uid) return { points: { axes: 0, t: [], len: [], res: [], rms: [], vel: [], score: [] }, t0Ms: null, events: [] };
          const axes = nodeRef.current.hello?.axisCount ?? channels.length;
          const [r, events] = await Promise.all([readTrend(db, uid, fromMs, toMs, source, axes), nodeEventsIn(db, uid, fromMs, toMs)]);
          return { points: r.points, t0Ms: r.t0Ms, events: events.map((e) => ({ startMs: e.startMs, endMs: e.endMs, text: t('live.an.storedAlarm', { when: formatDateTime(e.startMs) }) })) };
        },
        channels,
        sampleRateHz: node.hello?.sampleRateHz ?? 0,
        windowLen: node.hello?.windowLen ?? 1024,
        units,
        zones: zoneBands(group, foundation, units.velocity),
        alarms: () => {
          const entries = alarmEntries(nodeRef.current, extras.get(nodeRef.current.path).events);
          const lastT = (extras.get(nodeRef.current.path).latest?.tUs ?? 0) / 1e6;
          return {
            threshold: thresholdRef.current?.value ?? (entries.length > 0 ? entries[entries.length - 1].threshold : null),
            bands: entries.map((e) => ({ start: e.startTUs / 1e6, end: e.active ? Math.max(lastT, e.endTUs / 1e6) : e.endTUs / 1e6, colour: '#b3261e', text: t(e.active ? 'live.alarmActive' : 'live.alarm', { id: e.eventId }) })),
          };
        },
        onPausedChange: setPaused,
        onSpectrumKind: setKind,
      },
    );
    view.current = v;
    v.setBaseline(baseline);
    const existing = trends.get(node.path);
    if (existing) v.onTrend(existing);
    v.onRaw(extras.get(node.path));
    const off1 = trends.subscribe(node.path, (n) => v.onTrend(n));
    const off2 = extras.subscribe(node.path, (x) => v.onRaw(x));
    return () => {
      off1();
      off2();
      v.destroy();
      view.current = null;
    };
    // Built once per node; units, zones, axis and baseline are handed over below without a rebuild.
  }, [trends, extras, node.path]);

  useEffect(() => view.current?.setUnits(units), [units]);
  const pickSpan = (k: TrendSpan['key']) => {
    localStorage.setItem(SPAN_KEY, k);
    setSpan(k);
    view.current?.setSpan(k);
  };
  useEffect(() => view.current?.setZones(zoneBands(group, foundation, units.velocity)), [group, foundation, units.velocity]);
  useEffect(() => view.current?.setSpectrumAxis(axis), [axis]);

  const changeUnits = (u: Units) => {
    localStorage.setItem(UNITS_KEY, JSON.stringify(u));
    setUnits(u);
  };
  const pick = (g: MachineGroup, f: Foundation) => {
    localStorage.setItem(groupKey(uid), `${g}-${f}`);
    setPicked({ group: g, foundation: f });
  };
  const keepBaseline = () => {
    const s = view.current?.currentSpectrum();
    if (!s) return;
    const b: Baseline = { ...s, savedMs: Date.now(), axis };
    localStorage.setItem(baselineKey(uid), JSON.stringify({ kind: b.kind, x: Array.from(b.x), y: Array.from(b.y), savedMs: b.savedMs, axis }));
    setBaseline(b);
    view.current?.setBaseline(b);
  };
  const clearBaseline = () => {
    localStorage.removeItem(baselineKey(uid));
    setBaseline(null);
    view.current?.setBaseline(null);
  };
  const title = nodeTitle(node);
  const exportCsv = () => {
    const v = view.current;
    if (!v) return;
    downloadBlob(new Blob([v.csv()], { type: 'text/csv' }), exportName(title, Date.now(), 'csv'));
  };
  const exportPng = async () => {
    const v = view.current;
    if (!v) return;
    const sub = t('live.an.pngSubtitle', { when: formatDateTime(Date.now()), units: `${units.accel}, ${units.velocity}`, group, foundation: t(`fleet.machine.${foundation}`).toLowerCase() });
    downloadBlob(await v.png(t('live.an.pngTitle', { node: title }), sub), exportName(title, Date.now(), 'png'));
  };

  const axes = node.hello?.axisCount ?? channels.length;
  return (
    <section className="panel node-analysis" data-testid="node-analysis" data-path={node.path} ref={root} aria-label={t('live.an.title', { node: title })}>
      <header className="live-head">
        <a href="#/live" className="back-link">
          {t('live.an.back')}
        </a>
        <h3>
          {t('live.an.heading')} <span translate="no">{title}</span>
        </h3>
        <StatusBadge status={node.status} />
        <AlarmBadge node={node} />
      </header>
      <div className="chart-toolbar analysis-toolbar">
        <button type="button" data-testid="an-pause" onClick={() => view.current?.setPaused(!paused)} aria-pressed={paused}>
          {paused ? t('live.an.resume') : t('live.an.pause')}
        </button>
        <button type="button" data-testid="an-reset" onClick={() => view.current?.resetZoom()}>
          {t('live.an.seeAll')}
        </button>
        <label>
          {t('live.an.accelUnit')}{' '}
          <select data-testid="an-accel-unit" value={units.accel} onChange={(e) => changeUnits({ ...units, accel: e.target.value as Units['accel'] })}>
            <option value="g">g</option>
            <option value="m/s²">m/s²</option>
          </select>
        </label>
        <label>
          {t('live.an.velocityUnit')}{' '}
          <select data-testid="an-velocity-unit" value={units.velocity} onChange={(e) => changeUnits({ ...units, velocity: e.target.value as Units['velocity'] })}>
            <option value="mm/s">mm/s</option>
            <option value="in/s">in/s</option>
          </select>
        </label>
        <button type="button" data-testid="an-export-png" onClick={() => void exportPng()}>
          {t('live.an.savePng')}
        </button>
        <button type="button" data-testid="an-export-csv" onClick={exportCsv}>
          {t('live.an.saveCsv')}
        </button>
        <span className="muted small" data-testid="an-paused-note" ref={pausedNote} />
      </div>
      <p className="muted small">{t('live.an.hint')}</p>
      <div className="chart-toolbar span-picker" role="group" aria-label={t('live.an.trend.spanLabel')}>
        <span>{t('live.an.trend.spanLabel')}</span>
        {SPANS.map((s) => (
          <button key={s.key} type="button" data-testid={`an-span-${s.key}`} aria-pressed={span === s.key} className={span === s.key ? 'selected' : undefined} onClick={() => pickSpan(s.key)}>
            {t(`live.an.trend.span.${s.key}`)}
          </button>
        ))}
      </div>
      <p className="muted small" data-testid="an-trend-note" ref={trendNote} />

      <h4>
        {t('live.an.velocityTitle')} <span className="an-latest" data-testid="an-latest" ref={latest} />
      </h4>
      <p className="muted small" data-testid="an-zone-source">
        {machine ? (
          t('live.an.zonesOfMachine', { machine: machine.machine, point: machine.point, group, foundation: t(`fleet.machine.${foundation}`).toLowerCase() })
        ) : (
          <>
            {t('live.an.zonesNotPlaced')}{' '}
            <select data-testid="an-group" value={`${group}-${foundation}`} onChange={(e) => pick(e.target.value.startsWith('1') ? 1 : 2, e.target.value.endsWith('flexible') ? 'flexible' : 'rigid')}>
              {([1, 2] as const).flatMap((g) =>
                (['rigid', 'flexible'] as const).map((f) => (
                  <option key={`${g}-${f}`} value={`${g}-${f}`}>
                    {t(`fleet.machine.group${g}`)} · {t(`fleet.machine.${f}`)}
                  </option>
                )),
              )}
            </select>
          </>
        )}
      </p>
      <div className="chart" data-testid="an-velocity" ref={velHost} />
      <h4>{t('live.an.rmsTitle')}</h4>
      <div className="chart" data-testid="an-rms" ref={rmsHost} />
      <h4>{t('live.an.scoreTitle')}</h4>
      <p className="muted small" data-testid="an-threshold-source" data-source={threshold?.source ?? (alarmEntries(node, extras.get(node.path).events).length > 0 ? 'event' : 'none')}>
        {threshold
          ? t(`live.an.thresholdFrom.${threshold.source}`, { value: formatNumber(threshold.value, 3), version: threshold.modelVersion })
          : alarmEntries(node, extras.get(node.path).events).length === 0
            ? node.condition?.detector.kind === 'learning'
              ? t('live.an.noThresholdLearning', { percent: node.condition.detector.learnPercent })
              : t('live.an.noThreshold')
            : t('live.an.thresholdFrom.event')}
      </p>
      <div className="chart" data-testid="an-score" ref={scoreHost} />

      <h4>
        {t('live.an.spectrumTitle')} <span className="muted small" ref={specNote} />
      </h4>
      <div className="chart-toolbar">
        {axes > 1 && (
          <label>
            {t('live.an.axis')}{' '}
            <select data-testid="an-axis" value={axis} onChange={(e) => setAxis(Number(e.target.value))}>
              {Array.from({ length: axes }, (_, a) => (
                <option key={a} value={a}>
                  {channels[a] ?? t('live.axisN', { n: a + 1 })}
                </option>
              ))}
            </select>
          </label>
        )}
        <button type="button" data-testid="an-keep-baseline" onClick={keepBaseline} disabled={kind === null}>
          {t('live.an.keepBaseline')}
        </button>
        {baseline && (
          <>
            <span className="muted small" data-testid="an-baseline-info">
              {t('live.an.baselineInfo', { when: formatDateTime(baseline.savedMs), what: t(baseline.kind === 'psd' ? 'live.an.psd' : 'live.an.bandRms') })}
            </span>
            <button type="button" className="link" onClick={clearBaseline}>
              {t('live.an.clearBaseline')}
            </button>
          </>
        )}
      </div>
      {kind === null && (
        <p className="muted small" data-testid="an-no-spectrum">
          {t('live.an.noSpectrum')} <a href="#/nodes">{t('live.nodesLink')}</a>
        </p>
      )}
      <div className="chart" data-testid="an-spectrum" ref={specHost} />
      <h4>{t('live.an.waterfallTitle')}</h4>
      <p className="muted small">{t('live.an.waterfallHint', { n: formatNumber(6, 0) })}</p>
      <canvas className="waterfall" data-testid="an-waterfall" ref={waterfall} />
    </section>
  );
}
