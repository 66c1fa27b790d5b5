/**
 * Envelope analysis on CWRU (docs/analysis.md): for every inner-race and outer-race recording of
 * ../shared/data/cwru (it says so when absent), the drive-end channel's envelope spectrum
 * (models/analysis, default band 2–8 kHz, Hilbert) and where its highest line between 5 and 500 Hz
 * sits against BPFI (inner race, 5.4152 × shaft) or BPFO (outer race, 3.5848 ×) of the SKF 6205-2RS
 * at the nominal 1797 rpm. Two lengths: the first 1 s snapshot (32768 samples, 1.46 Hz bins), and
 * the whole file (up to 131072 samples, 0.37 Hz bins). A file passes when that line is within one bin.
 */
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defaultEnvelopeOptions, envelopeSpectrum, findBearing, peakBin } from '../models/analysis/index';
import { readCsvColumns } from '../test/helpers/recording';
import type { BenchResult } from './run';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'cwru');
const SHAFT_HZ = 1797 / 60;
const RATE = 48000;

export interface EnvelopeRow {
  file: string;
  fault: 'inner' | 'outer';
  targetHz: number;
  /** Offset of the highest envelope line (5–500 Hz) from the target, in bins, per length. */
  snapshotBinHz: number;
  snapshotPeakHz: number;
  snapshotOffsetBins: number;
  wholeBinHz: number;
  wholePeakHz: number;
  wholeOffsetBins: number;
  /** 1 when the line within one bin of the target is the highest peak of 5–500 Hz, 2 the second... (1 s snapshot). */
  snapshotRank: number;
}

/** Rank of the highest bin within one bin of targetHz among the local maxima of fromHz..toHz. */
export function lineRank(y: Float64Array, binHz: number, targetHz: number, fromHz: number, toHz: number): number {
  const k0 = Math.round(targetHz / binHz);
  let line = 0;
  for (let k = k0 - 1; k <= k0 + 1; k++) if (k > 0 && k < y.length) line = Math.max(line, y[k]);
  let rank = 1;
  for (let k = Math.max(1, Math.ceil(fromHz / binHz)); k <= Math.min(y.length - 2, Math.floor(toHz / binHz)); k++) {
    if (Math.abs(k - k0) <= 1) continue;
    if (y[k] > line && y[k] >= y[k - 1] && y[k] >= y[k + 1]) rank++;
  }
  return rank;
}

export function envelopeRow(file: string, x: Float32Array): EnvelopeRow {
  const f = findBearing('skf-6205-2rs')!.factors;
  const fault = /inner/.test(file) ? 'inner' : 'outer';
  const targetHz = (fault === 'inner' ? f.bpfi : f.bpfo) * SHAFT_HZ;
  const at = (n: number) => {
    const e = envelopeSpectrum(x.subarray(0, n), RATE, defaultEnvelopeOptions(RATE));
    const peakHz = peakBin(e.amplitude, e.binHz, 5, 500) * e.binHz;
    return { binHz: e.binHz, peakHz, offset: (peakHz - targetHz) / e.binHz, rank: lineRank(e.amplitude, e.binHz, targetHz, 5, 500) };
  };
  const s = at(32768);
  const w = at(x.length);
  return { file, fault, targetHz, snapshotBinHz: s.binHz, snapshotPeakHz: s.peakHz, snapshotOffsetBins: s.offset, wholeBinHz: w.binHz, wholePeakHz: w.peakHz, wholeOffsetBins: w.offset, snapshotRank: s.rank };
}

export async function envelopeBench(): Promise<BenchResult> {
  const notes: string[] = [];
  if (!existsSync(SHARED)) {
    notes.push(`ABSENT: ${SHARED} is not on this machine; no CWRU file was checked (it needs ../shared/data/cwru).`);
    return { name: 'envelope', figures: { files: 0 }, targets: {}, notes };
  }
  const files = readdirSync(SHARED).filter((n) => /^(inner|outer)_race.*\.csv$/.test(n)).sort();
  const rows = files.map((n) => envelopeRow(n, readCsvColumns(join(SHARED, n)).columns[0]));
  const pass = (r: EnvelopeRow, k: 'snapshotOffsetBins' | 'wholeOffsetBins') => Math.abs(r[k]) <= 1;
  for (const r of rows) {
    notes.push(
      `${r.file.padEnd(50)} ${r.fault === 'inner' ? 'BPFI' : 'BPFO'} ${r.targetHz.toFixed(2)} Hz | 1 s: peak ${r.snapshotPeakHz.toFixed(2)} Hz, ${r.snapshotOffsetBins >= 0 ? '+' : ''}${r.snapshotOffsetBins.toFixed(2)} bins ${pass(r, 'snapshotOffsetBins') ? 'PASS' : `FAIL (the ${r.fault === 'inner' ? 'BPFI' : 'BPFO'} line ranks ${r.snapshotRank})`} | whole: peak ${r.wholePeakHz.toFixed(2)} Hz (bin ${r.wholeBinHz.toFixed(3)}), ${r.wholeOffsetBins >= 0 ? '+' : ''}${r.wholeOffsetBins.toFixed(2)} bins ${pass(r, 'wholeOffsetBins') ? 'PASS' : 'FAIL'}`,
    );
  }
  const count = (fault: string, k: 'snapshotOffsetBins' | 'wholeOffsetBins') => rows.filter((r) => r.fault === fault && pass(r, k)).length;
  const total = (fault: string) => rows.filter((r) => r.fault === fault).length;
  return {
    name: 'envelope',
    figures: {
      files: rows.length,
      inner_files: total('inner'),
      outer_files: total('outer'),
      inner_pass_1s: count('inner', 'snapshotOffsetBins'),
      outer_pass_1s: count('outer', 'snapshotOffsetBins'),
      inner_top3_1s: rows.filter((r) => r.fault === 'inner' && r.snapshotRank <= 3).length,
      outer_top3_1s: rows.filter((r) => r.fault === 'outer' && r.snapshotRank <= 3).length,
      inner_pass_whole: count('inner', 'wholeOffsetBins'),
      outer_pass_whole: count('outer', 'wholeOffsetBins'),
    },
    targets: { inner_pass_1s: 'every inner-race file', outer_pass_1s: 'every outer-race file' },
    notes,
  };
}
