// Training from stored recordings (models/train/stored.ts): the labelled ranges decide the
// classes, a fault's edge never trains, unlabelled time is normal only when asked, data under
// another feature spec is refused in words, normal stretches split in time without overlap, and
// the amount of data per class is judged in plain words.
import { describe, expect, it } from 'vitest';
import { makeI18n } from '../../../models/i18n';
import { renderMsg, type MsgWords } from '../../../models/i18n/msg';
import { assembleRuns, dataAmounts, describeSpec, describeSpecMsg, prepareRuns, specDifference, specDifferenceMsg, type StoredChunk, type StoredLabel, type StoredSession, type StoredSpec } from '../../../models/train/stored';

const SPEC: StoredSpec = { sampleRateHz: 1000, channels: ['x', 'y'], windowLen: 100, hop: 50, bandCount: 3 };
const T0 = Date.UTC(2026, 0, 5, 8, 0, 0);
/** Window k ends at node time (k * hop + windowLen) / fs: 0.1 s + k * 0.05 s. */
const endMs = (k: number) => T0 + ((k * SPEC.hop + SPEC.windowLen) / SPEC.sampleRateHz) * 1000;

function session(id: string, over: Partial<StoredSession> = {}, windows = 200): StoredSession {
  return { id, nodeId: 'N1', name: `rec ${id}`, t0Ms: T0, startMs: endMs(0), endMs: endMs(windows - 1), fields: ['rms'], ...SPEC, ...over };
}

/** One chunk of windows `ks` (every window's bands = [k, a, b] marks, rms = k / 1000 per axis). */
function chunk(sessionId: string, ks: number[], bandCount = 3, axes = 2): StoredChunk {
  const count = ks.length;
  const bands = new Float32Array(count * axes * bandCount);
  for (let c = 0; c < axes * bandCount; c++) for (let i = 0; i < count; i++) bands[c * count + i] = ks[i] * 100 + c;
  const values = new Float32Array(count * axes);
  for (let a = 0; a < axes; a++) for (let i = 0; i < count; i++) values[a * count + i] = (ks[i] + a) / 1000;
  return {
    sessionId,
    chunkIndex: 0,
    count,
    windowIndex: Uint32Array.from(ks),
    tUsOffset: Uint32Array.from(ks, (k) => Math.floor(((k * SPEC.hop + SPEC.windowLen) * 1e6) / SPEC.sampleRateHz)),
    values,
    bands: bandCount ? bands : null,
  };
}

const range = (a: number, b: number) => Array.from({ length: b - a }, (_, i) => a + i);
const label = (label: string, fromK: number, toK: number): StoredLabel => ({ nodeId: 'N1', label, startMs: endMs(fromK) - 100, endMs: endMs(toK) });

const assemble = (labels: StoredLabel[], unlabelledAsNormal = false, chunks = [chunk('S1', range(0, 200))], sessions = [session('S1')]) =>
  assembleRuns({ spec: SPEC, sessions, chunks, labels, fromMs: 0, toMs: Infinity, unlabelledAsNormal });

describe('classes from labelled ranges', () => {
  it('normal and false-alarm ranges are normal, a fault range is its class, the rest is left out unless counted as normal', () => {
    const labels = [label('normal', 0, 59), label('false-alarm', 60, 79), label('inner-race', 120, 159)];
    const a = assemble(labels);
    expect(a.runs.map((r) => [r.label, r.windowIndex[0], r.windowIndex.at(-1)])).toEqual([
      ['normal', 0, 79],
      ['inner-race', 120, 159],
    ]);
    // Windows 80..119 and 160..199 are unlabelled; the fault's edge windows (partly inside) are left out too.
    expect(a.leftOut.unlabelled + a.leftOut.faultEdge).toBe(200 - 80 - 40);
    expect(a.leftOut.faultEdge).toBeGreaterThan(0);
    const b = assemble(labels, true);
    expect(b.runs.map((r) => r.label)).toEqual(['normal', 'inner-race', 'normal']);
    // Even counted as normal, a window that touches the fault range does not train.
    const normalWindows = b.runs.filter((r) => r.label === 'normal').flatMap((r) => r.windowIndex);
    for (const k of normalWindows) expect(endMs(k) <= label('inner-race', 120, 159).startMs || endMs(k) - 100 >= label('inner-race', 120, 159).endMs).toBe(true);
  });

  it('keeps the band energies axis-major and the largest RMS over the axes', () => {
    const r = assemble([label('normal', 0, 199)]).runs[0];
    expect(Array.from(r.rows[5])).toEqual([500, 501, 502, 503, 504, 505]);
    expect(r.rms[5]).toBeCloseTo(6 / 1000, 6);
    expect(r.ranges).toEqual([{ startUs: Math.round((label('normal', 0, 199).startMs - T0) * 1000), endUs: Math.round((endMs(199) - T0) * 1000), label: 'normal' }]);
  });

  it('two different fault labels over one window leave it out; deleted labels count for nothing', () => {
    const a = assemble([label('normal', 0, 199), label('ball', 50, 70), label('cage', 60, 80), { ...label('outer-race', 100, 120), deletedMs: 1 }]);
    expect(a.leftOut.conflicting).toBeGreaterThan(0);
    expect(a.runs.some((r) => r.label === 'outer-race')).toBe(false);
  });

  it('a gap in the windows ends a run', () => {
    const a = assemble([label('normal', 0, 199)], false, [chunk('S1', [...range(0, 50), ...range(60, 200)])]);
    expect(a.runs.map((r) => r.windowIndex.length)).toEqual([50, 140]);
  });

  it('only windows inside the chosen span are used', () => {
    const a = assembleRuns({ spec: SPEC, sessions: [session('S1')], chunks: [chunk('S1', range(0, 200))], labels: [label('normal', 0, 199)], fromMs: endMs(10) - 100, toMs: endMs(29), unlabelledAsNormal: false });
    expect(a.runs[0].windowIndex).toEqual(range(10, 30));
  });
});

describe('feature spec check', () => {
  it('says in words what differs', () => {
    expect(specDifference(SPEC, SPEC)).toBeNull();
    expect(specDifference(SPEC, { ...SPEC, sampleRateHz: 25600 })).toBe('recorded at 25.6 kHz, the model is for 1 kHz');
    expect(specDifference(SPEC, { ...SPEC, channels: ['x'], hop: 100 })).toBe('has 1 axis, the model 2; a window every 100 samples, the model every 50');
    expect(specDifference(SPEC, { ...SPEC, bandCount: 0 })).toMatch(/without band energies/);
  });

  it('refuses the sessions in the span recorded under another spec, and keeps their windows out', () => {
    const other = session('S2', { sampleRateHz: 2000, name: 'after the firmware update' });
    const a = assemble([label('normal', 0, 199)], false, [chunk('S1', range(0, 200)), chunk('S2', range(0, 200))], [session('S1'), other]);
    expect(a.refused).toEqual([
      {
        sessionId: 'S2',
        name: 'after the firmware update',
        why: 'recorded at 2 kHz, the model is for 1 kHz',
        whyMsg: [{ key: 'verdict.diff.rate', params: { got: { key: 'verdict.spec.khz', params: { n: { num: 2, sig: 4 } } }, want: { key: 'verdict.spec.khz', params: { n: { num: 1, sig: 4 } } } } }],
      },
    ]);
    expect(a.runs.every((r) => r.sessionId === 'S1')).toBe(true);
  });
});

describe('time split of stored runs', () => {
  it('trains on the start, validates on the middle and evaluates on the end of each normal run, with no overlap', () => {
    const a = assemble([label('normal', 0, 99), label('normal', 100, 199), label('cage', 200, 260)], false, [chunk('S1', [...range(0, 90), ...range(100, 300)])]);
    const p = prepareRuns(a.runs, SPEC, { testFraction: 0.4, valFraction: 0.25 });
    expect(p.normalCuts).toHaveLength(2);
    expect(p.anomalies.get('cage')!.rows.length).toBeGreaterThan(0);
    // Per run, every training window ends before every validation window starts, and so on.
    for (let src = 0; src < 2; src++) {
      const at = (set: typeof p.train) => Array.from(set.start).filter((_, i) => set.sourceIndex[i] === src);
      const tr = at(p.train);
      const va = at(p.val);
      const te = at(p.testNormal);
      expect(tr.length).toBeGreaterThan(0);
      expect(Math.max(...tr) + SPEC.windowLen).toBeLessThanOrEqual(Math.min(...va));
      expect(Math.max(...va) + SPEC.windowLen).toBeLessThanOrEqual(Math.min(...te));
    }
    // No fault window is among the training windows (window marks are k * 100 + column).
    const trained = new Set(p.train.rows.map((r) => r[0]));
    for (const r of p.anomalies.get('cage')!.rows) expect(trained.has(r[0])).toBe(false);
  });
});

describe('how much data, in words', () => {
  it('judges each class: too little, little, enough', () => {
    const a = assemble([label('normal', 0, 9), label('inner-race', 100, 199)]);
    const m = dataAmounts(a.runs, SPEC);
    expect(m.canTrain).toBe(false);
    expect(m.classes[0]).toMatchObject({ label: 'normal', use: 'train', amount: 'too little' });
    expect(m.classes[0].say).toMatch(/too little to train on/);
    expect(m.classes[1]).toMatchObject({ label: 'inner-race', use: 'evaluate', amount: 'little', runs: 1 });
    const long = dataAmounts(assemble([label('normal', 0, 199)]).runs, { ...SPEC, hop: 5000 });
    expect(long.classes[0].amount).toBe('enough');
    const mid = dataAmounts(assemble([label('normal', 0, 199)]).runs, SPEC);
    expect(mid).toMatchObject({ canTrain: true, classes: [{ amount: 'little' }] });
    expect(mid.classes[0].say).toMatch(/^10 s of normal running: enough to train, but/);
  });

  it('says the amounts, the spec and its differences in Spanish, with a decimal comma', () => {
    const es = makeI18n('es');
    const nf = new Intl.NumberFormat('es', { maximumFractionDigits: 6 });
    const words: MsgWords = { t: (key, params) => es.t(key, params) as string, num: (x) => nf.format(x) };
    const say = (m: Parameters<typeof renderMsg>[0]) => renderMsg(m, words);
    const few = dataAmounts(assemble([label('normal', 0, 9), label('inner-race', 100, 199)]).runs, SPEC);
    const mid = dataAmounts(assemble([label('normal', 0, 199)]).runs, SPEC);
    expect(say(few.classes[0].sayMsg)).toBe('0,5 s de marcha normal: demasiado poco para entrenar. Etiquete al menos 1 s como normal, o cuente el tiempo sin etiquetar como normal.');
    expect(say(few.classes[1].sayMsg)).toBe('5 s en 1 periodo: suficiente para una primera comprobación de si se detecta; más periodos dan una comprobación más firme.');
    expect(say(mid.classes[0].sayMsg)).toMatch(/^10 s de marcha normal: suficiente para entrenar, pero .* Con 10 min o más/);
    expect(few.classes[0].say).toMatch(/^0.5 s of normal running: too little to train on/);
    const spec = { ...SPEC, sampleRateHz: 25600, channels: ['DE'] };
    expect(say(describeSpecMsg(spec))).toBe('25,6 kHz, 1 eje (DE), ventanas de 100 muestras cada 50, 3 bandas por eje');
    expect(describeSpec(spec)).toBe('25.6 kHz, 1 axis (DE), windows of 100 samples every 50, 3 bands per axis');
    expect(specDifferenceMsg(SPEC, spec)!.map(say).join('; ')).toBe('grabado a 25,6 kHz, el modelo es para 1 kHz; tiene 1 eje, el modelo 2');
    for (const s of [few, mid].flatMap((m) => m.classes.map((c) => say(c.sayMsg)))) expect(s).not.toMatch(/\b(of|normal running|enough|too little|period|train on|caught)\b|verdict\./);
  });
});
