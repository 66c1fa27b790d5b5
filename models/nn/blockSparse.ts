/**
 * Block-sparse weight storage of a dense int8 layer (docs/model-format.md 2.4.1): the weights in
 * blocks of 2 output rows x 4 inputs (the blocks the node's SIMD kernel works on and the size
 * search prunes, models/size/prune.ts), a mask of the blocks that are stored, and only those
 * blocks. A block that is not stored is all zero; the kernels skip it. The arithmetic is the dense
 * layer's: the same integer sums, so outputs are equal bit for bit.
 */

/** Layer record byte +5 (`storage`). */
export const STORAGE_DENSE = 0;
export const STORAGE_BLOCK_SPARSE = 1;
export const SPARSE_BLOCK_ROWS = 2;
export const SPARSE_BLOCK_INPUTS = 4;
/** Bytes of one stored block: row 2r's four weights, then row 2r + 1's. */
export const SPARSE_BLOCK_BYTES = SPARSE_BLOCK_ROWS * SPARSE_BLOCK_INPUTS;

export interface BlockSparse {
  /** out / 2 row pairs. */
  pairs: number;
  /** in / 4 column blocks. */
  cols: number;
  /** u32 mask words per row pair: ceil(cols / 32). */
  words: number;
  /** pairs x words; column block c of pair r is stored when bit 31 - (c mod 32) of mask[r * words + floor(c / 32)] is set. */
  mask: Uint32Array;
  /** The stored blocks, 8 bytes each, pair by pair, columns ascending. */
  blocks: Int8Array;
}

/** Block-sparse storage needs whole blocks: a multiple of 4 inputs and an even number of outputs. */
export const canStoreBlockSparse = (inDim: number, outDim: number): boolean => inDim % SPARSE_BLOCK_INPUTS === 0 && outDim % SPARSE_BLOCK_ROWS === 0 && inDim > 0 && outDim > 0;

export const maskWordsOf = (inDim: number): number => Math.ceil(inDim / SPARSE_BLOCK_INPUTS / 32);

/** Bytes of a block-sparse weight section (mask + stored blocks); always a multiple of 4. */
export const sparseWeightBytes = (inDim: number, outDim: number, storedBlocks: number): number =>
  4 * (outDim / SPARSE_BLOCK_ROWS) * maskWordsOf(inDim) + SPARSE_BLOCK_BYTES * storedBlocks;

/** Number of set bits of a u32. */
export function popcount32(x: number): number {
  let v = x >>> 0;
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (Math.imul((v + (v >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24) & 0xff;
}

/** The block-sparse form of dense row-major weights: every block with a non-zero weight is stored. */
export function encodeBlockSparse(inDim: number, outDim: number, weights: ArrayLike<number>): BlockSparse {
  if (!canStoreBlockSparse(inDim, outDim)) throw new RangeError(`a ${inDim}-input, ${outDim}-output layer cannot be stored in 2x4 blocks`);
  const pairs = outDim / SPARSE_BLOCK_ROWS;
  const cols = inDim / SPARSE_BLOCK_INPUTS;
  const words = maskWordsOf(inDim);
  const mask = new Uint32Array(pairs * words);
  const kept: number[] = [];
  for (let r = 0; r < pairs; r++) {
    for (let c = 0; c < cols; c++) {
      let any = false;
      for (let t = 0; t < SPARSE_BLOCK_ROWS * SPARSE_BLOCK_INPUTS && !any; t++) any = weights[(2 * r + (t >> 2)) * inDim + 4 * c + (t & 3)] !== 0;
      if (!any) continue;
      mask[r * words + (c >> 5)] |= 0x80000000 >>> (c & 31);
      kept.push(r, c);
    }
  }
  const blocks = new Int8Array((kept.length / 2) * SPARSE_BLOCK_BYTES);
  for (let k = 0; k < kept.length / 2; k++) {
    const r = kept[2 * k];
    const c = kept[2 * k + 1];
    for (let t = 0; t < SPARSE_BLOCK_BYTES; t++) blocks[k * SPARSE_BLOCK_BYTES + t] = weights[(2 * r + (t >> 2)) * inDim + 4 * c + (t & 3)];
  }
  return { pairs, cols, words, mask, blocks };
}

/** Calls visit(row pair, column block, index of the stored block) for every stored block, in storage order. */
export function forEachStoredBlock(s: BlockSparse, visit: (r: number, c: number, k: number) => void): void {
  let k = 0;
  for (let r = 0; r < s.pairs; r++) {
    for (let w = 0; w < s.words; w++) {
      let m = s.mask[r * s.words + w] >>> 0;
      while (m !== 0) {
        const j = Math.clz32(m);
        m = (m ^ (0x80000000 >>> j)) >>> 0;
        visit(r, 32 * w + j, k++);
      }
    }
  }
}

/** The dense weights (zeros where no block is stored). */
export function decodeBlockSparse(s: BlockSparse, inDim: number, outDim: number): Int8Array {
  const out = new Int8Array(inDim * outDim);
  forEachStoredBlock(s, (r, c, k) => {
    for (let t = 0; t < SPARSE_BLOCK_BYTES; t++) out[(2 * r + (t >> 2)) * inDim + 4 * c + (t & 3)] = s.blocks[k * SPARSE_BLOCK_BYTES + t];
  });
  return out;
}

/** Stored blocks of a mask. */
export function storedBlocksOf(mask: Uint32Array): number {
  let n = 0;
  for (let i = 0; i < mask.length; i++) n += popcount32(mask[i]);
  return n;
}
