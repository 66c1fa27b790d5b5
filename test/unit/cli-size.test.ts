// vigil size on a manifest of the shipped demo recordings (tiny grid): the --json shape, the chosen
// model inside the budget and written with --out, and a budget no candidate fits refused in one line.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { readVgmFile } from '../../models/nn/modelFile';
import { ROOT } from '../helpers/firmware';

const dir = mkdtempSync(join(tmpdir(), 'vigil-size-'));
const N = 'cwru_normal_0hp_1797rpm_48k_1s.csv';
const F = 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv';
const manifest = join(dir, 'manifest.csv');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}

beforeAll(() => {
  copyFileSync(join(ROOT, 'data/demo', N), join(dir, N));
  copyFileSync(join(ROOT, 'data/demo', F), join(dir, F));
  writeFileSync(manifest, `file,label,sample_rate_hz\n${N},normal,48000\n${F},inner_race,48000\n`);
});

describe('vigil size', () => {
  it('prints the trade-off table, picks inside the budget and ends with one JSON line', async () => {
    const out = join(dir, 'chosen.vgm');
    const r = await run(['size', '--data', manifest, '--budget', 'flash=3300,ram=5000,insn=6000', '--widths', '8,16,24', '--bottlenecks', '4,8', '--prune', '0,0.5', '--epochs', '8', '--out', out, '--json']);
    expect(r.code).toBe(0);
    const log = r.err.join('\n');
    expect(log).toMatch(/budget: flash 3300 B, RAM 5000 B, 6000 instructions per window \(given\)/);
    expect(log).toMatch(/<- chosen/);
    expect(log).toMatch(/dense\*: instructions if every layer were stored dense/);
    const j = JSON.parse(r.out.at(-1)!);
    expect(Object.keys(j)).toEqual(expect.arrayContaining(['budget', 'detection_target', 'target_rate', 'epochs', 'teacher', 'insn_model', 'size_search_s', 'chosen', 'reference', 'candidates', 'out']));
    expect(j.budget).toEqual({ flash: 3300, ram: 5000, insn: 6000, channels_max: null, source: 'given' });
    const keys = ['name', 'architecture', 'prune', 'distilled', 'bytes', 'ram_bytes', 'channels', 'insn_inference', 'insn_if_skipped', 'insn_if_stored_dense', 'sparse_layers', 'zero_weights', 'zero_blocks', 'fits', 'over', 'trained', 'false_alarm_rate', 'detection_rate_min', 'false_alarm_at_detection', 'auc_min', 'threshold_sumsq', 'train_s'];
    for (const c of j.candidates) expect(Object.keys(c).sort()).toEqual([...keys].sort());
    expect(j.chosen.fits).toBe(true);
    expect(j.chosen.bytes).toBeLessThanOrEqual(3300);
    expect(j.chosen.insn_inference).toBeLessThanOrEqual(6000);
    expect(j.reference.architecture).toBe('32-32-8-32-32');
    const f = readVgmFile(new Uint8Array(readFileSync(out)));
    expect([32, ...f.model.layers.map((l) => l.outDim)].join('-')).toBe(j.chosen.architecture);
    expect(f.blob.length).toBe(j.chosen.bytes);
  }, 60_000);

  it('refuses a budget no candidate fits, in one line with exit status 2', async () => {
    const r = await run(['size', '--data', manifest, '--budget', 'flash=2000']);
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toMatch(/^vigil: no candidate fits the budget flash=2000,ram=5620,insn=19191 \(at most 176 channels\): the smallest, 32-16-4-16-32 p50, needs 2548 bytes/);
  });

  it('refuses bad grids', async () => {
    expect((await run(['size', '--data', manifest, '--widths', '10'])).err.at(-1)).toMatch(/--widths takes widths that are multiples of 4/);
    expect((await run(['size', '--data', manifest, '--budget', 'flash=lots'])).err.at(-1)).toMatch(/the budget takes flash=BYTES,ram=BYTES,insn=N/);
  });
});
