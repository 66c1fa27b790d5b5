/**
 * What skipping pruned blocks saves on the node: instructions per window of int8 autoencoders
 * pruned in 2x4 blocks, each stored dense (every block multiplied) and block-sparse (the kernel
 * skips the blocks not stored; docs/model-format.md 2.4.1), timed in QEMU by the nnsize image
 * (bench/nnsize.ts). The points of models/size/cost.ts INSN_SPARSE_MEASURED come from here:
 *   npx tsx bench/nnsparse.ts        prints the points and the fit
 * The models have PRNG weights (the instruction count does not depend on how good a model is);
 * each model's own self-test runs on the target too.
 */
import { fileURLToPath } from 'node:url';
import { defaultFeatureSpec } from '../models/features/spec';
import { writeModelBlob } from '../models/nn/modelFile';
import { quantizeAutoencoder } from '../models/nn/quantize';
import type { FloatAutoencoder, Int8Autoencoder } from '../models/nn/types';
import { fitSparseInsn, insnOf, sparseLayersOf, type SparsePoint } from '../models/size/cost';
import { pruneInt8Blocks } from '../models/size/prune';
import { Prng } from '../models/train/prng';
import { measureInsn } from './nnsize';

/** An int8 autoencoder of these widths with PRNG weights, calibrated on PRNG windows. */
export function randomInt8Model(widths: number[], seed: number): Int8Autoencoder {
  const r = new Prng(seed);
  const D = widths[0];
  const axes = D === 32 ? [0] : D === 64 ? [0, 1] : [0, 1, 2];
  const spec = defaultFeatureSpec(48000);
  const layers = widths.slice(1).map((outDim, l) => {
    const inDim = widths[l];
    const lim = Math.sqrt(6 / (inDim + outDim));
    return {
      inDim,
      outDim,
      activation: (l < widths.length - 2 ? 'relu' : 'linear') as 'relu' | 'linear',
      weights: Float32Array.from({ length: inDim * outDim }, () => (r.next() * 2 - 1) * lim),
      bias: Float32Array.from({ length: outDim }, () => (r.next() * 2 - 1) * 0.1),
    };
  });
  const float: FloatAutoencoder = { spec, axes, mean: new Float64Array(D), std: new Float64Array(D).fill(1), layers };
  const rows = Array.from({ length: 64 }, () => Float32Array.from({ length: D }, () => r.next() * 4 - 2));
  return quantizeAutoencoder(float, rows, { modelVersion: 1 });
}

/** Measures each architecture pruned at each fraction, stored dense and block-sparse. */
export async function measureSparse(archs: number[][], fractions: number[]): Promise<SparsePoint[]> {
  const models = archs.flatMap((w, k) => fractions.map((f) => pruneInt8Blocks(randomInt8Model(w, 100 + k), f)));
  const blobs = models.flatMap((m) => [writeModelBlob(m, undefined, { storage: 'dense' }), writeModelBlob(m)]);
  const out = await measureInsn(blobs);
  return models.map((m, i) => {
    const dense = out[2 * i];
    const sparse = out[2 * i + 1];
    if (!dense.selftest || !sparse.selftest) throw new Error(`model ${i}: the self-test failed on the target`);
    const widths = [m.layers[0].inDim, ...m.layers.map((l) => l.outDim)];
    return { widths, storedBlocks: sparseLayersOf(m).map((s) => s ?? null), insnDense: dense.insn, insn: sparse.insn };
  });
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const archs = [
    [64, 32, 8, 32, 64],
    [64, 16, 4, 16, 64],
    [64, 48, 8, 48, 64],
    [64, 64, 16, 64, 64],
    [32, 24, 8, 24, 32],
    [32, 16, 4, 16, 32],
  ];
  const points = await measureSparse(archs, [0.25, 0.5, 0.75]);
  for (const p of points) console.log(`  { widths: [${p.widths.join(', ')}], storedBlocks: [${p.storedBlocks.map(String).join(', ')}], insnDense: ${p.insnDense}, insn: ${p.insn} },`);
  console.log("dense model of the dense-stored ones: max |err|", Math.max(...points.map((p) => Math.abs(insnOf(p.widths) - p.insnDense))));
  console.log('fit', fitSparseInsn(points));
}
