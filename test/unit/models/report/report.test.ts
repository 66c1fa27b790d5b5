// The maintenance report model, its HTML, the CMMS export, the envelope spectrum and the i18n
// catalogues (every key in every language).
import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../../../models/dataset/bundle';
import { CATALOGUES, keyPaths, LANGUAGES, makeI18n } from '../../../../models/i18n';
import { EVENT_CSV_HEADER, eventsCsv, measurementsCsv, MEASUREMENT_CSV_HEADER } from '../../../../models/report/cmms';
import { findBearing } from '../../../../models/analysis/bearings';
import { envelopeSpectrum } from '../../../../models/analysis/envelope';
import { analyseEnvelope } from '../../../../models/analysis/envelopeAnalysis';
import { summarizeMinutes, type FeatureSummary } from '../../../../models/dataset/columns';
import { renderReportHtml } from '../../../../models/report/html';
import { buildReport, ReportError } from '../../../../models/report/model';
import { ASSET, DAY, demoBundle, NODE, T0 } from '../../../helpers/reportBundle';

const tables = decodeBundle(demoBundle()).tables;
const opts = { asset: ASSET, fromMs: T0 - DAY, toMs: T0 + 11 * DAY, generatedMs: T0 + 12 * DAY };

describe('i18n catalogues', () => {
  it('every language has exactly the keys of every other, none empty', () => {
    const en = keyPaths(CATALOGUES.en);
    expect(en.length).toBeGreaterThan(50);
    for (const l of LANGUAGES) {
      const keys = keyPaths(CATALOGUES[l]);
      expect({ lang: l, missing: en.filter((k) => !keys.includes(k)), extra: keys.filter((k) => !en.includes(k)) }).toEqual({ lang: l, missing: [], extra: [] });
      const i = makeI18n(l);
      for (const k of keys) expect(i.t(k), `${l}: ${k}`).not.toBe('');
    }
  });
  it('numbers and dates follow the language', () => {
    expect(makeI18n('en').num(1234.5, 2)).toBe('1,234.50');
    expect(makeI18n('es').num(1234.5, 2)).toBe('1234,50');
    expect(makeI18n('es').num(12345.5, 1)).toBe('12.345,5');
    expect(makeI18n('es').dateTime(T0)).toMatch(/1 mar 2026/);
    expect(makeI18n('en').dateTime(T0)).toMatch(/Mar 1, 2026/);
  });
});

describe('envelope spectrum', () => {
  it('finds the modulation frequency of an amplitude-modulated carrier', () => {
    const fs = 48000;
    const x = Float64Array.from({ length: 32768 }, (_, n) => (1 + 0.5 * Math.cos((2 * Math.PI * 162 * n) / fs)) * Math.sin((2 * Math.PI * 4000 * n) / fs));
    const e = envelopeSpectrum(x, fs, { bandHz: [2000, 8000], lowPassHz: 500 });
    let best = 1;
    for (let k = 1; k < e.amplitude.length; k++) if (e.amplitude[k] > e.amplitude[best]) best = k;
    expect(Math.abs(best * e.binHz - 162)).toBeLessThan(2 * e.binHz);
    // 0.5 modulation depth: the envelope line is ~0.5 (Hann scalloping up to 15%).
    expect(e.amplitude[best]).toBeGreaterThan(0.4);
    expect(e.amplitude[best]).toBeLessThan(0.55);
  });
  it('refuses a band outside Nyquist in words', () => {
    expect(() => envelopeSpectrum(new Float64Array(1024), 1000, { bandHz: [100, 900], lowPassHz: 50 })).toThrow(/between 0 and 500 Hz/);
  });
});

describe('report model', () => {
  const m = buildReport(tables, opts);
  it('summarises the demo asset: zone, rising trend, one open event, both events with labels', () => {
    expect(m.asset.name).toBe(ASSET);
    expect(m.windows).toBe(5 * 92);
    expect(m.events.map((e) => e.id)).toEqual(['event-1', 'event-2']);
    expect(m.events[0].labels.map((l) => l.label)).toEqual(['inner-race']);
    expect(m.events[0].envelope?.snapshotId).toBe('snap-1');
    expect(m.events[1].envelope).toBeNull();
    expect(m.openEvents).toBe(1);
    expect(m.trend).toBe('rising');
    expect(m.condition).not.toBe('good');
    expect(m.spectra[0].kind).toBe('baseline');
    expect(m.spectra.length).toBeGreaterThanOrEqual(2);
    expect(m.deployments).toEqual([]);
  });
  it('the inner-race envelope peaks near the ball-pass frequency of the inner race (BPFI 162 Hz at 1797 rpm)', () => {
    const e = m.events[0].envelope!;
    let best = 1;
    for (let k = 3; k < e.amplitude.length; k++) if (e.amplitude[k] > e.amplitude[best]) best = k;
    expect(Math.abs(best * e.binHz - 162)).toBeLessThan(5);
  });
  it('the velocity line breaks across the days with no measurements, bridged by a dotted connector', () => {
    const html = renderReportHtml(m, makeI18n('en'));
    const d = /<path class="velocity" d="([^"]+)"/.exec(html)?.[1] ?? '';
    const span = opts.toMs - opts.fromMs;
    let stretches = 1;
    for (let k = 1; k < m.velocity.length; k++) if (m.velocity[k].tMs - m.velocity[k - 1].tMs > Math.max(120_000, span / 300)) stretches++;
    expect(stretches).toBeGreaterThan(1); // the demo bundle has days without data
    expect(d.match(/M/g)?.length).toBe(stretches);
    expect(d.match(/L/g)?.length ?? 0).toBeGreaterThan(0);
    // Each stretch with no data is bridged by one thin dotted connector (the trend still reads).
    const across = /<path class="velocity-gap" d="([^"]*)"/.exec(html)?.[1] ?? '';
    expect(across.match(/M/g)?.length).toBe(stretches - 1);
  });
  it('a period outside the data has no measurements, and the HTML says so in words', () => {
    const empty = buildReport(tables, { ...opts, fromMs: T0 + 100 * DAY, toMs: T0 + 101 * DAY });
    expect(empty.windows).toBe(0);
    const html = renderReportHtml(empty, makeI18n('en'));
    for (const s of ['No measurements were recorded', 'No events in the period', 'no spectrum can be drawn', 'No deployment is recorded', 'no recommendations']) expect(html).toContain(s);
  });
  it('refuses an unknown asset and names the ones there are', () => {
    expect(() => buildReport(tables, { ...opts, asset: 'Fan F-9' })).toThrow(ReportError);
    expect(() => buildReport(tables, { ...opts, asset: 'Fan F-9' })).toThrow(/no asset named "Fan F-9" in the bundle \(it holds "Cooling pump P-101"\)/);
  });
  it('the HTML is the same content in both languages, translated', () => {
    const en = renderReportHtml({ ...m, recommendations: 'Replace the bearing <soon>' }, makeI18n('en'));
    const es = renderReportHtml(m, makeI18n('es'));
    expect(en).toContain('Bearing inner race');
    expect(en).toContain('Replace the bearing &lt;soon&gt;');
    expect(es).toContain('Pista interior del rodamiento');
    expect(es).toContain('Informe de mantenimiento');
    expect(es).toMatch(/\d,\d\d mm\/s/);
    expect(es).not.toContain('<script');
  });

  it('names each event\'s node as the technician named it, with the uid printed on the node', () => {
    const html = renderReportHtml(m, makeI18n('en'));
    const cells = [...html.matchAll(/<th>Node<\/th><td>([^<]*)<\/td>/g)].map((r) => r[1]);
    expect(cells.length).toBe(m.events.length);
    for (const c of cells) expect(c).toBe(`P-101 drive end (${NODE})`);
  });
});

describe('CMMS export', () => {
  const m = buildReport(tables, opts);
  it('events: one row per event, stable codes, UTC times', () => {
    const lines = eventsCsv(m).trim().split('\r\n');
    expect(lines[0]).toBe(EVENT_CSV_HEADER.join(','));
    expect(lines).toHaveLength(3);
    expect(lines[1]).toContain(',labelled,inner-race,Bearing inner race,Grinding noise at the drive end; grease purged.,A. Ortega');
    expect(lines[1]).toContain('2026-03-08T08:00:00.200Z');
    expect(lines[2]).toContain(',open,');
  });
  it('measurements: one row per window with the ISO zone', () => {
    const lines = measurementsCsv(m).trim().split('\r\n');
    expect(lines[0]).toBe(MEASUREMENT_CSV_HEADER.join(','));
    expect(lines).toHaveLength(1 + 5 * 92);
    expect(lines[1]).toMatch(/^asset-1,Cooling pump P-101,2026-03-01T08:00:00\.\d{3}Z,\d+\.\d+,[ABCD],1$/);
  });
});

describe("the report's envelope is the app's envelope view (models/analysis/envelopeAnalysis.ts)", () => {
  const m = buildReport(tables, opts);
  const e = m.events[0].envelope!;
  const snap = tables.get('rawSnapshots')![0];
  const samples = (snap.samples as Float32Array).subarray(0, snap.count as number);
  const skf = findBearing('skf-6205-2rs')!;

  it('the band is chosen from the signal, not a fixed 2–8 kHz, and the spectrum, peak and defect lines are what the view computes', () => {
    const view = analyseEnvelope(samples, 48000, { lowPassHz: 500, method: 'hilbert', bandHz: null, shaftHz: 1797 / 60, factors: skf.factors });
    expect(e.bandChosen).toBe(true);
    expect(e.bandHz).toEqual(view.bandHz);
    expect(e.bandHz).not.toEqual([2000, 8000]);
    expect(e.chosenSnrDb).toBe(view.chosenSnrDb);
    expect([e.binHz, e.segments, e.segmentLen]).toEqual([view.spectrum.binHz, view.spectrum.segments, view.segmentLen]);
    expect(Array.from(e.amplitude)).toEqual(Array.from(view.spectrum.amplitude));
    expect(e.peak).toEqual(view.peak);
    expect(e.defectLines).toEqual(view.defectLines);
    expect(e.markers).toEqual(view.markers);
  });
  it('the envelope peak (off the shaft harmonics) is at BPFI within one bin, and BPFI stands out', () => {
    expect(e.peak!.marker?.label).toBe('BPFI');
    expect(Math.abs(e.peak!.hz - 5.4152 * (1797 / 60))).toBeLessThanOrEqual(e.binHz);
    expect(e.defectLines.find((d) => d.label === 'BPFI')!.standsOut).toBe(true);
    // Speed from the recording's name; CWRU's drive-end bearing for a CWRU recording, as the view starts with.
    expect([e.shaftHz * 60, e.speedFrom, e.bearing?.id, e.bearing?.from]).toEqual([1797, 'name', 'skf-6205-2rs', 'cwru']);
  });
  it("takes the speed and bearing of the machine the node is placed on in the Fleet tree", () => {
    const t = new Map(tables);
    t.set('fleetItems', [
      { id: 'm1', kind: 'machine', parentId: 'l1', name: 'Pump P-101', nodeId: null, machine: { group: 2, foundation: 'rigid', shaftHz: 1750 / 60, bearing: { kind: 'table', id: 'skf-6203-2rs' } } },
      { id: 'p1', kind: 'point', parentId: 'm1', name: 'Drive end', nodeId: NODE },
    ]);
    const f = buildReport(t, opts).events[0].envelope!;
    expect([f.speedFrom, f.shaftHz * 60, f.bearing?.id, f.bearing?.from]).toEqual(['fleet', 1750, 'skf-6203-2rs', 'fleet']);
    expect(f.markers.find((k) => k.label === 'BPFI')!.hz).toBeCloseTo(findBearing('skf-6203-2rs')!.factors.bpfi * (1750 / 60), 9);
    const html = renderReportHtml(buildReport(t, opts), makeI18n('en'));
    expect(html).toContain('Shaft speed 1,750 rpm (29.17 Hz), as set for the machine on the Fleet page.');
    expect(html).toContain('Bearing: SKF 6203-2RS');
  });
  it('the printed words say the band and how it was chosen, the peak and what it means, in English and Spanish', () => {
    const text = (lang: 'en' | 'es') => renderReportHtml(m, makeI18n(lang)).replace(/<[^>]+>/g, '');
    const en = text('en');
    expect(en).toMatch(/Band-pass [\d,]+–[\d,]+ Hz, chosen from the signal: of the bands tried, the one where a repeating line \(not a shaft harmonic\) stands highest above the envelope’s floor, [\d.]+ dB\./);
    expect(en).toMatch(/Highest line away from the shaft harmonics: 16\d\.\d\d Hz \(0\.\d+ g, [\d.]+ dB above the floor\) — at BPFI: the pattern of an inner-race defect, 0\.\d bins from its marker \(a bin is 1\.46 Hz\)\./);
    expect(en).toMatch(/BPFI stands out: [\d.]+ dB above the floor/);
    expect(en).toContain('Shaft speed 1,797 rpm (29.95 Hz), as written in the recording');
    expect(en).toContain('the drive-end bearing of the CWRU test rig');
    expect(en).not.toContain('2,000–8,000 Hz');
    const es = text('es');
    expect(es).toMatch(/Pasabanda [\d.]+–[\d.]+ Hz, elegida a partir de la señal/);
    expect(es).toMatch(/Línea más alta fuera de los armónicos del eje: 16\d,\d\d Hz .* — en BPFI: el patrón de un defecto en la pista interior/);
    expect(es).toContain('Velocidad del eje 1797 rpm (29,95 Hz)');
    // The markers are drawn and named on the chart.
    const html = renderReportHtml(m, makeI18n('en'));
    for (const label of ['>BPFI<', '>BPFO<', '>BSF<', '>FTF<', '>1×<']) expect(html).toContain(label);
  });
});

describe('a recording whose windows the retention policy compacted: the trend from the summaries', () => {
  const full = buildReport(tables, opts);
  // Days 0 and 2: every window compacted, per-second summaries kept. Day 4: the per-second ones
  // compacted too, its per-minute row kept (models/dataset/columns.ts summarizeMinutes).
  const compacted = new Map(tables);
  const gone = (id: string) => /^session-day[024]:/.test(id);
  compacted.set('featureChunks', tables.get('featureChunks')!.filter((c) => !gone(String(c.id))));
  const day4 = tables.get('featureSummaries')!.filter((r) => String(r.id).startsWith('session-day4:')) as unknown as FeatureSummary[];
  compacted.set('featureSummaries', tables.get('featureSummaries')!.filter((r) => !String(r.id).startsWith('session-day4:')));
  compacted.set('featureMinutes', [summarizeMinutes(day4) as unknown as Record<string, unknown>]);
  const m = buildReport(compacted, opts);

  it('every measured window still counts, the three days are on the trend as summary points', () => {
    expect(m.windows).toBe(full.windows);
    const day = (d: number) => m.velocity.filter((p) => p.tMs >= T0 + d * DAY && p.tMs < T0 + (d + 1) * DAY);
    for (const d of [0, 2]) {
      expect(day(d).length).toBeGreaterThan(0);
      expect(day(d).every((p) => p.lenMs === 1000)).toBe(true);
    }
    expect(day(4).map((p) => [p.lenMs, p.n])).toEqual([[60_000, 92]]);
    expect(day(7).every((p) => p.lenMs === undefined)).toBe(true);
    // The per-second means are the means of the windows they replace.
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    const fullDay0 = full.velocity.filter((p) => p.tMs < T0 + DAY).map((p) => p.v);
    const sumDay0 = day(0).reduce((a, p) => a + p.v * p.n!, 0) / day(0).reduce((a, p) => a + p.n!, 0);
    expect(sumDay0).toBeCloseTo(mean(fullDay0), 5);
    expect(m.trend).toBe(full.trend);
    expect(m.latestMmS).toBeCloseTo(full.latestMmS!, 9);
  });
  it('names the stretches that come from summaries, on the chart and in words', () => {
    expect(m.summarised.map((s) => s.lenMs)).toEqual([1000, 1000, 60_000]);
    expect(m.summarised[0].fromMs).toBeLessThan(T0 + 1000);
    expect(m.summarised[2].fromMs).toBeGreaterThanOrEqual(T0 + 4 * DAY - 60_000);
    const en = renderReportHtml(m, makeI18n('en'));
    expect(en).toContain('At Mar 1, 2026, 08:00 UTC the trend shows per-second averages: the retention policy (Storage page) compacted every window there');
    expect(en).toContain('At Mar 3, 2026, 08:00 UTC the trend shows per-second averages');
    expect(en).toMatch(/From Mar 5, 2026, 08:00 UTC to Mar 5, 2026, 08:01 UTC the trend shows per-minute averages/);
    // The chart shades each stretch (too narrow here to carry its name).
    expect(en.match(/<rect class="summarised"/g)).toHaveLength(3);
    expect(renderReportHtml(m, makeI18n('es'))).toContain('la tendencia muestra promedios por minuto');
    expect(renderReportHtml(full, makeI18n('en'))).not.toContain('the trend shows per-');
    // The CMMS rows say how many windows each stands for.
    const rows = measurementsCsv(m).trim().split('\r\n').slice(1);
    // (each demo recording is one second: one per-second bucket, or one per-minute bucket, of 92 windows)
    expect(rows.filter((r) => r.endsWith(',92'))).toHaveLength(3);
    expect(rows.filter((r) => r.endsWith(',1'))).toHaveLength(2 * 92);
    expect(rows).toHaveLength(3 + 2 * 92);
  });
});
