/**
 * Columnar ring buffer for one chart: a time column and one value column per axis, as uPlot wants
 * its data (uPlot stores series by column and accepts typed arrays).
 *
 * Every sample is written twice, at i and at i + capacity, so the samples in time order are always
 * one contiguous run [head, head + length) of each backing array. `views()` therefore hands uPlot
 * subarray views of the same memory: no copying and no allocation per sample, only a few view
 * objects per redraw.
 */
export class SeriesRing {
  readonly capacity: number;
  readonly columns: number;
  private readonly t: Float64Array;
  private readonly y: Float64Array[];
  /** Index of the oldest sample (0 .. capacity-1). */
  private head = 0;
  private count = 0;

  constructor(capacity: number, columns: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`);
    if (!Number.isInteger(columns) || columns < 0) throw new RangeError(`columns must be a non-negative integer, got ${columns}`);
    this.capacity = capacity;
    this.columns = columns;
    this.t = new Float64Array(2 * capacity);
    this.y = Array.from({ length: columns }, () => new Float64Array(2 * capacity));
  }

  get length(): number {
    return this.count;
  }

  /**
   * Appends one sample; when full, the oldest one is dropped. Values missing from `ys` are stored
   * as NaN.
   */
  push(t: number, ys: ArrayLike<number>): void {
    let slot: number;
    if (this.count < this.capacity) {
      slot = this.head + this.count;
      if (slot >= this.capacity) slot -= this.capacity;
      this.count++;
    } else {
      slot = this.head;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
    }
    const mirror = slot + this.capacity;
    this.t[slot] = t;
    this.t[mirror] = t;
    for (let c = 0; c < this.columns; c++) {
      const v = c < ys.length ? ys[c] : NaN;
      const col = this.y[c];
      col[slot] = v;
      col[mirror] = v;
    }
  }

  clear(): void {
    this.head = 0;
    this.count = 0;
  }

  /** Time of the oldest sample, NaN when empty. */
  firstTime(): number {
    return this.count === 0 ? NaN : this.t[this.head];
  }

  /** Time of the newest sample, NaN when empty. */
  lastTime(): number {
    return this.count === 0 ? NaN : this.t[this.head + this.count - 1];
  }

  /** Newest value of one column, NaN when empty. */
  lastValue(column: number): number {
    return this.count === 0 ? NaN : this.y[column][this.head + this.count - 1];
  }

  /** Oldest-first views of the time column and each value column; valid until the next push. */
  views(): { t: Float64Array; y: Float64Array[] } {
    const end = this.head + this.count;
    return { t: this.t.subarray(this.head, end), y: this.y.map((col) => col.subarray(this.head, end)) };
  }
}
