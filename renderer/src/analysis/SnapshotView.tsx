/**
 * One raw snapshot as an analyst reads it: the waveform, the spectrum (Welch PSD) and the envelope
 * spectrum, with markers at 1×..n× shaft and at BPFO, BPFI, BSF and FTF of the chosen bearing at
 * the shaft speed (models/analysis). Each chart zooms (drag), reads out under the cursor and
 * exports what is on screen as PNG and CSV.
 */
import { useEffect, useMemo, useRef, useState } from 'react';
import { BEARINGS } from '../../../models/analysis/bearings';
import { STANDS_OUT_DB } from '../../../models/analysis/bandSelect';
import { analyseEnvelope } from '../../../models/analysis/envelopeAnalysis';
import { unpackChunkFeatures } from '../../../models/dataset/chunkCodec';
import { markerPositions, rpmInText, type Marker } from '../../../models/analysis/markers';
import { welchSpectrum } from '../../../models/analysis/spectrum';
import { formatCount, formatDateTime, formatFixed, formatHz, formatNumber } from '../format';
import { t } from '../i18n';
import { say } from '../msg';
import { downloadBlob } from '../storage/download';
import { useLiveQuery, useStorage } from '../storage/services';
import { AnalysisChart, MARKER_COLOURS } from './analysisChart';
import { bearingWords, defaultSettings, initialBearing, resolveSettings, type ViewSettings } from './settings';

const bearingKey = (nodeId: string) => `vigil.analysis.bearing.${nodeId}`;

interface Computed {
  wave: { x: Float64Array; y: Float64Array };
  spec: { x: Float64Array; y: Float64Array; binHz: number; segmentLen: number; segments: number } | null;
  env: { x: Float64Array; y: Float64Array; binHz: number; samplesUsed: number; segments: number; segmentLen: number; bandHz: [number, number]; chosenSnrDb: number | null } | null;
  /** How far each defect frequency's line stands above the envelope spectrum's median, dB. */
  defectLines: { label: string; hz: number; aboveFloorDb: number }[];
  markers: Marker[];
  envMarkers: Marker[];
  peak: { hz: number; value: number; label: string | null; offsetBins: number; aboveFloorDb: number } | null;
  errors: string[];
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b);
  return s.length ? s[s.length >> 1] : 0;
}

export function SnapshotView({ id }: { id: string }) {
  const { db } = useStorage();
  // The snapshot with its recording, its node and the speed the node reported in the recording's
  // windows (the median of the first chunks; 0 = unknown), read together so they always match.
  const loaded = useLiveQuery(
    async () => {
      const snap = await db.rawSnapshots.get(id);
      if (!snap) return null;
      const [session, node, chunks] = await Promise.all([db.sessions.get(snap.sessionId), db.nodes.get(snap.nodeId), db.featureChunks.where('sessionId').equals(snap.sessionId).limit(20).toArray()]);
      return { snap, session, node, recordedHz: median(chunks.flatMap((c) => Array.from(unpackChunkFeatures(c).shaftHz).filter((v) => v > 0))) };
    },
    [db, id],
    undefined,
  );
  // What the view shows is read once per snapshot: later writes to the database (a live recording
  // goes on) must not redraw the charts and lose the analyst's zoom.
  const [base, setBase] = useState<NonNullable<typeof loaded.value> | null>(null);
  const r = base?.snap;
  const session = { value: base?.session };
  const node = { value: base?.node };
  const [settings, setSettings] = useState<ViewSettings | null>(null);
  const [speedSource, setSpeedSource] = useState('');

  // Starting settings, once the snapshot and what goes with it are read.
  useEffect(() => {
    const l = loaded.value;
    if (!l || (settings && base?.snap.id === l.snap.id)) return;
    setBase(l);
    const fromName = rpmInText(`${l.session?.name ?? ''} ${l.session?.source?.fileName ?? ''}`);
    const rpm = l.recordedHz > 0 ? Math.round(l.recordedHz * 60 * 10) / 10 : fromName;
    setSpeedSource(l.recordedHz > 0 ? 'analysis.view.speedFromNode' : fromName ? 'analysis.view.speedFromName' : '');
    const bearing = initialBearing(localStorage.getItem(bearingKey(l.snap.nodeId)), l.session?.source?.settings.format === 'cwru');
    setSettings(defaultSettings(l.snap.sampleRateHz, rpm, bearing));
  }, [loaded.value, settings, base]);

  const resolved = useMemo(() => (settings && r ? resolveSettings(settings, r.sampleRateHz) : null), [settings, r]);

  const computed = useMemo<Computed | null>(() => {
    if (!r || !settings || !resolved) return null;
    const errors: string[] = [];
    const axis = Math.min(settings.axis, r.axisCount - 1);
    const samples = r.samples.subarray(axis * r.count, (axis + 1) * r.count);
    const fs = r.sampleRateHz;
    const wave = { x: Float64Array.from({ length: r.count }, (_, i) => i / fs), y: Float64Array.from(samples) };
    let spec: Computed['spec'] = null;
    try {
      const s = welchSpectrum(samples, fs, { segmentLen: 8192 });
      spec = { x: Float64Array.from(s.psd, (_, k) => k * s.binHz), y: s.psd, binHz: s.binHz, segmentLen: s.segmentLen, segments: s.segments };
    } catch (e) {
      errors.push(t('analysis.view.spectrumFailed', { error: (e as Error).message }));
    }
    const markers = markerPositions(resolved.shaftHz, resolved.factors, { shaftHarmonics: resolved.harmonics, maxHz: fs / 2 });
    let env: Computed['env'] = null;
    let envMarkers: Marker[] = markers.filter((m) => m.hz <= resolved.envelope.lowPassHz);
    let peak: Computed['peak'] = null;
    let defectLines: Computed['defectLines'] = [];
    try {
      // The analyst's envelope (docs/analysis.md), the same call as the maintenance report's: the
      // band chosen from the snapshot unless typed, the spectrum averaged over segments of about a
      // second (both cepstrum pre-whitened when ticked), the peak off the shaft harmonics, each
      // defect line over the floor.
      const a = analyseEnvelope(samples, fs, {
        lowPassHz: resolved.envelope.lowPassHz,
        method: resolved.envelope.method,
        whiten: resolved.envelope.whiten === true,
        bandHz: resolved.bandAuto ? null : resolved.envelope.bandHz,
        shaftHz: resolved.shaftHz,
        factors: resolved.factors,
        shaftHarmonics: resolved.harmonics,
      });
      const e = a.spectrum;
      env = {
        x: Float64Array.from(e.amplitude, (_, k) => k * e.binHz),
        y: e.amplitude,
        binHz: e.binHz,
        samplesUsed: e.samplesUsed,
        segments: e.segments,
        segmentLen: a.segmentLen,
        bandHz: a.bandHz,
        chosenSnrDb: a.chosenSnrDb,
      };
      envMarkers = a.markers;
      if (a.peak) peak = { hz: a.peak.hz, value: a.peak.value, label: a.peak.marker?.label ?? null, offsetBins: a.peak.offsetBins, aboveFloorDb: a.peak.aboveFloorDb };
      defectLines = a.defectLines.map((d) => ({ label: d.label, hz: d.hz, aboveFloorDb: d.aboveFloorDb }));
    } catch (e) {
      errors.push(t('analysis.view.envelopeFailed', { error: (e as Error).message }));
    }
    return { wave, spec, env, markers, envMarkers, peak, defectLines, errors };
  }, [r, settings, resolved]);

  // Charts: created once the hosts exist, fed whenever the computation changes.
  const waveHost = useRef<HTMLDivElement>(null);
  const specHost = useRef<HTMLDivElement>(null);
  const envHost = useRef<HTMLDivElement>(null);
  const waveRead = useRef<HTMLDivElement>(null);
  const specRead = useRef<HTMLDivElement>(null);
  const envRead = useRef<HTMLDivElement>(null);
  const charts = useRef<{ wave: AnalysisChart; spec: AnalysisChart; env: AnalysisChart } | null>(null);
  const ready = !!computed;
  const yUnit = 'g';
  // Whitened, the envelope's heights are those of the whitened signal: its axis, readout and CSV say so.
  const whitened = resolved?.envelope.whiten === true;
  useEffect(() => {
    if (!ready || !waveHost.current || !specHost.current || !envHost.current) return;
    const c = {
      wave: new AnalysisChart(waveHost.current, { title: t('analysis.chart.waveform'), xName: t('analysis.chart.time'), xUnit: 's', yName: t('analysis.chart.acceleration'), yUnit, readout: waveRead.current!, height: 200 }),
      spec: new AnalysisChart(specHost.current, { title: t('analysis.chart.spectrum'), xName: t('analysis.chart.frequency'), xUnit: 'Hz', yName: t('analysis.chart.psd'), yUnit: `${yUnit}²/Hz`, logY: true, readout: specRead.current! }),
      env: new AnalysisChart(envHost.current, { title: t('analysis.chart.envelopeSpectrum'), xName: t('analysis.chart.frequency'), xUnit: 'Hz', yName: t(whitened ? 'analysis.chart.envelopeWhitened' : 'analysis.chart.envelope'), yUnit, readout: envRead.current!, height: 260 }),
    };
    charts.current = c;
    return () => {
      c.wave.destroy();
      c.spec.destroy();
      c.env.destroy();
      charts.current = null;
    };
  }, [ready, whitened]);
  useEffect(() => {
    const c = charts.current;
    if (!c || !computed) return;
    c.wave.setData(computed.wave.x, computed.wave.y, []);
    if (computed.spec) c.spec.setData(computed.spec.x, computed.spec.y, computed.markers);
    if (computed.env) c.env.setData(computed.env.x, computed.env.y, computed.envMarkers);
  }, [computed]);

  if (loaded.loaded && !r) {
    return (
      <div className="page">
        <p className="error" role="alert">
          {t('analysis.view.gone')} <a href="#/analysis">{t('analysis.view.back')}</a>
        </p>
      </div>
    );
  }
  if (!r || !settings || !resolved || !computed) return <div className="page" data-testid="analysis-loading" />;

  const set = (p: Partial<ViewSettings>) => setSettings({ ...settings, ...p });
  const channels = session.value?.channels ?? [];
  const channel = channels[settings.axis] ?? t('analysis.view.axis', { n: settings.axis + 1 });
  const subtitle = `${session.value?.name ?? t('analysis.view.snapshot')} · ${channel} · ${formatDateTime(r.startMs)} · ${resolved.shaftHz > 0 ? `${formatFixed(resolved.shaftHz * 60, 1)} rpm` : t('analysis.view.speedUnknown')} · ${bearingWords(settings.bearing) ?? (settings.bearing === 'custom' ? t('analysis.view.bearingFromGeometry') : t('analysis.view.noBearing'))}`;
  const baseName = `vigil-${(session.value?.name ?? 'snapshot').replace(/[^\w.-]+/g, '_').slice(0, 40)}-${channel.replace(/[^\w.-]+/g, '_')}`;
  const tools = (key: 'wave' | 'spec' | 'env', file: string) => (
    <span className="button-row">
      <button type="button" data-testid={`${key}-reset`} onClick={() => charts.current?.[key].resetZoom()}>
        {t('analysis.view.seeAll')}
      </button>
      <button type="button" data-testid={`${key}-png`} onClick={() => void charts.current?.[key].png(subtitle).then((b) => downloadBlob(b, `${baseName}-${file}.png`))}>
        {t('analysis.view.savePng')}
      </button>
      <button type="button" data-testid={`${key}-csv`} onClick={() => charts.current && downloadBlob(new Blob([charts.current[key].csv()], { type: 'text/csv' }), `${baseName}-${file}.csv`)}>
        {t('analysis.view.saveCsv')}
      </button>
    </span>
  );
  const defects = computed.markers.filter((m) => m.kind !== 'shaft' && m.harmonic === 1);

  return (
    <div className="page" data-testid="analysis-view" data-id={r.id}>
      <div className="page-head">
        <div>
          <a href={session.value ? `#/recordings/${encodeURIComponent(session.value.id)}` : '#/analysis'} className="small">
            ← {session.value ? session.value.name : t('analysis.view.snapshots')}
          </a>
          <h2>{t('analysis.title')}</h2>
          <p className="muted small">
            {node.value?.name ?? t('analysis.view.unknownSensor')} · {formatDateTime(r.startMs)} · {t('analysis.view.lengthAt', { seconds: formatFixed(r.count / r.sampleRateHz, 2), rate: formatHz(r.sampleRateHz) })}
          </p>
        </div>
      </div>
      <section className="panel">
        <div className="chart-toolbar">
          <label>
            {t('analysis.view.channel')}
            <select data-testid="analysis-axis" value={settings.axis} onChange={(e) => set({ axis: Number(e.target.value) })}>
              {Array.from({ length: r.axisCount }, (_, a) => (
                <option key={a} value={a}>
                  {channels[a] ?? t('analysis.view.axis', { n: a + 1 })}
                </option>
              ))}
            </select>
          </label>
          <label>
            {t('analysis.view.shaftSpeed')}
            <input data-testid="analysis-rpm" inputMode="decimal" size={7} value={settings.rpm} onChange={(e) => set({ rpm: e.target.value })} placeholder="rpm" />
            rpm{resolved.shaftHz > 0 ? ` (${formatFixed(resolved.shaftHz, 2)} Hz)` : ''}
          </label>
          <label>
            {t('analysis.view.bearing')}
            <select
              data-testid="analysis-bearing"
              value={settings.bearing}
              onChange={(e) => {
                localStorage.setItem(bearingKey(r.nodeId), e.target.value);
                set({ bearing: e.target.value });
              }}
            >
              <option value="none">{t('analysis.view.noneChosen')}</option>
              {BEARINGS.map((b) => (
                // The name is said in the page's language (the model number as written); its source,
                // a citation, stays as published: the option is marked so (translate="no").
                <option key={b.id} value={b.id} title={b.source} translate="no">
                  {say(b.words)}
                </option>
              ))}
              <option value="custom">{t('analysis.view.enterGeometry')}</option>
            </select>
          </label>
          <label>
            {t('analysis.view.harmonics')}
            <input data-testid="analysis-harmonics" inputMode="numeric" size={3} value={settings.harmonics} onChange={(e) => set({ harmonics: e.target.value })} />
          </label>
        </div>
        {speedSource && resolved.shaftHz > 0 && <p className="muted small">{t(speedSource)}</p>}
        {settings.bearing === 'custom' && (
          <div className="chart-toolbar" data-testid="analysis-geometry">
            {(
              [
                ['balls', 'analysis.geometry.balls'],
                ['ballDiameter', 'analysis.geometry.ballDiameter'],
                ['pitchDiameter', 'analysis.geometry.pitchDiameter'],
                ['contactAngleDeg', 'analysis.geometry.contactAngle'],
              ] as const
            ).map(([k, name]) => (
              <label key={k}>
                {t(name)}
                <input size={6} value={settings.geometry[k]} onChange={(e) => set({ geometry: { ...settings.geometry, [k]: e.target.value } })} />
              </label>
            ))}
          </div>
        )}
        {[...resolved.problems, ...computed.errors].map((p) => (
          <p key={p} className="warn-text small" role="status">
            {p}
          </p>
        ))}
        {defects.length > 0 && (
          <table className="small" data-testid="defect-table">
            <thead>
              <tr>
                <th>{t('analysis.view.defectFrequency')}</th>
                <th className="num">{t('analysis.view.orders')}</th>
                <th className="num">{t('analysis.view.atThisSpeed')}</th>
              </tr>
            </thead>
            <tbody>
              {defects.map((m) => (
                <tr key={m.kind} data-testid={`marker-${m.label}`} data-hz={m.hz}>
                  <td>
                    <span className="swatch" style={{ background: MARKER_COLOURS[m.kind] }} /> {t(DEFECT_NAMES[m.kind])} ({m.label})
                  </td>
                  <td className="num">{formatFixed(m.hz / resolved.shaftHz, 4)} ×</td>
                  <td className="num">{formatFixed(m.hz, 2)} Hz</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>

      <section className="panel">
        <div className="chart-toolbar">
          <h3>{t('analysis.chart.envelopeSpectrum')}</h3>
          <label>
            <input
              type="checkbox"
              data-testid="analysis-band-auto"
              checked={settings.bandAuto}
              onChange={(e) =>
                set(
                  e.target.checked || !computed.env
                    ? { bandAuto: e.target.checked }
                    : { bandAuto: false, bandLo: String(Math.round(computed.env.bandHz[0])), bandHi: String(Math.round(computed.env.bandHz[1])) },
                )
              }
            />{' '}
            {t('analysis.view.bandAuto')}
          </label>
          <label>
            {t('analysis.view.bandPass')}
            <input
              data-testid="analysis-band-lo"
              size={6}
              disabled={settings.bandAuto}
              value={settings.bandAuto && computed.env ? String(Math.round(computed.env.bandHz[0])) : settings.bandLo}
              onChange={(e) => set({ bandLo: e.target.value })}
            />
            –
            <input
              data-testid="analysis-band-hi"
              size={6}
              disabled={settings.bandAuto}
              value={settings.bandAuto && computed.env ? String(Math.round(computed.env.bandHz[1])) : settings.bandHi}
              onChange={(e) => set({ bandHi: e.target.value })}
            />{' '}
            Hz
          </label>
          <label>
            {t('analysis.view.lowPass')}
            <input data-testid="analysis-lowpass" size={5} value={settings.lowPass} onChange={(e) => set({ lowPass: e.target.value })} /> Hz
          </label>
          <label>
            {t('analysis.view.envelopeBy')}
            <select data-testid="analysis-method" value={settings.method} onChange={(e) => set({ method: e.target.value as ViewSettings['method'] })}>
              <option value="hilbert">{t('analysis.view.hilbert')}</option>
              <option value="rectify">{t('analysis.view.rectify')}</option>
            </select>
          </label>
          <label title={t('analysis.view.whitenHint')}>
            <input type="checkbox" data-testid="analysis-whiten" checked={settings.whiten} onChange={(e) => set({ whiten: e.target.checked })} /> {t('analysis.view.whiten')}
          </label>
          {tools('env', 'envelope')}
        </div>
        {computed.peak && computed.env && (
          <p
            data-testid="envelope-peak"
            data-peak-hz={computed.peak.hz}
            data-bin-hz={computed.env.binHz}
            data-marker={computed.peak.label ?? ''}
            data-offset-bins={Number.isFinite(computed.peak.offsetBins) ? computed.peak.offsetBins : ''}
            data-above-floor-db={computed.peak.aboveFloorDb}
          >
            {t(resolved.shaftHz > 0 ? 'analysis.peak.highestOffShaft' : 'analysis.peak.highest')} <strong>{formatFixed(computed.peak.hz, 2)} Hz</strong> ({formatPrecision(computed.peak.value, 3)} {resolved.envelope.whiten ? t('analysis.peak.gWhitened') : 'g'},{' '}
            {t('analysis.peak.aboveFloor', { db: formatFixed(computed.peak.aboveFloorDb, 1) })})
            {computed.peak.label ? (
              <>
                {' '}
                — {t('analysis.peak.at')} <strong>{computed.peak.label}</strong>
                {PEAK_MEANING[computed.peak.label] ? `: ${t(PEAK_MEANING[computed.peak.label])}` : ''},{' '}
                {t('analysis.peak.offset', { bins: formatFixed(Math.abs(computed.peak.offsetBins), 1), binHz: formatFixed(computed.env.binHz, 2) })}
              </>
            ) : resolved.shaftHz > 0 ? (
              ` — ${t('analysis.peak.none')}`
            ) : (
              '.'
            )}
          </p>
        )}
        {computed.env && (
          <p className="small" data-testid="envelope-band" data-lo={computed.env.bandHz[0]} data-hi={computed.env.bandHz[1]} data-auto={resolved.bandAuto ? '1' : '0'}>
            {resolved.bandAuto && computed.env.chosenSnrDb !== null
              ? t('analysis.envelope.bandChosen', { lo: formatNumber(Math.round(computed.env.bandHz[0])), hi: formatNumber(Math.round(computed.env.bandHz[1])), db: formatFixed(computed.env.chosenSnrDb, 1) })
              : t('analysis.envelope.bandTyped', { lo: formatNumber(computed.env.bandHz[0]), hi: formatNumber(computed.env.bandHz[1]) })}
          </p>
        )}
        {computed.defectLines.length > 0 && (
          <p className="small" data-testid="envelope-defect-lines">
            {computed.defectLines.map((d, i) => (
              <span key={d.label} data-testid={`defect-line-${d.label}`} data-above-floor-db={d.aboveFloorDb} data-stands-out={d.aboveFloorDb >= STANDS_OUT_DB ? '1' : '0'}>
                {i > 0 ? ' · ' : ''}
                {t(d.aboveFloorDb >= STANDS_OUT_DB ? 'analysis.envelope.lineStandsOut' : 'analysis.envelope.lineDoesNot', { marker: d.label, db: formatFixed(d.aboveFloorDb, 1) })}
              </span>
            ))}
          </p>
        )}
        <div className="chart" data-testid="envelope-chart" ref={envHost} />
        <div className="muted small" data-testid="envelope-readout" ref={envRead} />
        {computed.env && (
          <p className="muted small">
            {t(resolved.envelope.method === 'rectify' ? 'analysis.envelope.aboutRectify' : 'analysis.envelope.aboutHilbert', {
              samples: formatCount(computed.env.samplesUsed),
              lo: formatNumber(Math.round(computed.env.bandHz[0])),
              hi: formatNumber(Math.round(computed.env.bandHz[1])),
              lowPass: formatNumber(resolved.envelope.lowPassHz),
            })}{' '}
            {t(computed.env.segments > 1 ? 'analysis.envelope.averaged' : 'analysis.envelope.oneSegment', { segments: formatCount(computed.env.segments), length: formatCount(computed.env.segmentLen), binHz: formatFixed(computed.env.binHz, 2) })}
            {resolved.envelope.whiten ? ` ${t('analysis.envelope.aboutWhitened')}` : ''}
          </p>
        )}
      </section>

      <section className="panel">
        <div className="chart-toolbar">
          <h3>{t('analysis.chart.spectrum')}</h3>
          {tools('spec', 'spectrum')}
        </div>
        <div className="chart" data-testid="spectrum-chart" ref={specHost} />
        <div className="muted small" data-testid="spectrum-readout" ref={specRead} />
        {computed.spec && (
          <p className="muted small">
            {t('analysis.spectrum.about', { segments: formatCount(computed.spec.segments), length: formatCount(computed.spec.segmentLen), binHz: formatFixed(computed.spec.binHz, 2) })}
          </p>
        )}
      </section>

      <section className="panel">
        <div className="chart-toolbar">
          <h3>{t('analysis.chart.waveform')}</h3>
          {tools('wave', 'waveform')}
        </div>
        <div className="chart" data-testid="waveform-chart" ref={waveHost} />
        <div className="muted small" data-testid="waveform-readout" ref={waveRead} />
      </section>
    </div>
  );
}

const DEFECT_NAMES: Record<string, string> = {
  bpfo: 'analysis.defect.bpfo',
  bpfi: 'analysis.defect.bpfi',
  bsf: 'analysis.defect.bsf',
  ftf: 'analysis.defect.ftf',
};

/** A number to `digits` significant digits in the interface language. */
function formatPrecision(x: number, digits: number): string {
  const magnitude = x === 0 ? 0 : Math.floor(Math.log10(Math.abs(x)));
  return formatNumber(x, Math.max(0, digits - 1 - magnitude), Math.max(0, digits - 1 - magnitude));
}

const PEAK_MEANING: Record<string, string> = {
  BPFO: 'analysis.meaning.bpfo',
  BPFI: 'analysis.meaning.bpfi',
  BSF: 'analysis.meaning.bsf',
  FTF: 'analysis.meaning.ftf',
  '1×': 'analysis.meaning.shaft',
};
