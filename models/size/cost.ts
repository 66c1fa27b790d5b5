/**
 * What a candidate model costs a node (docs/size.md): flash (the packaged blob), RAM (what
 * firmware/src/nn/infer.c needs to run it) and instructions per window (a linear model fitted on
 * instruction counts measured in QEMU, bench/nnsize.ts). Widths are the layer widths in order,
 * input first: [D, h1, ..., D].
 */
import { canStoreBlockSparse } from '../nn/blockSparse';
import { blobLayout, layerRecordSize, layerStorageOf } from '../nn/modelFile';
import type { DenseQ8 } from '../nn/types';

/** The layer widths of an autoencoder with input D and hidden widths h: [D, ...h, D]. */
export const widthsOf = (inputDim: number, hidden: number[]): number[] => [inputDim, ...hidden, inputDim];
export const archName = (widths: number[]): string => widths.join('-');

/** Multiply-accumulates per window: sum over layers of in x out. */
export function macsOf(widths: number[]): number {
  let n = 0;
  for (let l = 0; l + 1 < widths.length; l++) n += widths[l] * widths[l + 1];
  return n;
}

/** Output channels over all layers (firmware nn_net_channels). */
export const channelsOf = (widths: number[]): number => widths.slice(1).reduce((a, b) => a + b, 0);

/** Bytes of the node's model blob (docs/model-format.md §2), as writeModelBlob lays it out; storedBlocks[l] for a block-sparse layer. */
export function blobBytesOf(widths: number[], bandCount: number, storedBlocks: (number | null | undefined)[] = []): number {
  const layers = widths.slice(1).map((outDim, l) => ({ inDim: widths[l], outDim, storedBlocks: storedBlocks[l] ?? undefined }));
  return blobLayout(bandCount, widths[0], layers).totalLen;
}

const align8 = (n: number) => (n + 7) & ~7;

/** firmware/src/nn/infer.c nn_net_scratch_bytes: q_in, two activation buffers, the kernel's int16 input copy. */
export function scratchBytesOf(widths: number[]): number {
  const maxWidth = Math.max(...widths);
  return align8(widths[0]) + 2 * align8(maxWidth) + ((maxWidth + 3) & ~3) * 2;
}

/** Bytes of one prepared output channel (nn_channel_t: folded bias, multiplier, shift). */
export const CHANNEL_BYTES = 12;

/** RAM a model needs on the node: the run scratch plus its prepared channel words. */
export const ramBytesOf = (widths: number[]): number => scratchBytesOf(widths) + CHANNEL_BYTES * channelsOf(widths);

/**
 * Instructions of nn_net_run (input quantisation, every dense layer on the Cortex-M4 SIMD path,
 * the squared error) on the STM32F405, modelled as
 *   insn = c0 + cD * D + cH * (sum of hidden widths) + cMac * MACs
 * with the coefficients least-squares fitted to QEMU icount measurements of the architectures in
 * INSN_MEASURED (bench/nnsize.ts; checked against fresh measurements of the searched models by
 * `npm run bench -- modellab`). For autoencoders of 4 dense layers (3 hidden) whose widths are
 * multiples of 4: other widths run the plain C reference kernel and another depth adds another
 * constant, which this model does not cover.
 */
export const INSN_FIT = { c0: 366, cD: 56.25, cH: 24.25, cMac: 1.625 };

/**
 * INSN_MEASURED was measured before block-sparse storage: nn_dense_s8 now tests each layer for a
 * block mask, one instruction per layer, 4 per model (insn_inference 13,197 -> 13,201), so c0 is
 * the 362 fitted then plus 4. Re-measured on the six architectures of INSN_SPARSE_MEASURED (their
 * insnDense): the fit with c0 = 366 reproduces each exactly.
 */
export const INSN_DISPATCH_SINCE_MEASURED = 4;

/**
 * The measured points the fit stands on: nn_net_run instructions (QEMU -icount shift=0,
 * firmware/boards/qemu/nnsize_main.c) of int8 models trained briefly (10 epochs) on the CWRU windows,
 * one and two axes (D = 32, 64), on the firmware before block-sparse storage (INSN_DISPATCH_SINCE_MEASURED
 * fewer than today). The fit reproduces all 28 exactly: 1.625 = 13 instructions per
 * 2x4 block of 8 multiply-accumulates (dense_m4.S's inner loop).
 */
export const INSN_MEASURED: { widths: number[]; insn: number }[] = [
  { widths: [32, 16, 4, 16, 32], insn: 4907 },
  { widths: [32, 16, 8, 16, 32], insn: 5212 },
  { widths: [32, 24, 4, 24, 32], insn: 6231 },
  { widths: [32, 24, 8, 24, 32], insn: 6640 },
  { widths: [32, 24, 16, 24, 32], insn: 7458 },
  { widths: [32, 32, 4, 32, 32], insn: 7555 },
  { widths: [32, 32, 8, 32, 32], insn: 8068 },
  { widths: [32, 32, 16, 32, 32], insn: 9094 },
  { widths: [32, 48, 4, 48, 32], insn: 10203 },
  { widths: [32, 48, 8, 48, 32], insn: 10924 },
  { widths: [32, 48, 16, 48, 32], insn: 12366 },
  { widths: [32, 64, 4, 64, 32], insn: 12851 },
  { widths: [32, 64, 8, 64, 32], insn: 13780 },
  { widths: [32, 64, 16, 64, 32], insn: 15638 },
  { widths: [64, 16, 4, 16, 64], insn: 8371 },
  { widths: [64, 16, 8, 16, 64], insn: 8676 },
  { widths: [64, 24, 4, 24, 64], insn: 10527 },
  { widths: [64, 24, 8, 24, 64], insn: 10936 },
  { widths: [64, 24, 16, 24, 64], insn: 11754 },
  { widths: [64, 32, 4, 32, 64], insn: 12683 },
  { widths: [64, 32, 8, 32, 64], insn: 13196 },
  { widths: [64, 32, 16, 32, 64], insn: 14222 },
  { widths: [64, 48, 4, 48, 64], insn: 16995 },
  { widths: [64, 48, 8, 48, 64], insn: 17716 },
  { widths: [64, 48, 16, 48, 64], insn: 19158 },
  { widths: [64, 64, 4, 64, 64], insn: 21307 },
  { widths: [64, 64, 8, 64, 64], insn: 22236 },
  { widths: [64, 64, 16, 64, 64], insn: 24094 },
];

export function insnFeatures(widths: number[]): number[] {
  const hidden = widths.slice(1, -1).reduce((a, b) => a + b, 0);
  return [1, widths[0], hidden, macsOf(widths)];
}

export function insnOf(widths: number[], fit = INSN_FIT): number {
  const [one, d, h, macs] = insnFeatures(widths);
  return Math.round(fit.c0 * one + fit.cD * d + fit.cH * h + fit.cMac * macs);
}

/**
 * Block-sparse layers (docs/model-format.md 2.4.1): the writer stores a pruned layer as its stored
 * 2x4 blocks when that takes fewer bytes, and the node's kernel (dense_m4.S nn_dense_sparse_m4)
 * then multiplies only those. Per block-sparse layer, against the same layer stored dense,
 *   delta = cBlocks * (blocks of the layer) + cStored * (stored blocks) + cPairs * (row pairs) + cLayer
 * fitted on QEMU measurements of the same pruned weights stored both ways (INSN_SPARSE_MEASURED,
 * bench/nnsparse.ts). The dense loop costs 13 instructions per block, the skipping loop 15 per
 * stored block and nothing per skipped one (dense_m4.S). Covers layers of at most 128 inputs (one
 * mask word per row pair), all the size search builds.
 */
export const INSN_SPARSE_FIT = { cBlocks: -13, cStored: 15, cPairs: 11, cLayer: 5 };

/**
 * The measured points (bench/nnsparse.ts: PRNG-weight models pruned 25, 50 and 75 %, QEMU icount):
 * the fit reproduces every delta exactly. Storing a layer block-sparse saves instructions only past
 * about 15 % of its blocks pruned plus the per-row-pair cost (the 25 % rows of the 16-wide models
 * cost a few more than dense).
 */
export const INSN_SPARSE_MEASURED: SparsePoint[] = [
  { widths: [64, 32, 8, 32, 64], storedBlocks: [192, 24, null, 192], insnDense: 13200, insn: 12835 },
  { widths: [64, 32, 8, 32, 64], storedBlocks: [128, 16, 16, 128], insnDense: 13200, insn: 10800 },
  { widths: [64, 32, 8, 32, 64], storedBlocks: [64, 8, 8, 64], insnDense: 13200, insn: 8640 },
  { widths: [64, 16, 4, 16, 64], storedBlocks: [96, 6, null, 96], insnDense: 8375, insn: 8390 },
  { widths: [64, 16, 4, 16, 64], storedBlocks: [64, 4, null, 64], insnDense: 8375, insn: 7400 },
  { widths: [64, 16, 4, 16, 64], storedBlocks: [32, 2, 2, 32], insnDense: 8375, insn: 6429 },
  { widths: [64, 48, 8, 48, 64], storedBlocks: [288, 36, null, 288], insnDense: 17720, insn: 16967 },
  { widths: [64, 48, 8, 48, 64], storedBlocks: [192, 24, 24, 192], insnDense: 17720, insn: 13912 },
  { widths: [64, 48, 8, 48, 64], storedBlocks: [96, 12, 12, 96], insnDense: 17720, insn: 10672 },
  { widths: [64, 64, 16, 64, 64], storedBlocks: [384, 96, 96, 384], insnDense: 24098, insn: 23022 },
  { widths: [64, 64, 16, 64, 64], storedBlocks: [256, 64, 64, 256], insnDense: 24098, insn: 18222 },
  { widths: [64, 64, 16, 64, 64], storedBlocks: [128, 32, 32, 128], insnDense: 24098, insn: 13422 },
  { widths: [32, 24, 8, 24, 32], storedBlocks: [72, 18, null, 72], insnDense: 6644, insn: 6633 },
  { widths: [32, 24, 8, 24, 32], storedBlocks: [48, 12, 12, 48], insnDense: 6644, insn: 5828 },
  { widths: [32, 24, 8, 24, 32], storedBlocks: [24, 6, 6, 24], insnDense: 6644, insn: 4928 },
  { widths: [32, 16, 4, 16, 32], storedBlocks: [48, 6, null, 48], insnDense: 4911, insn: 4974 },
  { widths: [32, 16, 4, 16, 32], storedBlocks: [32, 4, null, 32], insnDense: 4911, insn: 4464 },
  { widths: [32, 16, 4, 16, 32], storedBlocks: [16, 2, 2, 16], insnDense: 4911, insn: 3973 },
];

/** A measured model: its widths, each layer's stored blocks (null: stored dense), and nn_net_run stored dense and as written. */
export interface SparsePoint {
  widths: number[];
  storedBlocks: (number | null)[];
  insnDense: number;
  insn: number;
}

/** The blocks of each layer, and the stored blocks of those the writer stores block-sparse. */
function sparseFeatures(widths: number[], storedBlocks: (number | null | undefined)[]): number[] {
  const f = [0, 0, 0, 0];
  storedBlocks.forEach((s, l) => {
    if (s === null || s === undefined) return;
    const pairs = widths[l + 1] / 2;
    f[0] += pairs * (widths[l] / 4);
    f[1] += s;
    f[2] += pairs;
    f[3] += 1;
  });
  return f;
}

/** Instructions per window of a model whose layers are stored as given (undefined/null: dense). */
export function insnStoredOf(widths: number[], storedBlocks: (number | null | undefined)[], fit = INSN_FIT, sparseFit = INSN_SPARSE_FIT): number {
  const [b, s, p, n] = sparseFeatures(widths, storedBlocks);
  return insnOf(widths, fit) + Math.round(sparseFit.cBlocks * b + sparseFit.cStored * s + sparseFit.cPairs * p + sparseFit.cLayer * n);
}

/** Fits INSN_SPARSE_FIT to measured pairs (the sparse minus the dense count of the same weights). */
export function fitSparseInsn(points: SparsePoint[]): typeof INSN_SPARSE_FIT {
  const [cBlocks, cStored, cPairs, cLayer] = fitLinear(points.map((p) => sparseFeatures(p.widths, p.storedBlocks)), points.map((p) => p.insn - p.insnDense));
  return { cBlocks, cStored, cPairs, cLayer };
}

/** Each layer's stored blocks as writeModelBlob stores it (undefined: dense). */
export function sparseLayersOf(model: { layers: Pick<DenseQ8, 'inDim' | 'outDim' | 'weights'>[] }): (number | undefined)[] {
  return model.layers.map((l) => {
    const s = layerStorageOf(l);
    return s ? s.blocks.length / 8 : undefined;
  });
}

/**
 * Stored blocks per layer after pruning `fraction` of each layer's blocks (models/size/prune.ts
 * rounds per layer), when block-sparse storage is smaller than dense; undefined where it is not.
 * What the size search expects of a pruned candidate before training it (training can only zero
 * more blocks, never fewer).
 */
export function expectedSparseLayers(widths: number[], fraction: number): (number | undefined)[] {
  return widths.slice(1).map((outDim, l) => {
    const inDim = widths[l];
    if (fraction <= 0 || !canStoreBlockSparse(inDim, outDim)) return undefined;
    const blocks = (inDim / 4) * (outDim / 2);
    const stored = blocks - Math.round(fraction * blocks);
    return layerRecordSize(inDim, outDim, stored) < layerRecordSize(inDim, outDim) ? stored : undefined;
  });
}

/** Least squares on the normal equations (small, well-conditioned after column scaling). */
export function fitLinear(rows: number[][], y: number[]): number[] {
  const k = rows[0].length;
  const scale = Array.from({ length: k }, (_, j) => Math.max(1e-12, ...rows.map((r) => Math.abs(r[j]))));
  const a = Array.from({ length: k }, () => new Array<number>(k + 1).fill(0));
  rows.forEach((r, i) => {
    for (let p = 0; p < k; p++) {
      for (let q = 0; q < k; q++) a[p][q] += (r[p] / scale[p]) * (r[q] / scale[q]);
      a[p][k] += (r[p] / scale[p]) * y[i];
    }
  });
  for (let c = 0; c < k; c++) {
    let piv = c;
    for (let r = c + 1; r < k; r++) if (Math.abs(a[r][c]) > Math.abs(a[piv][c])) piv = r;
    [a[c], a[piv]] = [a[piv], a[c]];
    if (Math.abs(a[c][c]) < 1e-12) throw new RangeError('the measured architectures do not determine the fit (collinear features)');
    for (let r = 0; r < k; r++) {
      if (r === c) continue;
      const f = a[r][c] / a[c][c];
      for (let q = c; q <= k; q++) a[r][q] -= f * a[c][q];
    }
  }
  return a.map((row, j) => row[k] / row[j] / scale[j]);
}

/** Fits INSN_FIT's form to measurements. */
export function fitInsn(points: { widths: number[]; insn: number }[]): typeof INSN_FIT {
  const [c0, cD, cH, cMac] = fitLinear(points.map((p) => insnFeatures(p.widths)), points.map((p) => p.insn));
  return { c0, cD, cH, cMac };
}
