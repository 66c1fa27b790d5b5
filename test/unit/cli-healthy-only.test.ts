// A model trained on healthy recordings only — the common case on a new machine, where no fault has
// been recorded — has no AUC (there is no fault class to separate). `vigil train` wrote that as null
// in the app section and `vigil inspect`, `vigil eval` and the app's model import then refused the
// file ("metrics.aucMin is not a number"). The file must read back, its AUC shown as "—".
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { checkAppSection } from '../../models/nn/appSection';
import { readVgmFile } from '../../models/nn/modelFile';
import { ROOT } from '../helpers/firmware';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-healthy-'));
const N = 'cwru_normal_0hp_1797rpm_48k_1s.csv';
const manifest = join(dir, 'manifest.csv');
const model = join(dir, 'healthy.vgm');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

beforeAll(async () => {
  copyFileSync(join(ROOT, 'data/demo', N), join(dir, N));
  writeFileSync(manifest, `file,label,sample_rate_hz\n${N},normal,48000\n`);
  const r = await run(['train', '--data', manifest, '--out', model, '--seed', '3', '--epochs', '5', '--hidden', '8,2,8']);
  expect(r.err).not.toMatch(/not a number|not what Vigil writes/);
  expect(r.code).toBe(0);
}, 120_000);

describe('a model trained on healthy recordings only', () => {
  it('stores its AUC as null, and the app section check reads it as NaN', () => {
    const file = readVgmFile<unknown>(new Uint8Array(readFileSync(model)));
    const app = file.app as { metrics: Record<string, unknown> };
    expect(app.metrics.aucMin).toBeNull();
    checkAppSection(app);
    expect(Number.isNaN(app.metrics.aucMin)).toBe(true);
    expect(typeof app.metrics.falseAlarmRate).toBe('number');
  });

  it('vigil inspect shows it, with the AUC as a dash', async () => {
    const r = await run(['inspect', model]);
    expect(r.err).not.toMatch(/not a number|not what Vigil writes/);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/metrics: AUC min — \(int8 —\), false alarms [\d.]+% of held-out normal windows/);
  });

  it('vigil eval scores it on its held-out windows', async () => {
    const r = await run(['eval', '--model', model, '--data', manifest, '--json']);
    expect(r.err).not.toMatch(/not a number|not what Vigil writes/);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out) as { false_alarm_rate?: unknown };
    expect(j).toHaveProperty('false_alarm_rate');
  });
});
