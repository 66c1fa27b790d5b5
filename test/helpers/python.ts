/**
 * The reference Python for checks against SciPy (never a run-time dependency of the app): $VIGIL_PYTHON,
 * then the repository's .venv (scripts/setup.sh installs scripts/python-requirements.txt there), then
 * python3 on the PATH. Returns the first that imports the given modules, or null.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export function referencePython(modules: string[]): string | null {
  const candidates = [process.env.VIGIL_PYTHON, join(ROOT, '.venv', 'bin', 'python'), 'python3'].filter((p): p is string => !!p && (p === 'python3' || existsSync(p)));
  for (const python of candidates) {
    const r = spawnSync(python, ['-c', `import ${modules.join(', ')}`], { encoding: 'utf8' });
    if (r.status === 0) return python;
  }
  return null;
}
