#!/usr/bin/env node
// Adds up the vitest JSON reports of every workspace package (`<pkg>/.vitest/results.json`) and
// prints the one closing line CI reads: `N passed, N failed`. A package that has a `test` script
// but left no report counts as one failure, so a crashed run can never look green.
// `--step-failures N` adds N failed steps run outside vitest (lint, type-check).
// Exit code: 1 when anything failed or nothing ran, else 0.
import { existsSync, readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"

const root = new URL("..", import.meta.url).pathname
let passed = 0
let failed = 0
let skipped = 0
for (const group of ["packages", "apps"]) {
  const dir = join(root, group)
  if (!existsSync(dir)) continue
  for (const name of readdirSync(dir)) {
    const pkgFile = join(dir, name, "package.json")
    if (!existsSync(pkgFile)) continue
    const pkg = JSON.parse(readFileSync(pkgFile, "utf8"))
    if (!pkg.scripts?.test) continue
    const report = join(dir, name, ".vitest", "results.json")
    if (!existsSync(report)) {
      console.error(`${group}/${name}: no test report (the run crashed or never started)`)
      failed += 1
      continue
    }
    const r = JSON.parse(readFileSync(report, "utf8"))
    passed += r.numPassedTests
    failed += r.numFailedTests
    skipped += r.numPendingTests + (r.numTodoTests ?? 0)
    // A suite that failed to load has no tests in it: count it as a failure.
    failed += (r.testResults ?? []).filter(
      (s) => s.status === "failed" && s.assertionResults.length === 0,
    ).length
    console.error(`${group}/${name}: ${r.numPassedTests} passed, ${r.numFailedTests} failed`)
  }
}
// Steps outside the test runners (lint, type-check) that failed count as failures too.
const stepFlag = process.argv.indexOf("--step-failures")
if (stepFlag > 0) failed += Number(process.argv[stepFlag + 1] ?? 0)
console.log(`${passed} passed, ${failed} failed${skipped ? `, ${skipped} skipped` : ""}`)
process.exit(failed > 0 || passed === 0 ? 1 : 0)
