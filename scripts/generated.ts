/**
 * What every generator shares: where it writes (the repository, or VIGIL_GENERATE_ROOT when the
 * generated-files test re-renders everything into a temporary directory) and the stamp it puts in
 * each output: the generator's path and the first 16 hex digits of the SHA-256 of its source, so
 * an output names the exact generator that wrote it (no hand-bumped version).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** The directory generators write under: the repository unless VIGIL_GENERATE_ROOT says otherwise. */
export const OUT_ROOT = process.env.VIGIL_GENERATE_ROOT || REPO_ROOT;

/** First 16 hex digits of the SHA-256 of a file's bytes. */
export function sourceHash(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex').slice(0, 16);
}

/** "scripts/gen-vectors.ts sha256:0123456789abcdef" for the module at metaUrl (import.meta.url). */
export function generatorStamp(metaUrl: string): string {
  const path = fileURLToPath(metaUrl);
  return `${relative(REPO_ROOT, path).split('\\').join('/')} sha256:${sourceHash(path)}`;
}

/** The two sensor columns of a shipped demo recording (data/demo/FILE: a header, then "DE,FE" rows). */
export function readDemo(file: string): Float32Array[] {
  const lines = readFileSync(join(REPO_ROOT, 'data', 'demo', file), 'utf8').trim().split('\n').slice(1);
  const cols = [new Float32Array(lines.length), new Float32Array(lines.length)];
  lines.forEach((l, i) => {
    const [a, b] = l.split(',');
    cols[0][i] = Number(a);
    cols[1][i] = Number(b);
  });
  return cols;
}
