/**
 * The node's model code (firmware/src/nn) built for the host as one small program
 * (test/helpers/nn_run.c), so tests and benchmarks can run a model blob exactly as the node does.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SRC = ['test/helpers/nn_run.c', 'firmware/src/nn/model.c', 'firmware/src/nn/infer.c', 'firmware/src/nn/dense.c', 'firmware/src/nn/speed.c', 'firmware/src/dsp/log10.c', 'firmware/src/crypto/sha256.c', 'firmware/src/proto/crc32.c'];

/** Compiles nn_run (firmware/build/nn_run/nn_run); returns its path, or throws with the compiler's words. */
export function buildNnRun(): string {
  const out = join(ROOT, 'firmware', 'build', 'nn_run', 'nn_run');
  mkdirSync(dirname(out), { recursive: true });
  const r = spawnSync('cc', ['-std=c11', '-O2', '-ffp-contract=off', '-fno-math-errno', '-Wall', '-Wextra', '-Werror', `-I${join(ROOT, 'firmware', 'src')}`, ...SRC.map((s) => join(ROOT, s)), '-o', out], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`building nn_run failed: ${r.stderr || r.error?.message}`);
  return out;
}

export interface NodeRun {
  qIn: Int8Array[];
  qOut: Int8Array[];
  sumsq: number[];
}

/** Runs raw feature windows through the model blob at `blobPath` with the node's C code. */
export function runNodeC(exe: string, blobPath: string, windows: ArrayLike<number>[]): NodeRun {
  const d = windows[0].length;
  const input = new Float32Array(windows.length * d);
  windows.forEach((w, i) => input.set(Array.from(w), i * d));
  const r = spawnSync(exe, [blobPath], { input: Buffer.from(input.buffer), maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`nn_run failed: ${r.stderr.toString()}`);
  const out = new Uint8Array(r.stdout);
  const rec = 2 * d + 4;
  if (out.length !== rec * windows.length) throw new Error(`nn_run returned ${out.length} bytes for ${windows.length} windows`);
  const dv = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const res: NodeRun = { qIn: [], qOut: [], sumsq: [] };
  for (let i = 0; i < windows.length; i++) {
    res.qIn.push(new Int8Array(out.buffer, out.byteOffset + i * rec, d));
    res.qOut.push(new Int8Array(out.buffer, out.byteOffset + i * rec + d, d));
    res.sumsq.push(dv.getUint32(i * rec + 2 * d, true));
  }
  return res;
}
