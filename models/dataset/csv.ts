/**
 * Streaming CSV reader for vibration recordings: text arrives in pieces of any size (a file read
 * chunk by chunk), rows come out as float32 samples per mapped column, and the first bad row stops
 * the import with a `CsvError` that names the line (1-based, as a text editor counts) and column.
 *
 * Only numbers are accepted in mapped columns, in the forms C's strtof accepts for decimals
 * ("-1.5", ".5", "1e-3", "+2"); no NaN, no Infinity, no hex, no empty cell. Values are rounded to
 * float32 as the firmware's CSV reader does (firmware/boards/host/csv.c: strtof). Unmapped columns
 * are only counted, never parsed, so a text or time column does no harm.
 */
import { inEnglish, msg, numOf, plainMsg, type Msg, type MsgParam } from '../i18n/msg';

export type Delimiter = ',' | ';' | '\t';

export interface CsvMapping {
  delimiter: Delimiter;
  /** "1,5" means 1.5 (only with ';' or tab as the delimiter). */
  decimalComma: boolean;
  /** Lines before the header (or before the data when there is no header), e.g. a title line. */
  skipLines: number;
  hasHeader: boolean;
  /** Number of values every data row must have. */
  columnCount: number;
  /** Columns (0-based) imported as the recording's axes, in axis order. */
  axisColumns: number[];
  /** A column whose value changes where a new burst of samples starts (FEMTO `snapshot`), or null. */
  segmentColumn: number | null;
  /** Multiplies every sample (1 for g; 1 / 9.80665 to turn m/s^2 into g). */
  scale: number;
}

export type CsvProblem =
  | 'empty-file'
  | 'no-data'
  | 'column-count'
  | 'not-a-number'
  | 'empty-value'
  | 'not-finite'
  | 'out-of-range'
  | 'line-too-long'
  | 'too-many-rows'
  | 'missing-column'
  | 'bad-mapping';

/**
 * `msg` is the sentence as a catalogue key (`problems.csv.*`) that the app says in its language;
 * `message` is the same in English (the CLI, logs).
 */
export class CsvError extends Error {
  readonly msg: Msg;
  constructor(
    readonly problem: CsvProblem,
    /** 1-based line of the file, 0 when the problem is not on one line. */
    readonly line: number,
    message: string | Msg,
    readonly column?: number,
  ) {
    super(typeof message === 'string' ? message : inEnglish(message));
    this.msg = typeof message === 'string' ? plainMsg(message) : message;
    this.name = 'CsvError';
  }
}

const say = (key: string, params?: Record<string, MsgParam>, count?: number): Msg => msg(`problems.csv.${key}`, params, count);
/** Line and column numbers are positions, and the limits are the same in the CLI and the app: plain digits in every language. */
const pos = (n: number): string => String(n);

/** Receives the parsed samples. `axes[a][0 .. count)` are new samples of axis a. */
export interface CsvSink {
  /** A new segment starts (first call: the first data row). `key` is the segment column's text, '' without one. */
  segment(key: string, line: number): void;
  samples(axes: Float32Array[], count: number): void;
}

/** One line longer than this is not a CSV row of measurements (a binary file, or no line breaks). */
export const MAX_LINE_CHARS = 10_000;
/** Rows buffered before they are handed to the sink. */
const BLOCK_ROWS = 8192;

const CH_QUOTE = 34;
const CH_CR = 13;

function describeValue(s: string): string {
  const t = s.length > 24 ? `${s.slice(0, 24)}…` : s;
  return `"${t}"`;
}

/** strtof-style decimal: sign, digits with at most one point, optional exponent. */
function isDecimal(s: string): boolean {
  let i = 0;
  const n = s.length;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
  let digits = 0;
  let point = false;
  for (; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) digits++;
    else if (c === 46 && !point) point = true;
    else break;
  }
  if (digits === 0) return false;
  if (i < n && (s.charCodeAt(i) === 101 || s.charCodeAt(i) === 69)) {
    i++;
    if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) i++;
    let ed = 0;
    for (; i < n && s.charCodeAt(i) >= 48 && s.charCodeAt(i) <= 57; i++) ed++;
    if (ed === 0) return false;
  }
  return i === n;
}

export function validateMapping(m: CsvMapping): void {
  const bad = (key: string, params?: Record<string, MsgParam>) => {
    throw new CsvError('bad-mapping', 0, say(key, params));
  };
  if (![',', ';', '\t'].includes(m.delimiter)) bad('delimiter');
  if (m.decimalComma && m.delimiter === ',') bad('decimalComma');
  if (!Number.isInteger(m.columnCount) || m.columnCount < 1 || m.columnCount > 1000) bad('columnCount', { min: numOf(1), max: numOf(1000) });
  if (!Number.isInteger(m.skipLines) || m.skipLines < 0 || m.skipLines > 1000) bad('skipLines', { min: numOf(0), max: numOf(1000) });
  if (m.axisColumns.length < 1 || m.axisColumns.length > 3) bad('axes');
  const seen = new Set<number>();
  for (const c of m.axisColumns) {
    if (!Number.isInteger(c) || c < 0 || c >= m.columnCount) bad('noColumn', { col: pos(c + 1), count: numOf(m.columnCount) });
    if (seen.has(c)) bad('twice', { col: pos(c + 1) });
    seen.add(c);
  }
  if (m.segmentColumn !== null) {
    if (!Number.isInteger(m.segmentColumn) || m.segmentColumn < 0 || m.segmentColumn >= m.columnCount) bad('noSegment');
    if (seen.has(m.segmentColumn)) bad('segmentAxis');
  }
  if (!(m.scale > 0) || !Number.isFinite(m.scale)) bad('scale');
}

export class CsvStreamParser {
  /** Lines seen so far (complete ones). */
  line = 0;
  /** Data rows accepted so far. */
  rows = 0;
  header: string[] | null = null;
  private carry = '';
  private readonly buf: Float32Array[];
  private fill = 0;
  private segmentKey: string | null = null;
  private readonly colOfAxis: Int32Array;
  private readonly maxRows: number;
  private ended = false;

  constructor(
    private readonly m: CsvMapping,
    private readonly sink: CsvSink,
    opts: { maxRows?: number } = {},
  ) {
    validateMapping(m);
    this.buf = m.axisColumns.map(() => new Float32Array(BLOCK_ROWS));
    this.colOfAxis = Int32Array.from(m.axisColumns);
    this.maxRows = opts.maxRows ?? Number.MAX_SAFE_INTEGER;
  }

  /** Feeds the next piece of text (any size; lines may be split between pieces). */
  push(text: string): void {
    if (this.ended) throw new Error('CsvStreamParser: push after end');
    let s = this.carry.length > 0 ? this.carry + text : text;
    if (this.line === 0 && this.carry.length === 0 && s.charCodeAt(0) === 0xfeff) s = s.slice(1); // UTF-8 BOM
    let start = 0;
    for (;;) {
      const nl = s.indexOf('\n', start);
      if (nl < 0) break;
      let end = nl;
      if (end > start && s.charCodeAt(end - 1) === CH_CR) end--;
      this.onLine(s, start, end);
      start = nl + 1;
    }
    this.carry = start === 0 ? s : s.slice(start);
    if (this.carry.length > MAX_LINE_CHARS) throw lineTooLong(this.line + 1);
  }

  /** The file is complete: parses a last line without a line break and checks there was data. */
  end(): void {
    if (this.ended) return;
    if (this.carry.length > 0) {
      let end = this.carry.length;
      if (this.carry.charCodeAt(end - 1) === CH_CR) end--;
      const s = this.carry;
      this.carry = '';
      this.onLine(s, 0, end);
    }
    this.ended = true;
    this.flush();
    if (this.line === 0) throw emptyFile();
    if (this.rows === 0) throw noData(this.header !== null);
  }

  private onLine(s: string, start: number, end: number): void {
    const lineNo = ++this.line;
    if (end - start > MAX_LINE_CHARS) throw lineTooLong(lineNo);
    const m = this.m;
    if (lineNo <= m.skipLines) return;
    if (end === start) return; // blank lines (often the last one) carry nothing
    if (m.hasHeader && this.header === null) {
      this.header = splitLine(s.slice(start, end), m.delimiter);
      if (this.header.length !== m.columnCount) {
        throw new CsvError('column-count', lineNo, say('headerCount', { line: pos(lineNo), have: numOf(this.header.length), want: numOf(m.columnCount) }));
      }
      return;
    }
    this.onRow(s, start, end, lineNo);
  }

  private onRow(s: string, start: number, end: number, lineNo: number): void {
    const m = this.m;
    const delim = m.delimiter.charCodeAt(0);
    // Cell boundaries, without allocating per cell for the columns that are not mapped.
    let col = 0;
    let cellStart = start;
    const row = this.fill;
    let segText: string | null = null;
    for (let i = start; i <= end; i++) {
      if (i < end && s.charCodeAt(i) !== delim) continue;
      if (col < m.columnCount) {
        const axis = this.axisOf(col);
        if (axis >= 0) this.buf[axis][row] = this.parseCell(s, cellStart, i, lineNo, col);
        else if (col === m.segmentColumn) segText = unquote(s.slice(cellStart, i).trim());
      }
      col++;
      cellStart = i + 1;
    }
    if (col !== m.columnCount) {
      throw new CsvError('column-count', lineNo, say('rowCount', { line: pos(lineNo), want: numOf(m.columnCount) }, col));
    }
    if (this.rows >= this.maxRows) {
      throw new CsvError('too-many-rows', lineNo, say('tooManyRows', { line: pos(lineNo), max: pos(this.maxRows) }));
    }
    const key = segText ?? '';
    if (this.segmentKey === null || key !== this.segmentKey) {
      if (segText !== null && key === '') {
        throw new CsvError('empty-value', lineNo, say('segmentEmpty', { line: pos(lineNo), col: pos((m.segmentColumn ?? 0) + 1) }), m.segmentColumn ?? 0);
      }
      if (row > 0) {
        // This row (already at index `row`) opens a new segment: hand over the rows before it,
        // then move it to the start of the buffer.
        this.flushRows(row);
        for (let a = 0; a < this.buf.length; a++) this.buf[a][0] = this.buf[a][row];
        this.fill = 0;
      }
      this.segmentKey = key;
      this.sink.segment(key, lineNo);
    }
    this.fill++;
    this.rows++;
    if (this.fill === BLOCK_ROWS) this.flush();
  }

  private axisOf(col: number): number {
    const c = this.colOfAxis;
    for (let a = 0; a < c.length; a++) if (c[a] === col) return a;
    return -1;
  }

  private parseCell(s: string, a: number, b: number, lineNo: number, col: number): number {
    // Trim spaces and one pair of quotes.
    while (a < b && s.charCodeAt(a) === 32) a++;
    while (b > a && s.charCodeAt(b - 1) === 32) b--;
    if (b - a >= 2 && s.charCodeAt(a) === CH_QUOTE && s.charCodeAt(b - 1) === CH_QUOTE) {
      a++;
      b--;
    }
    const where = this.header ? say('whereNamed', { line: pos(lineNo), col: pos(col + 1), name: this.header[col] }) : say('where', { line: pos(lineNo), col: pos(col + 1) });
    if (a === b) throw new CsvError('empty-value', lineNo, say('empty', { where }), col);
    let text = s.slice(a, b);
    if (this.m.decimalComma) text = text.replace(',', '.');
    if (!isDecimal(text)) {
      const lower = text.toLowerCase();
      if (lower === 'nan' || lower === '-nan' || lower === 'na' || lower === 'n/a') {
        throw new CsvError('not-finite', lineNo, say('missing', { where, value: describeValue(text) }), col);
      }
      if (lower.replace(/^[+-]/, '').startsWith('inf')) throw new CsvError('not-finite', lineNo, say('infinite', { where, value: describeValue(text) }), col);
      throw new CsvError('not-a-number', lineNo, say('notNumber', { where, value: describeValue(text) }), col);
    }
    const v = Math.fround(Number(text) * this.m.scale);
    if (!Number.isFinite(v)) throw new CsvError('out-of-range', lineNo, say('tooLarge', { where, value: describeValue(text) }), col);
    return v;
  }

  private flushRows(n: number): void {
    if (n === 0) return;
    const out = this.buf.map((b) => b.slice(0, n));
    this.sink.samples(out, n);
  }

  private flush(): void {
    this.flushRows(this.fill);
    this.fill = 0;
  }
}

const lineTooLong = (line: number) =>
  new CsvError('line-too-long', line, say('lineTooLong', { line: pos(line), max: pos(MAX_LINE_CHARS) }));
const emptyFile = () => new CsvError('empty-file', 0, say('emptyFile'));
const noData = (header: boolean) => new CsvError('no-data', 0, say(header ? 'noDataHeader' : 'noData'));

function unquote(s: string): string {
  return s.length >= 2 && s.charCodeAt(0) === CH_QUOTE && s.charCodeAt(s.length - 1) === CH_QUOTE ? s.slice(1, -1) : s;
}

/** Splits one line into trimmed, unquoted cells (header and preview use). */
export function splitLine(line: string, delimiter: Delimiter): string[] {
  return line.split(delimiter).map((c) => unquote(c.trim()));
}

/** Named columns of a recording, as float32. */
export interface NamedColumns {
  header: string[];
  /** One array per requested column, in request order. */
  columns: Float32Array[];
  rows: number;
  /** Row indices where the segment column's value changes (first row included), when one was asked for. */
  segmentStarts?: number[];
}

class Growable {
  buf = new Float32Array(1 << 16);
  n = 0;
  append(a: Float32Array, count: number): void {
    if (this.n + count > this.buf.length) {
      const b = new Float32Array(Math.max(this.buf.length * 2, this.n + count));
      b.set(this.buf.subarray(0, this.n));
      this.buf = b;
    }
    this.buf.set(a.subarray(0, count), this.n);
    this.n += count;
  }
}

/**
 * Reads named columns out of a comma-separated recording whose first (non-blank) line names the
 * columns: the training path of the CLI, the benchmark and the Training page. Text arrives in
 * pieces of any size, from a Node stream or a TextDecoderStream alike; the rows go through
 * CsvStreamParser, so a file the import accepts also trains, and one it rejects fails here with
 * the same CsvError.
 */
export class NamedColumnReader {
  header: string[] | null = null;
  private parser: CsvStreamParser | null = null;
  private pending = '';
  private readonly cols: Growable[];
  private readonly segmentStarts: number[] = [];
  private rows = 0;

  constructor(
    private readonly wanted: string[],
    private readonly segmentColumn?: string,
  ) {
    this.cols = wanted.map(() => new Growable());
  }

  push(text: string): void {
    if (this.parser) return this.parser.push(text);
    this.pending += text;
    const first = firstLine(this.pending, false);
    if (first === null) {
      const lastBreak = this.pending.lastIndexOf('\n');
      if (this.pending.length - lastBreak - 1 > MAX_LINE_CHARS) throw lineTooLong(this.pending.slice(0, lastBreak + 1).split('\n').length);
      return;
    }
    this.start(first);
  }

  end(): NamedColumns {
    if (!this.parser) {
      const first = firstLine(this.pending, true);
      if (first === null) throw this.pending.length === 0 ? emptyFile() : noData(false);
      this.start(first);
    }
    this.parser!.end();
    const columns = this.cols.map((c) => c.buf.slice(0, c.n));
    return { header: this.header!, columns, rows: this.rows, ...(this.segmentColumn !== undefined ? { segmentStarts: this.segmentStarts } : {}) };
  }

  private start(line: string): void {
    const header = splitLine(line, ',');
    this.header = header;
    const axisColumns = this.wanted.map((w) => header.indexOf(w));
    const missing = this.wanted.filter((_, k) => axisColumns[k] < 0);
    if (this.segmentColumn !== undefined && !header.includes(this.segmentColumn)) missing.push(this.segmentColumn);
    if (missing.length) throw new CsvError('missing-column', 0, say('missingColumn', { names: missing.map((m) => `"${m}"`).join(', '), columns: header.join(', ') }));
    const segmentColumn = this.segmentColumn === undefined ? null : header.indexOf(this.segmentColumn);
    const mapping: CsvMapping = { delimiter: ',', decimalComma: false, skipLines: 0, hasHeader: true, columnCount: header.length, axisColumns, segmentColumn, scale: 1 };
    this.parser = new CsvStreamParser(mapping, {
      segment: () => this.segmentStarts.push(this.rows),
      samples: (axes, count) => {
        axes.forEach((a, k) => this.cols[k].append(a, count));
        this.rows += count;
      },
    });
    const text = this.pending;
    this.pending = '';
    this.parser.push(text);
  }
}

/** The first non-blank line of `text` (BOM and CR removed); null when none is complete yet (or none at the end). */
function firstLine(text: string, atEnd: boolean): string | null {
  let start = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (;;) {
    let nl = text.indexOf('\n', start);
    if (nl < 0) {
      if (!atEnd) return null;
      nl = text.length;
    }
    const line = text.slice(start, nl).replace(/\r$/, '');
    if (line.length > 0) return line;
    if (nl >= text.length) return null;
    start = nl + 1;
  }
}

/** The column names on the first non-blank line of a comma-separated text, or null when it has none yet. */
export function csvHeaderOf(text: string, atEnd = false): string[] | null {
  const line = firstLine(text, atEnd);
  return line === null ? null : splitLine(line, ',');
}
