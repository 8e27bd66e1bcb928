/**
 * Where the bytes of the two n8n files come from: builds them as `tsdown.config.mts` does, but into a
 * temporary folder, with source maps, and with core resolved to its sources (its dist is one file per
 * entry), then credits every minified byte to the source module it maps to.
 *
 *   node scripts/bundle-attribution.mjs [top=25]
 *
 * A diagnostic: the figure the project tracks is the footprint scenario's (apps/bench, `--only
 * footprint`), which measures the published files. The totals here match it to within a few bytes.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { dirname, join, relative, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "tsdown"

const packageDir = join(dirname(fileURLToPath(import.meta.url)), "..")
const coreSources = join(packageDir, "..", "core", "src")
const top = Number(process.argv[2] ?? 25)

const BASE64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"

/** Source map `mappings`: per generated line, segments of [column, source index, ...] (absolute). */
const decodeMappings = (mappings) => {
  const lines = []
  let source = 0
  for (const line of mappings.split(";")) {
    const segments = []
    let column = 0
    for (const segment of line.split(",")) {
      if (segment === "") continue
      const fields = []
      let value = 0
      let shift = 0
      for (const char of segment) {
        const digit = BASE64.indexOf(char)
        value += (digit & 31) << shift
        if (digit & 32) {
          shift += 5
        } else {
          fields.push(value & 1 ? -(value >>> 1) : value >>> 1)
          value = 0
          shift = 0
        }
      }
      column += fields[0]
      if (fields.length > 1) source += fields[1]
      segments.push(fields.length > 1 ? [column, source] : [column])
    }
    lines.push(segments)
  }
  return lines
}

/** A readable module name: `effect/dist/…`, `core/src/…`, or the path in this package. */
const moduleName = (file, source) => {
  const path = resolve(dirname(file), source)
  if (path.includes("/node_modules/")) return path.replace(/^.*\/node_modules\//, "")
  if (path.startsWith(`${coreSources}/`)) return `core/src/${relative(coreSources, path)}`
  return relative(packageDir, path)
}

const packageOf = (name) =>
  name.startsWith("effect/") ? "effect" : name.startsWith("core/") ? "core" : "this package"

/** Bytes of `file` per source module (bytes before the first mapping of a line count as unmapped). */
const attribute = (file) => {
  const code = readFileSync(file, "utf8")
  const map = JSON.parse(readFileSync(`${file}.map`, "utf8"))
  const bytes = new Map()
  const add = (key, n) => bytes.set(key, (bytes.get(key) ?? 0) + n)
  const mappings = decodeMappings(map.mappings)
  code.split("\n").forEach((line, index, all) => {
    let from = 0
    let owner = "(unmapped)"
    const credit = (to) => add(owner, Buffer.byteLength(line.slice(from, to)))
    for (const [column, source] of mappings[index] ?? []) {
      credit(column)
      from = column
      owner = source === undefined ? "(unmapped)" : moduleName(file, map.sources[source])
    }
    credit(undefined)
    if (index < all.length - 1) add(owner, 1)
  })
  return { total: Buffer.byteLength(code), rows: [...bytes].sort((a, b) => b[1] - a[1]) }
}

const kB = (n) => (n / 1000).toFixed(2)

const outDir = mkdtempSync(join(tmpdir(), "n8n-bundle-attribution-"))
try {
  const { default: configs } = await import(join(packageDir, "tsdown.config.mts"))
  for (const config of configs) {
    await build({
      ...config,
      config: false,
      cwd: packageDir,
      logLevel: "warn",
      outDir,
      clean: false,
      copy: [],
      sourcemap: true,
      alias: {
        "@tangoe-token/core/host": join(coreSources, "host.ts"),
        "@tangoe-token/core/store": join(coreSources, "store.ts"),
        "@tangoe-token/core": join(coreSources, "index.ts"),
      },
    })
  }
  const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"))
  let sum = 0
  for (const published of [...manifest.n8n.credentials, ...manifest.n8n.nodes]) {
    const { total, rows } = attribute(join(outDir, published.replace(/^dist\//, "")))
    sum += total
    const byPackage = new Map()
    for (const [name, n] of rows) byPackage.set(packageOf(name), (byPackage.get(packageOf(name)) ?? 0) + n)
    console.log(`\n${published}: ${kB(total)} kB`)
    console.log([...byPackage].map(([name, n]) => `${name} ${kB(n)} kB`).join(", "))
    console.log("\n| # | module | kB |\n| --- | --- | --- |")
    console.log(
      rows
        .slice(0, top)
        .map(([name, n], i) => `| ${i + 1} | ${name} | ${kB(n)} |`)
        .join("\n"),
    )
  }
  console.log(`\nboth files: ${kB(sum)} kB`)
} finally {
  rmSync(outDir, { recursive: true, force: true })
}
