/**
 * The end-to-end tests run the built command (dist/cli.mjs) as users do. Turbo builds it before
 * `test` (the `^build` dependency builds core; this package's own build runs here): when the bundle
 * is missing or older than any source file, core's bundle or the build config, it is rebuilt.
 */
import { execFileSync } from "node:child_process"
import { readdirSync, statSync } from "node:fs"
import { join } from "node:path"

const root = join(import.meta.dirname, "..", "..")

const newest = (path: string): number => {
  const stat = statSync(path, { throwIfNoEntry: false })
  if (stat === undefined) return 0
  if (!stat.isDirectory()) return stat.mtimeMs
  return Math.max(0, ...readdirSync(path).map((name) => newest(join(path, name))))
}

export default function setup(): void {
  const built = newest(join(root, "dist", "cli.mjs"))
  const sources = Math.max(
    newest(join(root, "src")),
    newest(join(root, "package.json")),
    newest(join(root, "tsdown.config.ts")),
    newest(join(root, "node_modules", "@tangoe-token", "core", "dist")),
  )
  if (built > sources) return
  execFileSync(process.execPath, [join(root, "node_modules", "tsdown", "dist", "run.mjs")], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
  })
}
