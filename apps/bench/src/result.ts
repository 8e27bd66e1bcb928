/**
 * The shape every scenario returns: rows for the table, the targets with their verdicts, and the
 * correctness facts the tests assert on. `pnpm bench` writes a list of these as JSON.
 */

/** One table cell: a number, a string, a yes/no, or nothing. */
export type Cell = string | number | boolean | null

/** A target of the issue and whether this run met it. `holds` is null when it could not be measured. */
export interface Target {
  readonly name: string
  /** The measured value (a ratio, a count, milliseconds, kB…), as a number when there is one. */
  readonly value: number | null
  /** The target in words, e.g. ">= 0.9x naive". */
  readonly limit: string
  readonly holds: boolean | null
  /** Why it holds or not, with the figures. */
  readonly detail: string
}

/** What one scenario measured. */
export interface ScenarioResult {
  readonly id: string
  readonly title: string
  /** Column keys in display order; each row has these keys. */
  readonly columns: ReadonlyArray<string>
  readonly rows: ReadonlyArray<Readonly<Record<string, Cell>>>
  readonly targets: ReadonlyArray<Target>
  /** Correctness facts (counts, flags) that do not depend on timing. */
  readonly facts: Readonly<Record<string, Cell>>
  readonly notes: ReadonlyArray<string>
}

/** How hard to measure: `quick` proves the scenario works (CI), `full` gives the published figures. */
export type Mode = "quick" | "full"

/** Builds a target from a measured value and a predicate. */
export const target = (
  name: string,
  value: number | null,
  limit: string,
  test: (v: number) => boolean,
  detail: string,
): Target => ({ name, value, limit, holds: value === null ? null : test(value), detail })

/** Rounds for display: 3 significant digits below 100, integers above. */
export const round = (value: number): number =>
  !Number.isFinite(value) ? value : Math.abs(value) >= 100 ? Math.round(value) : Number(value.toPrecision(3))
