// vigil CLI: train / eval / inspect on a manifest of the shipped demo recordings (tiny model), the
// JSON line, and one-line errors with exit status 2. The launcher is run as `node main/cli/vigil-bin.mjs`.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { readVgmFile, writeModelBlob, writeVgmFile } from '../../models/nn/modelFile';
import { vectorModel } from '../../scripts/gen-nn-vectors';
import { ROOT } from '../helpers/firmware';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
const N = 'cwru_normal_0hp_1797rpm_48k_1s.csv';
const F = 'cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv';
const manifest = join(dir, 'manifest.csv');
const model = join(dir, 'm.vgm');

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}

beforeAll(() => {
  copyFileSync(join(ROOT, 'data/demo', N), join(dir, N));
  copyFileSync(join(ROOT, 'data/demo', F), join(dir, F));
  writeFileSync(manifest, `file,label,sample_rate_hz,notes\n${N},normal,48000,healthy\n${F},inner_race,48000,seeded fault\n`);
});

describe('vigil train / eval / inspect', () => {
  let trained: Record<string, unknown>;
  it('train writes a model, says what it held out, and ends with one JSON line', async () => {
    const r = await run(['train', '--data', manifest, '--out', model, '--seed', '5', '--epochs', '40', '--hidden', '8,2,8', '--json']);
    expect(r.err.join('\n')).toMatch(new RegExp(`${N}: trained on samples 0..21600, validated on 21600..28800 .* held out the last 40% \\(samples 28800..48000\\)`));
    expect(r.code).toBe(0);
    trained = JSON.parse(r.out.at(-1)!);
    expect(trained).toMatchObject({ seed: 5, backend: 'wasm', windows: { normal_test: 35, inner_race: 92 } });
    const f = readVgmFile<{ lineage: { channels: string[]; params: { seed: number } } }>(new Uint8Array(readFileSync(model)));
    expect(f.app?.lineage.channels).toEqual(['DE_accel']);
    expect(f.app?.lineage.params.seed).toBe(5);
    expect(f.model.layers.map((l) => l.outDim)).toEqual([8, 2, 8, 32]);
  });

  it('eval reproduces the figures train reported, with every key of the issue', async () => {
    const r = await run(['eval', '--model', model, '--data', manifest, '--json']);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.out.at(-1)!);
    for (const k of ['auc', 'auc_int8', 'auc_min', 'auc_int8_min', 'threshold', 'false_alarm_rate', 'detection_rate', 'false_alarms_per_day', 'baselines', 'windows']) expect(j).toHaveProperty(k);
    expect(Object.keys(j.auc)).toEqual(['inner_race']);
    expect(j.baselines.rms).toHaveProperty('auc_min');
    expect(j.baselines.mahalanobis).toHaveProperty('auc_min');
    expect(j.auc_min).toBe(trained.auc_min);
    expect(j.auc_int8_min).toBe(trained.auc_int8_min);
    expect(j.false_alarm_rate).toBe(trained.false_alarm_rate);
    expect(j.windows).toEqual({ normal_test: 35, inner_race: 92 });
  });

  it('inspect describes the model and checks its self-test', async () => {
    const r = await run(['inspect', model]);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    expect(text).toMatch(/Vigil model v1, format 1/);
    expect(text).toMatch(/autoencoder 32-8-2-8-32/);
    expect(text).toMatch(/self-test passes; CRC ok; tag: unpaired key/);
    const j = await run(['inspect', model, '--json']);
    expect(JSON.parse(j.out.at(-1)!)).toMatchObject({ architecture: '32-8-2-8-32', self_test: 'passes', channels: ['DE_accel'] });
  });
});

describe('errors: one line, exit status 2', () => {
  const bad = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, () => string[], RegExp][] = [
    ['missing manifest', () => ['train', '--data', join(dir, 'nope.csv'), '--out', model], /manifest .*nope\.csv does not exist/],
    ['missing recording', () => ['train', '--data', bad('m1.csv', `file,label,sample_rate_hz\nmissing.csv,normal,48000\n`), '--out', model], /m1\.csv line 2: file missing\.csv does not exist/],
    ['bad sample rate', () => ['train', '--data', bad('m2.csv', `file,label,sample_rate_hz\n${N},normal,fast\n`), '--out', model], /m2\.csv line 2: sample_rate_hz "fast" is not a sample rate/],
    ['no normal rows', () => ['train', '--data', bad('m3.csv', `file,label,sample_rate_hz\n${F},inner_race,48000\n`), '--out', model], /no rows labelled "normal"/],
    ['missing columns', () => ['train', '--data', bad('m4.csv', `file,label\n${N},normal\n`), '--out', model], /lacks the column sample_rate_hz/],
    ['bad number in a recording', () => ['train', '--data', bad('m5.csv', `file,label,sample_rate_hz\nbad.csv,normal,48000\n`), '--out', model], /bad\.csv: Line 3, column 1 \(DE_accel\): "x" is not a number/],
    ['unknown channel', () => ['train', '--data', manifest, '--out', model, '--channel', 'Z'], /has no column "Z"/],
    ['missing model', () => ['eval', '--model', join(dir, 'none.vgm'), '--data', manifest], /model file .*none\.vgm does not exist/],
    ['not a model', () => ['inspect', manifest], /not a Vigil model file/],
    ['unknown option', () => ['train', '--bogus'], /unknown option --bogus/],
  ];
  beforeAll(() => writeFileSync(join(dir, 'bad.csv'), 'DE_accel,FE_accel\n0.1,0.2\nx,0.3\n'));
  for (const [name, argv, msg] of cases) {
    it(name, async () => {
      const r = await run(argv());
      expect(r.code).toBe(2);
      expect(r.err).toHaveLength(r.err.length); // progress lines may precede the error
      const last = r.err.at(-1)!;
      expect(last).toMatch(/^vigil: /);
      expect(last).toMatch(msg);
      expect(last).not.toContain('\n');
    });
  }

  it('the npx launcher runs without a build step and exits 2 on an error', () => {
    const help = spawnSync(process.execPath, [join(ROOT, 'main/cli/vigil-bin.mjs'), '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/vigil train --data MANIFEST\.csv --out MODEL\.vgm/);
    const e = spawnSync(process.execPath, [join(ROOT, 'main/cli/vigil-bin.mjs'), 'inspect', join(dir, 'none.vgm')], { encoding: 'utf8' });
    expect(e.status).toBe(2);
    expect(e.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('inspect and eval refuse a damaged or unexpected model file with its reason, exit status 2', () => {
  const { q } = vectorModel();
  const blob = writeModelBlob(q);
  const file = (name: string, bytes: Uint8Array) => {
    const p = join(dir, name);
    writeFileSync(p, bytes);
    return p;
  };
  const withApp = (name: string, app: unknown) => file(name, writeVgmFile(blob, app));
  const cases: [string, () => string, RegExp][] = [
    ['a damaged tag', () => {
      const b = blob.slice();
      b[b.length - 1] ^= 1;
      return file('tag.vgm', b);
    }, /tag does not match the unpaired key/],
    ['an app section that is a list', () => withApp('app-list.vgm', [1, 2]), /app section .*not .*object/],
    ['lineage data that is not a list', () => withApp('app-data.vgm', { kind: 'vigil-model-app-section', version: 1, lineage: { tool: 't', createdAt: 'x', labels: ['normal'], data: 'recordings' } }), /app section .*lineage\.data/],
    ['lineage labels that are not a list', () => withApp('app-labels.vgm', { kind: 'vigil-model-app-section', version: 1, lineage: { tool: 't', createdAt: 'x', labels: 5, data: [] } }), /app section .*lineage\.labels/],
    ['metrics of the wrong shape', () => withApp('app-metrics.vgm', { kind: 'vigil-model-app-section', version: 1, metrics: { aucMin: 'high' } }), /app section .*metrics/],
  ];
  for (const [name, path, msg] of cases) {
    it(name, async () => {
      for (const argv of [[path()], [path(), '--json']]) {
        const r = await run(['inspect', ...argv]);
        expect(r.err.at(-1)).toMatch(/^vigil: /);
        expect(r.err.at(-1)).not.toMatch(/internal error/);
        expect(r.err.at(-1)).toMatch(msg);
        expect(r.code).toBe(2);
        expect(r.out.join('\n')).not.toMatch(/signed for a node/);
      }
    });
  }

  // eval reads the channels, the split, the threshold rate and the float model from the app
  // section: it refuses a section of another shape as inspect does, before it reads any recording.
  const evalCases: [string, () => string, RegExp][] = [
    ...cases.slice(1),
    ['channels that are not names', () => withApp('app-channels.vgm', { kind: 'vigil-model-app-section', version: 1, lineage: { tool: 't', createdAt: 'x', labels: ['normal'], data: [], channels: 'DE_accel' } }), /app section .*lineage\.channels/],
    ['a threshold rate that is not a fraction', () => withApp('app-rate.vgm', { kind: 'vigil-model-app-section', version: 1, lineage: { tool: 't', createdAt: 'x', labels: ['normal'], data: [], threshold: { targetRate: 'low' } } }), /app section .*targetRate/],
    ['a float model without layers', () => withApp('app-float.vgm', { kind: 'vigil-model-app-section', version: 1, float: { axes: [0], mean: [0], std: [1], layers: [null] } }), /app section .*float\.layers\[0\]/],
  ];
  for (const [name, path, msg] of evalCases) {
    it(`eval refuses ${name}`, async () => {
      const r = await run(['eval', '--model', path(), '--data', manifest, '--json']);
      expect(r.err.at(-1)).toMatch(/^vigil: /);
      expect(r.err.at(-1)).not.toMatch(/internal error/);
      expect(r.err.at(-1)).toMatch(msg);
      expect(r.err.join('\n')).not.toMatch(/reading \d+ recordings/);
      expect(r.code).toBe(2);
    });
  }

  it('an unsigned model without an app section still inspects', async () => {
    const r = await run(['inspect', file('plain.vgm', blob)]);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.out.join('\n')).toMatch(/tag: unpaired key/);
  });
});

describe('vigil train --rounding, export --tflite, import --tflite', () => {
  it('trains a single-rounding model, exports it, and imports it back to the same node blob', async () => {
    const single = join(dir, 'single.vgm');
    const t = await run(['train', '--data', manifest, '--out', single, '--seed', '5', '--epochs', '20', '--hidden', '8,2,8', '--rounding', 'single', '--json']);
    expect(t.code).toBe(0);
    const trained = readVgmFile(readFileSync(single));
    expect(trained.model.rounding).toBe('single');
    const tflite = join(dir, 'single.tflite');
    const e = await run(['export', '--model', single, '--tflite', tflite, '--json']);
    expect(e.code).toBe(0);
    expect(JSON.parse(e.out.at(-1)!)).toMatchObject({ layers: 4, architecture: expect.stringMatching(/^\d+-8-2-8-\d+$/), rounding: 'single' });
    expect(readFileSync(tflite).subarray(4, 8).toString()).toBe('TFL3');
    const back = join(dir, 'back.vgm');
    const i = await run(['import', '--tflite', tflite, '--spec', single, '--out', back, '--json']);
    expect(i.code).toBe(0);
    expect(JSON.parse(i.out.at(-1)!)).toMatchObject({ rounding: 'single', vigil_metadata: true, axes: trained.model.axes });
    expect(Array.from(readVgmFile(readFileSync(back)).blob)).toEqual(Array.from(trained.blob));
    const insp = await run(['inspect', back]);
    expect(insp.out.join('\n')).toMatch(/requantization: single rounding \(current LiteRT\)/);
  });
  it('export of a double-rounding model says LiteRT rounds once; bad options and files get one line', async () => {
    const e = await run(['export', '--model', join(ROOT, 'renderer/public/models/default.vgm'), '--tflite', join(dir, 'd.tflite')]);
    expect(e.code).toBe(0);
    expect(e.out.join('\n')).toMatch(/note: this model requantizes with double rounding; LiteRT rounds once/);
    expect((await run(['export', '--model', model, '--tflite', join(dir, 'x.tflite'), '--rounding', 'half'])).err).toEqual(["vigil: --rounding is single (current LiteRT) or double (TFLite's classic form)"]);
    expect((await run(['import', '--tflite', model, '--spec', '48000', '--out', join(dir, 'x.vgm')])).err).toEqual(['vigil: not a TensorFlow Lite model (it lacks the "TFL3" file identifier)']);
    expect((await run(['import', '--tflite', join(dir, 'd.tflite'), '--out', join(dir, 'x.vgm')])).err[0]).toMatch(/import needs --spec/);
    expect((await run(['import', '--tflite', join(dir, 'd.tflite'), '--spec', 'fast', '--out', join(dir, 'x.vgm')])).err[0]).toMatch(/--spec takes RATE\[,WINDOW,HOP,BANDS\]/);
  });
});

describe('vigil edge-impulse and manifests of Edge Impulse samples', () => {
  it('a recording exported to Edge Impulse JSON trains to the same model as the CSV it came from', async () => {
    const eiDir = join(dir, 'ei');
    mkdirSync(eiDir);
    for (const [f, name] of [[N, 'normal.s1.json'], [F, 'inner_race.s1.json']]) {
      const r = await run(['edge-impulse', 'export', '--csv', join(dir, f), '--rate', '48000', '--out', join(eiDir, name), '--channel', 'DE_accel,FE_accel', '--json']);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.out.at(-1)!)).toMatchObject({ samples: 48000, sensors: ['DE_accel', 'FE_accel'], units: 'g', signed: false });
    }
    const eiManifest = join(eiDir, 'manifest.csv');
    writeFileSync(eiManifest, 'file,label,sample_rate_hz\nnormal.s1.json,normal,48000\ninner_race.s1.json,inner_race,48000\n');
    const args = ['--seed', '9', '--epochs', '15', '--hidden', '8,2,8', '--channel', 'DE_accel,FE_accel'];
    const t1 = await run(['train', '--data', manifest, '--out', join(dir, 'from-csv.vgm'), ...args]);
    expect(t1.code, t1.err.at(-1)).toBe(0);
    const t2 = await run(['train', '--data', eiManifest, '--out', join(dir, 'from-ei.vgm'), ...args]);
    expect(t2.code, t2.err.at(-1)).toBe(0);
    const a = readVgmFile(readFileSync(join(dir, 'from-csv.vgm'))).blob;
    const b = readVgmFile(readFileSync(join(dir, 'from-ei.vgm'))).blob;
    expect(Array.from(b)).toEqual(Array.from(a));
    // and back to CSV
    const back = join(eiDir, 'normal.csv');
    const imp = await run(['edge-impulse', 'import', '--sample', join(eiDir, 'normal.s1.json'), '--out', back, '--json']);
    expect(imp.code).toBe(0);
    expect(JSON.parse(imp.out.at(-1)!)).toMatchObject({ samples: 48000, sensors: ['DE_accel', 'FE_accel'] });
    expect(readFileSync(back, 'utf8').split('\n')[0]).toBe('DE_accel,FE_accel');
  });
  it('a sample whose interval disagrees with the manifest, or a bad sample, is one line naming the file', async () => {
    const eiDir = join(dir, 'ei2');
    mkdirSync(eiDir);
    expect((await run(['edge-impulse', 'export', '--csv', join(dir, N), '--rate', '24000', '--out', join(eiDir, 'n.json')])).code).toBe(0);
    writeFileSync(join(eiDir, 'm.csv'), 'file,label,sample_rate_hz\nn.json,normal,48000\n');
    const r = await run(['train', '--data', join(eiDir, 'm.csv'), '--out', join(eiDir, 'x.vgm')]);
    expect(r.code).toBe(2);
    expect(r.err.at(-1)).toBe('vigil: n.json is sampled at 24000.0 Hz (interval_ms), the manifest says 48000 Hz');
    writeFileSync(join(eiDir, 'bad.json'), JSON.stringify({ payload: { interval_ms: 1, sensors: [{ name: 'x', units: 'g' }], values: [[1], ['a']] } }));
    const i = await run(['edge-impulse', 'import', '--sample', join(eiDir, 'bad.json'), '--out', join(eiDir, 'bad.csv')]);
    expect(i.err).toEqual(['vigil: bad.json: value row 2, sensor "x" is "a", not a number']);
  });
});
