/**
 * The node's own baseline (docs/detection.md §3): a node without a model learns its machine's
 * normal for a set period, per shaft speed, then detects against it. This is the TypeScript twin
 * of firmware/src/nn/baseline.c, step for step, so the benchmark measures what the node would do.
 *
 * Per window: the band energies are smoothed by an EMA (restarted when the speed changes by more
 * than the tolerance, or by `restart()` after a gap). During the learning period every speed seen
 * gets a slot (at most BASELINE_MAX_SLOTS); a slot skips `warmup` windows after a restart, learns a
 * diagonal Gaussian of the smoothed bands over `learnWindows` (Welford), then scores the next
 * `calibrateWindows` against it and keeps the log10 scores' mean, variance and maximum. Its
 * threshold (in log10) is the larger of mean + z sd and the maximum (the rule of
 * models/eval/threshold.ts chooseThreshold, streamed). When the period is over, unfinished slots
 * are dropped; a window's speed is bracketed by the finished slots (linear in log rpm for the
 * mean, the variance and the log threshold), and a speed outside them is an unseen condition.
 *
 * Score = mean over bands of (x - mean)^2 / var (about 1 on learned data).
 */
export const BASELINE_MAX_SLOTS = 4;
export const BASELINE_MAX_DIM = 96;

export interface BaselineConfig {
  dim: number;
  /** Windows of the learning period (all speeds together). */
  periodWindows: number;
  learnWindows: number;
  calibrateWindows: number;
  warmup: number;
  smoothing: number;
  /** Speeds within this distance in log rpm share a slot; the span is widened by it too. */
  spanTolerance: number;
  /** Standard-normal quantile of 1 - target rate (3.0902 for 0.1 %). */
  z: number;
}

export const DEFAULT_BASELINE: Omit<BaselineConfig, 'dim'> = {
  periodWindows: 2048,
  learnWindows: 500,
  calibrateWindows: 500,
  warmup: 8,
  smoothing: 0.25,
  spanTolerance: 0.03,
  z: 3.0902,
};

export type BaselineState = 'learning' | 'healthy' | 'over' | 'unseen-condition';

export interface BaselineStep {
  state: BaselineState;
  /** Learning progress, 0..100 (100 once detecting). */
  percent: number;
  /** The window's score (NaN while learning or at an unseen speed). */
  score: number;
}

interface Slot {
  rpm: number;
  n: number;
  mean: Float32Array;
  m2: Float32Array;
  cn: number;
  sumLog: number;
  sumLog2: number;
  maxLog: number;
  logThreshold: number;
  ready: boolean;
}

const VAR_FLOOR = 1e-6;

export class BaselineLearner {
  readonly cfg: BaselineConfig;
  private readonly slots: Slot[] = [];
  private readonly ema: Float32Array;
  private age = 0;
  private lastRpm = 0;
  private elapsed = 0;
  private readonly tmpMean: Float32Array;
  private readonly tmpVar: Float32Array;

  constructor(cfg: Partial<BaselineConfig> & { dim: number }) {
    this.cfg = { ...DEFAULT_BASELINE, ...cfg };
    const c = this.cfg;
    if (!Number.isInteger(c.dim) || c.dim < 1 || c.dim > BASELINE_MAX_DIM) throw new RangeError(`baseline dimension ${c.dim} must be 1 to ${BASELINE_MAX_DIM}`);
    if (!(c.learnWindows >= 2 && c.calibrateWindows >= 2)) throw new RangeError('the baseline needs at least 2 learning and 2 calibration windows');
    if (!(c.smoothing > 0 && c.smoothing <= 1)) throw new RangeError(`smoothing ${c.smoothing} must be in (0, 1]`);
    if (!(c.periodWindows >= c.warmup + c.learnWindows + c.calibrateWindows)) throw new RangeError(`a learning period of ${c.periodWindows} windows cannot hold one speed's ${c.warmup + c.learnWindows + c.calibrateWindows}`);
    this.ema = new Float32Array(c.dim);
    this.tmpMean = new Float32Array(c.dim);
    this.tmpVar = new Float32Array(c.dim);
  }

  get learning(): boolean {
    return this.elapsed < this.cfg.periodWindows;
  }

  /** Speeds with a finished baseline, ascending. */
  get learnedRpm(): number[] {
    return this.slots.filter((s) => s.ready).map((s) => s.rpm);
  }

  /** Call after a gap in the samples: the EMA starts again from the next window. */
  restart(): void {
    this.age = 0;
  }

  step(bands: ArrayLike<number>, rpm: number): BaselineStep {
    const c = this.cfg;
    if (!(rpm > 0) || Math.abs(Math.log(rpm / this.lastRpm)) > c.spanTolerance) this.age = 0;
    this.lastRpm = rpm > 0 ? rpm : 0;
    for (let i = 0; i < c.dim; i++) this.ema[i] = this.age === 0 ? bands[i] : this.ema[i] + c.smoothing * (bands[i] - this.ema[i]);
    const settled = this.age >= c.warmup;
    this.age++;
    if (this.learning) {
      this.elapsed++;
      const percent = Math.min(99, Math.floor((100 * this.elapsed) / c.periodWindows));
      if (rpm > 0 && settled) this.learn(rpm);
      if (!this.learning) this.closePeriod();
      return { state: 'learning', percent, score: NaN };
    }
    if (!(rpm > 0) || !this.bracket(rpm)) return { state: 'unseen-condition', percent: 100, score: NaN };
    const logThr = this.bracket(rpm)!;
    let q = 0;
    for (let i = 0; i < c.dim; i++) q += (this.ema[i] - this.tmpMean[i]) ** 2 / this.tmpVar[i];
    const score = q / c.dim;
    return { state: Math.log10(Math.max(score, 1e-30)) > logThr ? 'over' : 'healthy', percent: 100, score };
  }

  /** The log10 threshold a window at this speed is compared with, or null outside the learned span (or while learning). */
  logThresholdAt(rpm: number): number | null {
    return this.learning || !(rpm > 0) ? null : this.bracket(rpm);
  }

  private learn(rpm: number): void {
    const c = this.cfg;
    let slot = this.slots.find((s) => Math.abs(Math.log(rpm / s.rpm)) <= c.spanTolerance);
    if (!slot) {
      if (this.slots.length === BASELINE_MAX_SLOTS) return;
      slot = { rpm, n: 0, mean: new Float32Array(c.dim), m2: new Float32Array(c.dim), cn: 0, sumLog: 0, sumLog2: 0, maxLog: -Infinity, logThreshold: Infinity, ready: false };
      this.slots.push(slot);
    }
    if (slot.ready) return;
    if (slot.n < c.learnWindows) {
      slot.n++;
      for (let i = 0; i < c.dim; i++) {
        const d = this.ema[i] - slot.mean[i];
        slot.mean[i] += d / slot.n;
        slot.m2[i] += d * (this.ema[i] - slot.mean[i]);
      }
      return;
    }
    let q = 0;
    for (let i = 0; i < c.dim; i++) q += (this.ema[i] - slot.mean[i]) ** 2 / slotVar(slot, i);
    const l = Math.log10(Math.max(q / c.dim, 1e-30));
    slot.cn++;
    slot.sumLog += l;
    slot.sumLog2 += l * l;
    slot.maxLog = Math.max(slot.maxLog, l);
    if (slot.cn === c.calibrateWindows) {
      const m = slot.sumLog / slot.cn;
      const sd = Math.sqrt(Math.max(0, (slot.sumLog2 - slot.cn * m * m) / (slot.cn - 1)));
      slot.logThreshold = Math.max(m + c.z * sd, slot.maxLog);
      slot.ready = true;
    }
  }

  private closePeriod(): void {
    const kept = this.slots.filter((s) => s.ready).sort((a, b) => a.rpm - b.rpm);
    this.slots.splice(0, this.slots.length, ...kept);
  }

  /** Fills tmpMean/tmpVar for a speed inside the learned span; returns the log10 threshold there, or null outside. */
  private bracket(rpm: number): number | null {
    const s = this.slots;
    if (s.length === 0) return null;
    const x = Math.log(rpm);
    const tol = this.cfg.spanTolerance;
    if (x < Math.log(s[0].rpm) - tol || x > Math.log(s[s.length - 1].rpm) + tol) return null;
    let k = 0;
    while (k < s.length - 2 && x > Math.log(s[k + 1].rpm)) k++;
    const lo = s[k];
    const hi = s[Math.min(k + 1, s.length - 1)];
    const t = lo === hi ? 0 : Math.min(1, Math.max(0, (x - Math.log(lo.rpm)) / (Math.log(hi.rpm) - Math.log(lo.rpm))));
    for (let i = 0; i < this.cfg.dim; i++) {
      this.tmpMean[i] = lo.mean[i] + t * (hi.mean[i] - lo.mean[i]);
      this.tmpVar[i] = slotVar(lo, i) + t * (slotVar(hi, i) - slotVar(lo, i));
    }
    return lo.logThreshold + t * (hi.logThreshold - lo.logThreshold);
  }

  /** Bytes of state the node keeps across power cycles (baseline_save in baseline.c): header, finished slots, CRC-32. */
  stateBytes(): number {
    return 16 + this.learnedRpm.length * (8 + 8 * this.cfg.dim) + 4;
  }
}

function slotVar(s: Slot, i: number): number {
  return Math.max(VAR_FLOOR, s.m2[i] / (s.n - 1));
}
