/**
 * Loads a manifest's recordings for training and evaluation (the CLI and the benchmark).
 */
import { isTimeOrIndexColumn } from '../../models/dataset/formats';
import { NORMAL_LABEL, type RecordingInput } from '../../models/train/dataset';
import { CsvReadError, readCsvColumns, readCsvHeader, readEdgeImpulseSample } from './csvColumns';
import type { Manifest } from './manifest';

/** A column whose value changes where a new burst starts: windows never cross it (FEMTO `snapshot`). */
export const SEGMENT_COLUMNS = ['snapshot', 'segment', 'burst'];

/** The channel(s) to use: as asked, else DE_accel when the recording has it (CWRU), else its first sensor column. */
export async function chooseChannels(manifest: Manifest, asked: string | undefined): Promise<string[]> {
  if (asked) {
    const list = asked.split(',').map((s) => s.trim()).filter(Boolean);
    if (list.length < 1 || list.length > 3) throw new RangeError(`--channel takes 1 to 3 column names, got "${asked}"`);
    if (new Set(list).size !== list.length) throw new RangeError(`--channel names a column twice: "${asked}"`);
    return list;
  }
  return defaultChannels(await readCsvHeader(manifest.rows[0].path, manifest.rows[0].file), manifest.rows[0].file);
}

/** The default channel of a recording with these columns: DE_accel when it has it (CWRU), else its first sensor column. */
export function defaultChannels(header: string[], file: string): string[] {
  const sensors = header.filter((h) => !isTimeOrIndexColumn(h));
  if (sensors.length === 0) throw new RangeError(`${file} has no sensor column (its columns: ${header.join(', ')})`);
  return [sensors.includes('DE_accel') ? 'DE_accel' : sensors[0]];
}

/** The most axes a node computes features for (docs/model-format.md §2.3: axis_count 1 … 3). */
export const NODE_AXES_MAX = 3;

/**
 * The node axis each chosen channel is, for the model's `axes` map (docs/model-format.md §2.3):
 * in a recording with at most 3 sensor columns (a node's, or laid out like one) the column's place
 * among them, so channels 1 and 3 of x,y,z are node axes 0 and 2; in a recording with more sensor
 * columns than a node has axes, the channels in the order given (node axes 0, 1, …).
 */
export function nodeAxesOf(header: string[], channels: string[]): number[] {
  const sensors = header.filter((h) => !isTimeOrIndexColumn(h) && !SEGMENT_COLUMNS.includes(h.trim().toLowerCase())).map((h) => h.trim());
  if (sensors.length > NODE_AXES_MAX || channels.some((c) => !sensors.includes(c))) return channels.map((_, i) => i);
  return channels.map((c) => sensors.indexOf(c));
}

/** nodeAxesOf for a manifest's recordings (the first one's columns, as the default channel is chosen). */
export async function manifestNodeAxes(manifest: Manifest, channels: string[]): Promise<number[]> {
  const row = manifest.rows[0];
  return nodeAxesOf(await readCsvHeader(row.path, row.file), channels);
}

export async function loadRecordings(manifest: Manifest, channels: string[], onFile?: (file: string) => void): Promise<RecordingInput[]> {
  const out: RecordingInput[] = [];
  for (const row of manifest.rows) {
    onFile?.(row.file);
    if (/\.(json|cbor)$/i.test(row.path)) {
      // An Edge Impulse sample carries its own rate (interval_ms): it must be the manifest's.
      const rate = readEdgeImpulseSample(row.path, row.file).sampleRateHz;
      if (Math.abs(rate - row.sampleRateHz) > 1e-6 * row.sampleRateHz) throw new CsvReadError(`${row.file} is sampled at ${rate.toPrecision(6)} Hz (interval_ms), the manifest says ${row.sampleRateHz} Hz`);
    }
    const header = await readCsvHeader(row.path, row.file);
    const segmentColumn = header.find((h) => SEGMENT_COLUMNS.includes(h.toLowerCase()));
    const csv = await readCsvColumns(row.path, channels, { label: row.file, segmentColumn });
    out.push({ name: row.file, label: row.label, channels: csv.columns, ...(csv.segmentStarts ? { segmentStarts: csv.segmentStarts } : {}) });
  }
  return out;
}

export const isNormal = (label: string) => label === NORMAL_LABEL;
