// vigil report end to end: a bundle made from the demo recordings is printed to PDF in English
// and Spanish by the CLI (headless Chromium), then read back with poppler: pdftotext for the words
// (asset, period, events, labels, page numbers, Spanish terms) and pdftoppm for page images.
// Set REPORT_PNG_DIR to keep the PNG pages for a look.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { ASSET, demoBundle } from '../helpers/reportBundle';

const dir = mkdtempSync(join(tmpdir(), 'vigil-report-'));
const pngDir = process.env.REPORT_PNG_DIR ?? dir;
const bundle = join(dir, 'demo.vigil');
const compactedBundle = join(dir, 'demo-compacted.vigil');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}
function tool(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw new Error(`${cmd} is missing (apt-get install poppler-utils): ${r.error.message}`);
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

beforeAll(() => {
  writeFileSync(bundle, demoBundle());
  writeFileSync(compactedBundle, demoBundle({ compacted: true }));
  mkdirSync(pngDir, { recursive: true });
});

const base = ['report', '--bundle', bundle, '--asset', ASSET, '--from', '2026-03-01', '--to', '2026-03-10', '--site', 'Plant North', '--technician', 'A. Ortega'];

describe('vigil report prints the maintenance report to PDF', () => {
  for (const lang of ['en', 'es'] as const) {
    it(`${lang}: the PDF names the asset, the period, the events and their labels, with page numbers`, async () => {
      const pdf = join(dir, `report-${lang}.pdf`);
      const rec = lang === 'en' ? 'Replace the drive-end bearing at the next stop.' : 'Sustituir el rodamiento del lado de accionamiento en la próxima parada.';
      const r = await run([...base, '--lang', lang, '--out', pdf, '--recommendations', rec, '--events-csv', join(dir, `events-${lang}.csv`)]);
      expect(r.err).toEqual([]);
      expect(r.code).toBe(0);
      expect(r.out.at(-1)).toMatch(/pages, 2 events, 460 measured windows$/);
      expect(readFileSync(pdf).subarray(0, 5).toString()).toBe('%PDF-');
      const text = tool('pdftotext', ['-layout', pdf, '-']).replace(/\s+/g, ' ');
      const pages = Number(/Pages:\s+(\d+)/.exec(tool('pdfinfo', [pdf]))![1]);
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(text).toContain(ASSET);
      expect(text).toContain('Plant North');
      expect(text).toContain(rec);
      const words =
        lang === 'en'
          ? ['Maintenance report', 'Period', 'Mar 1, 2026', 'Mar 10, 2026', 'Summary', 'Events', 'Event 1: Anomaly alarm', 'Event 2: Anomaly alarm', 'Bearing inner race', 'Grinding noise at the drive end', 'No label yet.', 'Envelope spectrum', 'No raw snapshot was stored for this event', 'No deployment is recorded', `Page 1 of ${pages}`, `Page ${pages} of ${pages}`]
          : ['Informe de mantenimiento', 'Periodo', '1 mar 2026', '10 mar 2026', 'Resumen', 'Eventos', 'Evento 1: Alarma de anomalía', 'Pista interior del rodamiento', 'Grinding noise at the drive end', 'Aún sin etiqueta.', 'Espectro de envolvente', 'No se guardó ninguna captura en bruto', 'Recomendaciones', 'Tendencia', `Página 1 de ${pages}`, `Página ${pages} de ${pages}`];
      for (const w of words) expect(text, w).toContain(w);
      // The envelope as on the app's envelope view: the band chosen from the signal, the peak and what it means, the speed and bearing.
      const envelope =
        lang === 'en'
          ? [/Band-pass [\d,]+–[\d,]+ Hz, chosen from the signal/, /Highest line away from the shaft harmonics: 16\d\.\d\d Hz .* — at BPFI: the pattern of an inner-race defect/, /BPFI stands out: [\d.]+ dB/, /Shaft speed 1,797 rpm \(29\.95 Hz\), as written in the recording's name/, /SKF 6205-2RS/]
          : [/Pasabanda [\d.]+–[\d.]+ Hz, elegida a partir de la señal/, /Línea más alta fuera de los armónicos del eje: 16\d,\d\d Hz .* — en BPFI: el patrón de un defecto en la pista interior/, /BPFI sobresale: [\d,]+ dB/, /Velocidad del eje 1797 rpm \(29,95 Hz\)/];
      for (const w of envelope) expect(text, String(w)).toMatch(w);
      expect(text).not.toMatch(/2[.,]000–8[.,]000 Hz/);
      if (lang === 'es') {
        expect(text).not.toContain('Maintenance report');
        expect(text).toMatch(/\d,\d\d mm\/s/);
      }
      tool('pdftoppm', ['-png', '-r', '60', pdf, join(pngDir, `report-${lang}`)]);
      const pngs = readdirSync(pngDir).filter((f) => f.startsWith(`report-${lang}-`) && f.endsWith('.png'));
      expect(pngs).toHaveLength(pages);
    });
  }

  it('a recording the retention policy compacted still has its trend, and the report says which stretch comes from summaries', async () => {
    const pdf = join(dir, 'report-compacted.pdf');
    const r = await run(['report', '--bundle', compactedBundle, '--asset', ASSET, '--from', '2026-03-01', '--to', '2026-03-10', '--lang', 'en', '--out', pdf]);
    expect(r.err).toEqual([]);
    expect(r.out.at(-1)).toMatch(/pages, 2 events, 460 measured windows$/);
    const text = tool('pdftotext', ['-layout', pdf, '-']).replace(/\s+/g, ' ');
    expect(text).toContain('At Mar 1, 2026, 08:00 UTC the trend shows per-second averages: the retention policy (Storage page) compacted every window there');
    expect(text).toContain('At Mar 3, 2026, 08:00 UTC the trend shows per-second averages');
    expect(text).toMatch(/From Mar 5, 2026, 08:00 UTC to Mar 5, 2026, 08:01 UTC the trend shows per-minute averages/);
    tool('pdftoppm', ['-png', '-r', '60', pdf, join(pngDir, 'report-compacted')]);
  });

  it('a wrong asset, date or language is one line in words, exit status 2', async () => {
    const out = join(dir, 'x.pdf');
    let r = await run(['report', '--bundle', bundle, '--asset', 'Fan F-9', '--from', '2026-03-01', '--to', '2026-03-10', '--out', out]);
    expect([r.code, r.err]).toEqual([2, ['vigil: no asset named "Fan F-9" in the bundle (it holds "Cooling pump P-101")']]);
    r = await run([...base, '--from', '1 March', '--out', out]);
    expect([r.code, r.err]).toEqual([2, ['vigil: --from needs a date like 2026-03-01 or 2026-03-01T08:00:00Z, not "1 March"']]);
    r = await run([...base, '--lang', 'fr', '--out', out]);
    expect([r.code, r.err]).toEqual([2, ['vigil: --lang is en or es, not "fr"']]);
    r = await run(['report', '--bundle', join(dir, 'none.vigil'), '--asset', ASSET, '--from', '2026-03-01', '--to', '2026-03-10', '--out', out]);
    expect(r.err[0]).toMatch(/cannot read the bundle .*none\.vigil: no such file/);
  });
});
