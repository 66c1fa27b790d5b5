// The technician's verdict (models/eval/verdict.ts): the new model against the node's current one
// on the same held-out windows, replayed with the node's k-of-n debounce.
import { describe, expect, it } from 'vitest';
import type { DetectorEval, EvaluationReport } from '../../../models/eval/report';
import { perDayWords, RATE_MIN_HELD_OUT_SECONDS, verdictOf, verdictText, type VerdictData } from '../../../models/eval/verdict';
import { makeI18n } from '../../../models/i18n';
import type { MsgWords } from '../../../models/i18n/msg';

const HOP = 6000;
const FS = 1000;
/** Two normal stretches of 20 windows (4 min held out, just enough to judge false alarms), two fault periods of 10 windows. */
const data: VerdictData = {
  testNormal: { sourceIndex: [...Array(20).fill(0), ...Array(20).fill(1)], start: [...Array(20).keys(), ...Array(20).keys()].map((k) => k * HOP) },
  anomalies: new Map([['inner-race', { sourceIndex: [...Array(10).fill(0), ...Array(10).fill(1)], start: [...Array(10).keys(), ...Array(10).keys()].map((k) => k * HOP) }]]),
  sampleRateHz: FS,
  hop: HOP,
};

function detector(id: DetectorEval['id'], perDay: number, normal: number[], fault: number[]): DetectorEval {
  return {
    id,
    name: id === 'current' ? "node's current model (v1)" : 'autoencoder (int8)',
    thresholdSource: '',
    threshold: 1,
    auc: { 'inner-race': 1 },
    aucMin: 1,
    falseAlarmRate: 0,
    detectionRate: {},
    detectionMin: 1,
    falseAlarmsPerDay: perDay,
    scores: { val: [], testNormal: normal, anomalies: { 'inner-race': fault } },
  };
}
const report = (...detectors: DetectorEval[]): EvaluationReport => ({ windows: {}, targetRate: 0.001, debounce: { k: 3, n: 5 }, windowsPerSecond: 2, detectors });

const quiet = Array(40).fill(0);
/** Three windows over the threshold in one normal stretch: one debounced alarm. */
const noisy = quiet.map((_, i) => (i >= 5 && i < 8 ? 2 : 0));
/** Over the threshold from window `from` of each fault period. */
const faultFrom = (from: number[]) => from.flatMap((f) => Array.from({ length: 10 }, (_, k) => (k >= f ? 2 : 0)));

describe('verdict', () => {
  it('better: fewer false alarms, more periods caught, earlier', () => {
    const v = verdictOf(report(detector('int8', 0.1, quiet, faultFrom([0, 1])), detector('current', 5, noisy, faultFrom([4, 99]))), data);
    expect(v.judgement).toBe('better');
    expect(v.candidate.faults['inner-race']).toEqual({ periods: 2, caught: 2, delaysS: [18, 24] });
    expect(v.current!.faults['inner-race']).toMatchObject({ caught: 1, delaysS: [42] });
    expect(v.current!.normalAlarms).toBe(1);
    expect(v.headline).toBe(
      'The new model is better than the model the node runs now (v1): fewer false alarms (about 1 every 10 days instead of 5 a day), catches 2 of 2 fault periods instead of 1, alarms earlier (21 s instead of 42 s after a fault starts).',
    );
    expect(v.basis).toMatch(/^Judged on 4 min of normal running held out .* and 2 labelled fault periods \(inner-race\)/);
  });

  it('worse when it misses what the current model catches', () => {
    const v = verdictOf(report(detector('int8', 1, quiet, faultFrom([99, 99])), detector('current', 1, quiet, faultFrom([0, 0]))), data);
    expect(v.judgement).toBe('worse');
    expect(v.headline).toMatch(/worse .* catches 0 of 2 fault periods instead of 2\. Keep the current one\./);
  });

  it('mixed, and the same', () => {
    expect(verdictOf(report(detector('int8', 0.1, quiet, faultFrom([99, 0])), detector('current', 3, quiet, faultFrom([0, 0]))), data).judgement).toBe('mixed');
    const same = verdictOf(report(detector('int8', 1.2, quiet, faultFrom([0, 0])), detector('current', 1, quiet, faultFrom([0, 0]))), data);
    expect(same.judgement).toBe('same');
    expect(same.headline).toMatch(/does as well as/);
  });

  it('says so when the current model cannot be compared', () => {
    const cur: DetectorEval = { ...detector('current', NaN, [], []), scores: undefined, unavailable: 'built for other features (feature spec hash differs)' };
    const v = verdictOf(report(detector('int8', 0.1, quiet, faultFrom([0, 0])), cur), data);
    expect(v.judgement).toBe('no comparison');
    expect(v.headline).toMatch(/cannot be compared on this data \(built for other features/);
    expect(v.lines[1]).toMatch(/Faults caught: 2 of 2 fault periods/);
  });

  it('says plainly when too little normal running was held out to judge false alarms', () => {
    // The same windows 12 times shorter: 20 s of held-out normal running.
    const short: VerdictData = { ...data, hop: HOP / 12 };
    expect((40 * short.hop) / FS).toBeLessThan(RATE_MIN_HELD_OUT_SECONDS);
    const v = verdictOf(report(detector('int8', 0.1, quiet, faultFrom([0, 0])), detector('current', 18, noisy, faultFrom([0, 0]))), short);
    // 18 a day against 0.1 a day is no difference on 20 s: neither figure is shown or weighed.
    expect(v.judgement).toBe('same');
    expect(v.lines[0]).toBe('False alarms, for either model: too little normal running was held out to tell (20 s; it takes at least 4 min, from about 10 min of labelled normal running).');
    expect(v.headline).toMatch(/does as well as .* on the faults in this data\. False alarms cannot be judged yet: record more normal running and train again\.$/);
    expect(v.headline + v.lines.join(' ')).not.toMatch(/a day/);
    const alone = verdictOf(report(detector('int8', 18, quiet, faultFrom([0, 0]))), short);
    expect(alone.lines[0]).toMatch(/^False alarms: too little normal running was held out to tell/);
  });

  it('false alarms per day in words', () => {
    expect([0.001, 0.25, 3.14159].map(perDayWords)).toEqual(['fewer than 1 in 100 days', 'about 1 every 4 days', '3.1 a day']);
  });

  it('says every verdict in Spanish, numbers with a decimal comma, no English left', () => {
    const es = makeI18n('es');
    const nf = new Intl.NumberFormat('es', { maximumFractionDigits: 6 });
    const words: MsgWords = { t: (key, params) => es.t(key, params) as string, num: (x) => nf.format(x) };
    const short: VerdictData = { ...data, hop: HOP / 12 };
    const unavailable: DetectorEval = { ...detector('current', NaN, [], []), scores: undefined, unavailable: 'feature spec hash differs' };
    const cases = [
      verdictOf(report(detector('int8', 0.1, quiet, faultFrom([0, 1])), detector('current', 2.5, noisy, faultFrom([4, 99]))), data),
      verdictOf(report(detector('int8', 1, quiet, faultFrom([99, 99])), detector('current', 1, quiet, faultFrom([0, 0]))), data),
      verdictOf(report(detector('int8', 0.1, quiet, faultFrom([99, 0])), detector('current', 3, quiet, faultFrom([0, 0]))), data),
      verdictOf(report(detector('int8', 1.2, quiet, faultFrom([0, 0])), detector('current', 1, quiet, faultFrom([0, 0]))), data),
      verdictOf(report(detector('int8', 0.1, quiet, faultFrom([0, 0])), unavailable), data),
      verdictOf(report(detector('int8', 0.1, quiet, faultFrom([0, 0])), detector('current', 18, noisy, faultFrom([0, 0]))), short),
      verdictOf(report(detector('int8', 18, quiet, faultFrom([0, 0]))), { ...short, anomalies: new Map() }),
    ];
    expect(cases.map((v) => v.judgement)).toEqual(['better', 'worse', 'mixed', 'same', 'no comparison', 'same', 'no comparison']);
    const [better] = cases.map((v) => verdictText(v.msg, words));
    expect(better.headline).toBe(
      'El modelo nuevo es mejor que el modelo que ejecuta ahora el nodo (v1): menos falsas alarmas (alrededor de 1 cada 10 días en lugar de 2,5 al día), detecta 2 de 2 periodos de falla en lugar de 1, alarma antes (21 s en lugar de 42 s después de que empieza una falla).',
    );
    expect(better.lines[0]).toBe('Falsas alarmas: alrededor de 1 cada 10 días (0 alarmas en los datos normales apartados), frente a 2,5 al día (1 alarma en los datos normales apartados) con el modelo actual.');
    expect(better.basis).toMatch(/^Evaluado con 4 min de marcha normal .* y 2 periodos de falla etiquetados \(inner-race\)/);
    // Every sentence of every case, with the data it quotes (the label, the node's reason) taken out.
    const all = cases.flatMap((v) => {
      const x = verdictText(v.msg, words);
      return [x.headline, ...x.lines, x.basis].map((s) => s.replace(/inner-race|feature spec hash differs/g, ''));
    });
    expect(all.join(' ')).toMatch(/Conserve el actual/);
    expect(all.join(' ')).toMatch(/grabe más marcha normal/);
    for (const s of all) {
      expect(s).not.toMatch(/verdict\.|\{\{/);
      expect(s).not.toMatch(/\b(the|model|alarms?|false|fault|periods?|than|instead|after|of|on|day|days|never|held|running|labelled)\b/i);
    }
    // The English, from the same data, is unchanged in meaning and words.
    expect(verdictText(cases[0].msg).headline).toBe(cases[0].headline);
    expect(cases[0].headline).toMatch(/^The new model is better than the model the node runs now \(v1\): fewer false alarms \(about 1 every 10 days instead of 2.5 a day\)/);
  });
});
