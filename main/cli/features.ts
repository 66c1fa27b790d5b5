/**
 * `vigil features`: the node's features of a recording, one JSON object per window, computed as
 * the app's CSV import computes them (models/dataset RecordingBuilder over models/features, the
 * node's twin) and read through the one CSV reader (models/dataset NamedColumnReader, the parser
 * the import uses). Values are what the app stores: float32, like the node's FEATURES frame.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { columnIndex } from '../../models/dataset/columns';
import { rateFromFileName, sniffCsv } from '../../models/dataset/formats';
import { RecordingBuilder, type BuiltRecording } from '../../models/dataset/recording';
import { CsvError } from '../../models/dataset/csv';
import { CsvReadError, readCsvColumns, readCsvHeader } from './csvColumns';
import { defaultChannels, SEGMENT_COLUMNS } from './data';

export class FeaturesUsageError extends Error {
  override name = 'FeaturesUsageError';
}

export interface FeaturesOptions {
  data: string;
  /** 1 to 3 column names; the default channel when absent (DE_accel, else the first sensor column). */
  channels?: string[];
  /** Sample rate, Hz; guessed as the import guesses it (a time column, the file name) when absent. */
  fs?: number;
  windowLen?: number;
  hop?: number;
}

/** One window as `vigil features --json` prints it (docs/features.md for the definitions). */
export interface WindowJson {
  window: number;
  /** Node time of the window's last sample, µs (the FEATURES frame's clock). */
  t_us: number;
  axes: { channel: string; rms_g: number; peak_g: number; crest: number; kurtosis: number; velocity_rms_mm_s: number; log_bands: number[] }[];
}

export interface FeaturesRun {
  channels: string[];
  sampleRateHz: number;
  /** Where the rate came from, in words. */
  rateSource: string;
  windowLen: number;
  hop: number;
  samples: number;
  segments: number;
  windows: WindowJson[];
}

const MIN_RATE_HZ = 2048; // the import's limit too (RecordingBuilder): below it the velocity band does not fit
const MAX_RATE_HZ = 10_000_000;
const HEAD_BYTES = 64 * 1024;

/** The shortest decimal that reads back as the same float32 (the stored and transmitted value). */
export function f32(x: number): number {
  if (!Number.isFinite(x)) return x;
  const v = Math.fround(x);
  for (let p = 1; p < 9; p++) {
    const d = Number(v.toPrecision(p));
    if (Math.fround(d) === v) return d;
  }
  return Number(v.toPrecision(9));
}

function readHead(path: string): string {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const n = readSync(fd, buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, n).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** Checks the file before anything reads it: it exists and is a file. */
function checkFile(path: string): void {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new FeaturesUsageError(`recording ${path} does not exist`);
  }
  if (st.isDirectory()) throw new FeaturesUsageError(`${path} is a folder, not a CSV recording`);
  if (!st.isFile()) throw new FeaturesUsageError(`${path} is not a regular file`);
  if (st.size === 0) throw new FeaturesUsageError(`${path} is empty`);
}

function checkWindow(windowLen: number, hop: number): void {
  const pow2 = windowLen >= 64 && windowLen <= 8192 && (windowLen & (windowLen - 1)) === 0;
  if (!pow2) throw new FeaturesUsageError(`--window needs a power of two from 64 to 8192 (32 log bands need 64 samples), got ${windowLen}`);
  if (!(Number.isInteger(hop) && hop >= 1 && hop <= windowLen)) throw new FeaturesUsageError(`--hop needs a whole number from 1 to the window (${windowLen}), got ${hop}`);
}

export async function computeFeatures(o: FeaturesOptions): Promise<FeaturesRun> {
  const windowLen = o.windowLen ?? 1024;
  const hop = o.hop ?? (o.windowLen !== undefined ? windowLen / 2 : 512);
  checkWindow(windowLen, hop);
  checkFile(o.data);
  const label = basename(o.data);
  const header = await readCsvHeader(o.data, label);
  const channels = o.channels ?? defaultChannels(header, label);

  let sampleRateHz = o.fs;
  let rateSource = 'given with --fs';
  if (sampleRateHz === undefined) {
    const guess = sniffCsv(readHead(o.data), label);
    sampleRateHz = guess.settings.sampleRateHz;
    if (!(sampleRateHz > 0)) throw new FeaturesUsageError(`${label} does not say its sample rate (no time column, none in its name): give --fs HZ`);
    const note = guess.notes.find((n) => /Hz/.test(n));
    rateSource = rateFromFileName(label) === sampleRateHz ? 'from the file name; give --fs to be sure' : /spacing/.test(note ?? '') ? 'from the time column' : (note ?? 'guessed as the import does; give --fs to be sure');
  }
  if (!(sampleRateHz >= MIN_RATE_HZ && sampleRateHz <= MAX_RATE_HZ)) {
    throw new FeaturesUsageError(`--fs needs a sample rate from ${MIN_RATE_HZ.toLocaleString('en')} to ${MAX_RATE_HZ.toLocaleString('en')} Hz (vibration features need the 10-1000 Hz velocity band), got ${sampleRateHz}`);
  }

  const segmentColumn = header.find((h) => SEGMENT_COLUMNS.includes(h.toLowerCase()));
  const csv = await readCsvColumns(o.data, channels, { label, segmentColumn });
  const built = buildRecording(csv.columns, csv.segmentStarts, { sampleRateHz, windowLen, hop }, label);
  return { channels, sampleRateHz, rateSource, windowLen, hop, samples: csv.rows, segments: csv.segmentStarts?.length ?? 1, windows: windowsJson(built, channels) };
}

/** Feeds the columns to the import's RecordingBuilder, one burst per segment (segments follow each other). */
function buildRecording(columns: Float32Array[], segmentStarts: number[] | undefined, o: { sampleRateHz: number; windowLen: number; hop: number }, label: string): BuiltRecording {
  const b = new RecordingBuilder({ sampleRateHz: o.sampleRateHz, axisCount: columns.length, segmentSpacingS: null, keepRaw: false, windowLen: o.windowLen, hop: o.hop });
  const n = columns[0]?.length ?? 0;
  const starts = segmentStarts && segmentStarts.length > 0 ? segmentStarts : [0];
  try {
    starts.forEach((s, i) => {
      const end = i + 1 < starts.length ? starts[i + 1] : n;
      if (starts.length > 1) b.segment(String(i), s + 2);
      if (end > s) b.samples(columns.map((c) => c.subarray(s, end)), end - s);
    });
    return b.finish();
  } catch (e) {
    if (e instanceof CsvError) throw new CsvReadError(`${label}: ${e.message}`);
    throw e;
  }
}

function windowsJson(r: BuiltRecording, channels: string[]): WindowJson[] {
  const f = r.features;
  const bands = r.layout.bandCount;
  const col = (field: string, a: number, i: number) => f32(f.values[columnIndex(r.layout, field, a)][i]);
  const out: WindowJson[] = [];
  for (let i = 0; i < f.length; i++) {
    out.push({
      window: f.windowIndex[i],
      t_us: f.tUs[i],
      axes: channels.map((channel, a) => ({
        channel,
        rms_g: col('rms', a, i),
        peak_g: col('peak', a, i),
        crest: col('crest', a, i),
        kurtosis: col('kurtosis', a, i),
        velocity_rms_mm_s: col('velocityRmsMmS', a, i),
        log_bands: Array.from({ length: bands }, (_, b) => f32(f.bands[a * bands + b][i])),
      })),
    });
  }
  return out;
}
