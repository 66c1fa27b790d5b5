// The Training page's size search as its worker runs it (renderer/src/training/sizeJob.ts): a
// progress message before each training, the trade-off table at the end (without the models, so it
// crosses postMessage), the chosen model handed back for the verdict; cancel between trainings or
// epochs posts 'cancelled' and no table; data a node cannot run and a budget nothing fits are
// refused in the interface language before any training.
import { beforeAll, describe, expect, it } from 'vitest';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { msgOf } from '../../../models/i18n/msg';
import { NODE_BUDGET } from '../../../models/size/search';
import { prepareData } from '../../../models/train/dataset';
import { useNodeBackend } from '../../../main/cli/tfBackend';
import type { FromWorker, SizeParams } from '../../../renderer/src/training/protocol';
import { runSizeSearch, type SizeMsg } from '../../../renderer/src/training/sizeJob';
import { readCsvColumns } from '../../helpers/recording';
import { ROOT } from '../../helpers/firmware';

const spec = defaultFeatureSpec(48000);
const demo = (f: string) => readCsvColumns(`${ROOT}/data/demo/${f}`).columns;
const normal = demo('cwru_normal_0hp_1797rpm_48k_1s.csv');
const fault = demo('cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const channels = ['DE_accel'];
const prepared = prepareData(
  [
    { name: 'n', label: 'normal', channels: [normal[0]] },
    { name: 'f', label: 'inner_race', channels: [fault[0]] },
  ],
  spec,
  { testFraction: 0.4, valFraction: 0.25 },
);
const data = { prepared, spec, channels };
const params: SizeParams = { widths: [16], bottlenecks: [4], prune: [0, 0.5], distill: false, epochs: 3, seed: 1, detectionTarget: 0.99, alarmsPerDay: 1, debounceK: 3, debounceN: 5 };
const job = (o: Partial<SizeMsg> = {}): SizeMsg => ({
  type: 'size',
  source: { kind: 'files', files: [], channels, sampleRateHz: 48000 },
  budget: NODE_BUDGET,
  node: null,
  params,
  current: null,
  modelVersion: 2,
  parentVersion: 1,
  ...o,
});

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('the size search in the Training page worker', () => {
  it('posts a step before each training, then the table; the chosen model comes back trained', async () => {
    const posted: FromWorker[] = [];
    const found = await runSizeSearch(job(), data, (m) => posted.push(m), () => true);
    const steps = posted.filter((m) => m.type === 'sizeStep');
    // 32-16-4-16-32, its 50 % pruned fine-tune, and the reference 32-32-8-32-32
    expect(steps.map((s) => [s.step.kind, s.step.name, s.step.done, s.step.total])).toEqual([
      ['train', '32-16-4-16-32', 0, 3],
      ['train', '32-32-8-32-32', 1, 3],
      ['prune', '32-16-4-16-32 p50', 2, 3],
    ]);
    expect(posted[posted.length - 1].type).toBe('sizeTable');
    const table = (posted[posted.length - 1] as Extract<FromWorker, { type: 'sizeTable' }>).table;
    expect(table.rows.map((r) => r.name)).toEqual(['32-16-4-16-32', '32-16-4-16-32 p50', '32-32-8-32-32']);
    expect(table.rows[table.reference].name).toBe('32-32-8-32-32');
    expect(table.rows.every((r) => r.trained && r.fits && r.error === null)).toBe(true);
    expect(table.budget).toEqual(NODE_BUDGET);
    expect(table.detectionTarget).toBe(0.99);
    // The table crosses postMessage: plain data, no model.
    expect(structuredClone(table)).toEqual(table);
    expect(JSON.stringify(table)).not.toMatch(/"layers"|"detector"/);
    expect(found).not.toBeNull();
    expect(found!.chosen.name).toBe(table.rows[table.chosen].name);
    expect(found!.chosen.detector?.training.model).toBeDefined();
    // The threshold is set for the page's alarms per day, as a trained model's is.
    expect(found!.targetRate).toBeGreaterThan(0);
    expect(found!.targetRate).toBeLessThan(0.01);
  }, 120_000);

  it('a cancel after the first training posts cancelled and no table', async () => {
    const posted: FromWorker[] = [];
    let asked = 0;
    const found = await runSizeSearch(job(), data, (m) => posted.push(m), () => {
      asked++;
      return !posted.some((m) => m.type === 'sizeStep');
    });
    expect(found).toBeNull();
    expect(asked).toBeGreaterThan(1);
    expect(posted.map((m) => m.type)).toEqual(['sizeStep', 'cancelled']);
  }, 60_000);

  it('refuses data the picked node cannot run, and a budget nothing fits, before training', async () => {
    const posted: FromWorker[] = [];
    const node = { name: 'pump-3', board: 'stm32f405' as const, axisCount: 3, sampleRateHz: 26667, windowLen: 1024, hop: 512 };
    const e1 = await runSizeSearch(job({ node }), data, (m) => posted.push(m), () => true).catch((e: unknown) => e);
    expect(msgOf(e1)?.key).toBe('size.budget.otherRate');
    expect((e1 as Error).message).toMatch(/^pump-3 samples at 26667 Hz and the data at 48000 Hz/);
    const e2 = await runSizeSearch(job({ budget: { ...NODE_BUDGET, flashBytes: 1000 } }), data, (m) => posted.push(m), () => true).catch((e: unknown) => e);
    expect(msgOf(e2)?.key).toBe('size.noneFits');
    expect((e2 as Error).message).toMatch(/the smallest, 32-16-4-16-32, needs \d+ bytes/);
    expect(posted).toEqual([]);
  });
});
