/**
 * Envelope analysis on CWRU (docs/analysis.md): for every inner-race and outer-race recording of
 * ../shared/data/cwru (it says so when absent), the drive-end channel, the shaft speed from the
 * file's row of manifest.csv, the SKF 6205-2RS drive-end bearing: where the envelope peak sits against
 * BPFI (inner race, 5.4152 × shaft) or BPFO (outer race, 3.5848 ×). A file passes when it is within
 * one bin.
 *
 * "Before" (the first figures, kept as published): the default band 2–8 kHz, one FFT of the first
 * 1 s (32768 samples, 1.46 Hz bins) or of the whole file (up to 131072 samples, 0.37 Hz bins), and
 * the highest line of 5–500 Hz. "Now" (the view's method, models/analysis/bandSelect.ts): the band
 * chosen by envelope SNR on the kurtogram's band tree, the envelope spectrum averaged over 1 s
 * segments (1.46 Hz bins) of the first 1 s or of the whole file, and the envelope peak — the highest
 * line not within two bins of a shaft harmonic; beside it, how far the BPFI/BPFO line stands above
 * the envelope spectrum's median.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  averagedEnvelopeSpectrum,
  defaultEnvelopeOptions,
  envelopePeak,
  envelopeSpectrum,
  findBearing,
  lineAboveFloorDb,
  peakBin,
  selectEnvelopeBand,
  STANDS_OUT_DB,
} from '../models/analysis/index';
import { readCsvColumns } from '../test/helpers/recording';
import type { BenchResult } from './run';

const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'shared', 'data', 'cwru');
const LOW_PASS = 500;

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

export interface EnvelopeNowRow {
  rpm: number;
  /** Per length (first 1 s, whole file): the chosen band, the envelope peak, offset in bins, the target line above the floor. */
  at: Record<'snapshot' | 'whole', { bandHz: [number, number]; segments: number; binHz: number; peakHz: number; offsetBins: number; peakAboveFloorDb: number; targetAboveFloorDb: number }>;
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

function targetOf(file: string, shaftHz: number): { fault: 'inner' | 'outer'; targetHz: number } {
  const f = findBearing('skf-6205-2rs')!.factors;
  const fault = /inner/.test(file) ? 'inner' : 'outer';
  return { fault, targetHz: (fault === 'inner' ? f.bpfi : f.bpfo) * shaftHz };
}

/** Before: default band, one FFT, highest line of 5–500 Hz. */
export function envelopeRow(file: string, x: Float32Array, rate: number, rpm: number): EnvelopeRow {
  const { fault, targetHz } = targetOf(file, rpm / 60);
  const at = (n: number) => {
    const e = envelopeSpectrum(x.subarray(0, n), rate, defaultEnvelopeOptions(rate));
    const peakHz = peakBin(e.amplitude, e.binHz, 5, LOW_PASS) * e.binHz;
    return { binHz: e.binHz, peakHz, offset: (peakHz - targetHz) / e.binHz, rank: lineRank(e.amplitude, e.binHz, targetHz, 5, LOW_PASS) };
  };
  const s = at(32768);
  const w = at(x.length);
  return { file, fault, targetHz, snapshotBinHz: s.binHz, snapshotPeakHz: s.peakHz, snapshotOffsetBins: s.offset, wholeBinHz: w.binHz, wholePeakHz: w.peakHz, wholeOffsetBins: w.offset, snapshotRank: s.rank };
}

/**
 * The variants compared with the view's method (docs/analysis.md, "Methods from the literature"):
 * 'now' the view's default; 'cpw' cepstrum pre-whitening of each segment, then the band chosen from
 * the whitened signal; 'cpwFullband' pre-whitening, then one band over everything the band tree
 * allows (2 × low-pass … 0.8 × Nyquist), as the literature applies CPW; 'sk' the band of highest
 * spectral kurtosis (Antoni's criterion) instead of the envelope SNR.
 */
export type EnvelopeVariant = 'now' | 'cpw' | 'cpwFullband' | 'sk';
export const VARIANTS: EnvelopeVariant[] = ['now', 'cpw', 'cpwFullband', 'sk'];
/** Bench-field suffix per variant ('now' keeps the published names). */
const SUFFIX: Record<EnvelopeVariant, string> = { now: '', cpw: '_cpw', cpwFullband: '_cpw_fullband', sk: '_sk' };

/**
 * The design subset (0.007" and 0.021" defects) on which a method was chosen, before the held-out
 * files (0.014") were run; the split is by the defect size in the file name.
 */
export const isDesignFile = (file: string): boolean => /_0(07|21)mil_/.test(file);

/** Now: the view's method (band by envelope SNR, averaged 1 s segments, the envelope peak off the shaft harmonics), or a variant of it. */
export function envelopeNowRow(file: string, x: Float32Array, rate: number, rpm: number, variant: EnvelopeVariant = 'now'): EnvelopeNowRow {
  const shaftHz = rpm / 60;
  const { targetHz } = targetOf(file, shaftHz);
  const whiten = variant === 'cpw' || variant === 'cpwFullband';
  const one = (y: Float32Array) => {
    const band =
      variant === 'cpwFullband'
        ? { bandHz: [2 * LOW_PASS, 0.8 * (rate / 2)] as [number, number] }
        : selectEnvelopeBand(y, rate, { lowPassHz: LOW_PASS, shaftHz, whiten, criterion: variant === 'sk' ? 'kurtosis' : 'envelope-snr' });
    const e = averagedEnvelopeSpectrum(y, rate, { bandHz: band.bandHz, lowPassHz: LOW_PASS, whiten });
    const fromHz = Math.max(2, 2 * e.binHz);
    const p = envelopePeak(e.amplitude, e.binHz, { fromHz, toHz: LOW_PASS, shaftHz });
    return {
      bandHz: band.bandHz,
      segments: e.segments,
      binHz: e.binHz,
      peakHz: p ? p.hz : NaN,
      offsetBins: p ? (p.hz - targetHz) / e.binHz : NaN,
      peakAboveFloorDb: p ? p.aboveFloorDb : NaN,
      targetAboveFloorDb: lineAboveFloorDb(e.amplitude, e.binHz, targetHz, fromHz, LOW_PASS),
    };
  };
  return { rpm, at: { snapshot: one(x.subarray(0, Math.min(x.length, 32768))), whole: one(x) } };
}

/** manifest.csv: file → { rpm, sample rate }. */
export function readManifest(dir: string): Map<string, { rpm: number; rate: number }> {
  const lines = readFileSync(join(dir, 'manifest.csv'), 'utf8').trim().split('\n');
  const head = lines[0].split(',');
  const col = (n: string) => {
    const i = head.indexOf(n);
    if (i < 0) throw new Error(`${dir}/manifest.csv has no "${n}" column`);
    return i;
  };
  const [fi, ri, si] = [col('file'), col('rpm'), col('sample_rate_hz')];
  const out = new Map<string, { rpm: number; rate: number }>();
  for (const l of lines.slice(1)) {
    const c = l.split(',');
    out.set(c[fi], { rpm: Number(c[ri]), rate: Number(c[si]) });
  }
  return out;
}

const sign = (v: number) => `${v >= 0 ? '+' : ''}${v.toFixed(2)}`;

export async function envelopeBench(): Promise<BenchResult> {
  const notes: string[] = [];
  if (!existsSync(SHARED)) {
    notes.push(`ABSENT: ${SHARED} is not on this machine; no CWRU file was checked (it needs ../shared/data/cwru).`);
    return { name: 'envelope', figures: { files: 0 }, targets: {}, notes };
  }
  const manifest = readManifest(SHARED);
  const files = readdirSync(SHARED).filter((n) => /^(inner|outer)_race.*\.csv$/.test(n)).sort();
  const rows: { before: EnvelopeRow; now: EnvelopeNowRow; variants: Record<EnvelopeVariant, EnvelopeNowRow> }[] = [];
  const t0 = performance.now();
  let nowMs = 0;
  for (const n of files) {
    const m = manifest.get(n);
    if (!m || !(m.rpm > 0) || !(m.rate > 0)) throw new Error(`${n} has no usable rpm and sample rate in manifest.csv`);
    const x = readCsvColumns(join(SHARED, n)).columns[0];
    const before = envelopeRow(n, x, m.rate, m.rpm);
    const t = performance.now();
    const now = envelopeNowRow(n, x, m.rate, m.rpm);
    nowMs += performance.now() - t;
    const variants = { now } as Record<EnvelopeVariant, EnvelopeNowRow>;
    for (const v of VARIANTS) if (v !== 'now') variants[v] = envelopeNowRow(n, x, m.rate, m.rpm, v);
    rows.push({ before, now, variants });
  }
  notes.push('file | rpm | fault | expected line | before (1 s, 2–8 kHz, highest line) | now 1 s | now whole file (1 s segments averaged)');
  for (const { before: r, now } of rows) {
    const name = r.fault === 'inner' ? 'BPFI' : 'BPFO';
    const ok = (v: number) => (Math.abs(v) <= 1 ? 'yes' : 'no');
    const nowText = (a: EnvelopeNowRow['at']['snapshot']) =>
      `band ${a.bandHz[0].toFixed(0)}–${a.bandHz[1].toFixed(0)} Hz ×${a.segments}: peak ${a.peakHz.toFixed(2)} Hz ${sign(a.offsetBins)} bins ${ok(a.offsetBins)}; ${name} line ${a.targetAboveFloorDb.toFixed(1)} dB above the floor`;
    notes.push(
      `${r.file.replace(/_0hp_1797rpm_DE48\.csv$/, '')} | ${now.rpm} | ${r.fault} | ${name} ${r.targetHz.toFixed(2)} Hz | ${r.snapshotPeakHz.toFixed(2)} Hz ${sign(r.snapshotOffsetBins)} bins ${ok(r.snapshotOffsetBins)} (line ranks ${r.snapshotRank}) | ${nowText(now.at.snapshot)} | ${nowText(now.at.whole)}`,
    );
  }
  const count = (fault: string, k: 'snapshotOffsetBins' | 'wholeOffsetBins') => rows.filter(({ before: r }) => r.fault === fault && Math.abs(r[k]) <= 1).length;
  const countNow = (fault: string, at: 'snapshot' | 'whole') => rows.filter((r) => r.before.fault === fault && Math.abs(r.now.at[at].offsetBins) <= 1).length;
  const standsOut = (fault: string, at: 'snapshot' | 'whole') => rows.filter((r) => r.before.fault === fault && r.now.at[at].targetAboveFloorDb >= STANDS_OUT_DB).length;
  const total = (fault: string) => rows.filter((r) => r.before.fault === fault).length;
  // Per variant: the same counts, and the design / held-out split (docs/analysis.md).
  const variantFigures: Record<string, number> = {
    design_files: rows.filter((r) => isDesignFile(r.before.file)).length,
    heldout_files: rows.filter((r) => !isDesignFile(r.before.file)).length,
  };
  for (const v of VARIANTS) {
    const sfx = SUFFIX[v];
    const pass = (r: (typeof rows)[number], at: 'snapshot' | 'whole') => Math.abs(r.variants[v].at[at].offsetBins) <= 1;
    const out = (r: (typeof rows)[number], at: 'snapshot' | 'whole') => r.variants[v].at[at].targetAboveFloorDb >= STANDS_OUT_DB;
    if (v !== 'now') {
      for (const fault of ['inner', 'outer'] as const) {
        const of = rows.filter((r) => r.before.fault === fault);
        variantFigures[`${fault}_peak_pass_1s${sfx}`] = of.filter((r) => pass(r, 'snapshot')).length;
        variantFigures[`${fault}_peak_pass_averaged${sfx}`] = of.filter((r) => pass(r, 'whole')).length;
        variantFigures[`${fault}_line_stands_out_1s${sfx}`] = of.filter((r) => out(r, 'snapshot')).length;
        variantFigures[`${fault}_line_stands_out_averaged${sfx}`] = of.filter((r) => out(r, 'whole')).length;
      }
    }
    for (const [set, inSet] of [['design', true], ['heldout', false]] as const) {
      const of = rows.filter((r) => isDesignFile(r.before.file) === inSet);
      variantFigures[`${set}_peak_pass_1s${sfx}`] = of.filter((r) => pass(r, 'snapshot')).length;
      variantFigures[`${set}_peak_pass_averaged${sfx}`] = of.filter((r) => pass(r, 'whole')).length;
    }
  }
  notes.push('variants (docs/analysis.md): file | set | now 1 s / averaged | cpw | cpw_fullband | sk — the envelope peak in Hz, "ok" when within one bin of BPFI/BPFO');
  for (const r of rows) {
    const cell = (v: EnvelopeVariant) =>
      (['snapshot', 'whole'] as const).map((at) => `${r.variants[v].at[at].peakHz.toFixed(2)}${Math.abs(r.variants[v].at[at].offsetBins) <= 1 ? ' ok' : ''}`).join(' / ');
    notes.push(`${r.before.file.replace(/_0hp_1797rpm_DE48\.csv$/, '')} | ${isDesignFile(r.before.file) ? 'design' : 'held out'} | ${VARIANTS.map(cell).join(' | ')}`);
  }
  return {
    name: 'envelope',
    figures: {
      files: rows.length,
      inner_files: total('inner'),
      outer_files: total('outer'),
      inner_pass_1s: count('inner', 'snapshotOffsetBins'),
      outer_pass_1s: count('outer', 'snapshotOffsetBins'),
      inner_top3_1s: rows.filter(({ before: r }) => r.fault === 'inner' && r.snapshotRank <= 3).length,
      outer_top3_1s: rows.filter(({ before: r }) => r.fault === 'outer' && r.snapshotRank <= 3).length,
      inner_pass_whole: count('inner', 'wholeOffsetBins'),
      outer_pass_whole: count('outer', 'wholeOffsetBins'),
      inner_peak_pass_1s: countNow('inner', 'snapshot'),
      outer_peak_pass_1s: countNow('outer', 'snapshot'),
      inner_peak_pass_averaged: countNow('inner', 'whole'),
      outer_peak_pass_averaged: countNow('outer', 'whole'),
      inner_line_stands_out_1s: standsOut('inner', 'snapshot'),
      outer_line_stands_out_1s: standsOut('outer', 'snapshot'),
      inner_line_stands_out_averaged: standsOut('inner', 'whole'),
      outer_line_stands_out_averaged: standsOut('outer', 'whole'),
      stands_out_db: STANDS_OUT_DB,
      ...variantFigures,
      envelope_view_ms_per_file: Math.round((nowMs / Math.max(1, rows.length)) * 10) / 10,
      bench_s: Math.round((performance.now() - t0) / 100) / 10,
    },
    targets: {
      inner_pass_1s: 'every inner-race file',
      outer_pass_1s: 'every outer-race file',
      inner_peak_pass_averaged: 'every inner-race file',
      outer_peak_pass_averaged: 'every outer-race file',
    },
    notes,
  };
}
