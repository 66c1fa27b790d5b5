/**
 * A training manifest, read the same way by the CLI (main/cli/manifest.ts, which adds the checks
 * on files in the file system) and by the Training page: a CSV with at least the columns
 * file,label,sample_rate_hz. Rows labelled `normal` are training material; any other label is an
 * anomaly class. Optional operating-condition columns: `rpm` (shaft speed, revolutions per minute)
 * and `load` (or CWRU's `load_hp`), a number each; an empty cell means not known.
 *
 * Every refusal is a ManifestError naming the manifest and the line: `msg` in the interface
 * language (`problems.manifest.*`), `message` the same in English (the CLI).
 */
import { inEnglish, msg, type Msg, type MsgParam } from '../i18n/msg';

export class ManifestError extends Error {
  override name = 'ManifestError';
  readonly msg: Msg;
  constructor(m: Msg) {
    super(inEnglish(m));
    this.msg = m;
  }
}

export interface ManifestRow {
  /** 1-based line of the manifest. */
  line: number;
  /** The file as the manifest names it (relative to the manifest). */
  file: string;
  label: string;
  sampleRateHz: number;
  /** Shaft speed, rpm (the `rpm` column), when given. */
  rpm?: number;
  /** Load (the `load` or `load_hp` column, in the manifest's own unit), when given. */
  load?: number;
}

export const MANIFEST_COLUMNS = ['file', 'label', 'sample_rate_hz'] as const;
const MAX_RPM = 1_000_000;
const RATE_MIN = 100;
const RATE_MAX = 1_000_000;

/** True when a header (its column names) is a training manifest's. */
export const isManifestHeader = (h: readonly string[]): boolean => MANIFEST_COLUMNS.every((c) => h.includes(c));

const fail = (key: string, params: Record<string, MsgParam>, count?: number): never => {
  throw new ManifestError(msg(`problems.manifest.${key}`, params, count));
};

/** An optional condition cell: empty = unknown, else a finite number in [lo, hi]. */
function conditionCell(text: string | undefined, column: string, where: Msg, lo: number, hi: number, kind: 'rpm' | 'load'): number | undefined {
  if (text === undefined || text === '') return undefined;
  const v = Number(text);
  if (!/^[0-9.eE+-]+$/.test(text) || !Number.isFinite(v) || v < lo || v > hi) {
    fail(kind === 'rpm' ? 'badRpm' : 'badLoad', { where, column, value: text, max: String(MAX_RPM) });
  }
  return v;
}

/**
 * Reads and checks a manifest's text (`name` is how errors call it): every row's cells, labels,
 * sample rate and conditions; at least one row; one sample rate; with `needNormal`, a row labelled
 * normal. Files are not looked for here.
 */
export function parseManifestText(name: string, text: string, options: { needNormal?: boolean } = {}): { rows: ManifestRow[]; sampleRateHz: number } {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const header = (lines[0] ?? '').split(',').map((s) => s.trim());
  const missing = MANIFEST_COLUMNS.filter((c) => !header.includes(c));
  if (missing.length) fail('noColumns', { name, columns: missing.join(', ') }, missing.length);
  const [fileAt, labelAt, rateAt] = MANIFEST_COLUMNS.map((c) => header.indexOf(c));
  const rpmAt = header.indexOf('rpm');
  const loadColumn = header.includes('load') ? 'load' : header.includes('load_hp') ? 'load_hp' : null;
  const loadAt = loadColumn ? header.indexOf(loadColumn) : -1;
  const rows: ManifestRow[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue;
    const cells = lines[i].split(',').map((s) => s.trim());
    const where = msg('problems.manifest.where', { name, line: String(i + 1) });
    if (cells.length < header.length) fail('cellCount', { where, n: String(cells.length), columns: String(header.length) });
    const file = cells[fileAt];
    const label = cells[labelAt];
    const rateText = cells[rateAt];
    if (!file) fail('emptyFile', { where });
    if (!label) fail('emptyLabel', { where });
    if (!/^[A-Za-z0-9_.-]+$/.test(label)) fail('badLabel', { where, label });
    const rate = Number(rateText);
    if (!/^\s*[0-9.eE+]+\s*$/.test(rateText) || !Number.isFinite(rate) || rate < RATE_MIN || rate > RATE_MAX) {
      fail('badRate', { where, value: rateText, min: String(RATE_MIN), max: String(RATE_MAX) });
    }
    const rpm = rpmAt >= 0 ? conditionCell(cells[rpmAt], 'rpm', where, Number.MIN_VALUE, MAX_RPM, 'rpm') : undefined;
    const load = loadAt >= 0 ? conditionCell(cells[loadAt], loadColumn!, where, 0, Number.MAX_VALUE, 'load') : undefined;
    rows.push({ line: i + 1, file, label, sampleRateHz: rate, ...(rpm !== undefined ? { rpm } : {}), ...(load !== undefined ? { load } : {}) });
  }
  if (rows.length === 0) fail('noRows', { name });
  const rates = [...new Set(rows.map((r) => r.sampleRateHz))];
  if (rates.length > 1) fail('mixedRates', { name, rates: rates.join(', ') });
  if (options.needNormal && !rows.some((r) => r.label === 'normal')) fail('noNormal', { name });
  return { rows, sampleRateHz: rates[0] };
}
