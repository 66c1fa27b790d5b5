/**
 * Magnitude pruning in the blocks the node's int8 kernel works on (firmware/src/nn/dense_m4.S):
 * 2 output rows x 4 inputs. Per layer, the requested fraction of blocks with the smallest L1 norm
 * is set to zero. The model blob then stores such a layer block-sparse (docs/model-format.md 2.4.1)
 * and the node's kernel skips exactly those blocks (docs/size.md).
 */
import { makeSelfTest } from '../nn/quantize';
import type { DenseF32, FloatAutoencoder, Int8Autoencoder } from '../nn/types';

export const BLOCK_ROWS = 2;
export const BLOCK_INPUTS = 4;

/** Blocks of a layer: ceil(out / 2) x ceil(in / 4). */
export const blocksOf = (inDim: number, outDim: number): number => Math.ceil(outDim / BLOCK_ROWS) * Math.ceil(inDim / BLOCK_INPUTS);

function forEachBlock(inDim: number, outDim: number, visit: (block: number, indices: number[]) => void): void {
  const cols = Math.ceil(inDim / BLOCK_INPUTS);
  for (let ro = 0; ro < outDim; ro += BLOCK_ROWS) {
    for (let c = 0; c < cols; c++) {
      const idx: number[] = [];
      for (let o = ro; o < Math.min(outDim, ro + BLOCK_ROWS); o++) for (let i = c * BLOCK_INPUTS; i < Math.min(inDim, (c + 1) * BLOCK_INPUTS); i++) idx.push(o * inDim + i);
      visit((ro / BLOCK_ROWS) * cols + c, idx);
    }
  }
}

/** The keep-mask (1 kept, 0 pruned, laid out as DenseF32.weights) for pruning `fraction` of a layer's blocks. */
export function blockMask(layer: Pick<DenseF32, 'inDim' | 'outDim' | 'weights'>, fraction: number): Float32Array {
  if (!(fraction >= 0 && fraction < 1)) throw new RangeError(`pruning fraction ${fraction} must be in [0, 1)`);
  const { inDim, outDim, weights } = layer;
  const mask = new Float32Array(inDim * outDim).fill(1);
  const norms: { block: number; norm: number; idx: number[] }[] = [];
  forEachBlock(inDim, outDim, (block, idx) => norms.push({ block, norm: idx.reduce((s, k) => s + Math.abs(weights[k]), 0), idx }));
  const prune = Math.round(fraction * norms.length);
  // Smallest first; ties by block index, so the result does not depend on the sort's stability.
  norms.sort((a, b) => a.norm - b.norm || a.block - b.block);
  for (const b of norms.slice(0, prune)) for (const k of b.idx) mask[k] = 0;
  return mask;
}

/** Prunes every layer of a float model: the pruned copy and the masks (for fine-tuning with them). */
export function pruneBlocks(model: FloatAutoencoder, fraction: number): { model: FloatAutoencoder; masks: Float32Array[] } {
  const masks = model.layers.map((l) => blockMask(l, fraction));
  const layers = model.layers.map((l, k) => ({ ...l, weights: Float32Array.from(l.weights, (w, i) => w * masks[k][i]), bias: Float32Array.from(l.bias) }));
  return { model: { ...model, layers }, masks };
}

/** All-zero blocks of int8 (or float) weights, over every layer: what a skipping kernel could skip. */
export function zeroBlocks(layers: { inDim: number; outDim: number; weights: ArrayLike<number> }[]): { zero: number; total: number } {
  let zero = 0;
  let total = 0;
  for (const l of layers) {
    forEachBlock(l.inDim, l.outDim, (_, idx) => {
      total++;
      if (idx.every((k) => l.weights[k] === 0)) zero++;
    });
  }
  return { zero, total };
}

/** Fraction of weights that are exactly zero. */
export function zeroWeightFraction(layers: { weights: ArrayLike<number> }[]): number {
  let z = 0;
  let n = 0;
  for (const l of layers) {
    for (let i = 0; i < l.weights.length; i++) if (l.weights[i] === 0) z++;
    n += l.weights.length;
  }
  return n ? z / n : 0;
}

/**
 * Magnitude pruning of an int8 model as it stands (no fine-tuning): in every layer, `fraction` of
 * the 2x4 weight blocks with the smallest L1 norm set to zero, and the self-test re-derived. What
 * the benchmarks time the block-skipping kernel on (bench/firmware.ts), not a way to train a model:
 * the size search prunes the float model and fine-tunes it (pruneBlocks).
 */
export function pruneInt8Blocks(model: Int8Autoencoder, fraction: number): Int8Autoencoder {
  const layers = model.layers.map((l) => {
    const mask = blockMask({ inDim: l.inDim, outDim: l.outDim, weights: Float32Array.from(l.weights) }, fraction);
    const { sparse: _stale, ...rest } = l;
    void _stale;
    return { ...rest, weights: Int8Array.from(l.weights, (w, i) => (mask[i] ? w : 0)) };
  });
  const m: Int8Autoencoder = { ...model, layers };
  m.selfTest = makeSelfTest(m, model.selfTest.input);
  return m;
}
