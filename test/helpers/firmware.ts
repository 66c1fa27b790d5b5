import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url)).replace(/\/$/, '');

/** Builds a firmware make target; throws with make's output when it fails. */
export function makeFirmware(target: string): void {
  const r = spawnSync('make', ['-s', '-C', join(ROOT, 'firmware'), target], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`make -C firmware ${target} failed:\n${r.stdout}\n${r.stderr}`);
}
