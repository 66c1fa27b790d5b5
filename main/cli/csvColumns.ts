/**
 * Node side of the training CSV reader: streams a recording from disk (FEMTO's file is 38 MB) into
 * models/dataset's NamedColumnReader, the parser the import uses too. Every problem names the file
 * and stops the read.
 */
import { createReadStream } from 'node:fs';
import { csvHeaderOf, CsvError, NamedColumnReader, type NamedColumns } from '../../models/dataset/csv';

export class CsvReadError extends Error {
  override name = 'CsvReadError';
}

export type CsvColumns = NamedColumns;

/** Feeds the file's text to `push` in pieces until it returns true or the file ends; problems become CsvReadError. */
async function streamText(path: string, label: string, push: (text: string) => boolean | void, atEnd: () => void): Promise<void> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  try {
    for await (const chunk of stream) if (push(chunk as string)) return;
    atEnd();
  } catch (e) {
    if (e instanceof CsvError) throw new CsvReadError(`${label}: ${e.message}`);
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') throw new CsvReadError(`${label} does not exist`);
    if (err.code === 'EISDIR') throw new CsvReadError(`${label} is a folder, not a CSV file`);
    throw new CsvReadError(`${label}: ${err.message}`);
  } finally {
    stream.destroy();
  }
}

/** Reads the header line only. */
export async function readCsvHeader(path: string, label = path): Promise<string[]> {
  let text = '';
  let header: string[] | null = null;
  await streamText(
    path,
    label,
    (chunk) => {
      text += chunk;
      header = csvHeaderOf(text);
      return header !== null;
    },
    () => {
      header = csvHeaderOf(text, true);
    },
  );
  if (header === null) throw new CsvReadError(`${label}: The file is empty.`);
  return header;
}

export async function readCsvColumns(path: string, wanted: string[], options: { label?: string; segmentColumn?: string } = {}): Promise<CsvColumns> {
  const label = options.label ?? path;
  const reader = new NamedColumnReader(wanted, options.segmentColumn);
  let result: CsvColumns | undefined;
  await streamText(
    path,
    label,
    (chunk) => reader.push(chunk),
    () => {
      result = reader.end();
    },
  );
  return result!;
}
