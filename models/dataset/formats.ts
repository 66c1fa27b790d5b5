/**
 * Recognises the recording formats Vigil knows (the CWRU and FEMTO files of ../shared/data, see its
 * README) and guesses a column mapping for any other CSV from its first lines, for the import
 * dialog to show and the technician to correct.
 */
import { inEnglish, msg, numOf, type Msg } from '../i18n/msg';
import { splitLine, type CsvMapping, type Delimiter } from './csv';

export type RecordingFormat = 'cwru' | 'femto' | 'generic';

export const FORMAT_LABELS: Record<RecordingFormat, string> = {
  cwru: 'CWRU bearing data (DE_accel, FE_accel)',
  femto: 'FEMTO-ST PRONOSTIA run-to-failure (snapshot, horizontal, vertical)',
  generic: 'Other CSV (choose the columns)',
};

export interface ImportSettings {
  format: RecordingFormat;
  mapping: CsvMapping;
  sampleRateHz: number;
  /**
   * Seconds from the start of one segment to the start of the next (FEMTO: a 0.1 s snapshot every
   * 10 s). null: segments follow each other without a pause.
   */
  segmentSpacingS: number | null;
  /** One name per axis column. */
  channels: string[];
}

export interface CsvPreview {
  settings: ImportSettings;
  /** Column names (from the header, else "Column 1", ...: English, as the CLI prints them). */
  columnNames: string[];
  /** True for each column the file gives no name, whose name above is "Column {index + 1}" (a screen says it in its language). */
  unnamed: boolean[];
  /** The first data rows, split into cells, for the dialog's preview table. */
  rows: string[][];
  /** Plain-words notes on what was guessed, in English. */
  notes: string[];
  /** The same as catalogue keys and numbers, for a screen in any language. */
  noteMsgs: Msg[];
}

const TIME_NAME = /^(t|time|times|timestamp|seconds?|sec|time_?s|time ?\(s\)|time_?ms|time ?\(ms\)|ms)$/i;
const INDEX_NAME = /^(index|idx|n|sample|samples|row|snapshot|segment|burst|file)$/i;

/** A column that holds time or a row/burst index rather than a sensor's samples (by its name). */
export function isTimeOrIndexColumn(name: string): boolean {
  const n = name.trim();
  return TIME_NAME.test(n) || INDEX_NAME.test(n) || /^t_?(s|us|ms)$/i.test(n);
}

function looksNumeric(cell: string, decimalComma: boolean): boolean {
  const t = decimalComma ? cell.replace(',', '.') : cell;
  return t.length > 0 && /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t);
}

function chooseDelimiter(lines: string[]): Delimiter {
  let best: Delimiter = ',';
  let bestScore = -1;
  for (const d of [',', ';', '\t'] as Delimiter[]) {
    const counts = lines.map((l) => l.split(d).length - 1);
    const mode = counts.length > 0 ? counts[counts.length - 1] : 0;
    if (mode === 0) continue;
    // The separator splits the most lines (header included) into the same number of cells; a
    // decimal comma splits the data lines but not the header.
    const same = counts.filter((c) => c === mode).length;
    const score = same * 100 + mode;
    if (score > bestScore) {
      bestScore = score;
      best = d;
    }
  }
  return best;
}

/** The sample rate from the spacing of a time column's first rows, when it is regular. */
function rateFromTimeColumn(rows: string[][], col: number, name: string, decimalComma: boolean): number | null {
  const t = rows.slice(0, 6).map((r) => Number((decimalComma ? r[col]?.replace(',', '.') : r[col]) ?? NaN));
  if (t.length < 3 || t.some((x) => !Number.isFinite(x))) return null;
  const dt = t[1] - t[0];
  if (!(dt > 0)) return null;
  for (let i = 2; i < t.length; i++) if (Math.abs(t[i] - t[i - 1] - dt) > dt * 1e-3) return null;
  const perSecond = /ms/i.test(name) ? 1000 / dt : 1 / dt;
  // Round to 4 significant digits: 1 / 2.0833e-5 is 48000, not 47999.23.
  return Number(perSecond.toPrecision(4));
}

/** A CWRU-style rate in a file name ("..._48k_...", "12k"), in Hz; null when the name says none. */
export function rateFromFileName(name: string): number | null {
  const m = /(?:^|[_\-. ])(?:DE|FE|BA)?(12|48)k?(?:hz)?(?:[_\-. ]|$)/i.exec(name) ?? /(12|48)k/i.exec(name);
  return m ? Number(m[1]) * 1000 : null;
}

/** The name of a column the file does not name, in English ("Column 1"); the app says it in its language. */
export const defaultColumnName = (index: number): string => `Column ${index + 1}`;

/**
 * Looks at the start of a file (a few kB are enough) and proposes how to import it.
 * `head` may end in the middle of a line; that line is ignored.
 */
export function sniffCsv(head: string, fileName: string): CsvPreview {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const all = text.split('\n');
  if (all.length > 1) all.pop(); // possibly cut short
  const lines = all.map((l) => l.replace(/\r$/, '')).filter((l) => l.length > 0).slice(0, 40);
  const noteMsgs: Msg[] = [];
  const delimiter = chooseDelimiter(lines.slice(0, 20));
  const decimalComma = delimiter !== ',' && lines.slice(1, 10).some((l) => /\d,\d/.test(l)) && !lines.slice(1, 10).some((l) => /\d\.\d/.test(l));

  // Lines before the table: the first line whose cell count matches the rest.
  const cellCount = (l: string) => l.split(delimiter).length;
  const columnCount = lines.length > 1 ? cellCount(lines[lines.length - 1]) : lines.length === 1 ? cellCount(lines[0]) : 1;
  let skipLines = 0;
  while (skipLines < lines.length - 1 && cellCount(lines[skipLines]) !== columnCount) skipLines++;
  if (skipLines > 0) noteMsgs.push(msg('verdict.sniff.skip', { n: numOf(skipLines) }, skipLines));

  const first = lines.length > skipLines ? splitLine(lines[skipLines], delimiter) : [];
  const hasHeader = first.some((c) => !looksNumeric(c, decimalComma));
  const unnamed = first.map((c) => !hasHeader || !c);
  const columnNames = first.map((c, i) => (unnamed[i] ? defaultColumnName(i) : c));
  const rows = lines.slice(skipLines + (hasHeader ? 1 : 0), skipLines + (hasHeader ? 1 : 0) + 8).map((l) => splitLine(l, delimiter));

  const lower = columnNames.map((c) => c.toLowerCase());
  const base: CsvMapping = { delimiter, decimalComma, skipLines, hasHeader, columnCount, axisColumns: [], segmentColumn: null, scale: 1 };

  if (lower.length >= 2 && lower.includes('de_accel')) {
    const axisColumns = ['de_accel', 'fe_accel', 'ba_accel'].map((n) => lower.indexOf(n)).filter((i) => i >= 0);
    const rate = rateFromFileName(fileName) ?? 48000;
    noteMsgs.push(msg(rateFromFileName(fileName) ? 'verdict.sniff.cwruFromName' : 'verdict.sniff.cwru', { khz: numOf(rate / 1000) }));
    return {
      settings: { format: 'cwru', mapping: { ...base, axisColumns }, sampleRateHz: rate, segmentSpacingS: null, channels: axisColumns.map((i) => columnNames[i]) },
      columnNames,
      unnamed,
      rows,
      notes: noteMsgs.map(inEnglish),
      noteMsgs,
    };
  }
  if (lower.length === 3 && lower[0] === 'snapshot' && lower[1].startsWith('horiz') && lower[2].startsWith('vert')) {
    noteMsgs.push(msg('verdict.sniff.femto', { samples: numOf(2560), khz: numOf(25.6), every: numOf(10) }));
    return {
      settings: { format: 'femto', mapping: { ...base, axisColumns: [1, 2], segmentColumn: 0 }, sampleRateHz: 25600, segmentSpacingS: 10, channels: ['horizontal', 'vertical'] },
      columnNames,
      unnamed,
      rows,
      notes: noteMsgs.map(inEnglish),
      noteMsgs,
    };
  }

  // Any other CSV: numeric columns that are not a time or an index become axes (at most 3).
  const numeric = columnNames.map((_, i) => rows.length > 0 && rows.every((r) => looksNumeric(r[i] ?? '', decimalComma)));
  const timeCol = lower.findIndex((n) => TIME_NAME.test(n.trim()));
  const indexCol = lower.findIndex((n) => INDEX_NAME.test(n.trim()));
  const axisColumns = columnNames.map((_, i) => i).filter((i) => numeric[i] && i !== timeCol && i !== indexCol).slice(0, 3);
  let sampleRateHz = 0;
  if (timeCol >= 0) {
    const r = rateFromTimeColumn(rows, timeCol, columnNames[timeCol], decimalComma);
    if (r) {
      sampleRateHz = r;
      noteMsgs.push(msg('verdict.sniff.rateFromTime', { rate: numOf(r), column: columnNames[timeCol] }));
    }
  }
  if (sampleRateHz === 0) {
    const r = rateFromFileName(fileName);
    if (r) {
      sampleRateHz = r;
      noteMsgs.push(msg('verdict.sniff.rateFromName', { rate: numOf(r) }));
    } else noteMsgs.push(msg('verdict.sniff.noRate'));
  }
  if (axisColumns.length === 0) noteMsgs.push(msg('verdict.sniff.noNumbers'));
  if (decimalComma) noteMsgs.push(msg('verdict.sniff.decimalComma'));
  return {
    settings: {
      format: 'generic',
      mapping: { ...base, axisColumns },
      sampleRateHz,
      segmentSpacingS: null,
      channels: axisColumns.map((i) => columnNames[i]),
    },
    columnNames,
    unnamed,
    rows,
    notes: noteMsgs.map(inEnglish),
    noteMsgs,
  };
}

/**
 * The table as a mapping reads it (after the technician changed the separator, the header or the
 * lines to skip): column names, the first rows, and the number of columns of the first data row.
 */
export function previewWith(head: string, m: Pick<CsvMapping, 'delimiter' | 'skipLines' | 'hasHeader'>): { columnNames: string[]; unnamed: boolean[]; rows: string[][]; columnCount: number } {
  const text = head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  const all = text.split('\n');
  if (all.length > 1) all.pop();
  const lines = all.map((l) => l.replace(/\r$/, ''));
  const body = lines.slice(m.skipLines).filter((l) => l.length > 0);
  const first = body.length > 0 ? splitLine(body[0], m.delimiter) : [];
  const dataLines = body.slice(m.hasHeader ? 1 : 0, (m.hasHeader ? 1 : 0) + 8);
  const rows = dataLines.map((l) => splitLine(l, m.delimiter));
  const columnCount = rows.length > 0 ? rows[0].length : first.length;
  const unnamed = Array.from({ length: columnCount }, (_, i) => !(m.hasHeader && first[i]));
  const columnNames = unnamed.map((u, i) => (u ? defaultColumnName(i) : first[i]));
  return { columnNames, unnamed, rows, columnCount };
}
