/**
 * The flow library's scorecard (`node-red-dev validate`) on the packed package, offline but for
 * the npm registry: only the catalogue URL is stubbed (support/catalogueStub.cjs). The
 * validator exits 0 even when checks fail, so the test reads its scorecard JSON and its output:
 * every check must pass and nothing may warn.
 */
import { execFile } from "node:child_process"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { dirname, join } from "node:path"
import { promisify } from "node:util"
import { expect, it } from "vitest"
import { packPackage } from "./support/realRuntime.ts"

const run = promisify(execFile)
const require = createRequire(import.meta.url)

it("passes every flow-library scorecard check with no warning", async () => {
  const packed = await packPackage()
  const dir = await mkdtemp(join(tmpdir(), "tangoe-nr-scorecard-"))
  await run("tar", ["xzf", packed.tarball, "-C", dir])
  const validator = join(dirname(require.resolve("node-red-dev/package.json")), "bin", "run")
  const scorecardFile = join(dir, "scorecard.json")
  const { stdout, stderr } = await run(
    process.execPath,
    [
      "--require",
      join(import.meta.dirname, "support", "catalogueStub.cjs"),
      validator,
      "validate",
      "-p",
      join(dir, "package"),
      "-o",
      scorecardFile,
    ],
    { cwd: dir, timeout: 60_000 },
  )
  const scorecard = JSON.parse(await readFile(scorecardFile, "utf8")) as Record<string, { test?: boolean }>
  const checks = Object.entries(scorecard).filter(([name]) => name !== "package")
  console.info(
    `[figures] scorecard: ${checks.map(([name, c]) => `${name}=${c.test ? "pass" : "FAIL"}`).join(" ")}`,
  )
  expect(checks.map(([name]) => name).sort()).toEqual(
    ["D01", "D02", "D03", "N01", "N02", "P01", "P03", "P04", "P05", "P06", "P07", "P08"].sort(),
  )
  expect(checks.filter(([, c]) => c.test !== true).map(([name]) => name)).toEqual([])
  expect(`${stdout}\n${stderr}`).not.toMatch(/warning|error|unable/i)
  expect(stdout).toContain("Examples found for all nodes")
  await rm(dir, { recursive: true, force: true })
  await rm(dirname(packed.tarball), { recursive: true, force: true })
})
