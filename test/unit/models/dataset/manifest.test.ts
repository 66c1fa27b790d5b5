// One manifest reader (models/dataset/manifest.ts) for the CLI and the Training page: the same
// text is accepted or refused the same way by both, with the same sentence (English for the CLI,
// the interface language on the page).
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest } from '../../../../main/cli/manifest';
import { ManifestError, parseManifestText } from '../../../../models/dataset/manifest';
import { makeI18n } from '../../../../models/i18n/index';
import { renderMsg } from '../../../../models/i18n/msg';

const refusal = (text: string, needNormal = false): ManifestError => {
  try {
    parseManifestText('m.csv', text, { needNormal });
  } catch (e) {
    if (e instanceof ManifestError) return e;
    throw e;
  }
  throw new Error('accepted');
};

describe('the manifest reader', () => {
  it('reads rows, labels, rate and operating conditions', () => {
    const m = parseManifestText('m.csv', '\uFEFFfile,label,sample_rate_hz,rpm,load_hp\r\na.csv,normal,20000,800,\r\n\r\nb.csv,inner_race,20000,,2\r\n');
    expect(m.sampleRateHz).toBe(20000);
    expect(m.rows).toEqual([
      { line: 2, file: 'a.csv', label: 'normal', sampleRateHz: 20000, rpm: 800 },
      { line: 4, file: 'b.csv', label: 'inner_race', sampleRateHz: 20000, load: 2 },
    ]);
  });

  it('refuses each kind of bad manifest with its line', () => {
    expect(refusal('file,label\na.csv,normal\n').message).toBe('manifest m.csv lacks the column sample_rate_hz (needs file,label,sample_rate_hz)');
    expect(refusal('file,label,sample_rate_hz\na.csv,normal\n').message).toBe('manifest m.csv line 2: 2 values, the header has 3');
    expect(refusal('file,label,sample_rate_hz\na.csv,bad label!,48000\n').message).toMatch(/^manifest m\.csv line 2: label "bad label!" may use only/);
    expect(refusal('file,label,sample_rate_hz\na.csv,normal,fast\n').message).toMatch(/line 2: sample_rate_hz "fast" is not a sample rate/);
    expect(refusal('file,label,sample_rate_hz,rpm\na.csv,normal,48000,-5\n').message).toMatch(/line 2: rpm "-5" is not a shaft speed/);
    expect(refusal('file,label,sample_rate_hz\n').message).toBe('manifest m.csv lists no recordings');
    expect(refusal('file,label,sample_rate_hz\na.csv,normal,48000\nb.csv,ball,12000\n').message).toMatch(/mixes sample rates \(48000, 12000 Hz\)/);
    expect(refusal('file,label,sample_rate_hz\nb.csv,ball,12000\n', true).message).toMatch(/has no rows labelled "normal"/);
  });

  it('says the same refusal in Spanish from the same key', () => {
    const es = makeI18n('es');
    const e = refusal('file,label,sample_rate_hz\na.csv,bad label!,48000\n');
    expect(renderMsg(e.msg, { t: (k, p) => es.t(k, p) as string, num: String })).toBe('manifiesto m.csv, línea 2: la etiqueta "bad label!" solo puede usar letras, dígitos, _ . -');
  });

  it('is the CLI\'s reader too: the same text refused with the same words, then files looked for', () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-manifest-'));
    const bad = join(dir, 'm.csv');
    writeFileSync(bad, 'file,label,sample_rate_hz\na.csv,bad label!,48000\n');
    expect(() => readManifest(bad)).toThrow(refusal('file,label,sample_rate_hz\na.csv,bad label!,48000\n').message);
    writeFileSync(bad, 'file,label,sample_rate_hz\nmissing.csv,normal,48000\n');
    expect(() => readManifest(bad)).toThrow(/m\.csv line 2: file missing\.csv does not exist/);
    writeFileSync(join(dir, 'a.csv'), 'x\n1\n');
    writeFileSync(bad, 'file,label,sample_rate_hz\na.csv,normal,48000\n');
    expect(readManifest(bad).rows).toEqual([{ line: 2, file: 'a.csv', path: join(dir, 'a.csv'), label: 'normal', sampleRateHz: 48000 }]);
  });
});
