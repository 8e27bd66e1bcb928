/**
 * Summaries of repeated measurements: the median and the range, never a mean (one descheduled
 * iteration on a shared machine would drag a mean anywhere).
 */

/** The median, minimum and maximum of a set of samples, and how many there were. */
export interface Summary {
  readonly median: number
  readonly min: number
  readonly max: number
  readonly n: number
}

/** Summarises samples; an empty set gives NaN everywhere and `n: 0`. */
export const summarize = (samples: ReadonlyArray<number>): Summary => {
  if (samples.length === 0) return { median: Number.NaN, min: Number.NaN, max: Number.NaN, n: 0 }
  const sorted = [...samples].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median =
    sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
  return { median, min: sorted[0] ?? 0, max: sorted[sorted.length - 1] ?? 0, n: sorted.length }
}

/** `a / b`, or null when either is not a finite number or `b` is zero. */
export const ratio = (a: number, b: number): number | null =>
  Number.isFinite(a) && Number.isFinite(b) && b !== 0 ? a / b : null
