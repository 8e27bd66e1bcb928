/**
 * One copy of effect in a user's install. Core and store-redis take `effect` as a peer dependency
 * (the Effect ecosystem's own way): the user's copy is the one every package loads, so a `Redacted`,
 * a `Layer` or an error class made on one side is readable on the other. These helpers find the
 * versions the check installs (the lowest the published peer range allows, the registry's latest
 * 4.x) and count the copies npm laid out.
 */
import { readdir, readFile } from "node:fs/promises"
import { join } from "node:path"
import { mustRun } from "./exec.ts"

/** `[major, minor, patch]` of a plain `x.y.z` version; `undefined` for anything else (pre-releases). */
const parse = (version: string): readonly [number, number, number] | undefined => {
  const match = /^(\d+)\.(\d+)\.(\d+)$/.exec(version.trim())
  return match === null ? undefined : [Number(match[1]), Number(match[2]), Number(match[3])]
}

/** Orders plain versions, lowest first. */
export const compareVersions = (a: string, b: string): number => {
  const [x, y] = [parse(a), parse(b)]
  if (x === undefined || y === undefined) throw new Error(`not a plain x.y.z version: ${a} / ${b}`)
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2]
}

/**
 * The lowest version a caret peer range admits (`^4.0.0` -> `4.0.0`). The published ranges are
 * carets: anything else is refused, so the check never guesses.
 */
export const lowestOfCaret = (range: string): string => {
  const match = /^\^(\d+\.\d+\.\d+)$/.exec(range.trim())
  if (match?.[1] === undefined) throw new Error(`expected a caret range like ^4.0.0, received "${range}"`)
  return match[1]
}

/** The registry's newest release of effect's major `major` (no pre-release), asked with `npm view`. */
export const latestOfMajor = async (
  major: number,
  options: { readonly cwd: string; readonly env: NodeJS.ProcessEnv },
): Promise<string> => {
  const { stdout } = await mustRun("npm", ["view", `effect@^${major}.0.0`, "version", "--json"], {
    ...options,
    timeout: 120_000,
  })
  const listed = JSON.parse(stdout) as string | string[]
  const versions = (Array.isArray(listed) ? listed : [listed]).filter((v) => parse(v) !== undefined)
  const newest = versions.sort(compareVersions).at(-1)
  if (newest === undefined) throw new Error(`the registry lists no effect ${major}.x release: ${stdout}`)
  return newest
}

/** Every installed copy of a package under `dir/node_modules`, nested ones included. */
export const installedCopies = async (
  dir: string,
  name: string,
): Promise<ReadonlyArray<{ readonly path: string; readonly version: string }>> => {
  const found: Array<{ path: string; version: string }> = []
  const visit = async (nodeModules: string): Promise<void> => {
    let entries: string[]
    try {
      entries = await readdir(nodeModules)
    } catch {
      return
    }
    for (const entry of entries) {
      if (entry.startsWith(".")) continue
      const packages = entry.startsWith("@")
        ? (await readdir(join(nodeModules, entry)).catch(() => [] as string[])).map((n) => join(entry, n))
        : [entry]
      for (const pkg of packages) {
        const pkgDir = join(nodeModules, pkg)
        if (pkg === name) {
          const manifest = JSON.parse(await readFile(join(pkgDir, "package.json"), "utf8")) as {
            version: string
          }
          found.push({ path: pkgDir, version: manifest.version })
        }
        await visit(join(pkgDir, "node_modules"))
      }
    }
  }
  await visit(join(dir, "node_modules"))
  return found
}
