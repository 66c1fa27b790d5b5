// The feature golden vectors (test/vectors/dsp_vectors.json and .h, firmware/src/dsp/band_tables.c)
// are what scripts/gen-dsp-vectors.ts prints from models/features today; the C side is held to them
// by firmware/test/test_dsp_vectors.c (host) and boards/qemu/selftest_main.c (the Cortex-M4F), with
// the tolerances of firmware/test/dsp_tolerances.h. Here: the files are current, and the cases are
// what they claim to be.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { extractFeatures, logBandEdges, type FeatureSpec } from '../../../models/features/index';
import {
  BAND_TABLES_PATH,
  buildDspVectors,
  HEADER_PATH,
  JSON_PATH,
  NODE_SEGMENT_SIZES,
  renderBandTables,
  renderDspHeader,
  renderDspJson,
} from '../../../scripts/gen-dsp-vectors';
import { ROOT } from '../../helpers/firmware';
import { readCsvColumns } from '../../helpers/recording';

const V = JSON.parse(readFileSync(JSON_PATH, 'utf8'));

describe('DSP golden vectors (shared with the C tests)', () => {
  it('are up to date with the generator', () => {
    const v = buildDspVectors();
    expect(readFileSync(JSON_PATH, 'utf8')).toBe(renderDspJson(v));
    expect(readFileSync(HEADER_PATH, 'utf8')).toBe(renderDspHeader(v));
    expect(readFileSync(BAND_TABLES_PATH, 'utf8')).toBe(renderBandTables());
  });

  it('the node\'s default band tables are logBandEdges(segment, 32) for every FFT size it may use', () => {
    const c = readFileSync(BAND_TABLES_PATH, 'utf8');
    for (const n of NODE_SEGMENT_SIZES) {
      const m = new RegExp(`k_edges_${n}\\[33\\] = \\{([^}]*)\\}`).exec(c);
      expect(m, `table for ${n}`).not.toBeNull();
      expect(m![1].split(',').map((s) => Number(s.trim()))).toEqual(Array.from(logBandEdges(n, 32)));
    }
  });

  it('cover the configurations the node runs: CWRU 2-axis at 48 kHz, IIS3DWB 3-axis at 26.667 kHz, Welch, a small window', () => {
    const names = V.cases.map((c: { name: string }) => c.name);
    expect(names).toEqual(['cwru_normal_2axis', 'cwru_inner_race_2axis', 'cwru_welch_seg256', 'synthetic_3axis_26667_odd_hop', 'synthetic_small_window_256']);
    const iis = V.cases[3];
    expect(iis.axisCount).toBe(3);
    expect(iis.sampleRateHz).toBe(26667);
    expect(iis.hop % 2).toBe(1); // an odd hop puts the ring's seam mid-pair
    expect(V.cases[2].segmentLen).toBeLessThan(V.cases[2].windowLen);
    // The small window holds a constant stretch: rms, crest and kurtosis 0 there.
    const constant = V.cases[4].windows[0].axes[0];
    expect(constant).toMatchObject({ rms: 0, peak: 0, crest: 0, kurtosis: 0 });
  });

  it('hold the recordings\' features as models/features computes them from the CSV (the C test reads the same rows)', () => {
    const c = V.cases[0];
    const rec = readCsvColumns(join(ROOT, c.source.csv));
    const spec: FeatureSpec = { sampleRateHz: c.sampleRateHz, windowLen: c.windowLen, hop: c.hop, segmentLen: c.segmentLen, bandEdges: Uint16Array.from(c.bandEdges), velocityBandHz: c.velocityBandHz };
    const w = extractFeatures(rec.columns.map((x) => x.subarray(c.source.startRow, c.source.startRow + c.source.rows)), spec);
    expect(w).toHaveLength(c.windows.length);
    expect(w[1].axes[0].rms).toBe(c.windows[1].axes[0].rms);
    expect(Array.from(w[2].logBands)).toEqual(c.windows[2].logBands);
  });

  it('synthetic samples round-trip exactly through their float32 bit patterns', () => {
    const c = V.cases[3];
    const bits = Uint32Array.from(c.source.samplesF32Hex.map((h: string) => parseInt(h, 16)));
    const x = new Float32Array(bits.buffer);
    expect(x.length).toBe(3 * 2048);
    expect(x[2]).toBeGreaterThan(0.9); // z carries 1 g of gravity
    expect(x[2]).toBeLessThan(1.1);
  });
});
