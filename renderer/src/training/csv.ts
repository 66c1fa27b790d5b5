/**
 * Reading the technician's files for training: numeric CSV recordings (a header of column names,
 * one row per sample) and manifests (file,label,sample_rate_hz; read by models/dataset/manifest.ts,
 * as the CLI reads them). Every error names the file and the 1-based line.
 */
import { CsvError, csvHeaderOf, NamedColumnReader, type NamedColumns } from '../../../models/dataset/csv';
import { t } from '../i18n';
import { say } from '../msg';

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
    if (e instanceof CsvError) throw new TrainingCsvError(t('problems.csv.inFile', { file: name, error: say(e.msg) }));
    throw e;
  } finally {
    stream.releaseLock();
  }
}

/** The column names of a CSV text's first lines, read as the training reader reads them. */
export function headerOf(firstChunk: string): string[] {
  return (csvHeaderOf(firstChunk, true) ?? []).filter((s) => s.length > 0);
}

export { isManifestHeader, parseManifestText } from '../../../models/dataset/manifest';

/**
 * Why a picked file cannot be a recording, in words about the file (empty, binary data, no header
 * of channel names), or null when it looks like CSV text. `head` is its first bytes.
 */
export function badFileReason(name: string, size: number, head: Uint8Array): string | null {
  if (size === 0) return t('training.file.empty', { name });
  let control = 0;
  for (const b of head) {
    if (b === 0) return t('training.file.binary', { name });
    if (b < 9 || (b > 13 && b < 32) || b === 127) control++;
  }
  if (control > head.length * 0.02) return t('training.file.binary', { name });
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  if (text.trim() === '') return t('training.file.blank', { name });
  const header = headerOf(text);
  if (header.length === 0 || header.every((c) => c.trim() !== '' && Number.isFinite(Number(c)))) return t('training.file.noHeader', { name });
  return null;
}
