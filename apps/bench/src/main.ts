/**
 * `pnpm bench [--quick] [--only id,id] [--out file.json]`: runs the scenarios one after another in
 * this process (each spawns what it measures), prints a Markdown report and writes the JSON results
 * (default `results/latest.json`, or `results/quick.json` in quick mode).
 */
import { mkdirSync, writeFileSync } from "node:fs"
import { dirname, join, resolve } from "node:path"
import { parseArgs } from "node:util"
import { machineInfo } from "./machine.ts"
import { renderMarkdown } from "./report.ts"
import type { Mode, ScenarioResult } from "./result.ts"
import { breakdown } from "./scenarios/breakdown.ts"
import { cliStartup } from "./scenarios/cliStartup.ts"
import { expiry } from "./scenarios/expiry.ts"
import { footprint } from "./scenarios/footprint.ts"
import { hotPath } from "./scenarios/hotPath.ts"
import { outage } from "./scenarios/outage.ts"
import { roundTrip } from "./scenarios/roundTrip.ts"
import { scale } from "./scenarios/scale.ts"
import { tls } from "./scenarios/tls.ts"
import { type Settings, settingsFor } from "./settings.ts"

/** Every scenario by id, in report order. */
export const SCENARIOS: ReadonlyArray<readonly [string, (s: Settings) => Promise<ScenarioResult>]> = [
  ["hotPath", hotPath],
  ["expiry", expiry],
  ["roundTrip", roundTrip],
  ["footprint", footprint],
  ["outage", outage],
  ["cliStartup", cliStartup],
  ["scale", scale],
  ["breakdown", breakdown],
  ["tls", tls],
]

const { values } = parseArgs({
  // `pnpm bench -- --only x` passes the `--` through: ignore it.
  args: process.argv.slice(2).filter((arg) => arg !== "--"),
  options: {
    quick: { type: "boolean", default: false },
    only: { type: "string" },
    out: { type: "string" },
  },
})
const mode: Mode = values.quick === true ? "quick" : "full"
const wanted = values.only?.split(",").map((s) => s.trim())
const unknown = wanted?.filter((id) => !SCENARIOS.some(([known]) => known === id)) ?? []
if (unknown.length > 0) {
  process.stderr.write(
    `bench: unknown scenario ${unknown.join(", ")}; known: ${SCENARIOS.map(([id]) => id).join(", ")}\n`,
  )
  process.exit(2)
}
const out = resolve(
  values.out ?? join(import.meta.dirname, "..", "results", mode === "quick" ? "quick.json" : "latest.json"),
)

const settings = settingsFor(mode)
const startedAt = new Date()
const start = machineInfo()
const results: ScenarioResult[] = []
for (const [id, scenario] of SCENARIOS) {
  if (wanted !== undefined && !wanted.includes(id)) continue
  process.stderr.write(`bench: ${id} (${mode})…\n`)
  results.push(await scenario(settings))
}
const machine = { start, end: machineInfo() }
mkdirSync(dirname(out), { recursive: true })
writeFileSync(
  out,
  `${JSON.stringify({ mode, startedAt: startedAt.toISOString(), machine, results }, null, 2)}\n`,
)
process.stdout.write(renderMarkdown(mode, startedAt, machine, results))
process.stderr.write(`bench: wrote ${out}\n`)
