/**
 * Package quality of a packed tarball, the way users receive it: publint (strict: warnings count
 * as errors, suggestions reported) and @arethetypeswrong/cli (profile node16) for packages that ship
 * types. The release test runs it on every tarball it downloads from the local registry.
 *
 * Also the `lint:package` script of every published package: run from a package folder
 * (`node ../../apps/release-check/src/lintPackage.ts`), it packs that package with `pnpm pack`
 * (dist must be built) and lints the tarball; exit code 1 when anything is reported.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { createRequire } from "node:module"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { publint } from "publint"
import { formatMessage } from "publint/utils"
import { cleanEnv, mustRun, run } from "./exec.ts"

const require = createRequire(import.meta.url)

/** The result of linting one tarball. */
export interface PackageLint {
  readonly name: string
  /** publint's messages, formatted, each prefixed with its level. Empty: clean. */
  readonly publint: readonly string[]
  /** attw's problems (`kind` + entrypoint), or `undefined` when the package ships no types. */
  readonly attw: readonly string[] | undefined
}

/** attw's JSON report, the parts read here. */
interface AttwReport {
  readonly analysis?: { readonly types?: unknown }
  /** Every problem found, grouped by kind, whatever the profile ignores. */
  readonly problems?: Readonly<Record<string, ReadonlyArray<AttwProblem>>>
}

interface AttwProblem {
  readonly kind: string
  readonly entrypoint?: string
  readonly resolutionKind?: string
}

/** The resolution modes the node16 profile ignores (as `attw --profile node16` does). */
const IGNORED_RESOLUTIONS = new Set(["node10"])

/** Lints the tarball at `tgz` with publint and (when it has types) attw. */
export const lintTarball = async (tgz: string): Promise<PackageLint> => {
  const data = await readFile(tgz)
  const tarball = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) as ArrayBuffer
  const { messages, pkg } = await publint({ pack: { tarball }, level: "suggestion", strict: true })
  const publintLines = messages.map(
    (message) => `${message.type}: ${formatMessage(message, pkg) ?? message.code}`,
  )
  const attwBin = join(require.resolve("@arethetypeswrong/cli/package.json"), "..", "dist", "index.js")
  const attw = await run(process.execPath, [attwBin, tgz, "--format", "json", "--profile", "node16"], {
    cwd: tmpdir(),
    env: cleanEnv(),
    timeout: 120_000,
  })
  let report: AttwReport
  try {
    report = JSON.parse(attw.stdout) as AttwReport
  } catch {
    throw new Error(`attw printed no JSON for ${tgz} (exit ${attw.code}):\n${attw.stdout}\n${attw.stderr}`)
  }
  const hasTypes = report.analysis?.types !== false
  const problems = Object.values(report.problems ?? {})
    .flat()
    .filter((problem) => !IGNORED_RESOLUTIONS.has(problem.resolutionKind ?? ""))
    .map(
      (problem) =>
        `${problem.kind} at ${problem.entrypoint ?? "?"}${problem.resolutionKind === undefined ? "" : ` (${problem.resolutionKind})`}`,
    )
  if (attw.code !== 0 && problems.length === 0) problems.push(`attw exited with ${attw.code}`)
  return { name: String(pkg.name), publint: publintLines, attw: hasTypes ? problems : undefined }
}

/** One line per tool for a report: "publint: clean", "attw: clean", "attw: n/a (no types)". */
export const describeLint = (lint: PackageLint): string =>
  [
    `publint: ${lint.publint.length === 0 ? "clean" : lint.publint.join("; ")}`,
    `attw: ${lint.attw === undefined ? "n/a (ships no types)" : lint.attw.length === 0 ? "clean (node16 profile)" : lint.attw.join("; ")}`,
  ].join(", ")

/** `lint:package`: packs the package in the current folder and lints the tarball. */
const main = async (): Promise<number> => {
  const dir = await mkdtemp(join(tmpdir(), "tangoe-lint-package-"))
  try {
    const packed = await mustRun("pnpm", ["pack", "--pack-destination", dir], {
      cwd: process.cwd(),
      env: cleanEnv(),
      timeout: 120_000,
    })
    const tgz = packed.stdout
      .split("\n")
      .map((line) => line.trim())
      .find((line) => line.endsWith(".tgz"))
    if (tgz === undefined) throw new Error(`pnpm pack printed no tarball:\n${packed.stdout}`)
    const lint = await lintTarball(resolve(dir, tgz))
    console.log(`${lint.name}: ${describeLint(lint)}`)
    return lint.publint.length === 0 && (lint.attw ?? []).length === 0 ? 0 : 1
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}

if (import.meta.main) process.exitCode = await main()
