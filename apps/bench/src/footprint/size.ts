/**
 * Installed size: what `npm install <package>` would put on disk, measured on the installed tree.
 * A registry package counts its own files plus every runtime dependency it resolves (recursively,
 * each once); a workspace package counts the files it publishes plus its dependencies.
 */
import { lstatSync, readdirSync, readFileSync, realpathSync, statSync } from "node:fs"
import { dirname, join } from "node:path"

/** Bytes of a folder, skipping nested `node_modules` and anything the filter refuses. */
export const folderBytes = (dir: string, keep: (path: string) => boolean = () => true): number => {
  let total = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.name === "node_modules") continue
    if (entry.isDirectory()) total += folderBytes(path, keep)
    else if (entry.isFile() && keep(path)) total += statSync(path).size
  }
  return total
}

interface Manifest {
  readonly dependencies?: Record<string, string>
  readonly optionalDependencies?: Record<string, string>
  readonly files?: ReadonlyArray<string>
}

const manifestOf = (dir: string): Manifest =>
  JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Manifest

/** Where Node would find package `name` from a package folder: its own node_modules, then each parent's. */
export const locate = (fromDir: string, name: string): string | undefined => {
  for (let dir = fromDir; ; dir = dirname(dir)) {
    const candidate = join(dir, "node_modules", name)
    try {
      if (lstatSync(join(candidate, "package.json")).isFile()) return realpathSync(candidate)
    } catch {
      // not here: go up
    }
    if (dirname(dir) === dir) return undefined
  }
}

const runtimeDependencies = (manifest: Manifest): string[] => [
  ...Object.keys(manifest.dependencies ?? {}),
  ...Object.keys(manifest.optionalDependencies ?? {}),
]

/** A workspace package's published files: `files` entries (folders without source maps) plus package.json. */
const publishedBytes = (dir: string, manifest: Manifest): number => {
  let total = statSync(join(dir, "package.json")).size
  for (const entry of manifest.files ?? []) {
    if (entry.startsWith("!")) continue
    const path = join(dir, entry)
    try {
      const stat = statSync(path)
      total += stat.isDirectory() ? folderBytes(path, (p) => !p.endsWith(".map")) : stat.size
    } catch {
      // a listed file that does not exist (e.g. no CHANGELOG yet)
    }
  }
  return total
}

/** Installed size of a package and its runtime dependency closure, and how many packages that is. */
export interface InstalledSize {
  readonly bytes: number
  readonly packages: number
  readonly dependencies: number
}

/** Measures a package folder (a workspace package when `published` is true). */
export const installedSize = (packageDir: string, published: boolean): InstalledSize => {
  const seen = new Set<string>()
  let bytes = 0
  const visit = (dir: string, publishedOnly: boolean): void => {
    const real = realpathSync(dir)
    if (seen.has(real)) return
    seen.add(real)
    const manifest = manifestOf(real)
    bytes += publishedOnly ? publishedBytes(real, manifest) : folderBytes(real)
    for (const dep of runtimeDependencies(manifest)) {
      const found = locate(real, dep)
      if (found !== undefined) visit(found, false)
    }
  }
  visit(packageDir, published)
  return {
    bytes,
    packages: seen.size,
    dependencies: runtimeDependencies(manifestOf(realpathSync(packageDir))).length,
  }
}
