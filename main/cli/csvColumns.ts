/**
 * Node side of the training CSV reader: streams a recording from disk (FEMTO's file is 38 MB) into
 * models/dataset's NamedColumnReader, the parser the import uses too. Every problem names the file
 * and stops the read. An Edge Impulse data acquisition sample (`.json`) is read as the CSV text it
 * converts to (models/dataset/edgeImpulse.ts), so it passes the same parser and checks.
 */
import { createReadStream, readFileSync } from 'node:fs';
import { csvHeaderOf, CsvError, NamedColumnReader, type NamedColumns } from '../../models/dataset/csv';
import { EdgeImpulseError, edgeImpulseToCsv, isEdgeImpulseJson, parseEdgeImpulseCbor, parseEdgeImpulseJson, type EdgeImpulseSample } from '../../models/dataset/edgeImpulse';

export class CsvReadError extends Error {
  override name = 'CsvReadError';
}

export type CsvColumns = NamedColumns;

const isEdgeImpulse = (path: string) => /\.(json|cbor)$/i.test(path);

/** An Edge Impulse sample on disk, parsed; problems become CsvReadError. */
export function readEdgeImpulseSample(path: string, label = path): EdgeImpulseSample {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new CsvReadError(err.code === 'ENOENT' ? `${label} does not exist` : `${label}: ${err.message}`);
  }
  try {
    if (bytes.length === 0) throw new EdgeImpulseError(`${label}: is empty`);
    // JSON or CBOR by content, whatever the file is called.
    return isEdgeImpulseJson(bytes) ? parseEdgeImpulseJson(bytes.toString('utf8'), label) : parseEdgeImpulseCbor(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), label);
  } catch (e) {
    if (e instanceof EdgeImpulseError) throw new CsvReadError(e.message);
    throw e;
  }
}

/** Feeds the file's text to `push` in pieces until it returns true or the file ends; problems become CsvReadError. */
async function streamText(path: string, label: string, push: (text: string) => boolean | void, atEnd: () => void): Promise<void> {
  if (isEdgeImpulse(path)) {
    try {
      push(edgeImpulseToCsv(readEdgeImpulseSample(path, label)));
      atEnd();
    } catch (e) {
      if (e instanceof CsvError) throw new CsvReadError(`${label}: ${e.message}`);
      throw e;
    }
    return;
  }
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
