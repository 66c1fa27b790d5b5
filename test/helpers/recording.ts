import { readFileSync } from 'node:fs';

/** Reads a CSV with a header row into one Float32Array per column (test helper, small files). */
export function readCsvColumns(path: string): { names: string[]; columns: Float32Array[] } {
  const lines = readFileSync(path, 'utf8').trim().split('\n');
  const names = lines[0].split(',').map((s) => s.trim());
  const columns = names.map(() => new Float32Array(lines.length - 1));
  for (let i = 1; i < lines.length; i++) {
    const cells = lines[i].split(',');
    for (let c = 0; c < names.length; c++) columns[c][i - 1] = Number(cells[c]);
  }
  return { names, columns };
}

/** Samples [start, start+n) of a recording replayed in a loop, as the virtual node with --loop does. */
export function loopedWindow(x: Float32Array, start: number, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = x[(start + i) % x.length];
  return out;
}

export function relErr(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}
