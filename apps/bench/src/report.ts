/** Renders scenario results as Markdown: one table per scenario, then its targets and notes. */
import type { MachineInfo } from "./machine.ts"
import type { Cell, Mode, ScenarioResult, Target } from "./result.ts"

const cell = (value: Cell | undefined): string =>
  value === null || value === undefined
    ? "—"
    : typeof value === "boolean"
      ? value
        ? "yes"
        : "no"
      : String(value).replaceAll("|", "\\|")

const table = (columns: ReadonlyArray<string>, rows: ReadonlyArray<Readonly<Record<string, Cell>>>): string =>
  [
    `| ${columns.join(" | ")} |`,
    `| ${columns.map(() => "---").join(" | ")} |`,
    ...rows.map((row) => `| ${columns.map((c) => cell(row[c])).join(" | ")} |`),
  ].join("\n")

const verdict = (t: Target): string => (t.holds === null ? "n/a" : t.holds ? "holds" : "MISSED")

/** The targets of every scenario as one table. */
export const summaryTable = (results: ReadonlyArray<ScenarioResult>): string =>
  table(
    ["scenario", "target", "limit", "measured", "verdict", "detail"],
    results.flatMap((r) =>
      r.targets.map((t) => ({
        scenario: r.title.split(":")[0] ?? r.id,
        target: t.name,
        limit: t.limit,
        measured: t.value,
        verdict: verdict(t),
        detail: t.detail,
      })),
    ),
  )

/** The whole report. */
export const renderMarkdown = (
  mode: Mode,
  startedAt: Date,
  machine: { readonly start: MachineInfo; readonly end: MachineInfo },
  results: ReadonlyArray<ScenarioResult>,
): string => {
  const m = machine.start
  const lines = [
    `# Benchmarks (${mode} mode, ${startedAt.toISOString()})`,
    "",
    `Machine: ${m.cores} cores (${m.cpuModel}), ${m.memoryGiB} GiB, Node ${m.node}, ${m.platform}; load average ${m.loadAverage.join(" / ")} at the start, ${machine.end.loadAverage.join(" / ")} at the end.`,
    "",
    "## Targets",
    "",
    summaryTable(results),
  ]
  for (const r of results) {
    lines.push("", `## ${r.title}`, "", table(r.columns, r.rows))
    if (r.notes.length > 0) lines.push("", ...r.notes.map((n) => `- ${n}`))
  }
  return `${lines.join("\n")}\n`
}
