/**
 * A training manifest: a CSV with at least the columns file,label,sample_rate_hz (file paths
 * relative to the manifest), as ../shared/data/cwru/manifest.csv. Rows labelled `normal` are
 * training material; any other label is an anomaly class.
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
}

export interface Manifest {
  path: string;
  rows: ManifestRow[];
  sampleRateHz: number;
}

const REQUIRED = ['file', 'label', 'sample_rate_hz'];

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
    rows.push({ line: i + 1, file, path: full, label, sampleRateHz: rate });
  }
  if (rows.length === 0) throw new ManifestError(`manifest ${name} lists no recordings`);
  const rates = [...new Set(rows.map((r) => r.sampleRateHz))];
  if (rates.length > 1) throw new ManifestError(`manifest ${name} mixes sample rates (${rates.join(', ')} Hz); one model is built for one rate`);
  if (options.needNormal && !rows.some((r) => r.label === 'normal')) {
    throw new ManifestError(`manifest ${name} has no rows labelled "normal": there is nothing to train on (anomalies are never trained on)`);
  }
  return { path, rows, sampleRateHz: rates[0] };
}
