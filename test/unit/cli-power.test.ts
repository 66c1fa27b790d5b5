// vigil power: the table, the JSON object and one-line errors with exit status 2 (docs/power.md).
import { describe, expect, it } from 'vitest';
import { main } from '../../main/cli/vigil';
import { estimatePower } from '../../models/power';

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { stdout: (s) => out.push(s), stderr: (s) => err.push(s) });
  return { code, out, err };
}

const DEFAULT = ['power', '--rate', '26667', '--hop', '512', '--axes', '3', '--stream', 'features', '--link', 'ble'];

describe('vigil power', () => {
  it('prints the breakdown, the total and every source', async () => {
    const r = await run(DEFAULT);
    expect(r.code).toBe(0);
    const text = r.out.join('\n');
    const e = estimatePower({ sampleRateHz: 26667, hop: 512, axes: 3, stream: 'features', rawDecimation: 1, sendBands: false, link: 'ble', batteryMah: 2600 });
    expect(text).toMatch(new RegExp(`total +${e.totalMa.toFixed(2)} mA`));
    expect(text).toMatch(/MCU active .* mA/);
    expect(text).toMatch(/radio .*nRF52832/);
    expect(text).toContain('DS8626');
    expect(text).toContain('assumed: cpi = 1.25');
    expect(text).toContain('on 2600 mAh');
  });

  it('--json prints one object whose estimate is the model\'s, and follows the flags', async () => {
    const a = await run([...DEFAULT, '--json', '--battery-mah', '1000']);
    expect(a.code).toBe(0);
    expect(a.out).toHaveLength(1);
    const j = JSON.parse(a.out[0]) as { config: { batteryMah: number }; estimate: { totalMa: number; batteryHours: number; overloaded: boolean } };
    expect(j.config.batteryMah).toBe(1000);
    expect(j.estimate.batteryHours).toBeCloseTo(1000 / j.estimate.totalMa, 9);
    const b = JSON.parse((await run([...DEFAULT, '--json', '--bands'])).out[0]) as typeof j;
    expect(b.estimate.overloaded).toBe(true);
    const wired = JSON.parse((await run([...DEFAULT.slice(0, -1), 'wired', '--json'])).out[0]) as typeof j;
    expect(wired.estimate.totalMa).toBeLessThan(j.estimate.totalMa);
  });

  it('says what is wrong in one line, exit status 2', async () => {
    for (const [argv, msg] of [
      [['power', '--rate', '26667', '--hop', '512', '--axes', '3', '--link', 'ble'], /--stream off, features, raw or both/],
      [['power', '--rate', '26667', '--hop', '512', '--axes', '3', '--stream', 'features'], /--link wired or ble/],
      [['power', '--hop', '512', '--axes', '3', '--stream', 'features', '--link', 'ble'], /needs --rate/],
      [[...DEFAULT, '--hop', 'x'], /--hop needs a number/],
      [[...DEFAULT.slice(0, 6), '4', ...DEFAULT.slice(7)], /axis count must be a whole number from 1 to 3/],
      [[...DEFAULT, '--decimation', '65'], /raw decimation/],
      [[...DEFAULT, '--battery'], /unknown option --battery/],
    ] as [string[], RegExp][]) {
      const r = await run(argv);
      expect(r.code, argv.join(' ')).toBe(2);
      expect(r.err).toHaveLength(1);
      expect(r.err[0]).toMatch(msg);
    }
  });

  it('is in the help text', async () => {
    const r = await run(['--help']);
    expect(r.out.join('\n')).toContain('vigil power --rate HZ --hop N --axes N --stream features|raw|both|off');
  });
});
