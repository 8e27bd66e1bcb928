/**
 * What a published tarball holds: its files and sizes (read from the tar headers, no extraction),
 * and the files that must never ship (tests, fixtures, source maps, TypeScript sources, local
 * paths, secrets files).
 */
import { gunzipSync } from "node:zlib"

/** One regular file of a tarball; `path` without the leading `package/`. */
export interface TarballFile {
  readonly path: string
  readonly size: number
  readonly content: Buffer
}

/** A tarball's files and sizes. */
export interface TarballContents {
  readonly files: readonly TarballFile[]
  /** Bytes of the .tgz itself. */
  readonly packedSize: number
  /** Sum of the files' sizes. */
  readonly unpackedSize: number
}

const text = (block: Buffer, start: number, length: number): string => {
  const raw = block.subarray(start, start + length)
  const end = raw.indexOf(0)
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8")
}

const paxPath = (data: Buffer): string | undefined => {
  for (const record of data.toString("utf8").split("\n")) {
    const match = /^\d+ path=(.*)$/.exec(record)
    if (match?.[1] !== undefined) return match[1]
  }
  return undefined
}

/** Reads a .tgz as npm writes it (ustar with pax headers for long paths; GNU long names too). */
export const readTarball = (tgz: Buffer): TarballContents => {
  const tar = gunzipSync(tgz)
  const files: TarballFile[] = []
  let offset = 0
  let nextPath: string | undefined
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512)
    if (header.every((byte) => byte === 0)) break
    const name = text(header, 0, 100)
    const prefix = text(header, 345, 155)
    const size = Number.parseInt(text(header, 124, 12).trim() || "0", 8)
    const type = String.fromCharCode(header[156] ?? 0)
    const data = tar.subarray(offset + 512, offset + 512 + size)
    if (type === "x") {
      nextPath = paxPath(data)
    } else if (type === "L") {
      // GNU tar's long name: the next entry's path, NUL-terminated.
      nextPath = text(data, 0, data.length)
    } else {
      const full = nextPath ?? (prefix === "" ? name : `${prefix}/${name}`)
      nextPath = undefined
      if (type === "0" || type === "\0") {
        files.push({ path: full.replace(/^package\//, ""), size, content: Buffer.from(data) })
      }
    }
    offset += 512 + Math.ceil(size / 512) * 512
  }
  return {
    files: files.sort((a, b) => a.path.localeCompare(b.path)),
    packedSize: tgz.length,
    unpackedSize: files.reduce((sum, file) => sum + file.size, 0),
  }
}

/** Paths that must not be in any published tarball, with the reason. */
const FORBIDDEN: ReadonlyArray<readonly [RegExp, string]> = [
  [/(^|\/)(test|tests|__tests__|fixtures?|test-artifacts)\//, "a test or fixture folder"],
  [/\.(test|spec)\.[cm]?[jt]sx?$/, "a test file"],
  [/\.map$/, "a source map"],
  [/^(?!.*\.d\.[cm]?ts$).*\.[cm]?tsx?$/, "a TypeScript source file"],
  [
    /(^|\/)(tsconfig[^/]*\.json|tsdown\.config\.[cm]?ts|vitest\.config\.[cm]?ts|turbo\.json|biome\.json)$/,
    "a build or test config",
  ],
  [/(^|\/)(\.env[^/]*|\.npmrc|\.vitest|\.turbo|node_modules)(\/|$)/, "a local or secret file"],
]

/**
 * Why the tarball's files break the publishing rules: forbidden files, and any file that names a
 * local path of this build (`localPaths`: the scratch copy, the repository, the home folder).
 */
export const tarballProblems = (contents: TarballContents, localPaths: readonly string[]): string[] => {
  const problems: string[] = []
  for (const file of contents.files) {
    for (const [pattern, what] of FORBIDDEN) {
      if (pattern.test(file.path)) problems.push(`${file.path}: ${what} must not ship (fix "files")`)
    }
    const body = file.content.toString("latin1")
    for (const local of localPaths) {
      if (local.length > 1 && body.includes(local))
        problems.push(`${file.path}: contains the local path ${local}`)
    }
    if (body.includes("sourceMappingURL=")) problems.push(`${file.path}: references a source map`)
  }
  return problems
}
