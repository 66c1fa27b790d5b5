/** The Live card's per-axis table, raw waveform, alarms and node log (from the LinkStore). */
import { useEffect, useRef, useState } from 'react';
import type { NodeInfo } from '../../../models/api/contract';
import { detectorWords } from '../detectorWords';
import { formatCount, formatDuration, formatFixed, formatNumber, formatTime } from '../format';
import { labelName, t } from '../i18n';
import type { LinkStore, NodeExtras } from './linkStore';
import { RawChartView } from './rawChart';
import { axisColour } from './rmsChart';
import { useMachineClass, type MachineClass } from '../fleet/machineClass';
import { ISO_20816_LIMITS, zoneOf } from '../fleet/machineState';
import { activeAlarm, alarmEntries, alarmKey, labelsForAlarm } from './alarms';
import type { LabelRow } from '../db/types';
import { HealthBadge } from '../nodes/NodeCard';
import { zoneAlarmWords } from '../nodes/health';
import type { Zone } from '../fleet/machineState';

/** Re-renders at most `hz` times a second while the node's extras change. */
function useExtras(store: LinkStore, path: string, hz = 4): NodeExtras {
  const [, setTick] = useState(0);
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | null = null;
    const off = store.subscribe(path, () => {
      const now = performance.now();
      if (timer) return;
      const wait = Math.max(0, 1000 / hz - (now - last));
      timer = setTimeout(() => {
        timer = null;
        last = performance.now();
        setTick((t) => t + 1);
      }, wait);
    });
    return () => {
      off();
      if (timer) clearTimeout(timer);
    };
  }, [store, path, hz]);
  return store.get(path);
}

const f = (v: number | undefined, digits: number) => (v === undefined || !Number.isFinite(v) ? '—' : formatFixed(v, digits));

export function AxisTable({ node, store }: { node: NodeInfo; store: LinkStore }) {
  const x = useExtras(store, node.path);
  const cls = useMachineClass(node.hello?.uid);
  const fr = x.latest;
  const channels = node.hello?.channels ?? [];
  const axes = fr?.rmsG.length ?? channels.length;
  if (!fr) return null;
  const isoTitle = isoTitleOf(cls);
  // The worst axis's zone, in words beside the alarm: a green A next to a red alarm must not puzzle anyone.
  const zones = (fr.velocityMmS ?? []).map((v) => zoneOf(v, cls.group, cls.foundation)).filter((z): z is Zone => z !== null);
  const worst = zones.length > 0 ? zones.reduce((a, b) => (b > a ? b : a)) : null;
  const alarmOn = activeAlarm(node) !== null;
  const words = zoneAlarmWords(worst, alarmOn);
  return (
    <>
    <table className="axis-table" data-testid="axis-table" aria-label={t('live.axisTable')}>
      <thead>
        <tr>
          <th scope="col">{t('live.col.axis')}</th>
          <th scope="col">{t('live.col.rms')}</th>
          <th scope="col">{t('live.col.peak')}</th>
          <th scope="col">{t('live.col.crest')}</th>
          <th scope="col">{t('live.col.kurtosis')}</th>
          <th scope="col" title={isoTitle}>
            {t('live.col.velocity')}
          </th>
        </tr>
      </thead>
      <tbody>
        {Array.from({ length: axes }, (_, a) => {
          const v = fr.velocityMmS?.[a];
          const zone = v === undefined ? null : zoneOf(v, cls.group, cls.foundation);
          return (
            <tr key={a}>
              <td>
                <span className="swatch" style={{ backgroundColor: axisColour(a) }} />
                {channels[a] ?? t('live.axisN', { n: a + 1 })}
              </td>
              <td>{f(fr.rmsG[a], 3)}</td>
              <td>{f(fr.peakG?.[a], 3)}</td>
              <td>{f(fr.crest?.[a], 2)}</td>
              <td>{f(fr.kurtosis?.[a], 2)}</td>
              <td data-testid="velocity">
                {f(v, 2)}
                {zone && (
                  <span className={`zone zone-${zone}`} title={isoTitle}>
                    {zone}
                  </span>
                )}
              </td>
            </tr>
          );
        })}
      </tbody>
      {(fr.anomalyScore !== undefined || fr.shaftHz > 0) && (
        <caption className="muted small">
          {t('live.windowN', { n: formatCount(fr.windowIndex) })}
          {fr.shaftHz > 0 && t('live.shaft', { hz: formatFixed(fr.shaftHz, 1) })}
          {fr.anomalyScore !== undefined && t('live.score', { score: fr.anomalyScore === null ? t('live.scoreNoneBecause', { why: detectorWords(fr.detector) ?? t('live.noModelRunning') }) : f(fr.anomalyScore, 4) })}
          {fr.anomalyScore !== null && fr.detector?.kind === 'baseline' && t('live.scoreBaseline')}
        </caption>
      )}
    </table>
    {fr.velocityMmS && cls.loaded && (
      <p className="muted small" data-testid="iso-class" data-group={cls.group} data-foundation={cls.foundation} data-placed={cls.machine ? 'true' : 'false'}>
        {cls.machine
          ? t('live.isoClassPlaced', { machine: cls.machine, group: t(`fleet.machine.group${cls.group}`), foundation: t(`fleet.machine.${cls.foundation}`).toLowerCase() })
          : t('live.isoClassAssumed')}
      </p>
    )}
    {words && (
      <p className={`zone-words small ${alarmOn || worst === 'D' ? 'tone-bad' : ''}`} data-testid="zone-words" data-zone={worst ?? ''}>
        {words}
      </p>
    )}
    </>
  );
}

/** The ISO 20816-3 zones of a machine class in words (the velocity column's tooltip). */
function isoTitleOf(cls: MachineClass): string {
  const [ab, bc, cd] = ISO_20816_LIMITS[cls.group][cls.foundation];
  return t('live.isoTitleOf', { group: t(`fleet.machine.group${cls.group}`), foundation: t(`fleet.machine.${cls.foundation}`).toLowerCase(), ab: formatNumber(ab, 1), bc: formatNumber(bc, 1), cd: formatNumber(cd, 1) });
}

/** The link status and the node's health, on the latest frame this page has (else main's condition). */
export function LiveHealthBadge({ node, store }: { node: NodeInfo; store: LinkStore }) {
  const x = useExtras(store, node.path, 1);
  return <HealthBadge node={node} latest={x.latest} />;
}

export function RawWaveform({ node, store }: { node: NodeInfo; store: LinkStore }) {
  const hostRef = useRef<HTMLDivElement>(null);
  const infoRef = useRef<HTMLSpanElement>(null);
  const rate = node.hello?.sampleRateHz ?? 0;
  const channels = node.hello?.channels ?? [];
  const rawOn = node.stream?.raw ?? node.hello?.info?.stream.raw ?? false;
  const [hasData, setHasData] = useState(() => !!store.get(node.path).raw);
  useEffect(() => {
    if (!rate || !hostRef.current) return;
    const view = new RawChartView(hostRef.current, channels, rate);
    const draw = (x: NodeExtras) => {
      if (!x.raw) return;
      setHasData(true);
      view.update(x.raw);
      if (infoRef.current) {
        const r = x.raw;
        infoRef.current.textContent = t('live.rawInfo', { d: r.decimation, rate: formatNumber(rate / r.decimation, 1), blocks: formatCount(r.blocks) }) + (r.gaps ? t('live.gaps', { count: r.gaps }) : '');
      }
    };
    draw(store.get(node.path));
    const off = store.subscribe(node.path, draw);
    return () => {
      off();
      view.destroy();
    };
    // channels come with the card's key
  }, [store, node.path, rate]);
  if (!rawOn && !hasData) return null;
  return (
    <section className="raw-block" aria-label={t('live.rawTitle')}>
      <h4>
        {t('live.rawTitle')} <span className="muted small" ref={infoRef} />
      </h4>
      {!hasData && <p className="muted small">{t('live.rawWaiting')}</p>}
      <div className="chart" data-testid="raw-chart" ref={hostRef} />
    </section>
  );
}

/** How far over its alarm level the score went, in words a technician reads ("3.2"). */
const overLevel = (e: { peakScore: number; threshold: number }): string => (e.threshold > 0 ? formatNumber(e.peakScore / e.threshold, 1) : '—');

const ENDED_WORD = { node: 'live.alarmEnded', detector: 'live.alarmReplaced', restart: 'live.alarmRestarted', unconfirmed: 'live.alarmUnconfirmed' } as const;

export function AlarmList({ node, store, labels = [], t0Ms }: { node: NodeInfo; store: LinkStore; labels?: readonly LabelRow[]; t0Ms?: number }) {
  const x = useExtras(store, node.path, 2);
  // The events this page saw, and the alarm main holds for the node (on since before this page opened).
  const entries = alarmEntries(node, x.events);
  if (entries.length === 0) return null;
  const recent = entries.slice(-5).reverse();
  const since = activeAlarm(node)?.sinceMs ?? null;
  return (
    <ul className="alarm-list" data-testid="alarm-list" aria-label={t('live.alarms')}>
      {recent.map((e) => {
        const made = labelsForAlarm(labels, e, t0Ms);
        return (
          <li
            key={alarmKey(e)}
            className={e.active ? 'error' : undefined}
            data-model={e.modelVersion}
            data-active={e.active}
            data-labelled={made.length > 0}
            title={t('live.alarmLineDetail', { id: e.eventId, from: e.startWindow, to: e.endWindow, peak: f(e.peakScore, 3), threshold: f(e.threshold, 3), k: e.debounceK, n: e.debounceN })}
          >
            {e.active
              ? t('live.alarmLineOn', { time: since === null ? '—' : formatTime(since), model: e.modelVersion, ratio: overLevel(e) })
              : t('live.alarmLineOff', { state: t(ENDED_WORD[e.ended ?? 'node']), model: e.modelVersion, duration: formatDuration((e.endTUs - e.startTUs) / 1000), ratio: overLevel(e) })}
            {made.length > 0 && (
              <span className="alarm-labelled" data-testid="alarm-labelled">
                {t('live.alarmLabelled', { labels: made.map((l) => t('live.labelBy', { label: labelName(l.label), author: l.author })).join(', ') })}
              </span>
            )}
          </li>
        );
      })}
    </ul>
  );
}

/** The node's alarm as main holds it, in the card's head: on until the node says it ended, whatever this page saw. */
export function AlarmBadge({ node }: { node: NodeInfo }) {
  const a = activeAlarm(node);
  if (!a) return null;
  return (
    <span className="badge alarm-on" role="status" data-testid="alarm-state" data-active="true" title={t('live.alarmOnTitle')}>
      {t('live.alarmOn', { time: formatTime(a.sinceMs), peak: f(a.peakScore, 2), threshold: f(a.threshold, 2) })}
    </span>
  );
}

export function NodeLog({ node, store }: { node: NodeInfo; store: LinkStore }) {
  const x = useExtras(store, node.path, 2);
  const listRef = useRef<HTMLOListElement>(null);
  const n = x.log.length;
  useEffect(() => {
    const el = listRef.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [n, x.version]);
  return (
    <section className="node-log" aria-label={t('live.log')}>
      <h4>{t('live.log')}</h4>
      {n === 0 ? (
        <p className="muted small">{t('live.logEmpty')}</p>
      ) : (
        <ol ref={listRef} data-testid="node-log">
          {x.log.map((l, i) => (
            <li key={i} className={`level-${l.level}`}>
              <span className="when">{formatTime(l.atMs)}</span>
              <span className="level">{l.level === 'info' ? '' : t('live.logLevel', { level: t(`live.level.${l.level}`) })}</span>
              {l.text ? <span translate="no">{l.text}</span> : t('live.logCode', { code: l.code })}
            </li>
          ))}
        </ol>
      )}
    </section>
  );
}
