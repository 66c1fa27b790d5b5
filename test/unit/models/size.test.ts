// The size search (models/size, docs/size.md): the cost model against the measured instruction
// counts and the real blob, block pruning, the budget (never a chosen model over it; a budget too
// small for any candidate refused before training), and the search end to end on tiny models.
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { defaultFeatureSpec } from '../../../models/features/spec';
import { readVgmFile, writeModelBlob } from '../../../models/nn/modelFile';
import { trainAutoencoder } from '../../../models/train/autoencoder';
import { prepareData } from '../../../models/train/dataset';
import {
  blobBytesOf,
  expectedSparseLayers,
  fitInsn,
  fitSparseInsn,
  insnOf,
  insnStoredOf,
  INSN_DISPATCH_SINCE_MEASURED,
  INSN_FIT,
  INSN_MEASURED,
  INSN_SPARSE_FIT,
  INSN_SPARSE_MEASURED,
  ramBytesOf,
  scratchBytesOf,
  channelsOf,
  sparseLayersOf,
} from '../../../models/size/cost';
import { blockMask, pruneBlocks, pruneInt8Blocks, zeroBlocks, zeroWeightFraction } from '../../../models/size/prune';
import { chooseCandidate, NODE_BUDGET, parseBudget, SizeBudgetError, sizeSearch, thresholdForDetection, type SizeCandidate } from '../../../models/size/search';
import { useNodeBackend } from '../../../main/cli/tfBackend';
import { readCsvColumns } from '../../helpers/recording';
import { ROOT } from '../../helpers/firmware';

const spec = defaultFeatureSpec(48000);
const demo = (f: string) => readCsvColumns(`${ROOT}/data/demo/${f}`).columns;
const normal = demo('cwru_normal_0hp_1797rpm_48k_1s.csv');
const fault = demo('cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const prepared = prepareData(
  [
    { name: 'n', label: 'normal', channels: [normal[0]] },
    { name: 'f', label: 'inner_race', channels: [fault[0]] },
  ],
  spec,
  { testFraction: 0.4, valFraction: 0.25 },
);

beforeAll(async () => {
  expect(await useNodeBackend('wasm')).toBe('wasm');
});

describe('the cost model', () => {
  it('reproduces every QEMU-measured architecture, and the firmware bench figure for 64-32-8-32-64', () => {
    expect(INSN_MEASURED.length).toBeGreaterThanOrEqual(20);
    // measured before the block-sparse test in nn_dense_s8 (one instruction per layer since)
    for (const p of INSN_MEASURED) expect(insnOf(p.widths)).toBe(p.insn + INSN_DISPATCH_SINCE_MEASURED);
    // measured since, on the same firmware as the block-sparse points
    for (const p of INSN_SPARSE_MEASURED) expect(insnOf(p.widths)).toBe(p.insnDense);
    // bench/firmware.ts insn_inference 13,201 (the node's bands as input; the size image times the self-test input)
    expect(Math.abs(insnOf([64, 32, 8, 32, 64]) - 13_201)).toBeLessThanOrEqual(1);
  });

  it('a fit on the two-axis points alone predicts the one-axis points (held out) within 1 %', () => {
    const fit = fitInsn(INSN_MEASURED.filter((p) => p.widths[0] === 64).concat(INSN_MEASURED.filter((p) => p.widths[0] === 32).slice(0, 1)));
    for (const p of INSN_MEASURED.filter((q) => q.widths[0] === 32).slice(1)) expect(Math.abs(insnOf(p.widths, fit) - p.insn) / p.insn).toBeLessThan(0.01);
    expect(fitInsn(INSN_MEASURED).cMac).toBeCloseTo(INSN_FIT.cMac, 6);
    expect(fitInsn(INSN_MEASURED).c0 + INSN_DISPATCH_SINCE_MEASURED).toBeCloseTo(INSN_FIT.c0, 6);
  });

  it('flash is the packaged blob; RAM follows nn_net_scratch_bytes + 12 bytes per channel', () => {
    const m = readVgmFile(readFileSync(`${ROOT}/renderer/public/models/default.vgm`)).model;
    expect(blobBytesOf([64, 32, 8, 32, 64], 32)).toBe(writeModelBlob(m).length);
    expect(blobBytesOf([64, 32, 8, 32, 64], 32)).toBe(7980);
    expect(scratchBytesOf([64, 32, 8, 32, 64])).toBe(64 + 2 * 64 + 128);
    expect(scratchBytesOf([32, 20, 4, 20, 32])).toBe(32 + 2 * 32 + 64);
    expect(channelsOf([64, 32, 8, 32, 64])).toBe(136);
    expect(ramBytesOf([64, 32, 8, 32, 64])).toBe(320 + 12 * 136);
  });
});

describe('the cost of block-sparse layers (the kernel skips pruned blocks)', () => {
  const defaultModel = () => readVgmFile(readFileSync(`${ROOT}/renderer/public/models/default.vgm`)).model;
  it('the fit reproduces every measured saving exactly, and refitting gives the stated coefficients', () => {
    expect(INSN_SPARSE_MEASURED.length).toBeGreaterThanOrEqual(12);
    for (const p of INSN_SPARSE_MEASURED) {
      // the measured delta (same weights, block-sparse minus dense) is the model's
      expect(insnStoredOf(p.widths, p.storedBlocks) - insnOf(p.widths), p.widths.join('-')).toBe(p.insn - p.insnDense);
      expect(insnStoredOf(p.widths, p.storedBlocks)).toBe(p.insn);
    }
    const f = fitSparseInsn(INSN_SPARSE_MEASURED);
    for (const k of ['cBlocks', 'cStored', 'cPairs', 'cLayer'] as const) expect(f[k]).toBeCloseTo(INSN_SPARSE_FIT[k], 6);
    // half the blocks skipped saves about a fifth of the whole window's inference on 64-32-8-32-64
    const p50 = INSN_SPARSE_MEASURED.find((p) => p.widths.join() === '64,32,8,32,64' && p.storedBlocks[0] === 128)!;
    expect(p50.insn / p50.insnDense).toBeLessThan(0.85);
  });
  it.each([0.25, 0.5, 0.75])('pruned %s: the expected storage and bytes are the writer\'s', (f) => {
    const m = pruneInt8Blocks(defaultModel(), f);
    const widths = [64, 32, 8, 32, 64];
    expect(sparseLayersOf(m)).toEqual(expectedSparseLayers(widths, f));
    expect(blobBytesOf(widths, 32, sparseLayersOf(m))).toBe(writeModelBlob(m).length);
    expect(writeModelBlob(m).length).toBeLessThan(7980);
  });
  it('an unpruned model is stored dense and costs what it did', () => {
    const widths = [64, 32, 8, 32, 64];
    expect(expectedSparseLayers(widths, 0)).toEqual([undefined, undefined, undefined, undefined]);
    expect(sparseLayersOf(defaultModel())).toEqual([undefined, undefined, undefined, undefined]);
    expect(insnStoredOf(widths, [])).toBe(insnOf(widths));
  });
});

describe('block pruning', () => {
  const layer = { inDim: 16, outDim: 8, weights: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 16))) };
  it.each([0, 0.25, 0.5])('zeroes %s of the weights, in whole 2x4 blocks of the smallest magnitude', (f) => {
    const mask = blockMask(layer, f);
    const zero = mask.filter((x) => x === 0).length;
    expect(zero).toBe(f * 128);
    const z = zeroBlocks([{ ...layer, weights: Float32Array.from(layer.weights, (w, i) => w * mask[i]) }]);
    expect(z).toEqual({ zero: f * 16, total: 16 });
    // every kept block has at least the L1 norm of every pruned one
    const norm = (o: number, c: number) => [0, 1].reduce((s, r) => s + [0, 1, 2, 3].reduce((t, k) => t + Math.abs(layer.weights[(o + r) * 16 + c * 4 + k]), 0), 0);
    const kept: number[] = [];
    const pruned: number[] = [];
    for (let o = 0; o < 8; o += 2) for (let c = 0; c < 4; c++) (mask[o * 16 + c * 4] ? kept : pruned).push(norm(o, c));
    if (pruned.length) expect(Math.min(...kept)).toBeGreaterThanOrEqual(Math.max(...pruned));
  });

  it('fine-tuning with the mask keeps pruned weights at zero', async () => {
    const rows = prepared.train.rows;
    const r = await trainAutoencoder(rows, prepared.val.rows, spec, [0], { hidden: [8, 4, 8], epochs: 5, patience: 0 });
    const p = pruneBlocks(r.model, 0.5);
    expect(zeroWeightFraction(p.model.layers)).toBeCloseTo(0.5, 6);
    const t = await trainAutoencoder(rows, prepared.val.rows, spec, [0], { hidden: [8, 4, 8], epochs: 5, patience: 0, init: p.model, weightMask: p.masks });
    t.model.layers.forEach((l, k) => l.weights.forEach((w, i) => p.masks[k][i] === 0 && expect(Math.abs(w)).toBe(0)));
    expect(zeroWeightFraction(t.model.layers)).toBeGreaterThanOrEqual(0.5);
  });
});

describe('the budget', () => {
  it('parses flash/ram/insn, takes the rest from the node, refuses nonsense', () => {
    expect(parseBudget('flash=4000,ram=2000,insn=9000')).toMatchObject({ flashBytes: 4000, ramBytes: 2000, insn: 9000, source: 'given' });
    expect(parseBudget('flash=4000,ram=2000,insn=9000').channelsMax).toBeUndefined();
    expect(parseBudget('insn=9000')).toMatchObject({ flashBytes: NODE_BUDGET.flashBytes, ramBytes: NODE_BUDGET.ramBytes, insn: 9000, channelsMax: 176 });
    expect(() => parseBudget('flash=4k')).toThrow(SizeBudgetError);
    expect(() => parseBudget('cpu=5')).toThrow(/flash=BYTES,ram=BYTES,insn=N/);
    expect(() => parseBudget('insn=1,insn=2')).toThrow(/twice/);
  });

  it('the node budget: its model slot, its reserved model RAM, 150,000 insn per window less the features', () => {
    expect(NODE_BUDGET).toMatchObject({ flashBytes: 16352, ramBytes: 5620, insn: 19191, channelsMax: 176 });
    const bench = JSON.parse(readFileSync(`${ROOT}/test/fixtures/power/bench-firmware-2026-12-06.json`, 'utf8')).figures;
    expect(NODE_BUDGET.insn).toBe(150_000 - (bench.insn_window_total - bench.insn_inference));
  });

  it('never chooses a model over the budget, however good', () => {
    const c = (name: string, fits: boolean, fa: number, bytes: number): SizeCandidate =>
      ({ name, fits, trained: true, falseAlarmAtDetection: fa, falseAlarmRate: fa, bytes, insn: bytes } as unknown as SizeCandidate);
    const cands = [c('big', false, 0, 9000), c('mid', true, 0.01, 5000), c('small', true, 0.01, 3000), c('bad', true, 0.2, 1000)];
    expect(cands[chooseCandidate(cands)].name).toBe('small');
    expect(chooseCandidate([c('big', false, 0, 9000)])).toBe(-1);
  });

  it('a threshold for a detection target leaves at least that fraction of every class over it', () => {
    const classes = [Float64Array.from({ length: 100 }, (_, i) => 100 + i), Float64Array.from({ length: 10 }, (_, i) => 50 + 10 * i)];
    const t = thresholdForDetection(classes, 0.9);
    for (const c of classes) expect(c.filter((x) => x > t).length / c.length).toBeGreaterThanOrEqual(0.9);
    expect(t).toBe(59);
  });

  it('a budget too small for any candidate is refused before training, naming the smallest', async () => {
    await expect(sizeSearch(prepared, spec, [0], { flashBytes: 1000, ramBytes: 5000, insn: 100000, source: 'test' })).rejects.toThrow(
      /no candidate fits the budget flash=1000,ram=5000,insn=100000: the smallest, 32-16-4-16-32 p50, needs 2548 bytes of flash/,
    );
  });
});

describe('the search', () => {
  it('trains what fits, chooses inside the budget, and lists the reference', async () => {
    const budget = { flashBytes: 3300, ramBytes: 5000, insn: 6000, source: 'test' };
    const r = await sizeSearch(prepared, spec, [0], budget, { widths: [8, 16, 24], bottlenecks: [4, 8], prune: [0, 0.5], epochs: 8, fineTuneEpochs: 3, referenceHidden: [16, 8, 16], teacherHidden: [24, 8, 24] });
    const c = r.candidates[r.chosen];
    expect(c.fits && c.trained).toBe(true);
    expect(c.bytes).toBeLessThanOrEqual(budget.flashBytes);
    expect(c.ramBytes).toBeLessThanOrEqual(budget.ramBytes);
    expect(c.insn).toBeLessThanOrEqual(budget.insn);
    for (const x of r.candidates) {
      expect(x.fits).toBe(x.bytes <= budget.flashBytes && x.ramBytes <= budget.ramBytes && x.insn <= budget.insn);
      if (x.trained) expect(x.bytes).toBe(writeModelBlob(x.model!).length);
      if (x.trained && x.prune > 0) expect(x.zeroWeights).toBeGreaterThanOrEqual(x.prune - 1e-9);
      // the costs are those of the blob as stored: block-sparse layers counted with their skipped blocks
      if (x.trained) expect(x.insn).toBe(insnStoredOf(x.widths, sparseLayersOf(x.model!)));
      if (x.trained && x.prune === 0.5) {
        expect(x.sparseLayers).toBeGreaterThan(0);
        const dense = r.candidates.find((y) => y.prune === 0 && !y.distilled && y.widths.join() === x.widths.join())!;
        expect(x.bytes).toBeLessThan(dense.bytes);
        expect(x.insnDenseStorage).toBe(insnOf(x.widths));
      }
    }
    expect(r.candidates[r.reference].name).toBe('32-16-8-16-32');
    expect(r.candidates.some((x) => x.distilled && x.trained)).toBe(true);
    // 32-24-8-24-32 is over the instruction budget dense; pruned by half and stored block-sparse the
    // skipped blocks bring it inside, so the dense model is trained (to be pruned) but not chosen
    const over = r.candidates.find((x) => x.name === '32-24-8-24-32')!;
    expect(over.trained && !over.fits && over.over.includes('insn')).toBe(true);
    const p50 = r.candidates.find((x) => x.name === '32-24-8-24-32 p50')!;
    expect(p50.fits && p50.trained && p50.insn < budget.insn && p50.insnDenseStorage > budget.insn).toBe(true);
  }, 60_000);
});
