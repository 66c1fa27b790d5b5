/**
 * Turns streams of samples (one Float32Array per axis) into feature windows exactly as a node
 * does (the twin of firmware/src/dsp/windower.c, with the per-axis features of features.ts):
 * window k covers samples [k*hop, k*hop + windowLen) and is stamped with
 * tUs = floor((k*hop + windowLen) * 1e6 / fs) (docs/protocol.md, FEATURES).
 */
import { validateFeatureSpec, type FeatureSpec } from './spec';
import { logBandEnergies, timeFeatures, welchPsd, type AxisFeatures } from './features';
import { VelocityMeter, velocityPlan } from './velocity';

export interface WindowFeatures {
  windowIndex: number;
  tUs: number;
  axes: AxisFeatures[];
  /** log10 band energies, axis-major: axis a, band b at a*bandCount + b. */
  logBands: Float32Array;
}

export class FeatureExtractor {
  readonly bandCount: number;
  private readonly bufs: Float32Array[];
  private fill = 0;
  private nextIndex = 0;
  private readonly psd: Float64Array;
  private readonly velocity: VelocityMeter[];

  constructor(
    readonly spec: FeatureSpec,
    readonly axisCount: number,
  ) {
    validateFeatureSpec(spec);
    if (!Number.isInteger(axisCount) || axisCount < 1 || axisCount > 3) throw new RangeError(`axis count ${axisCount} must be 1 to 3`);
    this.bandCount = spec.bandEdges.length - 1;
    this.bufs = Array.from({ length: axisCount }, () => new Float32Array(spec.windowLen));
    this.psd = new Float64Array(spec.segmentLen / 2 + 1);
    const plan = velocityPlan(spec.sampleRateHz, spec.hop, spec.velocityBandHz[0], spec.velocityBandHz[1]);
    this.velocity = Array.from({ length: axisCount }, () => new VelocityMeter(plan));
  }

  /** Feeds the next samples of every axis (same length each); returns the windows they complete. */
  push(channels: ArrayLike<number>[]): WindowFeatures[] {
    if (channels.length !== this.axisCount) throw new RangeError(`expected ${this.axisCount} channels, got ${channels.length}`);
    const n = channels[0].length;
    if (channels.some((c) => c.length !== n)) throw new RangeError('every channel must carry the same number of samples');
    const out: WindowFeatures[] = [];
    const { windowLen, hop } = this.spec;
    let i = 0;
    while (i < n) {
      const take = Math.min(windowLen - this.fill, n - i);
      for (let a = 0; a < this.axisCount; a++) {
        const src = channels[a];
        const buf = this.bufs[a];
        for (let j = 0; j < take; j++) buf[this.fill + j] = src[i + j];
      }
      this.fill += take;
      i += take;
      if (this.fill === windowLen) {
        out.push(this.computeWindow());
        for (const buf of this.bufs) buf.copyWithin(0, hop);
        this.fill = windowLen - hop;
      }
    }
    return out;
  }

  private computeWindow(): WindowFeatures {
    const { windowLen, hop, sampleRateHz } = this.spec;
    const k = this.nextIndex++;
    const logBands = new Float32Array(this.axisCount * this.bandCount);
    const axes: AxisFeatures[] = [];
    for (let a = 0; a < this.axisCount; a++) {
      const x = this.bufs[a];
      const psd = welchPsd(x, 0, this.spec, this.psd);
      // The velocity meter takes the hop samples this window adds (dsp_velocity_window_f32).
      const velocityRmsMmS = this.velocity[a].window(x, 0, windowLen, hop);
      axes.push({ ...timeFeatures(x, 0, windowLen), velocityRmsMmS });
      logBandEnergies(psd, this.spec, logBands, a * this.bandCount);
    }
    return { windowIndex: k, tUs: Math.floor(((k * hop + windowLen) * 1e6) / sampleRateHz), axes, logBands };
  }
}

/** All complete windows of whole recordings (one Float32Array per axis). */
export function extractFeatures(channels: ArrayLike<number>[], spec: FeatureSpec): WindowFeatures[] {
  return new FeatureExtractor(spec, channels.length).push(channels);
}
