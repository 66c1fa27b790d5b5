// Errors made in models/ and in the renderer's data code, said in Spanish: each carries its sentence
// as a catalogue key (`msg`) beside the English `.message`, and the page says the key in its
// language (renderer/src/msg.ts sayError). A Spanish sentence must share no English word with the
// English one (the data it names — a file, a table, a value — taken out), and its numbers follow
// format.ts (decimal comma). Also: built-in bearing names and a recording's use in a model's
// lineage, which models/ writes in English.
import 'fake-indexeddb/auto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BEARINGS, defectFactors } from '../../../models/analysis/bearings';
import { BundleError, encodeBundle, readBundleManifest } from '../../../models/dataset/bundle';
import { CsvError, CsvStreamParser, NamedColumnReader, validateMapping, type CsvMapping } from '../../../models/dataset/csv';
import { CATALOGUES, keyPaths } from '../../../models/i18n';
import { msgOf, type Msg, type MsgParam } from '../../../models/i18n/msg';
import { readModelBlob, readVgmFile } from '../../../models/nn/modelFile';
import { buildReport } from '../../../models/report/model';
import { trainAutoencoder } from '../../../models/train/autoencoder';
import { dataUseMsg } from '../../../models/train/lineage';
import { trainModel } from '../../../models/train/pipeline';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { crc32 } from '../../../models/protocol/crc32';
import { VigilDb } from '../../../renderer/src/db/db';
import { recordDeployment, updateDeployment } from '../../../renderer/src/db/deployments';
import { planImport, undoImport } from '../../../renderer/src/db/exchange';
import { addModel, type NewModel } from '../../../renderer/src/db/models';
import { setLanguage, t } from '../../../renderer/src/i18n';
import { say, sayError } from '../../../renderer/src/msg';
import { badFileReason, parseManifestText } from '../../../renderer/src/training/csv';
import { ModelRegistry } from '../../../renderer/src/training/registry';

/** Words the two languages share on purpose: names of formats, checks and the product. */
const SHARED = new Set(['vigil', 'csv', 'crc', 'hmac', 'json', 'vgmd', 'vigilds1', 'big-endian', 'little-endian', 'nan', 'sample_rate_hz', 'de_accel', 'fe_accel', 'bytes', 'bits', 'decimal', 'normal']);
const words = (s: string) => (s.toLowerCase().match(/[\p{L}\d_-]+/gu) ?? []).filter((w) => w.length >= 3 && /\p{L}/u.test(w) && !SHARED.has(w));

/** Every string a sentence was given (a file, a table, a value): data, said as written. */
function dataOf(m: Msg): string[] {
  const out: string[] = [];
  const walk = (p: MsgParam) => {
    if (typeof p === 'string') out.push(p);
    else if (Array.isArray(p)) p.forEach(walk);
    else if ('key' in p) Object.values(p.params ?? {}).forEach(walk);
  };
  Object.values(m.params ?? {}).forEach(walk);
  return out;
}
const without = (s: string, data: string[]) => data.filter((d) => d.length > 0).reduce((x, d) => x.split(d).join(' '), s);

/** English words of `english` that `spanish` still holds, the data taken out of both. */
function englishLeft(english: string, spanish: string, data: string[] = []): string[] {
  const en = new Set(words(without(english, data)));
  return words(without(spanish, data)).filter((w) => en.has(w));
}

/** An error said in English and in Spanish by the page. */
function bothWays(e: unknown): { en: string; es: string; data: string[] } {
  const m = msgOf(e);
  expect(m, `${String(e)} carries its sentence`).toBeDefined();
  setLanguage('es');
  const es = sayError(e);
  setLanguage('en');
  return { en: (e as Error).message, es, data: dataOf(m!) };
}

function thrown(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error('nothing was thrown');
}
async function rejected(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error('nothing was thrown');
    },
    (e: unknown) => e,
  );
}

const enc = new TextEncoder();
/** A bundle whose manifest is `json` as written, checksum right. */
function withManifest(json: string): Uint8Array {
  const m = enc.encode(json);
  const out = new Uint8Array((16 + m.length + 7) & ~7);
  out.set(enc.encode('VIGILDS1'));
  const dv = new DataView(out.buffer);
  dv.setUint32(8, m.length, true);
  dv.setUint32(12, crc32(m), true);
  out.set(m, 16);
  return out;
}
const concat = (parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const goodManifest = { format: 'vigil-dataset', version: 1, createdMs: Date.now(), createdBy: 'Ben', schemaVersion: 2, counts: {}, sections: [], meta: {} };
const bundleOf = (tables: Record<string, object[]>) => concat(encodeBundle(Object.entries(tables).map(([table, rows]) => ({ table, rows })), { createdMs: Date.now(), createdBy: 'Ben', schemaVersion: 2 }));

const MAPPING: CsvMapping = { delimiter: ',', decimalComma: false, skipLines: 0, hasHeader: true, columnCount: 2, axisColumns: [0, 1], segmentColumn: null, scale: 1 };
function parse(text: string, m: CsvMapping = MAPPING): void {
  const p = new CsvStreamParser(m, { segment: () => {}, samples: () => {} });
  p.push(text);
  p.end();
}

let dbN = 0;

describe('errors said in Spanish', () => {
  beforeEach(() => setLanguage('en'));
  afterEach(() => setLanguage('en'));

  it('every sentence of problems.* (and the detectors of verdict.detector.*) says no English word of its English version', () => {
    const sample = (s: string) => s.replace(/\{\{\s*(\w+)\s*\}\}/g, ' ');
    const keys = keyPaths(CATALOGUES.en).filter((k) => k.startsWith('problems.') || k.startsWith('training.file.') || k.startsWith('verdict.use.') || k.startsWith('verdict.detector.'));
    expect(keys.length).toBeGreaterThan(100);
    const get = (o: Record<string, unknown>, k: string) => sample(k.split('.').reduce<unknown>((x, p) => (x as Record<string, unknown>)[p], o) as string);
    // Column names a manifest must have are the file format's, the same in every language.
    // Detector names keep their proper names (Mahalanobis, Edge Impulse) and RMS, int8.
    const formatWords: Record<string, string[]> = {
      'problems.manifest.noColumns_one': ['file', 'label'],
      'problems.manifest.noColumns_other': ['file', 'label'],
      'problems.manifest.badRpm': ['rpm'],
      'verdict.detector.name.rms': ['rms'],
      'verdict.detector.name.int8': ['int8'],
      'verdict.detector.name.mahalanobis': ['mahalanobis'],
      'verdict.detector.name.kmeans': ['edge', 'impulse'],
    };
    const left = keys
      .filter((k) => k !== 'problems.plain' && k !== 'problems.csv.inFile')
      .map((k) => ({ k, left: englishLeft(get(CATALOGUES.en, k), get(CATALOGUES.es, k)).filter((w) => !(formatWords[k] ?? []).includes(w)) }))
      .filter((x) => x.left.length > 0);
    expect(left).toEqual([]);
  });

  it('can fail: an English sentence said in "Spanish" is found', () => {
    expect(englishLeft('The bundle is damaged: its table of contents is not readable.', 'The bundle is damaged: its table of contents is not readable.')).toContain('damaged');
    expect(englishLeft('The file is empty.', 'El archivo está vacío.')).toEqual([]);
  });

  it('bundle errors, from the reader and from the import', async () => {
    const damaged = withManifest(JSON.stringify(goodManifest));
    damaged[20] ^= 0xff;
    const sectionBad = bundleOf({ labels: [{ id: 'L1' }] });
    sectionBad[sectionBad.length - 3] ^= 0xff;
    const db = new VigilDb(`i18n-errors-${++dbN}`);
    const errors: unknown[] = [
      thrown(() => readBundleManifest(enc.encode('VIGIL'))),
      thrown(() => readBundleManifest(enc.encode('PK\u0003\u0004 this is a zip file, not a bundle'))),
      thrown(() => readBundleManifest(damaged)),
      thrown(() => readBundleManifest(withManifest(JSON.stringify({ ...goodManifest, version: 7 })))),
      thrown(() => readBundleManifest(withManifest(JSON.stringify({ ...goodManifest, sections: [{ table: 'labels' }] })))),
      thrown(() => readBundleManifest(withManifest(JSON.stringify({ ...goodManifest, createdMs: 'yesterday' })))),
      await rejected(planImport(db, sectionBad)),
      await rejected(planImport(db, bundleOf({ labels: [{ id: 'L1', nodeId: 'N1' }] }))),
      await rejected(planImport(db, bundleOf({ gadgets: [{ id: 'G1' }] }))),
      await rejected(undoImport(db, 'not-that-one', 'Ben')),
    ];
    const said = errors.map((e) => {
      expect(e).toBeInstanceOf(BundleError);
      return bothWays(e);
    });
    for (const s of said) {
      expect(s.es).not.toBe(s.en);
      expect(englishLeft(s.en, s.es, s.data), s.es).toEqual([]);
    }
    expect(said[1].es).toBe('Este archivo no es un paquete de datos de Vigil (no empieza por «VIGILDS1»).');
    expect(said[3].es).toMatch(/versión de paquete 7/);
    expect(said[7].es).toMatch(/^La fila 1 de «labels» del paquete no se puede usar: falta «startMs» o su valor es incorrecto\. No se importó nada\.$/);

    // A row from the future is left out, with its reason in Spanish.
    const future = Date.now() + 400 * 86_400_000;
    const plan = await planImport(db, bundleOf({ labels: [{ id: 'L9', nodeId: 'N1', startMs: future, endMs: future + 1000, label: 'N', updatedMs: future }] }));
    expect(plan.issues).toHaveLength(1);
    expect(plan.issues[0].reason).toMatch(/far in the future/);
    setLanguage('es');
    const reason = say(plan.issues[0].say);
    setLanguage('en');
    expect(reason).toMatch(/muy en el futuro/);
    expect(englishLeft(plan.issues[0].reason, reason, dataOf(plan.issues[0].say))).toEqual([]);
  });

  it('CSV errors: the parser, the mapping, the training reader', async () => {
    const errors: unknown[] = [
      thrown(() => parse('DE_accel,FE_accel\n0.1,0.2\nx,0.3\n')),
      thrown(() => parse('0.1,0.2\n0.3,NaN\n', { ...MAPPING, hasHeader: false })),
      thrown(() => parse('DE_accel,FE_accel\n0.1,0.2\n0.3\n')),
      thrown(() => parse('DE_accel,FE_accel\n0.1,\n')),
      thrown(() => parse('DE_accel,FE_accel\n0.1,1e999\n')),
      thrown(() => parse('')),
      thrown(() => parse('DE_accel,FE_accel\n')),
      thrown(() => parse('x'.repeat(20_000))),
      thrown(() => parse('a,b,c\n1,2,3\n')),
      thrown(() => validateMapping({ ...MAPPING, decimalComma: true })),
      thrown(() => validateMapping({ ...MAPPING, axisColumns: [0, 5] })),
      thrown(() => validateMapping({ ...MAPPING, columnCount: 5000 })),
      thrown(() => {
        const r = new NamedColumnReader(['DE_accel', 'FE_accel']);
        r.push('time,DE_accel\n0,1\n');
        r.end();
      }),
    ];
    const said = errors.map((e) => {
      expect(e).toBeInstanceOf(CsvError);
      return bothWays(e);
    });
    for (const s of said) {
      expect(s.es).not.toBe(s.en);
      expect(englishLeft(s.en, s.es, s.data), s.es).toEqual([]);
    }
    expect(said[0].en).toBe('Line 3, column 1 (DE_accel): "x" is not a number.');
    expect(said[0].es).toBe('Línea 3, columna 1 (DE_accel): "x" no es un número.');
    expect(said[2].es).toBe('La línea 3 tiene 1 valor; cada fila necesita 2.');
    expect(said[11].es).toBe('El archivo debe tener de 1 a 1000 columnas.');

    // The Training page's own checks of a picked file, in the page's language.
    setLanguage('es');
    const reasons = [
      badFileReason('vacío.csv', 0, new Uint8Array(0)),
      badFileReason('foto.csv', 512, Uint8Array.from({ length: 512 }, (_, i) => i % 256)),
      badFileReason('n.csv', 10, enc.encode('1,2\n3,4\n')),
      sayError(thrown(() => parseManifestText('m.csv', 'file,label,sample_rate_hz\nx.csv,normal,12\n'))),
    ];
    setLanguage('en');
    expect(reasons[0]).toBe('vacío.csv está vacío: no contiene ninguna grabación.');
    expect(reasons[1]).toMatch(/^foto\.csv no es un archivo de texto CSV/);
    expect(reasons[2]).toMatch(/no tiene una línea de cabecera/);
    expect(reasons[3]).toBe('manifiesto m.csv, línea 2: sample_rate_hz "12" no es una frecuencia de muestreo (un número de Hz entre 100 y 1000000)');
  });

  it('model file, training and report errors', async () => {
    const spec = defaultFeatureSpec(48000);
    const vgm = enc.encode('VGMD but nothing else, really not a model at all, far too short to be one');
    const errors: unknown[] = [
      thrown(() => readModelBlob(enc.encode('not a model'))),
      thrown(() => readModelBlob(enc.encode('PK\u0003\u0004 a zip file, not a Vigil model file, long enough for a header of 64 bytes'))),
      thrown(() => readVgmFile(vgm)),
      await rejected(trainModel({ train: { rows: [] }, val: { rows: [] } } as never, spec, [0])),
      await rejected(trainAutoencoder([new Float32Array(4)], [new Float32Array(4)], spec, [0])),
      thrown(() => buildReport(new Map(), { asset: 'pump 3', fromMs: 2, toMs: 1, generatedMs: 0 })),
      thrown(() => buildReport(new Map([['assets', [{ id: 'A1', name: 'fan 2' }]]]), { asset: 'pump 3', fromMs: 1, toMs: 2, generatedMs: 0 })),
    ];
    const said = errors.map(bothWays);
    for (const s of said) {
      expect(s.es).not.toBe(s.en);
      expect(englishLeft(s.en, s.es, s.data), s.es).toEqual([]);
    }
    expect(said[1].es).toBe('no es un archivo de modelo de Vigil (no empieza por «VGMD»)');
    expect(said[3].es).toMatch(/^hay 0 ventanas normales para entrenar/);
    expect(said[6].es).toBe('no hay ningún activo llamado «pump 3» en el paquete (contiene "fan 2")');
  });

  it('the model store and a deployment: a version that is not new, a deployment that ended', async () => {
    const db = new VigilDb(`i18n-errors-${++dbN}`);
    const model = (version: number): NewModel => ({ version, nodeId: 'N1', kind: 'autoencoder-int8', specKey: 'k', blob: new Uint8Array(3), blobBytes: 3, architecture: '64-8-64', channels: ['DE_accel'], lineage: null, summary: null, verdict: '', note: '', meta: {} });
    const m3 = await addModel(db, model(3));
    const d = await recordDeployment(db, { modelId: m3.id, nodeId: 'N1', actor: 'Ana', status: 'confirmed' });
    const registry = new ModelRegistry(`i18n-errors-registry-${++dbN}`);
    const entry = { version: 2, createdMs: 1, file: new Uint8Array(3), blobBytes: 3, architecture: '64-8-64', channels: ['DE_accel'], lineage: null as never, summary: null as never, note: '' };
    await registry.add(entry);
    const said = [await rejected(addModel(db, model(3))), await rejected(updateDeployment(db, d.id, { status: 'failed' })), await rejected(registry.add(entry))].map(bothWays);
    registry.close();
    db.close();
    expect(said.map((s) => s.en)).toEqual([
      'model version 3 is not new (the next is v4): train again to get a new version',
      'deployment of v3 to N1 already ended (confirmed)',
      'model version 2 is not new (next is 3); retrain to get a new version',
    ]);
    expect(said.map((s) => s.es)).toEqual([
      'la versión de modelo 3 no es nueva (la siguiente es v4): entrene otra vez para obtener una versión nueva',
      'el despliegue de v3 en N1 ya terminó (confirmado)',
      'la versión de modelo 2 no es nueva (la siguiente es 3); vuelva a entrenar para obtener una versión nueva',
    ]);
    for (const s of said) expect(englishLeft(s.en, s.es, s.data), s.es).toEqual([]);
  });

  it('bearing names and geometry errors, with a decimal comma', () => {
    setLanguage('es');
    const names = BEARINGS.map((b) => say(b.words));
    setLanguage('en');
    expect(BEARINGS.map((b) => b.name)).toContain('6204 (deep groove ball, 8 × 7.938 mm balls)');
    expect(names).toContain('6204 (rígido de bolas, 8 bolas de 7,938 mm)');
    expect(names).toContain('SKF 6205-2RS (rígido de bolas, 9 bolas)');
    expect(names).toContain('Rexnord ZA-2115 (de dos hileras, 16 rodillos por hilera)');
    BEARINGS.forEach((b, i) => expect(englishLeft(b.name, names[i], dataOf(b.words)), names[i]).toEqual([]));

    const e = bothWays(thrown(() => defectFactors({ balls: 9, ballDiameter: 2.5, pitchDiameter: 1.5, contactAngleDeg: 0 })));
    expect(e.en).toBe('the ball diameter (2.5) must be smaller than the pitch diameter (1.5)');
    expect(e.es).toBe('el diámetro de las bolas (2,5) debe ser menor que el diámetro primitivo (1,5)');
    expect(englishLeft(e.en, e.es)).toEqual([]);
  });

  it("a recording's use in a model's lineage", () => {
    const split = dataUseMsg('train 0..1200, validation 1200..1600, held-out test 1600..2000 (samples)');
    const only = dataUseMsg('evaluation only (anomaly: never trained on)');
    expect(dataUseMsg('something a person wrote')).toBeNull();
    setLanguage('es');
    expect(say(split!)).toBe('entrenamiento 0..1200, validación 1200..1600, prueba apartada 1600..2000 (muestras)');
    expect(say(only!)).toBe('solo evaluación (anomalía: nunca se entrenó con ella)');
    expect(t('problems.csv.emptyFile')).toBe('El archivo está vacío.');
  });
});
