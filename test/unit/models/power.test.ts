// The power estimate (models/power, docs/power.md): the measured constants agree with the committed
// firmware bench JSON, frame sizes come from the codec, a hand-computed case, and the estimate moves
// the right way with the hop, the stream and the link.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ASSUMED, DATASHEET, estimatePower, featuresWireBytes, FIRMWARE, MEASURED, PowerConfigError, rawBlock, type PowerConfig } from '../../../models/power';
import { ROOT } from '../../helpers/firmware';

const BASE: PowerConfig = { sampleRateHz: 26667, hop: 512, axes: 3, stream: 'features', rawDecimation: 1, sendBands: false, link: 'ble', batteryMah: 2600 };

describe('measured figures', () => {
  // The snapshot is the output of `npm run bench -- firmware --json` on the date in MEASURED.benchDate.
  // Re-run the bench and replace the snapshot when the firmware changes; the constants must follow
  // within 2 % (the figures are deterministic under QEMU icount; 2 % leaves room for a small change
  // that does not move the estimate).
  const bench = JSON.parse(readFileSync(join(ROOT, 'test/fixtures/power/bench-firmware-2026-12-06.json'), 'utf8')) as { figures: Record<string, number> };
  const pairs: [number, string][] = [
    [MEASURED.insnWindowTotal, 'insn_window_total'],
    [MEASURED.insnWindowTotalBaseline, 'insn_window_total_baseline'],
    [MEASURED.insnFeaturesAxis, 'insn_features_axis'],
    [MEASURED.insnFeaturesFrame, 'insn_features_frame'],
    [MEASURED.featuresWireBytes, 'features_wire_bytes'],
  ];
  for (const [constant, field] of pairs) {
    it(`${field} agrees with the bench within 2 %`, () => {
      expect(typeof bench.figures[field]).toBe('number');
      expect(Math.abs(constant - bench.figures[field]) / bench.figures[field]).toBeLessThanOrEqual(0.02);
    });
  }
});

describe('frame sizes from the codec', () => {
  it('FEATURES with 3 x 32 bands is 482 wire bytes (docs/protocol.md 3.2)', () => {
    expect(featuresWireBytes(3, true)).toBe(482);
    expect(featuresWireBytes(3, false)).toBe(97); // 85 payload + 10 header/CRC + 1 COBS + 1 delimiter
  });
  it('a full 3-axis RAW_BLOCK is 168 frames in at most 1038 wire bytes', () => {
    expect(rawBlock(3)).toEqual({ frames: 168, wireBytes: 1038 });
  });
});

describe('estimatePower', () => {
  it('matches a hand computation for the default node on the cable', () => {
    const e = estimatePower({ ...BASE, link: 'wired' });
    const windows = 26667 / 512;
    const insn = 144_010 - 6826 + (6826 * 97) / 486;
    const compute = (windows * insn * 1.25) / 168e6;
    const spi = (26667 * 7 * 8) / 5.25e6;
    const uart = (windows * 97 * 10) / 921_600;
    const active = compute + spi + uart;
    const total = active * 40 + (1 - active) * 12 + 1.1;
    expect(e.activeFraction).toBeCloseTo(active, 9);
    expect(e.parts.radio).toBe(0);
    expect(e.totalMa).toBeCloseTo(total, 9);
    expect(e.totalMw).toBeCloseTo(total * 3.3, 9);
    expect(e.batteryHours).toBeCloseTo(2600 / total, 6);
    // the figures behind the hand computation are the ones in the model
    expect([DATASHEET.mcuRun168.mA, DATASHEET.mcuSleep168.mA, DATASHEET.sensorActive.mA, ASSUMED.cpi, FIRMWARE.spiHz]).toEqual([40, 12, 1.1, 1.25, 5.25e6]);
  });

  it('falls as the hop grows (never rises where the link or the core is saturated)', () => {
    for (const link of ['wired', 'ble'] as const) {
      let last = Infinity;
      for (const hop of [64, 128, 256, 512, 1024, 4096]) {
        const e = estimatePower({ ...BASE, link, hop });
        if (link === 'wired' || !e.overloaded) expect(e.totalMa).toBeLessThan(last);
        else expect(e.totalMa).toBeLessThanOrEqual(last);
        last = e.totalMa;
      }
    }
  });

  it('rises from off to features to both, and raw alone costs no more than both', () => {
    const at = (stream: PowerConfig['stream']) => estimatePower({ ...BASE, link: 'wired', rawDecimation: 8, stream }).totalMa;
    expect(at('off')).toBeLessThan(at('features'));
    expect(at('features')).toBeLessThan(at('both'));
    expect(at('off')).toBeLessThan(at('raw'));
    expect(at('raw')).toBeLessThan(at('both'));
    expect(estimatePower({ ...BASE, sendBands: true }).totalMa).toBeGreaterThan(estimatePower(BASE).totalMa);
  });

  it('BLE costs more than the cable: a radio, and a slower UART the core waits on', () => {
    const ble = estimatePower(BASE);
    const wired = estimatePower({ ...BASE, link: 'wired' });
    expect(ble.parts.radio).toBeGreaterThan(0.5);
    expect(ble.active.uartFraction).toBeGreaterThan(wired.active.uartFraction * 7);
    expect(ble.totalMa).toBeGreaterThan(wired.totalMa);
    expect(ble.batteryHours).toBeLessThan(wired.batteryHours);
  });

  it('says when a stream does not fit the link', () => {
    const bands = estimatePower({ ...BASE, sendBands: true });
    expect(bands.bytesPerS).toBeGreaterThan(11_520);
    expect(bands.overloaded).toBe(true);
    expect(bands.sentBytesPerS).toBe(11_520);
    expect(estimatePower(BASE).overloaded).toBe(false);
    const rawFull = estimatePower({ ...BASE, link: 'wired', stream: 'raw', rawDecimation: 1 });
    expect(rawFull.overloaded).toBe(true);
    expect(rawFull.overcommitted).toBe(true);
  });

  it('refuses bad input in plain words', () => {
    expect(() => estimatePower({ ...BASE, hop: 0 })).toThrow(PowerConfigError);
    expect(() => estimatePower({ ...BASE, hop: 0 })).toThrow(/hop must be a whole number from 1/);
    expect(() => estimatePower({ ...BASE, axes: 4 })).toThrow(/axis count/);
    expect(() => estimatePower({ ...BASE, batteryMah: -1 })).toThrow(/battery capacity/);
    expect(() => estimatePower({ ...BASE, link: 'wifi' as never })).toThrow(/wired or ble/);
  });
});
