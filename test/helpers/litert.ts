/**
 * LiteRT (ai_edge_litert, the TensorFlow Lite interpreter from PyPI) from Node: finds a Python
 * that can import it and runs int8 inputs through a .tflite file (test/helpers/litert_run.py).
 * Python is looked for in $VIGIL_PYTHON, then the repository's .venv, then python3 on the PATH.
 * Set it up with: python3 -m venv .venv && .venv/bin/pip install ai-edge-litert numpy
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const SCRIPT = join(ROOT, 'test', 'helpers', 'litert_run.py');

/** LiteRT's reference kernels, its optimized ones, its default (XNNPACK), or TensorFlow Lite Micro. */
export type LiteRtResolver = 'BUILTIN_REF' | 'BUILTIN' | 'AUTO' | 'TFLM';

export type LiteRt = { available: true; python: string; version: string } | { available: false; reason: string };

/** Finds a Python with ai_edge_litert; when there is none, says why in one line. */
export function findLiteRt(): LiteRt {
  const candidates = [process.env.VIGIL_PYTHON, join(ROOT, '.venv', 'bin', 'python'), 'python3'].filter((p): p is string => !!p && (p === 'python3' || existsSync(p)));
  const tried: string[] = [];
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', 'from importlib.metadata import version; import ai_edge_litert.interpreter; print(version("ai-edge-litert"))'], { encoding: 'utf8' });
    if (r.status === 0) return { available: true, python, version: r.stdout.trim() };
    tried.push(r.error ? `${python} (not found)` : `${python} (no ai_edge_litert)`);
  }
  return { available: false, reason: `LiteRT is not installed: no Python with ai_edge_litert (tried ${tried.join(', ')}); install it with: python3 -m venv .venv && .venv/bin/pip install ai-edge-litert numpy` };
}

/** The TensorFlow Lite Micro wheel's version in that Python, or why it is not there. */
export function findTflm(lr: LiteRt & { available: true }): { available: true; version: string } | { available: false; reason: string } {
  const r = spawnSync(lr.python, ['-c', 'from importlib.metadata import version; import tflite_micro.python.tflite_micro.runtime; print(version("tflite-micro"))'], { encoding: 'utf8' });
  if (r.status === 0) return { available: true, version: r.stdout.trim() };
  return { available: false, reason: `TensorFlow Lite Micro is not installed in ${lr.python}: install it with .venv/bin/pip install tflite-micro` };
}

export interface LiteRtRun {
  version: string;
  /** The graph's output tensor per input. */
  outputs: Int8Array[];
  /** Every operator's output tensor per input. */
  layers: Int8Array[][];
}

/** Runs int8 input tensors through the .tflite file at `modelPath` in LiteRT. */
export function runLiteRt(lr: LiteRt & { available: true }, modelPath: string, inputs: ArrayLike<number>[], resolver: LiteRtResolver = 'BUILTIN_REF'): LiteRtRun {
  const req = JSON.stringify({ model: modelPath, resolver, inputs: inputs.map((x) => Array.from(x)) });
  const r = spawnSync(lr.python, [SCRIPT], { input: req, encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`LiteRT failed (exit ${r.status}): ${(r.stderr || r.error?.message || '').trim().split('\n').slice(-3).join(' ')}`);
  const res = JSON.parse(r.stdout) as { litert: string; outputs: number[][]; layers: number[][][] };
  return { version: res.litert, outputs: res.outputs.map((o) => Int8Array.from(o)), layers: res.layers.map((ls) => ls.map((l) => Int8Array.from(l))) };
}
