// A trained candidate that the node's int8 format cannot hold (QuantizeError: a requantization
// multiplier >= 1, seen on 2 of 47 UESTC candidates) is listed with its reason and never chosen;
// the search goes on (before, it ended the whole search). The failure is forced for one
// architecture by wrapping quantizeDetector, since no small training reliably produces it.
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { msg } from '../../../models/i18n/msg';
import { QuantizeError } from '../../../models/nn/quantize';
import { candidateJson, NODE_BUDGET, sizeSearch, tradeoffTable } from '../../../models/size/search';
import { prepareData } from '../../../models/train/dataset';
import { useNodeBackend } from '../../../main/cli/tfBackend';
import { readCsvColumns } from '../../helpers/recording';
import { ROOT } from '../../helpers/firmware';

vi.mock('../../../models/train/pipeline', async (importOriginal) => {
  const real = await importOriginal<typeof import('../../../models/train/pipeline')>();
  return {
    ...real,
    quantizeDetector: (...args: Parameters<typeof real.quantizeDetector>) => {
      if (args[0].layers[0].outDim === 32) throw new QuantizeError(msg('problems.quantize.multiplier', { multiplier: { num: 1.158 } }));
      return real.quantizeDetector(...args);
    },
  };
});

const spec = defaultFeatureSpec(48000);
const demo = (f: string) => readCsvColumns(`${ROOT}/data/demo/${f}`).columns;
const prepared = prepareData(
  [
    { name: 'n', label: 'normal', channels: [demo('cwru_normal_0hp_1797rpm_48k_1s.csv')[0]] },
    { name: 'f', label: 'inner_race', channels: [demo('cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv')[0]] },
  ],
  spec,
  { testFraction: 0.4, valFraction: 0.25 },
);

beforeAll(async () => {
  await useNodeBackend('wasm');
});

describe('a candidate the node cannot hold', () => {
  it('is listed with its reason, never chosen, and the search goes on', async () => {
    const r = await sizeSearch(prepared, spec, [0], NODE_BUDGET, { widths: [16, 32], bottlenecks: [4], prune: [0], distill: false, epochs: 3 });
    const bad = r.candidates.filter((c) => c.widths[1] === 32);
    expect(bad.length).toBeGreaterThan(0);
    for (const c of bad) {
      expect(c.trained).toBe(false);
      expect(c.error).toMatch(/requantization multiplier 1.158 is >= 1/);
      expect(c.model).toBeUndefined();
      expect(candidateJson(c).error).toBe(c.error);
    }
    expect(r.candidates[r.chosen].widths[1]).toBe(16);
    expect(r.candidates[r.chosen].trained).toBe(true);
    expect(candidateJson(r.candidates[r.chosen])).not.toHaveProperty('error');
    expect(tradeoffTable(r).find((l) => l.startsWith('32-32-4-32-32'))).toMatch(/\(cannot be made int8: the output layer's requantization multiplier 1.158/);
  }, 60_000);
});
