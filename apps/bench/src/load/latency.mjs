// Percentiles of latencies a bench measured itself (bench:burst's probe),
// and the ratio cells of the load benches' tables. wrk gives its own
// percentiles; these are for what does not go through wrk.

/**
 * The nearest-rank percentile: the smallest value with at least `p` % of
 * the values at or below it.
 * @param {readonly number[]} values
 * @param {number} p Percent, from 0 (exclusive) to 100.
 * @returns {number} NaN for no values.
 * @example
 * percentile([5, 1, 4, 2, 3], 50); // 3
 */
export function percentile(values, p) {
  if (!(p > 0 && p <= 100)) throw new RangeError(`p must be in (0, 100], got ${p}`);
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return /** @type {number} */ (sorted[Math.ceil((p / 100) * sorted.length) - 1]);
}

/**
 * `value / base` as a table cell, e.g. "1.25×"; "–" when either is missing,
 * not a number or the base is 0.
 * @param {number | undefined} value
 * @param {number | undefined} base
 * @returns {string}
 * @example
 * ratioCell(150, 120); // "1.25×"
 */
export function ratioCell(value, base) {
  if (value === undefined || base === undefined || !Number.isFinite(value)) return "–";
  if (!Number.isFinite(base) || base === 0) return "–";
  return `${(value / base).toFixed(2)}×`;
}
