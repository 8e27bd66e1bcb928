#!/usr/bin/env node
/**
 * The `tangoe-token` command. `token` and `header` invoked the way scripts do take a fast path
 * that does not load the command-line parser; everything else loads the full CLI (main.ts).
 *
 * Start-up: Node's on-disk compile cache is enabled before the bundle's chunks are loaded, so
 * later runs skip most parsing and compiling; the chunks are imported dynamically for that reason.
 *
 * @since 0.1.0
 */
import { enableCompileCache } from "node:module"
import { fastInvocation } from "./internal/fastPath.ts"

try {
  enableCompileCache?.()
} catch {
  // An unwritable cache folder only costs speed.
}

// Results go to stdout through process.stdout only; anything a library logs goes to stderr,
// so that `$(tangoe-token token)` captures the token and nothing else.
console.log = console.error

const argv = process.argv.slice(2)
const fast = fastInvocation(argv)
const code = fast
  ? await (await import("./fast.ts")).runFast(fast)
  : await (await import("./main.ts")).main(argv)
// Exit once stdout is flushed: no idle connection or timer may keep a shell script waiting.
process.stdout.write("", () => process.exit(code))
