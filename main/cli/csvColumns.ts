/**
 * Streams a numeric CSV recording line by line (FEMTO's file is 38 MB) and keeps only the columns
 * asked for, as float32 (what the node's CSV replay uses). The first line is a header of column
 * names. Every problem names the file and the 1-based line, and stops the read.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export class CsvReadError extends Error {
  override name = 'CsvReadError';
}

export interface CsvColumns {
  header: string[];
  /** One array per requested column, in request order. */
  columns: Float32Array[];
  rows: number;
  /** Row indices where the segment column's value changes (first row included), if one was asked for. */
  segmentStarts?: number[];
}

class Growable {
  buf = new Float32Array(1 << 16);
  n = 0;
  push(v: number) {
    if (this.n === this.buf.length) {
      const b = new Float32Array(this.buf.length * 2);
      b.set(this.buf);
      this.buf = b;
    }
    this.buf[this.n++] = v;
  }
  done() {
    return this.buf.slice(0, this.n);
  }
}

/** Reads the header line only. */
export async function readCsvHeader(path: string, label = path): Promise<string[]> {
  const rl = createInterface({ input: openStream(path, label), crlfDelay: Infinity });
  try {
    for await (const line of rl) return splitHeader(line);
  } finally {
    rl.close();
  }
  throw new CsvReadError(`${label} is empty`);
}

function openStream(path: string, label: string) {
  const s = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  s.on('error', () => {}); // reported through the readline iterator below
  void label;
  return s;
}

function splitHeader(line: string): string[] {
  return line.replace(/^\uFEFF/, '').split(',').map((s) => s.trim());
}

export async function readCsvColumns(path: string, wanted: string[], options: { label?: string; segmentColumn?: string } = {}): Promise<CsvColumns> {
  const label = options.label ?? path;
  const stream = openStream(path, label);
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let header: string[] | null = null;
  let idx: number[] = [];
  let segIdx = -1;
  const cols = wanted.map(() => new Growable());
  const segmentStarts: number[] = [];
  let prevSeg: string | null = null;
  let lineNo = 0;
  let rows = 0;
  try {
    for await (const raw of rl) {
      lineNo++;
      if (header === null) {
        header = splitHeader(raw);
        idx = wanted.map((w) => header!.indexOf(w));
        const missing = wanted.filter((_, k) => idx[k] < 0);
        if (missing.length) throw new CsvReadError(`${label} has no column ${missing.map((m) => `"${m}"`).join(', ')} (its columns: ${header.join(', ')})`);
        if (options.segmentColumn !== undefined) {
          segIdx = header.indexOf(options.segmentColumn);
          if (segIdx < 0) throw new CsvReadError(`${label} has no column "${options.segmentColumn}"`);
        }
        continue;
      }
      if (raw.length === 0 || raw === '\r') continue;
      const cells = raw.split(',');
      if (cells.length !== header.length) throw new CsvReadError(`${label} line ${lineNo}: ${cells.length} values, the header has ${header.length}`);
      for (let k = 0; k < idx.length; k++) {
        const cell = cells[idx[k]].trim();
        const v = cell === '' ? NaN : Number(cell);
        if (!Number.isFinite(v)) throw new CsvReadError(`${label} line ${lineNo}: "${cell}" in column ${wanted[k]} is not a number`);
        cols[k].push(v);
      }
      if (segIdx >= 0) {
        const s = cells[segIdx];
        if (s !== prevSeg) {
          segmentStarts.push(rows);
          prevSeg = s;
        }
      }
      rows++;
    }
  } catch (e) {
    if (e instanceof CsvReadError) throw e;
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new CsvReadError(`${label} does not exist`);
    if (err.code === 'EISDIR') throw new CsvReadError(`${label} is a folder, not a CSV file`);
    throw new CsvReadError(`${label}: ${err.message}`);
  } finally {
    rl.close();
    stream.destroy();
  }
  if (header === null) throw new CsvReadError(`${label} is empty`);
  if (rows === 0) throw new CsvReadError(`${label} has a header but no data rows`);
  return { header, columns: cols.map((c) => c.done()), rows, segmentStarts: segIdx >= 0 ? segmentStarts : undefined };
}
