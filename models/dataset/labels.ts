/**
 * What a technician can say about a stretch of vibration, the keyboard shortcut of each,
 * and the labels CSV that leaves the app.
 */

export const LABEL_KINDS = [
  'normal',
  'false-alarm',
  'outer-race',
  'inner-race',
  'ball',
  'cage',
  'imbalance',
  'misalignment',
  'looseness',
  'cavitation',
  'other',
] as const;
export type LabelKind = (typeof LABEL_KINDS)[number];

export const LABEL_NAMES: Record<LabelKind, string> = {
  normal: 'Normal',
  'false-alarm': 'False alarm',
  'outer-race': 'Bearing outer race',
  'inner-race': 'Bearing inner race',
  ball: 'Bearing ball',
  cage: 'Bearing cage',
  imbalance: 'Imbalance',
  misalignment: 'Misalignment',
  looseness: 'Looseness',
  cavitation: 'Cavitation',
  other: 'Other',
};

/** One key per label, shown on its button. Letters a technician can guess from the word. */
export const LABEL_KEYS: Record<LabelKind, string> = {
  normal: 'n',
  'false-alarm': 'f',
  'outer-race': 'o',
  'inner-race': 'i',
  ball: 'b',
  cage: 'c',
  imbalance: 'u', // "unbalance"
  misalignment: 'm',
  looseness: 'l',
  cavitation: 'v', // "vapour"
  other: 'x',
};

export function labelForKey(key: string): LabelKind | null {
  const k = key.toLowerCase();
  for (const kind of LABEL_KINDS) if (LABEL_KEYS[kind] === k) return kind;
  return null;
}

export function isLabelKind(x: unknown): x is LabelKind {
  return typeof x === 'string' && (LABEL_KINDS as readonly string[]).includes(x);
}

/** Okabe–Ito based colours; the chart also writes the label's name, so colour is never alone. */
export const LABEL_COLOURS: Record<LabelKind, string> = {
  normal: '#009E73',
  'false-alarm': '#999999',
  'outer-race': '#D55E00',
  'inner-race': '#CC79A7',
  ball: '#E69F00',
  cage: '#8B5A2B',
  imbalance: '#0072B2',
  misalignment: '#56B4E9',
  looseness: '#6A3D9A',
  cavitation: '#1B9E77',
  other: '#444444',
};

export interface LabelCsvRow {
  id: string;
  node: string;
  asset: string;
  recording: string;
  startMs: number;
  endMs: number;
  label: LabelKind;
  notes: string;
  author: string;
  createdMs: number;
  updatedMs: number;
}

export const LABEL_CSV_HEADER = ['id', 'node', 'asset', 'recording', 'start_utc', 'end_utc', 'duration_s', 'label', 'label_name', 'notes', 'technician', 'created_utc', 'updated_utc'];

/**
 * One CSV cell (RFC 4180): quoted when it holds a separator, a quote or a line break. A cell that
 * a spreadsheet would run as a formula (=, +, -, @ first) gets a leading apostrophe.
 */
export function csvCell(v: string | number): string {
  let s = typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : v;
  if (typeof v === 'string' && /^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

export function labelsToCsv(rows: readonly LabelCsvRow[]): string {
  const lines = [LABEL_CSV_HEADER.join(',')];
  for (const r of rows) {
    lines.push(
      [
        r.id,
        r.node,
        r.asset,
        r.recording,
        iso(r.startMs),
        iso(r.endMs),
        Number(((r.endMs - r.startMs) / 1000).toFixed(3)),
        r.label,
        LABEL_NAMES[r.label],
        r.notes,
        r.author,
        iso(r.createdMs),
        iso(r.updatedMs),
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}
