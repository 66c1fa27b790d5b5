/**
 * Velocity RMS as ISO 20816 means it: the twin of firmware/src/dsp/velocity.c, performing the same
 * float32 operations in the same order (Math.fround after each), so the node and the app report
 * the same bits. Definition and the choice of method: docs/features.md, "Velocity RMS".
 *
 * Per block of D samples (the largest power of two dividing the hop with fs / D >= 2.5 x the band's
 * high edge, so that every window adds whole blocks):
 *   s = x_0 + ... + x_{D-1};  y = c (s - s1) + na1 y1 + na2 y2   (mm/s)
 * i.e. the running sum of the samples / fs through a 2nd-order Butterworth high-pass at low / 2;
 * a window feeds the hop samples it adds and reports sqrt of the averaged y^2 (the window's own
 * for the first 2.5 / low seconds while the filter settles, then a plain mean until the averaging
 * time 10 / low seconds is covered, then an exponential average with it).
 */
const f = Math.fround;
const G_MM_S2 = f(9806.65);

export interface VelocityPlan {
  /** Samples per block. */
  decim: number;
  c: number;
  na1: number;
  na2: number;
  /** The averaging time in blocks. */
  tauBlocks: number;
  /** A quarter of it: blocks before averaging starts (the filter settles). */
  settleBlocks: number;
}

/** The meter's constants for a rate, hop and band [lo, hi] Hz (as dsp_velocity_plan_init). */
export function velocityPlan(sampleRateHz: number, hop: number, loHz: number, hiHz: number): VelocityPlan {
  if (!(sampleRateHz > 0) || !(loHz > 0) || !(hiHz > loHz)) throw new RangeError(`velocity band ${loHz}..${hiHz} Hz at ${sampleRateHz} Hz: need 0 < low < high and a positive rate`);
  if (!Number.isInteger(hop) || hop < 1) throw new RangeError(`hop ${hop} must be a positive integer`);
  const fs = f(sampleRateHz);
  const lo = f(loHz);
  const need = f(f(2.5) * f(hiHz));
  let d = 1;
  while (hop % (2 * d) === 0 && fs >= f(need * (2 * d))) d *= 2;
  const fsd = f(fs / d);
  const w = f(f(f(3.14159265) * f(f(0.5) * lo)) / fsd);
  const tw = f(w * f(1 + f(f(w * w) * f(0.333333343))));
  const tw2 = f(tw * tw);
  const r2w = f(f(1.41421354) * tw);
  const k0 = f(1 / f(f(1 + r2w) + tw2));
  const tauBlocks = f(f(f(10) / lo) * fsd);
  return {
    decim: d,
    na1: f(f(2 * f(1 - tw2)) * k0),
    na2: -f(f(f(1 - r2w) + tw2) * k0),
    c: f(k0 * f(G_MM_S2 / fs)),
    tauBlocks,
    settleBlocks: f(f(0.25) * tauBlocks),
  };
}

/** One axis' meter (dsp_velocity_t). */
export class VelocityMeter {
  private started = false;
  private s1 = 0;
  private y1 = 0;
  private y2 = 0;
  private ms = 0;
  private blocks = 0;

  constructor(readonly plan: VelocityPlan) {}

  restart(): void {
    this.s1 = this.y1 = this.y2 = this.ms = this.blocks = 0;
    this.started = false;
  }

  /**
   * The window x[windowStart, windowStart + windowLen): its last hop samples in order (hop a
   * multiple of the plan's decim), then the window's reading in mm/s (dsp_velocity_window_f32).
   */
  window(x: ArrayLike<number>, windowStart: number, windowLen: number, hop: number): number {
    const p = this.plan;
    const d = p.decim;
    if (!this.started) {
      // The reference before the first block: D x the window's float32 mean (velocity.c).
      let sum = 0;
      for (let i = 0; i < windowLen; i++) sum = f(sum + f(x[windowStart + i]));
      this.s1 = f(f(sum / windowLen) * d);
      this.blocks = -p.settleBlocks;
      this.started = true;
    }
    let acc = 0;
    let k = 0;
    const start = windowStart + windowLen - hop;
    for (let b = start; b + d <= start + hop; b += d) {
      let s = 0;
      for (let j = 0; j < d; j++) s = f(s + f(x[b + j]));
      const y = f(f(f(p.c * f(s - this.s1)) + f(p.na1 * this.y1)) + f(p.na2 * this.y2));
      this.s1 = s;
      this.y2 = this.y1;
      this.y1 = y;
      acc = f(acc + f(y * y));
      k++;
    }
    if (k > 0) {
      let nb = f(this.blocks + k);
      if (nb > p.tauBlocks) nb = p.tauBlocks;
      this.blocks = nb;
      const mean = f(acc / k);
      this.ms = nb > k ? f(this.ms + f(f(k / nb) * f(mean - this.ms))) : mean;
    }
    return f(Math.sqrt(this.ms));
  }
}
