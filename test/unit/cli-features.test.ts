// vigil features: the node's features of a recording, one JSON object per window, on the shipped
// demo recordings (the same numbers the app's CSV import stores), on a synthetic tone whose features
// are known in closed form, and one-line errors for bad input.
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { f32, type WindowJson } from '../../main/cli/features';
import { columnIndex } from '../../models/dataset/columns';
import { CsvStreamParser } from '../../models/dataset/csv';
import { sniffCsv } from '../../models/dataset/formats';
import { RecordingBuilder } from '../../models/dataset/recording';
import { STANDARD_GRAVITY } from '../../models/features/spec';
import { ROOT } from '../helpers/firmware';

const N = join(ROOT, 'data/demo/cwru_normal_0hp_1797rpm_48k_1s.csv');
const F = join(ROOT, 'data/demo/cwru_inner_race_007mil_0hp_1797rpm_48k_1s.csv');
const dir = mkdtempSync(join(tmpdir(), 'vigil-features-'));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}

async function windows(argv: string[]): Promise<WindowJson[]> {
  const r = await run(['features', ...argv, '--json']);
  expect(r.err.at(-1)).not.toMatch(/^vigil: /);
  expect(r.code).toBe(0);
  return r.out.map((l) => JSON.parse(l) as WindowJson);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

describe('vigil features on the shipped demo recordings', () => {
  it('prints one JSON object per window: 92 windows of 1024, hop 512, at 48 kHz from the file name', async () => {
    const r = await run(['features', '--data', N, '--json']);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toMatch(/48000 samples of DE_accel at 48000 Hz \(from the file name; give --fs to be sure\), window 1024, hop 512: 92 windows/);
    expect(r.out).toHaveLength(92);
    const w = r.out.map((l) => JSON.parse(l) as WindowJson);
    expect(w.map((x) => x.window)).toEqual([...Array(92).keys()]);
    expect(w[0].t_us).toBe(21333); // floor(1024 * 1e6 / 48000): the FEATURES frame's clock
    expect(w[91].t_us).toBe(Math.floor(((91 * 512 + 1024) * 1e6) / 48000));
    expect(w[0].axes).toHaveLength(1);
    expect(w[0].axes[0].channel).toBe('DE_accel');
    expect(w[0].axes[0].log_bands).toHaveLength(32);
    expect(Object.keys(w[0].axes[0])).toEqual(['channel', 'rms_g', 'peak_g', 'crest', 'kurtosis', 'velocity_rms_mm_s', 'log_bands']);
  });

  it('gives the numbers the app stores when it imports the same file (sniffed mapping, stream parser, RecordingBuilder)', async () => {
    const w = await windows(['--data', N, '--channel', 'DE_accel,FE_accel']);
    const text = readFileSync(N, 'utf8');
    const settings = sniffCsv(text.slice(0, 65536), 'cwru_normal_0hp_1797rpm_48k_1s.csv').settings;
    const b = new RecordingBuilder({ sampleRateHz: settings.sampleRateHz, axisCount: settings.mapping.axisColumns.length, segmentSpacingS: settings.segmentSpacingS });
    const parser = new CsvStreamParser(settings.mapping, b);
    for (let i = 0; i < text.length; i += 7919) parser.push(text.slice(i, i + 7919));
    parser.end();
    const r = b.finish();
    expect(settings.channels).toEqual(['DE_accel', 'FE_accel']);
    expect(w).toHaveLength(r.features.length);
    const fields = { rms_g: 'rms', peak_g: 'peak', crest: 'crest', kurtosis: 'kurtosis', velocity_rms_mm_s: 'velocityRmsMmS' } as const;
    for (let i = 0; i < w.length; i++) {
      expect(w[i].window).toBe(r.features.windowIndex[i]);
      expect(w[i].t_us).toBe(r.features.tUs[i]);
      for (let a = 0; a < 2; a++) {
        for (const [k, f] of Object.entries(fields)) expect(Math.fround(w[i].axes[a][k as keyof typeof fields])).toBe(r.features.values[columnIndex(r.layout, f, a)][i]);
        w[i].axes[a].log_bands.forEach((v, band) => expect(Math.fround(v)).toBe(r.features.bands[a * 32 + band][i]));
      }
    }
  });

  it('tells the inner-race fault from the healthy bearing: impulsive (kurtosis) and stronger', async () => {
    const healthy = await windows(['--data', N]);
    const fault = await windows(['--data', F]);
    const k = (ws: WindowJson[]) => median(ws.map((x) => x.axes[0].kurtosis));
    const rms = (ws: WindowJson[]) => median(ws.map((x) => x.axes[0].rms_g));
    expect(k(healthy)).toBeGreaterThan(2.4);
    expect(k(healthy)).toBeLessThan(3.6); // close to Gaussian
    expect(k(fault)).toBeGreaterThan(2 * k(healthy));
    expect(rms(fault)).toBeGreaterThan(3 * rms(healthy));
  });

  it('takes --window and --hop (hop defaults to half the window) and --fs over the file name', async () => {
    const w = await windows(['--data', N, '--window', '4096']);
    expect(w).toHaveLength(Math.floor((48000 - 4096) / 2048) + 1);
    expect(w[1].t_us).toBe(Math.floor(((2048 + 4096) * 1e6) / 48000));
    const h = await windows(['--data', N, '--window', '2048', '--hop', '2048', '--fs', '12000']);
    expect(h).toHaveLength(Math.floor(48000 / 2048));
    expect(h[0].t_us).toBe(Math.floor((2048 * 1e6) / 12000));
  });

  it('prints a table without --json', async () => {
    const r = await run(['features', '--data', N, '--window', '8192', '--hop', '8192']);
    expect(r.code).toBe(0);
    expect(r.out[0]).toMatch(/window +t s +DE_accel rms g +peak g +crest +kurtosis +vel mm\/s/);
    expect(r.out).toHaveLength(1 + 5);
  });
});

describe('vigil features on a tone whose features are known', () => {
  it('1 g at 480 Hz: RMS 1/√2 g, crest √2, kurtosis 1.5, velocity g/(2π·480)/√2; rate from the time column', async () => {
    const fs = 48000;
    const lines = ['time_s,accel'];
    for (let i = 0; i < fs / 2; i++) lines.push(`${(i / fs).toFixed(9)},${Math.sin((2 * Math.PI * 480 * i) / fs).toFixed(7)}`);
    const p = join(dir, 'tone.csv');
    writeFileSync(p, lines.join('\n') + '\n');
    const r = await run(['features', '--data', p, '--json']);
    expect(r.code).toBe(0);
    expect(r.err.join('\n')).toMatch(/24000 samples of accel at 48000 Hz \(from the time column\)/);
    const w = r.out.map((l) => JSON.parse(l) as WindowJson);
    expect(w).toHaveLength(Math.floor((24000 - 1024) / 512) + 1);
    const vel = (STANDARD_GRAVITY * 1000) / (2 * Math.PI * 480) / Math.SQRT2;
    for (const x of w) {
      const a = x.axes[0];
      // A window holds 10.24 periods: the partial one moves the mean-removed figures by about 1 %.
      const near = (x: number, want: number, rel: number) => expect(Math.abs(x / want - 1)).toBeLessThan(rel);
      near(a.rms_g, Math.SQRT1_2, 0.02);
      near(a.crest, Math.SQRT2, 0.03);
      near(a.kurtosis, 1.5, 0.05);
      // The velocity meter (feature spec 2, docs/features.md) high-passes at 5 Hz: a sine starting at
      // phase 0 integrates to a cosine with a step, which the filter forgets in 2.5/low = 0.25 s.
      if (x.t_us >= 250_000) near(a.velocity_rms_mm_s, vel, 0.03);
      else near(a.velocity_rms_mm_s, vel, 0.5);
    }
  });

  it('f32 prints the shortest decimal that reads back as the same float32', () => {
    for (const x of [0.1, 1 / 3, -4.8098326, 1e-30, 123456.789, 0]) {
      const d = f32(x);
      expect(Math.fround(d)).toBe(Math.fround(x));
      expect(String(d).replace(/^-|\.|e.*$/g, '').replace(/^0+/, '').length).toBeLessThanOrEqual(9);
    }
    expect(f32(0.1)).toBe(0.1);
  });
});

describe('vigil features: bad input gets one line and exit status 2', () => {
  const file = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string, () => string[], RegExp][] = [
    ['no --data', () => [], /features needs --data RECORDING\.csv/],
    ['a missing file', () => ['--data', join(dir, 'nope_48k.csv')], /recording .*nope_48k\.csv does not exist/],
    ['a folder', () => (mkdirSync(join(dir, 'folder_48k.csv'), { recursive: true }), ['--data', join(dir, 'folder_48k.csv')]), /folder_48k\.csv is a folder, not a CSV recording/],
    ['an empty file', () => ['--data', file('empty_48k.csv', '')], /empty_48k\.csv is empty/],
    ['a malformed row', () => ['--data', file('bad_48k.csv', 'DE_accel,FE_accel\n0.1,0.2\nx,0.3\n')], /bad_48k\.csv: Line 3, column 1 \(DE_accel\): "x" is not a number/],
    ['a row with a missing value', () => ['--data', file('short-row_48k.csv', 'DE_accel,FE_accel\n0.1,0.2\n0.3\n')], /short-row_48k\.csv: Line 3 has 1 value/],
    ['an unknown channel', () => ['--data', N, '--channel', 'Z'], /has no column "Z"/],
    ['too many channels', () => ['--data', N, '--channel', 'a,b,c,d'], /--channel takes 1 to 3 different column names/],
    ['a file shorter than a window', () => ['--data', file('tiny_48k.csv', 'DE_accel\n0.1\n0.2\n0.3\n')], /tiny_48k\.csv: The recording is too short: a feature window needs 1,024 samples/],
    ['no sample rate to be found', () => ['--data', file('plain.csv', 'accel\n0.1\n0.2\n')], /plain\.csv does not say its sample rate .*give --fs HZ/],
    ['a rate too low', () => ['--data', N, '--fs', '100'], /--fs needs a sample rate from 2,048 to 10,000,000 Hz/],
    ['a rate that is not a number', () => ['--data', N, '--fs', 'fast'], /--fs needs a sample rate in Hz, got "fast"/],
    ['a window that is not a power of two', () => ['--data', N, '--window', '1000'], /--window needs a power of two from 64 to 8192/],
    ['a hop over the window', () => ['--data', N, '--window', '256', '--hop', '512'], /--hop needs a whole number from 1 to the window \(256\)/],
    ['binary data', () => ['--data', file('bin_48k.csv', 'DE_accel\n\u0000\u0001\u0002\n')], /bin_48k\.csv: .*(not a number|binary)/],
  ];
  for (const [name, argv, msg] of cases) {
    it(name, async () => {
      const r = await run(['features', ...argv(), '--json']);
      expect(r.code).toBe(2);
      expect(r.out).toEqual([]);
      const last = r.err.at(-1)!;
      expect(last).toMatch(/^vigil: /);
      expect(last).not.toMatch(/internal error/);
      expect(last).toMatch(msg);
    });
  }
});
