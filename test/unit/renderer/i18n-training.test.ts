// The Training page and the CSV import in Spanish, for what models/ writes in English: the
// evaluation table's detector names, threshold sources and the reason a detector is unavailable
// (also quoted in the verdict's headline), the opened .vgm summary, the verdict kept in the model
// store (and a lineage's word for a file without a label), and the names the CSV sniffer gives
// columns without a header. Each is rendered in both
// languages (react-dom/server); the Spanish must hold no English word of the English, the data
// (file, channel and label names, proper names) taken out.
import 'fake-indexeddb/auto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createElement, type FunctionComponent } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { previewWith, sniffCsv, type ImportSettings } from '../../../models/dataset/formats';
import { evaluate, incompatibility, type EvalData, type EvaluationReport } from '../../../models/eval/report';
import { verdictOf } from '../../../models/eval/verdict';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { inEnglish } from '../../../models/i18n/msg';
import { readVgmFile } from '../../../models/nn/modelFile';
import type { Lineage } from '../../../models/nn/appSection';
import type { Int8Autoencoder } from '../../../models/nn/types';
import { UNLABELLED_LABEL } from '../../../models/train/lineage';
import { VigilDb } from '../../../renderer/src/db/db';
import { planModelImport, type ModelImportPlan } from '../../../renderer/src/db/modelImport';
import type { ModelRow } from '../../../renderer/src/db/types';
import { setLanguage } from '../../../renderer/src/i18n';
import { channelsSaid, columnNamesSaid } from '../../../renderer/src/import/columns';
import { say } from '../../../renderer/src/msg';

const ROOT = join(__dirname, '../../..');

// The root tsconfig compiles no JSX: the components are loaded at run time (vitest transforms them).
const load = async <T>(file: string, name: string): Promise<T> => ((await import(/* @vite-ignore */ `../../../renderer/src/${file}`)) as Record<string, T>)[name];
let EvalTable: FunctionComponent<{ report: EvaluationReport }>;
let OpenedModelSummary: FunctionComponent<{ plan: ModelImportPlan }>;
let ModelStorePanel: FunctionComponent<{ models: ModelRow[]; deployments: []; nodes: []; onDeploy: () => void }>;
let MappingForm: FunctionComponent<Record<string, unknown>>;
beforeAll(async () => {
  EvalTable = await load('training/EvalTable.tsx', 'EvalTable');
  OpenedModelSummary = await load('training/OpenedModelSummary.tsx', 'OpenedModelSummary');
  ModelStorePanel = await load('training/ModelStorePanel.tsx', 'ModelStorePanel');
  MappingForm = await load('import/MappingForm.tsx', 'MappingForm');
});

/** Words the two languages share on purpose: proper names, units and format names. */
const SHARED = new Set(['mahalanobis', 'edge', 'impulse', 'rms', 'auc', 'int8', 'normal', 'detector', 'comparable', 'bytes', 'csv', 'vigil']);
const words = (s: string) => (s.toLowerCase().match(/\p{L}[\p{L}'-]*/gu) ?? []).filter((w) => w.length >= 3 && !SHARED.has(w));
const text = (html: string) => html.replace(/<[^>]*translate="no"[^>]*>[^<]*<\/[^>]+>/g, ' ').replace(/<[^>]+>/g, ' ').replace(/&#x27;/g, "'").replace(/&quot;/g, '"').replace(/&amp;/g, '&');
const without = (s: string, data: string[]) => data.reduce((x, d) => x.split(d).join(' '), s);

/** The same markup in English and in Spanish, and the English words the Spanish still holds. */
function bothLanguages(render: () => string, data: string[] = []): { en: string; es: string; left: string[] } {
  setLanguage('en');
  const en = text(render());
  setLanguage('es');
  const es = text(render());
  setLanguage('en');
  const english = new Set(words(without(en, data)));
  return { en, es, left: words(without(es, data)).filter((w) => english.has(w)) };
}

/** Windows of 2 axes x 32 bands: normal ones near 1, the fault's higher. */
function windows(n: number, level: number, seed: number): Float32Array[] {
  let s = seed;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  return Array.from({ length: n }, () => Float32Array.from({ length: 64 }, () => level + rnd() * 0.2));
}
const set = (rows: Float32Array[]) => ({ rows, rms: rows.map((r) => r.reduce((a, b) => a + b, 0) / r.length) });

const vgm = readFileSync(join(ROOT, 'renderer/public/models/default.vgm'));
const defaultModel = (): Int8Autoencoder => readVgmFile(new Uint8Array(vgm)).model;

let dbN = 0;

describe('the Training page in Spanish', () => {
  afterEach(() => setLanguage('en'));

  it('the evaluation table: detector names, threshold sources, why the node model is not comparable; the verdict quotes it', () => {
    // The node's model reads 48 kHz features; these windows are of 12 kHz ones, so it cannot be compared.
    const data: EvalData = { spec: defaultFeatureSpec(12000), train: set(windows(40, 1, 1)), val: set(windows(40, 1, 2)), testNormal: set(windows(40, 1, 3)), anomalies: new Map([['inner_race', set(windows(40, 3, 4))]]) };
    const report = evaluate(data, { current: defaultModel() });
    expect(report.detectors.map((d) => d.name)).toEqual(["node's current model (v1)", 'RMS threshold', 'Mahalanobis (log bands)', 'k-means (Edge Impulse, k=32)']);
    // The English kept for the CLI is what it always was.
    expect(report.detectors[0].unavailable).toBe('built for other features (feature spec hash differs)');
    expect(report.detectors[1].thresholdSource).toBe('validation windows, target 0.1% of windows');
    expect(report.detectors[3].thresholdSource).toBe('validation windows, target 0.1% of windows, normal fit (scores can be negative)');

    const table = bothLanguages(() => renderToStaticMarkup(createElement(EvalTable, { report })), ['inner_race']);
    expect(table.es).toContain('modelo actual del nodo (v1)');
    expect(table.es).toContain('no comparable: hecho para otras características');
    expect(table.es).toContain('umbral RMS');
    expect(table.es).toContain('Mahalanobis (bandas logarítmicas)');
    expect(table.es).toContain('k-medias (Edge Impulse, k=32)');
    expect(table.es).toContain('ventanas de validación, objetivo 0,1 % de las ventanas, ajuste a una normal (las puntuaciones pueden ser negativas)');
    expect(table.es).toMatch(/Ventanas: 40 entrenamiento, 40 validación, 40 prueba normal, 40 inner_race/);
    expect(table.en).toMatch(/Windows: 40 train, 40 validation, 40 normal_test, 40 inner_race/);
    expect(table.left).toEqual([]);

    const other = incompatibility({ spec: defaultFeatureSpec(48000), axes: [0, 1, 2] }, defaultFeatureSpec(48000), 64)!;
    expect(inEnglish(other)).toBe('built for 3 axes (96 inputs); these windows have 64');
    setLanguage('es');
    expect(say(other)).toBe('hecho para 3 ejes (96 entradas); estas ventanas tienen 64');

    // The verdict when the node's model cannot be compared quotes the reason, in Spanish too.
    const int8 = { ...report.detectors[1], id: 'int8' as const, name: 'autoencoder (int8)', say: undefined };
    const verdict = verdictOf({ ...report, detectors: [int8, report.detectors[0]] }, { testNormal: { sourceIndex: Array(40).fill(0), start: [...Array(40).keys()].map((k) => k * 512) }, anomalies: new Map(), sampleRateHz: 12000, hop: 512 });
    expect(verdict.headline).toMatch(/^The node's current model cannot be compared on this data \(built for other features \(feature spec hash differs\)\)/);
    setLanguage('es');
    const headline = say(verdict.msg.headline);
    setLanguage('en');
    expect(headline).toMatch(/^El modelo actual del nodo no se puede comparar con estos datos \(hecho para otras características \(la huella de su especificación de características es otra\)\)/);
    expect(words(headline).filter((w) => words(verdict.headline).includes(w))).toEqual([]);
  });

  it('a report made before detector names were keys still shows its English names', () => {
    const old: EvaluationReport = { windows: {}, targetRate: 0.001, debounce: { k: 3, n: 5 }, windowsPerSecond: 2, detectors: [{ id: 'rms', name: 'RMS threshold', thresholdSource: 'validation windows', threshold: 1, auc: {}, aucMin: 1, falseAlarmRate: 0, detectionRate: {}, detectionMin: 1, falseAlarmsPerDay: 0 }] };
    setLanguage('es');
    expect(text(renderToStaticMarkup(createElement(EvalTable, { report: old })))).toContain('RMS threshold');
  });

  it('the opened .vgm summary', async () => {
    const db = new VigilDb(`i18n-training-${++dbN}`);
    const plan = await planModelImport(db, new Uint8Array(vgm), 'bomba 3.vgm');
    db.close();
    const l = plan.app!.lineage;
    const s = bothLanguages(() => renderToStaticMarkup(createElement(OpenedModelSummary, { plan })), [...l.channels, ...l.labels, l.tool]);
    expect(s.en).toMatch(/model v1.*autoencoder 64-32-8-32-64 on DE_accel \+ FE_accel; features 48000 Hz, window 1024, hop 512, 32 bands.*sum of squares.*self-test passes.*trained by scripts\/gen-default-model\.ts on Jan 1, 2025/s);
    expect(s.es).toMatch(/modelo v1.*autocodificador 64-32-8-32-64 sobre DE_accel \+ FE_accel; características 48000 Hz, ventana 1024, salto 512, 32 bandas.*suma de cuadrados.*la autoprueba pasa.*entrenado por scripts\/gen-default-model\.ts el 1 ene 2025/s);
    expect(s.es).not.toContain('2025-01-01T');
    expect(s.left).toEqual([]);
  });

  it('the verdict kept in the model store: said in the interface language; an older row shows the English it was saved with', () => {
    const verdict = verdictOf(
      { windows: {}, targetRate: 0.001, debounce: { k: 3, n: 5 }, windowsPerSecond: 2, detectors: [{ id: 'int8', name: 'autoencoder (int8)', thresholdSource: '', threshold: 1, auc: {}, aucMin: 1, falseAlarmRate: 0, detectionRate: {}, detectionMin: 1, falseAlarmsPerDay: 0.1, scores: { val: [], testNormal: Array(40).fill(0), anomalies: {} } }] },
      { testNormal: { sourceIndex: Array(40).fill(0), start: [...Array(40).keys()].map((k) => k * 6000) }, anomalies: new Map(), sampleRateHz: 1000, hop: 6000 },
    );
    const row = (version: number, withMsg: boolean): ModelRow => ({
      id: `m${version}`,
      name: `v${version}`,
      version,
      nodeId: null,
      kind: 'autoencoder-int8',
      specKey: 'k',
      blob: null,
      blobBytes: 3,
      architecture: '64-8-64',
      channels: ['DE_accel'],
      // A picked file without a label: the lineage keeps the app's English word for it.
      lineage: { tool: 'Vigil', createdAt: '', channels: ['DE_accel'], data: [{ name: 'sin_etiqueta.csv', label: UNLABELLED_LABEL, use: 'evaluation only (anomaly: never trained on)' }], labels: [], params: { seed: 1 }, training: { epochsRun: 3 }, notes: [] } as unknown as Lineage,
      summary: null,
      verdict: verdict.headline,
      ...(withMsg ? { verdictMsg: verdict.msg.headline } : {}),
      note: '',
      meta: {},
      createdMs: 0,
      updatedMs: 0,
    });
    const panel = (withMsg: boolean) => () => renderToStaticMarkup(createElement(ModelStorePanel, { models: [row(2, withMsg)], deployments: [], nodes: [], onDeploy: () => {} }));
    expect(verdict.headline).toMatch(/^There is no current model to compare with\. The new model on its own:/);
    const kept = bothLanguages(panel(true), ['sin_etiqueta.csv', 'DE_accel']);
    expect(kept.es).toContain('No hay un modelo actual con el que comparar. El modelo nuevo por sí solo:');
    expect(kept.es).toContain('sin_etiqueta.csv — sin etiqueta (tratado como normal): solo evaluación');
    expect(kept.left).toEqual([]);

    // A row saved before verdictMsg: its English sentence, marked as English data.
    setLanguage('es');
    const old = panel(false)();
    setLanguage('en');
    expect(old).toContain(`<span lang="en" translate="no">${verdict.headline}</span>`);
    expect(text(old)).not.toContain('There is no current model');
  });
});

describe('CSV columns without a header, in Spanish', () => {
  afterEach(() => setLanguage('en'));

  it('"Column 1" for models/ and the CLI, "Columna 1" on the screen', () => {
    const head = '0.1,0.2,0.3\n0.4,0.5,0.6\n0.7,0.8,0.9\n';
    const p = sniffCsv(head, 'sin cabecera.csv');
    expect(p.columnNames).toEqual(['Column 1', 'Column 2', 'Column 3']);
    expect(p.unnamed).toEqual([true, true, true]);
    expect(p.settings.channels).toEqual(['Column 1', 'Column 2', 'Column 3']);
    // A header with an empty cell: only that column is unnamed.
    const named = previewWith('DE_accel,,x\n1,2,3\n', { delimiter: ',', skipLines: 0, hasHeader: true });
    expect(named.columnNames).toEqual(['DE_accel', 'Column 2', 'x']);
    expect(named.unnamed).toEqual([false, true, false]);

    setLanguage('es');
    expect(columnNamesSaid(p)).toEqual(['Columna 1', 'Columna 2', 'Columna 3']);
    expect(columnNamesSaid(named)).toEqual(['DE_accel', 'Columna 2', 'x']);
    expect(channelsSaid(p, p.settings.channels, p.settings.mapping.axisColumns)).toEqual(['Columna 1', 'Columna 2', 'Columna 3']);
    // Channels that are not column names (FEMTO's) stay as proposed.
    expect(channelsSaid(p, ['horizontal', 'vertical'], [1, 2])).toEqual(['horizontal', 'vertical']);

    // The import dialog's mapping form shows them.
    const settings: ImportSettings = p.settings;
    const form = () => renderToStaticMarkup(createElement(MappingForm, { head, settings, details: { name: 'x', nodeName: 'x', assetName: '', recordedAt: '2026-03-08T08:00' }, notes: [], assets: [], onSettings: () => {}, onDetails: () => {} }));
    const s = bothLanguages(form);
    expect(s.en).toContain('Column 1');
    expect(s.es).toContain('Columna 1');
    expect(s.es).not.toMatch(/Column\b/);
  });
});
