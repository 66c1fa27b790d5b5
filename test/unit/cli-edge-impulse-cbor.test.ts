// vigil edge-impulse with CBOR: the demo recordings exported as Edge Impulse CBOR samples import,
// and `vigil train` on a manifest of them gives the byte-identical model of their CSVs; a signed
// sample is checked on import; malformed CBOR is one line with exit status 2.
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { readVgmFile } from '../../models/nn/modelFile';
import { ROOT } from '../helpers/firmware';

const dir = mkdtempSync(join(tmpdir(), 'vigil-ei-cbor-'));
const N = 'cwru_normal_0hp_1797rpm_48k_1s.csv';
const F = 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}

beforeAll(() => {
  copyFileSync(join(ROOT, 'data/demo', N), join(dir, N));
  copyFileSync(join(ROOT, 'data/demo', F), join(dir, F));
  writeFileSync(join(dir, 'manifest.csv'), `file,label,sample_rate_hz\n${N},normal,48000\n${F},inner_race,48000\n`);
});

describe('vigil edge-impulse CBOR', () => {
  it('an Edge Impulse CBOR export of the demo recordings imports and trains to the model of the CSVs', async () => {
    // --format cbor with a .bin name (content decides on the way back), and a .cbor name without --format
    for (const [f, name, fmt] of [[N, 'normal.s1.bin', ['--format', 'cbor']], [F, 'inner_race.s1.cbor', []]] as const) {
      const r = await run(['edge-impulse', 'export', '--csv', join(dir, f), '--rate', '48000', '--out', join(dir, name), '--channel', 'DE_accel,FE_accel', ...fmt, '--json']);
      expect(r.code, r.err.at(-1)).toBe(0);
      expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ samples: 48000, sensors: ['DE_accel', 'FE_accel'], format: 'cbor', signed: false });
    }
    expect(readFileSync(join(dir, 'normal.s1.bin'))[0]).toBe(0xa3); // a CBOR map, not JSON text
    // import auto-detects the encoding of the .bin file
    const imp = await run(['edge-impulse', 'import', '--sample', join(dir, 'normal.s1.bin'), '--out', join(dir, 'normal.back.csv'), '--json']);
    expect(imp.code, imp.err.at(-1)).toBe(0);
    expect(JSON.parse(imp.out.at(-1)!)).toMatchObject({ samples: 48000, sensors: ['DE_accel', 'FE_accel'], sample_rate_hz: 48000 });
    writeFileSync(join(dir, 'ei.csv'), 'file,label,sample_rate_hz\nnormal.back.csv,normal,48000\ninner_race.s1.cbor,inner_race,48000\n');
    const args = ['--seed', '9', '--epochs', '15', '--hidden', '8,2,8', '--channel', 'DE_accel,FE_accel'];
    const t1 = await run(['train', '--data', join(dir, 'manifest.csv'), '--out', join(dir, 'from-csv.vgm'), ...args]);
    expect(t1.code, t1.err.at(-1)).toBe(0);
    const t2 = await run(['train', '--data', join(dir, 'ei.csv'), '--out', join(dir, 'from-ei.vgm'), ...args]);
    expect(t2.code, t2.err.at(-1)).toBe(0);
    const a = readVgmFile(readFileSync(join(dir, 'from-csv.vgm'))).blob;
    const b = readVgmFile(readFileSync(join(dir, 'from-ei.vgm'))).blob;
    expect(Array.from(b)).toEqual(Array.from(a));
  });

  it('a signed CBOR sample is checked on import with --hmac-key; a wrong key is refused', async () => {
    const s = join(dir, 'signed.cbor');
    const e = await run(['edge-impulse', 'export', '--csv', join(dir, N), '--rate', '48000', '--out', s, '--channel', 'DE_accel', '--hmac-key', 'a1b2c3d4', '--json']);
    expect(JSON.parse(e.out.at(-1)!)).toMatchObject({ signed: true, format: 'cbor' });
    const ok = await run(['edge-impulse', 'import', '--sample', s, '--out', join(dir, 'signed.csv'), '--hmac-key', 'a1b2c3d4', '--json']);
    expect(ok.code, ok.err.at(-1)).toBe(0);
    expect(JSON.parse(ok.out.at(-1)!)).toMatchObject({ signature_checked: true });
    const bad = await run(['edge-impulse', 'import', '--sample', s, '--out', join(dir, 'signed.csv'), '--hmac-key', 'a1b2c3d5']);
    expect(bad.code).toBe(2);
    expect(bad.err).toEqual(['vigil: signed.cbor: the HS256 signature does not match this key']);
  });

  it('malformed CBOR and a bad --format are one line with exit status 2', async () => {
    const good = readFileSync(join(dir, 'inner_race.s1.cbor'));
    writeFileSync(join(dir, 'cut.cbor'), good.subarray(0, 100));
    const r = await run(['edge-impulse', 'import', '--sample', join(dir, 'cut.cbor'), '--out', join(dir, 'cut.csv')]);
    expect(r.code).toBe(2);
    expect(r.err).toHaveLength(1);
    expect(r.err[0]).toMatch(/^vigil: cut\.cbor: is neither JSON nor valid CBOR \(.+\)$/);
    writeFileSync(join(dir, 'm.csv'), 'file,label,sample_rate_hz\ncut.cbor,normal,48000\n');
    const t = await run(['train', '--data', join(dir, 'm.csv'), '--out', join(dir, 'x.vgm')]);
    expect(t.code).toBe(2);
    expect(t.err.at(-1)).toMatch(/^vigil: cut\.cbor: is neither JSON nor valid CBOR/);
    const f = await run(['edge-impulse', 'export', '--csv', join(dir, N), '--rate', '48000', '--out', join(dir, 'x.s'), '--format', 'xml']);
    expect(f.code).toBe(2);
    expect(f.err).toEqual(['vigil: --format is json or cbor']);
  });
});
