/**
 * Reading the technician's files for training: numeric CSV recordings (a header of column names,
 * one row per sample) and manifests (file,label,sample_rate_hz). Every error names the file and
 * the 1-based line.
 */
import { CsvError, csvHeaderOf, NamedColumnReader, type NamedColumns } from '../../../models/dataset/csv';

export class TrainingCsvError extends Error {
  override name = 'TrainingCsvError';
}

/**
 * Reads named columns of a picked recording: the file's bytes go through a TextDecoderStream into
 * models/dataset's NamedColumnReader, the parser the import and the CLI use too.
 */
export async function readFileColumns(file: Blob, name: string, channels: string[]): Promise<NamedColumns> {
  const reader = new NamedColumnReader(channels);
  const stream = file.stream().pipeThrough(new TextDecoderStream()).getReader();
  try {
    for (;;) {
      const { value, done } = await stream.read();
      if (done) return reader.end();
      reader.push(value);
    }
  } catch (e) {
    if (e instanceof CsvError) throw new TrainingCsvError(`${name}: ${e.message}`);
    throw e;
  } finally {
    stream.releaseLock();
  }
}

/** The column names of a CSV text's first lines, read as the training reader reads them. */
export function headerOf(firstChunk: string): string[] {
  return (csvHeaderOf(firstChunk, true) ?? []).filter((s) => s.length > 0);
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

/**
 * Why a picked file cannot be a recording, in words about the file (empty, binary data, no header
 * of channel names), or null when it looks like CSV text. `head` is its first bytes.
 */
export function badFileReason(name: string, size: number, head: Uint8Array): string | null {
  if (size === 0) return `${name} is empty: there is no recording in it.`;
  let control = 0;
  for (const b of head) {
    if (b === 0) return `${name} is not a CSV text file (it holds binary data). Pick a recording saved as CSV: a header of channel names, then one row of numbers per sample.`;
    if (b < 9 || (b > 13 && b < 32) || b === 127) control++;
  }
  if (control > head.length * 0.02) return `${name} is not a CSV text file (it holds binary data). Pick a recording saved as CSV: a header of channel names, then one row of numbers per sample.`;
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  if (text.trim() === '') return `${name} holds only blank space: there is no recording in it.`;
  const header = headerOf(text);
  if (header.length === 0 || header.every((c) => c.trim() !== '' && Number.isFinite(Number(c)))) return `${name} has no header line of channel names (for example DE_accel,FE_accel) before its numbers.`;
  return null;
}
