/**
 * Reading the technician's files for training: numeric CSV recordings (a header of column names,
 * one row per sample) and manifests (file,label,sample_rate_hz). Text arrives in chunks; every
 * error names the file and the 1-based line.
 */

export class TrainingCsvError extends Error {
  override name = 'TrainingCsvError';
}

/** Streams numeric columns out of CSV text chunks. */
export class ColumnReader {
  private header: string[] | null = null;
  private idx: number[] = [];
  private rest = '';
  private line = 0;
  private bufs: Float32Array[];
  private n = 0;

  constructor(
    private readonly name: string,
    private readonly wanted: string[],
  ) {
    this.bufs = wanted.map(() => new Float32Array(1 << 16));
  }

  push(text: string): void {
    const all = this.rest + text;
    const lines = all.split('\n');
    this.rest = lines.pop() ?? '';
    for (const l of lines) this.row(l);
  }

  finish(): { columns: Float32Array[]; rows: number; header: string[] } {
    if (this.rest.length) this.row(this.rest);
    this.rest = '';
    if (!this.header) throw new TrainingCsvError(`${this.name} is empty`);
    if (this.n === 0) throw new TrainingCsvError(`${this.name} has a header but no data rows`);
    return { columns: this.bufs.map((b) => b.slice(0, this.n)), rows: this.n, header: this.header };
  }

  private row(raw: string): void {
    this.line++;
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (this.header === null) {
      this.header = l.replace(/^\uFEFF/, '').split(',').map((s) => s.trim());
      this.idx = this.wanted.map((w) => this.header!.indexOf(w));
      const missing = this.wanted.filter((_, k) => this.idx[k] < 0);
      if (missing.length) throw new TrainingCsvError(`${this.name} has no column ${missing.map((m) => `"${m}"`).join(', ')} (its columns: ${this.header.join(', ')})`);
      return;
    }
    if (l.trim() === '') return;
    const cells = l.split(',');
    if (cells.length !== this.header.length) throw new TrainingCsvError(`${this.name} line ${this.line}: ${cells.length} values, the header has ${this.header.length}`);
    if (this.n === this.bufs[0].length) this.bufs = this.bufs.map((b) => {
      const g = new Float32Array(b.length * 2);
      g.set(b);
      return g;
    });
    for (let k = 0; k < this.idx.length; k++) {
      const cell = cells[this.idx[k]].trim();
      const v = cell === '' ? NaN : Number(cell);
      if (!Number.isFinite(v)) throw new TrainingCsvError(`${this.name} line ${this.line}: "${cell}" in column ${this.wanted[k]} is not a number`);
      this.bufs[k][this.n] = v;
    }
    this.n++;
  }
}

/** The header line of a CSV text. */
export function headerOf(firstChunk: string): string[] {
  const line = firstChunk.split('\n', 1)[0].replace(/\r$/, '').replace(/^\uFEFF/, '');
  return line.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
}

export interface ManifestEntry {
  file: string;
  label: string;
  sampleRateHz: number;
}

/** True when a header looks like a training manifest. */
export const isManifestHeader = (h: string[]) => ['file', 'label', 'sample_rate_hz'].every((c) => h.includes(c));

export function parseManifest(name: string, text: string): ManifestEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  const h = lines[0].split(',').map((s) => s.trim());
  if (!isManifestHeader(h)) throw new TrainingCsvError(`${name} is not a manifest (needs the columns file,label,sample_rate_hz)`);
  const [f, l, r] = ['file', 'label', 'sample_rate_hz'].map((c) => h.indexOf(c));
  const out: ManifestEntry[] = [];
  for (let i = 1; i < lines.length; i++) {
    if (!lines[i].trim()) continue;
    const c = lines[i].split(',').map((s) => s.trim());
    const rate = Number(c[r]);
    if (!(rate >= 100 && rate <= 1e6)) throw new TrainingCsvError(`${name} line ${i + 1}: sample_rate_hz "${c[r]}" is not a sample rate`);
    if (!c[f] || !c[l]) throw new TrainingCsvError(`${name} line ${i + 1}: empty file or label`);
    out.push({ file: c[f], label: c[l], sampleRateHz: rate });
  }
  return out;
}
