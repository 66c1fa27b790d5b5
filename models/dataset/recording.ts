/**
 * Turns parsed CSV samples into a recording: feature windows computed by models/features exactly
 * as a node computes them (FeatureExtractor, window 1024, hop 512), the raw samples in blocks, and
 * the gaps between bursts (a FEMTO file holds a 0.1 s snapshot every 10 s).
 *
 * Window indices and times follow the node's clock: a recording is one stream that starts at
 * sample 0; a burst that starts at sample s (a multiple of hop) has its first window at index
 * s / hop, so a pause between bursts shows as a jump in window_index, i.e. a gap.
 */
import { defaultFeatureSpec, featureSpecKey, FeatureExtractor, type FeatureSpec } from '../features/index';
import { CsvError, type CsvSink } from './csv';
import { EXTRACTOR_FIELDS, FeatureColumnsBuilder, findGaps, windowTimeUs, type FeatureLayout, type WindowGap } from './columns';

/** Samples per stored raw block (per axis): 2^16, about 1.4 s at 48 kHz. */
export const RAW_BLOCK_SAMPLES = 65536;

/** A stored block of an imported recording's raw samples (RAW_BLOCK_SAMPLES per axis at most). */
export interface RecordingRawBlock {
  /** Index of the block's first sample in the recording's sample clock. */
  startSample: number;
  count: number;
  /** Axis-major: axis a at [a * count, (a + 1) * count). */
  samples: Float32Array;
}

export interface BurstInfo {
  key: string;
  line: number;
  startSample: number;
  sampleCount: number;
}

export interface BuiltRecording {
  spec: FeatureSpec;
  specKey: string;
  layout: FeatureLayout;
  features: FeatureColumnsBuilder;
  raw: RecordingRawBlock[];
  bursts: BurstInfo[];
  gaps: WindowGap[];
  sampleCount: number;
  /** Node time of the end of the last sample, µs. */
  durationUs: number;
}

export interface RecordingOptions {
  sampleRateHz: number;
  axisCount: number;
  /** Seconds between burst starts; null when bursts follow each other directly. */
  segmentSpacingS: number | null;
  keepRaw?: boolean;
  /** The feature window and hop (defaults 1024 and 512, what a node uses unless told otherwise). */
  windowLen?: number;
  hop?: number;
}

export class RecordingBuilder implements CsvSink {
  readonly spec: FeatureSpec;
  readonly layout: FeatureLayout;
  readonly features: FeatureColumnsBuilder;
  readonly raw: RecordingRawBlock[] = [];
  readonly bursts: BurstInfo[] = [];
  private extractor: FeatureExtractor | null = null;
  private burstStart = 0;
  private burstFill = 0;
  private firstKey: number | null = null;
  private lastKey: number | null = null;
  private rawBlock: Float32Array[] = [];
  private rawFill = 0;
  private rawStart = 0;

  constructor(private readonly o: RecordingOptions) {
    if (!(o.sampleRateHz > 0) || !Number.isFinite(o.sampleRateHz) || o.sampleRateHz > 10_000_000) {
      throw new CsvError('bad-mapping', 0, 'The sample rate must be a number of hertz above 0 (for example 25600).');
    }
    if (o.sampleRateHz < 2048) throw new CsvError('bad-mapping', 0, `A sample rate of ${o.sampleRateHz} Hz is too low for vibration features (at least 2,048 Hz).`);
    if (o.segmentSpacingS !== null && !(o.segmentSpacingS > 0)) throw new CsvError('bad-mapping', 0, 'The time between snapshots must be above 0 seconds.');
    this.spec = defaultFeatureSpec(o.sampleRateHz, o.windowLen, o.hop);
    this.layout = { axisCount: o.axisCount, fields: EXTRACTOR_FIELDS, bandCount: this.spec.bandEdges.length - 1 };
    this.features = new FeatureColumnsBuilder(this.layout, 4096);
  }

  segment(key: string, line: number): void {
    this.closeBurst();
    const hop = this.spec.hop;
    const prevEnd = this.bursts.length > 0 ? this.burstStart + this.burstFill : 0;
    let start: number;
    if (this.bursts.length === 0) start = 0;
    else if (this.o.segmentSpacingS === null) start = prevEnd;
    else {
      const n = Number(key);
      let ordinal = this.bursts.length;
      if (key !== '' && Number.isFinite(n) && this.firstKey !== null) {
        if (this.lastKey !== null && n <= this.lastKey) {
          throw new CsvError('not-a-number', line, `Line ${line}: snapshot ${key} comes after snapshot ${this.lastKey}; the rows must be in time order.`);
        }
        ordinal = n - this.firstKey;
      }
      start = Math.round(ordinal * this.o.segmentSpacingS * this.o.sampleRateHz);
      if (start < prevEnd) {
        throw new CsvError(
          'bad-mapping',
          line,
          `Line ${line}: the snapshot starting here would overlap the previous one (it holds ${this.burstFill.toLocaleString('en')} samples, more than ${this.o.segmentSpacingS} s). Check the sample rate and the time between snapshots.`,
        );
      }
    }
    // Windows are counted in hops from sample 0: a burst starts on a hop boundary.
    start = Math.ceil(start / hop) * hop;
    const n = Number(key);
    if (key !== '' && Number.isFinite(n)) {
      if (this.firstKey === null) this.firstKey = n;
      this.lastKey = n;
    }
    this.burstStart = start;
    this.burstFill = 0;
    this.bursts.push({ key, line, startSample: start, sampleCount: 0 });
    this.extractor = new FeatureExtractor(this.spec, this.o.axisCount);
    this.rawStart = start;
    this.rawFill = 0;
  }

  samples(axes: Float32Array[], count: number): void {
    if (!this.extractor) this.segment('', 1);
    const { hop, windowLen, sampleRateHz } = this.spec;
    const first = this.burstStart / hop;
    for (const w of this.extractor!.push(axes)) {
      const k = first + w.windowIndex;
      this.features.pushWindow(w, k, windowTimeUs(k, hop, windowLen, sampleRateHz));
    }
    if (this.o.keepRaw !== false) this.appendRaw(axes, count);
    this.burstFill += count;
    this.bursts[this.bursts.length - 1].sampleCount = this.burstFill;
  }

  private appendRaw(axes: Float32Array[], count: number): void {
    let i = 0;
    while (i < count) {
      if (this.rawFill === 0) this.rawBlock = axes.map(() => new Float32Array(RAW_BLOCK_SAMPLES));
      const take = Math.min(RAW_BLOCK_SAMPLES - this.rawFill, count - i);
      for (let a = 0; a < axes.length; a++) this.rawBlock[a].set(axes[a].subarray(i, i + take), this.rawFill);
      this.rawFill += take;
      i += take;
      if (this.rawFill === RAW_BLOCK_SAMPLES) this.closeRaw();
    }
  }

  private closeRaw(): void {
    if (this.rawFill === 0) return;
    const n = this.rawFill;
    const samples = new Float32Array(n * this.rawBlock.length);
    this.rawBlock.forEach((b, a) => samples.set(b.subarray(0, n), a * n));
    this.raw.push({ startSample: this.rawStart, count: n, samples });
    this.rawStart += n;
    this.rawFill = 0;
  }

  private closeBurst(): void {
    this.closeRaw();
  }

  finish(): BuiltRecording {
    this.closeBurst();
    const b = this.features;
    const last = this.bursts[this.bursts.length - 1];
    const sampleCount = this.bursts.reduce((s, x) => s + x.sampleCount, 0);
    if (b.length === 0) {
      const need = this.spec.windowLen.toLocaleString('en');
      throw new CsvError('no-data', 0, `The recording is too short: a feature window needs ${need} samples in a row, and no ${this.bursts.length > 1 ? 'snapshot' : 'part of the file'} has that many.`);
    }
    return {
      spec: this.spec,
      specKey: featureSpecKey(this.spec),
      layout: this.layout,
      features: b,
      raw: this.raw,
      bursts: this.bursts,
      gaps: findGaps(b.windowIndex, 0, b.length),
      sampleCount,
      durationUs: last ? Math.floor(((last.startSample + last.sampleCount) * 1e6) / this.spec.sampleRateHz) : 0,
    };
  }
}
