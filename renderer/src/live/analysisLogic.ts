/**
 * Pure logic of a node's live analysis view (renderer/src/live/NodeAnalysis.tsx), kept free of the
 * DOM so it is unit-tested: units, ISO 20816-3 zone bands in the chosen unit, the waterfall's
 * typed-array ring, the band rows it is fed with, and the CSV of what is on screen.
 */
import { STANDARD_GRAVITY } from '../../../models/features/spec';
import { ISO_20816_LIMITS, type Foundation, type MachineGroup, type Zone } from '../fleet/machineState';

export type AccelUnit = 'g' | 'm/s²';
export type VelocityUnit = 'mm/s' | 'in/s';
export interface Units {
  accel: AccelUnit;
  velocity: VelocityUnit;
}
export const DEFAULT_UNITS: Units = { accel: 'g', velocity: 'mm/s' };
export const MM_PER_INCH = 25.4;

/** Factor from g to the acceleration unit (a PSD in g²/Hz takes its square). */
export function accelFactor(u: AccelUnit): number {
  return u === 'g' ? 1 : STANDARD_GRAVITY;
}

/** Factor from mm/s to the velocity unit. */
export function velocityFactor(u: VelocityUnit): number {
  return u === 'mm/s' ? 1 : 1 / MM_PER_INCH;
}

/** Reads the units setting (localStorage text); anything unknown falls back to g and mm/s. */
export function parseUnits(text: string | null): Units {
  try {
    const o = JSON.parse(text ?? '') as Partial<Units>;
    return { accel: o.accel === 'm/s²' ? 'm/s²' : 'g', velocity: o.velocity === 'in/s' ? 'in/s' : 'mm/s' };
  } catch {
    return { ...DEFAULT_UNITS };
  }
}

export interface ZoneBand {
  zone: Zone;
  /** Lower and upper velocity of the zone in the chosen unit; D's upper bound is Infinity. */
  from: number;
  to: number;
  colour: string;
}

/** Zone colours, faint enough to sit behind the trend: green, yellow-green, amber, red. */
export const ZONE_COLOURS: Record<Zone, string> = { A: 'rgba(0,158,115,0.16)', B: 'rgba(240,228,66,0.22)', C: 'rgba(230,159,0,0.22)', D: 'rgba(213,94,0,0.20)' };

/** The four ISO 20816-3 zones of a machine group and foundation, in the velocity unit. */
export function zoneBands(group: MachineGroup, foundation: Foundation, unit: VelocityUnit): ZoneBand[] {
  const k = velocityFactor(unit);
  const [ab, bc, cd] = ISO_20816_LIMITS[group][foundation];
  return [
    { zone: 'A', from: 0, to: ab * k, colour: ZONE_COLOURS.A },
    { zone: 'B', from: ab * k, to: bc * k, colour: ZONE_COLOURS.B },
    { zone: 'C', from: bc * k, to: cd * k, colour: ZONE_COLOURS.C },
    { zone: 'D', from: cd * k, to: Infinity, colour: ZONE_COLOURS.D },
  ];
}

/**
 * A spectrogram's rows, newest last, in one Float32Array of `capacity * width` values: row r of the
 * ring lives at ((head + r) % capacity) * width. Pushing never allocates.
 */
export class WaterfallRing {
  readonly data: Float32Array;
  readonly times: Float64Array;
  private head = 0;
  private count = 0;

  constructor(
    readonly capacity: number,
    readonly width: number,
  ) {
    if (!Number.isInteger(capacity) || capacity < 1 || !Number.isInteger(width) || width < 1) throw new RangeError(`a waterfall needs a positive whole capacity and width (got ${capacity} × ${width})`);
    this.data = new Float32Array(capacity * width);
    this.times = new Float64Array(capacity);
  }

  get length(): number {
    return this.count;
  }

  push(t: number, row: ArrayLike<number>, from = 0): void {
    let slot: number;
    if (this.count < this.capacity) {
      slot = (this.head + this.count) % this.capacity;
      this.count++;
    } else {
      slot = this.head;
      this.head = (this.head + 1) % this.capacity;
    }
    const o = slot * this.width;
    for (let i = 0; i < this.width; i++) this.data[o + i] = from + i < row.length ? row[from + i] : NaN;
    this.times[slot] = t;
  }

  /** Offset in `data` of row r, 0 = oldest. */
  rowOffset(r: number): number {
    if (r < 0 || r >= this.count) throw new RangeError(`row ${r} is not in the waterfall (0..${this.count - 1})`);
    return ((this.head + r) % this.capacity) * this.width;
  }

  time(r: number): number {
    return this.times[this.rowOffset(r) / this.width];
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** Lowest and highest finite value held (for the colour scale); [0, 1] when none. */
  range(): [number, number] {
    let lo = Infinity;
    let hi = -Infinity;
    for (let r = 0; r < this.count; r++) {
      const o = this.rowOffset(r);
      for (let i = 0; i < this.width; i++) {
        const v = this.data[o + i];
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    return lo <= hi ? [lo, hi] : [0, 1];
  }
}

/**
 * Averages consecutive windows' rows into one row per `periodS` of node time (94 windows/s would
 * fill a waterfall in seconds; a row every 0.25 s keeps two minutes in 480 rows).
 */
export class RowAverager {
  private readonly sum: Float64Array;
  private n = 0;
  private t0 = NaN;

  constructor(
    readonly width: number,
    readonly periodS: number,
    private readonly emit: (t: number, row: Float64Array) => void,
  ) {
    this.sum = new Float64Array(width);
  }

  add(t: number, row: ArrayLike<number>): void {
    if (this.n > 0 && (t < this.t0 || t - this.t0 >= this.periodS)) this.flush(t < this.t0);
    if (this.n === 0) this.t0 = t;
    for (let i = 0; i < this.width; i++) this.sum[i] += i < row.length ? row[i] : NaN;
    this.n++;
  }

  private flush(drop: boolean): void {
    if (!drop) {
      const row = new Float64Array(this.width);
      for (let i = 0; i < this.width; i++) row[i] = this.sum[i] / this.n;
      this.emit(this.t0, row);
    }
    this.sum.fill(0);
    this.n = 0;
  }
}

/** Centre frequency (geometric) of each log band, from its bin edges (models/features/spec.ts). */
export function bandCentresHz(edges: ArrayLike<number>, binHz: number): Float64Array {
  const out = new Float64Array(edges.length - 1);
  for (let b = 0; b + 1 < edges.length; b++) out[b] = Math.sqrt(edges[b] * (edges[b + 1] - 1 || edges[b])) * binHz;
  return out;
}

/** RMS in g of a band from its log10 energy in g² (FEATURES log bands). */
export function bandRmsG(logEnergy: number): number {
  return Math.sqrt(Math.max(0, Math.pow(10, logEnergy) - 1e-12));
}

export interface CsvColumn {
  name: string;
  values: ArrayLike<number>;
}

const cell = (v: number): string => (Number.isFinite(v) ? String(v) : '');
const quote = (s: string): string => (/[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);

/** Columns as CSV (point as decimal mark, comma between cells), only rows whose first column lies in [from, to]. */
export function csvSection(title: string, columns: readonly CsvColumn[], from = -Infinity, to = Infinity): string[] {
  const lines = [quote(title), columns.map((c) => quote(c.name)).join(',')];
  const x = columns[0]?.values;
  if (!x) return lines;
  for (let i = 0; i < x.length; i++) {
    if (!(x[i] >= from && x[i] <= to)) continue;
    lines.push(columns.map((c) => cell(i < c.values.length ? c.values[i] : NaN)).join(','));
  }
  return lines;
}

/** Sections joined with a blank line between them, ending with a newline. */
export function csvDocument(sections: readonly string[][]): string {
  return sections.map((s) => s.join('\n')).join('\n\n') + '\n';
}

/** A file-name-safe stamp of a node and a time: vigil-<node>-<yyyymmdd-hhmmss>. */
export function exportName(node: string, ms: number, ext: string): string {
  const d = new Date(ms);
  const p = (n: number) => String(n).padStart(2, '0');
  const safe = node.replace(/[^A-Za-z0-9_-]+/g, '-').replace(/^-+|-+$/g, '') || 'node';
  return `vigil-${safe}-${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}.${ext}`;
}
