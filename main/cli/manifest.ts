/**
 * A training manifest on disk (its format and checks: models/dataset/manifest.ts), with file paths
 * relative to the manifest, as ../shared/data/cwru/manifest.csv.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { plainMsg as plain } from '../../models/i18n/msg';
import { ManifestError, parseManifestText, type ManifestRow as ParsedRow } from '../../models/dataset/manifest';

export { ManifestError };

export interface ManifestRow extends ParsedRow {
  /** The file's full path (resolved against the manifest's folder). */
  path: string;
}

export interface Manifest {
  path: string;
  rows: ManifestRow[];
  sampleRateHz: number;
}

/**
 * Reads and checks a manifest (models/dataset/manifest.ts, as the Training page does), then that
 * every file it names exists; every error is one line naming the manifest and the line.
 */
export function readManifest(path: string, options: { needNormal?: boolean } = {}): Manifest {
  if (!existsSync(path)) throw new ManifestError(plain(`manifest ${path} does not exist`));
  if (statSync(path).isDirectory()) throw new ManifestError(plain(`manifest ${path} is a folder, not a CSV file`));
  const parsed = parseManifestText(basename(path), readFileSync(path, 'utf8'), options);
  const rows = parsed.rows.map((r) => {
    const full = resolve(dirname(path), r.file);
    if (!existsSync(full)) throw new ManifestError(plain(`manifest ${basename(path)} line ${r.line}: file ${r.file} does not exist (looked for ${full})`));
    return { ...r, path: full };
  });
  return { path, rows, sampleRateHz: parsed.sampleRateHz };
}
