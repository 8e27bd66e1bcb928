/**
 * The fast path: `token` and `header` with no other flags than `--json`, `--store` and `--config`
 * (the way scripts call them) skip loading the command-line parser and go straight to the same
 * command code. Anything else returns `undefined` and takes the full parser.
 *
 * @internal
 */
import type { CommonOptions } from "./run.ts"

/** A fast-path invocation. */
export interface FastInvocation {
  readonly command: "token" | "header"
  readonly options: CommonOptions
}

const VALUED = new Set(["--store", "--config"])

/** Recognises a fast-path invocation, or returns `undefined`. */
export const fastInvocation = (argv: ReadonlyArray<string>): FastInvocation | undefined => {
  const [command, ...rest] = argv
  if (command !== "token" && command !== "header") return undefined
  let json = false
  const values: Record<string, string> = {}
  for (let i = 0; i < rest.length; i++) {
    const arg = rest[i] as string
    if (arg === "--json") {
      json = true
      continue
    }
    const eq = arg.indexOf("=")
    const name = eq < 0 ? arg : arg.slice(0, eq)
    if (!VALUED.has(name) || name in values) return undefined
    const value = eq < 0 ? rest[++i] : arg.slice(eq + 1)
    if (value === undefined || value === "" || value.startsWith("-")) return undefined
    values[name] = value
  }
  return {
    command,
    options: { json, store: values["--store"], config: values["--config"] },
  }
}
