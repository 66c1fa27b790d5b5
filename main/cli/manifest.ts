/**
 * A training manifest: a CSV with at least the columns file,label,sample_rate_hz (file paths
 * relative to the manifest), as ../shared/data/cwru/manifest.csv. Rows labelled `normal` are
 * training material; any other label is an anomaly class. Optional operating-condition columns:
 * `rpm` (shaft speed, revolutions per minute) and `load` (or CWRU's `load_hp`), a number each; an
 * empty cell means not known.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';

export class ManifestError extends Error {
  override name = 'ManifestError';
}

export interface ManifestRow {
  line: number;
  file: string;
  path: string;
  label: string;
  sampleRateHz: number;
  /** Shaft speed, rpm (the `rpm` column), when given. */
  rpm?: number;
  /** Load (the `load` or `load_hp` column, in the manifest's own unit), when given. */
  load?: number;
}

export interface Manifest {
  path: string;
  rows: ManifestRow[];
  sampleRateHz: number;
}

const REQUIRED = ['file', 'label', 'sample_rate_hz'];
const MAX_RPM = 1_000_000;

/** An optional condition cell: empty = unknown, else a finite number in [lo, hi]. */
function conditionCell(text: string | undefined, column: string, where: string, lo: number, hi: number, what: string): number | undefined {
  if (text === undefined || text === '') return undefined;
  const v = Number(text);
  if (!/^[0-9.eE+-]+$/.test(text) || !Number.isFinite(v) || v < lo || v > hi) {
    throw new ManifestError(`${where}: ${column} "${text}" is not ${what} (leave the cell empty when it is not known)`);
  }
  return v;
}

/** Reads and checks a manifest; every error is one line naming the manifest and the line. */
export function readManifest(path: string, options: { needNormal?: boolean } = {}): Manifest {
  const name = basename(path);
  if (!existsSync(path)) throw new ManifestError(`manifest ${path} does not exist`);
  if (statSync(path).isDirectory()) throw new ManifestError(`manifest ${path} is a folder, not a CSV file`);
  const lines = readFileSync(path, 'utf8').replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  const missing = REQUIRED.filter((c) => !header.includes(c));
  if (missing.length) throw new ManifestError(`manifest ${name} lacks the column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} (needs file,label,sample_rate_hz)`);
  const at = Object.fromEntries(REQUIRED.map((c) => [c, header.indexOf(c)]));
  const rpmAt = header.indexOf('rpm');
  const loadColumn = header.includes('load') ? 'load' : header.includes('load_hp') ? 'load_hp' : null;
  const loadAt = loadColumn ? header.indexOf(loadColumn) : -1;
  const rows: ManifestRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',').map((s) => s.trim());
    const where = `manifest ${name} line ${i + 1}`;
    if (cells.length < header.length) throw new ManifestError(`${where}: ${cells.length} values, the header has ${header.length}`);
    const file = cells[at.file];
    const label = cells[at.label];
    const rateText = cells[at.sample_rate_hz];
    if (!file) throw new ManifestError(`${where}: empty file name`);
    if (!label) throw new ManifestError(`${where}: empty label`);
    if (!/^[A-Za-z0-9_.-]+$/.test(label)) throw new ManifestError(`${where}: label "${label}" may use only letters, digits, _ . -`);
    const rate = Number(rateText);
    if (!/^\s*[0-9.eE+]+\s*$/.test(rateText) || !Number.isFinite(rate) || rate < 100 || rate > 1e6) {
      throw new ManifestError(`${where}: sample_rate_hz "${rateText}" is not a sample rate (a number of Hz from 100 to 1000000)`);
    }
    const full = resolve(dirname(path), file);
    if (!existsSync(full)) throw new ManifestError(`${where}: file ${file} does not exist (looked for ${full})`);
    const rpm = rpmAt >= 0 ? conditionCell(cells[rpmAt], 'rpm', where, Number.MIN_VALUE, MAX_RPM, `a shaft speed (a number of rpm above 0, up to ${MAX_RPM})`) : undefined;
    const load = loadAt >= 0 ? conditionCell(cells[loadAt], loadColumn!, where, 0, Number.MAX_VALUE, 'a load (a number, 0 or more)') : undefined;
    rows.push({ line: i + 1, file, path: full, label, sampleRateHz: rate, ...(rpm !== undefined ? { rpm } : {}), ...(load !== undefined ? { load } : {}) });
  }
  if (rows.length === 0) throw new ManifestError(`manifest ${name} lists no recordings`);
  const rates = [...new Set(rows.map((r) => r.sampleRateHz))];
  if (rates.length > 1) throw new ManifestError(`manifest ${name} mixes sample rates (${rates.join(', ')} Hz); one model is built for one rate`);
  if (options.needNormal && !rows.some((r) => r.label === 'normal')) {
    throw new ManifestError(`manifest ${name} has no rows labelled "normal": there is nothing to train on (anomalies are never trained on)`);
  }
  return { path, rows, sampleRateHz: rates[0] };
}
