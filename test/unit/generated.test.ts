// Every generated file of the repository is what its generator writes today: scripts/generate.ts
// re-renders them all into a temporary directory and each is compared with the committed one, byte
// for byte, and must carry its generator's stamp (path and SHA-256 of the generator's source).
// Fails when a generator or its inputs changed without `npm run generate`, or an output was edited.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readVgmFile, UNPAIRED_KEY } from '../../models/nn/modelFile';
import { REPO_ROOT, sourceHash } from '../../scripts/generated';
import { GENERATORS, runGenerator } from '../../scripts/generate';

const tmp = mkdtempSync(join(tmpdir(), 'vigil-generated-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const python3 = spawnSync('python3', ['--version']).status === 0;

/** The app's .vgm minus the training wall-clock time, which differs at every run. */
function vgmWithoutTiming(bytes: Uint8Array): { blob: number[]; app: unknown } {
  const f = readVgmFile<{ lineage?: { training?: { seconds?: number } } }>(bytes, { key: UNPAIRED_KEY });
  if (f.app?.lineage?.training) f.app.lineage.training.seconds = 0;
  return { blob: Array.from(f.blob), app: f.app };
}

describe('generated files', () => {
  for (const g of GENERATORS) {
    it(`${g.source}: ${g.outputs.join(', ')}`, { timeout: 120_000 }, () => {
      if (g.source.endsWith('.py') && !python3) {
        throw new Error(`python3 is not installed, so ${g.outputs.join(', ')} cannot be checked against ${g.source}`);
      }
      runGenerator(g, tmp);
      const stamp = `${g.source} sha256:${sourceHash(join(REPO_ROOT, g.source))}`;
      for (const o of g.outputs) {
        const fresh = readFileSync(join(tmp, o));
        const committed = readFileSync(join(REPO_ROOT, o));
        if (g.unstamped?.includes(o)) {
          expect(vgmWithoutTiming(fresh), `${o} differs from what ${g.source} writes: run npm run generate`).toEqual(
            vgmWithoutTiming(committed),
          );
          continue;
        }
        expect(committed.toString('utf8'), `${o} does not name its generator's current source (${stamp}): run npm run generate`).toContain(stamp);
        expect(fresh.equals(committed), `${o} differs from what ${g.source} writes: run npm run generate`).toBe(true);
      }
    });
  }
});
