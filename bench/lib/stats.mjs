/**
 * Latency samples and their percentiles. Samples are kept whole (a Float64Array that
 * grows), so percentiles are exact rather than bucketed.
 * @module
 */

/** Collects samples (any unit) and reports percentiles. */
export class Samples {
  constructor(capacity = 1024) {
    this.data = new Float64Array(capacity);
    this.length = 0;
  }

  add(value) {
    if (this.length === this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data[this.length++] = value;
  }

  /** Appends the samples of a plain array (as sent over IPC). */
  addAll(values) {
    for (const v of values) this.add(v);
  }

  toArray() {
    return Array.from(this.data.subarray(0, this.length));
  }

  /** `{count, p50, p99, p999, max, mean}` in the samples' unit. */
  summary() {
    const sorted = this.data.slice(0, this.length).sort();
    const at = (q) =>
      sorted.length ? sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] : NaN;
    let sum = 0;
    for (const v of sorted) sum += v;
    return {
      count: sorted.length,
      p50: at(0.5),
      p99: at(0.99),
      p999: at(0.999),
      max: sorted.length ? sorted[sorted.length - 1] : NaN,
      mean: sorted.length ? sum / sorted.length : NaN,
    };
  }
}
