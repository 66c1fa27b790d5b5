/**
 * npm run generate: every generator of the repository, each writing its committed outputs.
 *   npm run generate                       all of them, into the repository
 *   VIGIL_GENERATE_ROOT=/tmp/x npm run generate   the same files under /tmp/x (the generated-files
 *                                          test, test/unit/generated.test.ts, compares them)
 *   npm run generate -- --only gen_fft_m4  the generators whose path contains one of the names
 *
 * Not here: firmware/tools/gen_fft_tables.c writes the FFT twiddle tables into firmware/build/ on
 * every firmware build (nothing committed to compare); scripts/scipy-reference.py writes the
 * independent SciPy reference test/vectors/features_scipy.json, which is a check on the TypeScript
 * features, not their output. Python runs here only for gen_fft_m4.py, at generate time.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT_ROOT, REPO_ROOT } from './generated';

export interface Generator {
  /** The generator's source, relative to the repository (its hash stamps every output). */
  source: string;
  /** The outputs it writes, relative to the repository. */
  outputs: string[];
  /** True when an output is binary and cannot carry the stamp (the app's .vgm model file). */
  unstamped?: string[];
}

export const GENERATORS: Generator[] = [
  { source: 'scripts/gen-vectors.ts', outputs: ['test/vectors/frames.json', 'test/vectors/frames_vectors.h'] },
  {
    source: 'scripts/gen-dsp-vectors.ts',
    outputs: ['test/vectors/dsp_vectors.json', 'test/vectors/dsp_vectors.h', 'firmware/src/dsp/band_tables.c'],
  },
  { source: 'scripts/gen-nn-vectors.ts', outputs: ['test/vectors/nn_vectors.json', 'test/vectors/nn_vectors.h'] },
  // After gen-nn-vectors: its images are patches of the nn vectors' model.
  { source: 'scripts/gen-transfer-vectors.ts', outputs: ['test/vectors/transfer_vectors.json', 'test/vectors/transfer_vectors.h'] },
  {
    source: 'scripts/gen-default-model.ts',
    outputs: ['firmware/src/nn/default_model.c', 'renderer/public/models/default.vgm'],
    unstamped: ['renderer/public/models/default.vgm'],
  },
  { source: 'scripts/gen-baseline-vectors.ts', outputs: ['test/vectors/baseline_vectors.h'] },
  // After gen-nn-vectors: its blob case is the nn vectors' model with a speed section.
  { source: 'scripts/gen-speed-vectors.ts', outputs: ['test/vectors/speed_vectors.h'] },
  { source: 'firmware/tools/gen_fft_m4.py', outputs: ['firmware/src/dsp/fft_m4.S'] },
];

/** The command that runs a generator: tsx for TypeScript, python3 for Python. */
export function commandOf(g: Generator): { cmd: string; args: string[] } {
  if (g.source.endsWith('.py')) return { cmd: 'python3', args: [join(REPO_ROOT, g.source)] };
  return { cmd: join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), args: [join(REPO_ROOT, g.source)] };
}

/** Runs one generator with its outputs under root; throws with the generator's own words on failure. */
export function runGenerator(g: Generator, root: string): void {
  // gen-vectors.ts also rewrites the feature vectors (npm run vectors did): every output folder exists.
  for (const o of GENERATORS.flatMap((x) => x.outputs)) mkdirSync(dirname(join(root, o)), { recursive: true });
  const { cmd, args } = commandOf(g);
  const r = spawnSync(cmd, args, { cwd: REPO_ROOT, encoding: 'utf8', env: { ...process.env, VIGIL_GENERATE_ROOT: root } });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
    throw new Error(`${g.source} needs ${cmd}, which is not installed: install it to run this generator`);
  }
  if (r.status !== 0) throw new Error(`${g.source} failed (exit ${r.status}):\n${r.stderr || r.stdout}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const at = process.argv.indexOf('--only');
  const only = at > 0 ? process.argv[at + 1].split(',') : null;
  for (const g of GENERATORS) {
    if (only && !only.some((n) => g.source.includes(n))) continue;
    runGenerator(g, OUT_ROOT);
    console.log(`${g.source}: ${g.outputs.join(', ')}`);
  }
}
