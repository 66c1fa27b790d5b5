// The maintenance report model, its HTML, the CMMS export, the envelope spectrum and the i18n
// catalogues (every key in every language).
import { describe, expect, it } from 'vitest';
import { decodeBundle } from '../../../../models/dataset/bundle';
import { CATALOGUES, keyPaths, LANGUAGES, makeI18n } from '../../../../models/i18n';
import { EVENT_CSV_HEADER, eventsCsv, measurementsCsv, MEASUREMENT_CSV_HEADER } from '../../../../models/report/cmms';
import { envelopeSpectrum } from '../../../../models/analysis/envelope';
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
    expect(lines[1]).toMatch(/^asset-1,Cooling pump P-101,2026-03-01T08:00:00\.\d{3}Z,\d+\.\d+,[ABCD]$/);
  });
});
