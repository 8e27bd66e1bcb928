/**
 * Runs a fast-path invocation (`token` or `header`, see `internal/fastPath.ts`) with the same
 * command code the full parser calls.
 *
 * @internal
 */
import { headerCommand, tokenCommand } from "./commands/token.ts"
import type { FastInvocation } from "./internal/fastPath.ts"
import { execute } from "./internal/run.ts"

/** Runs the invocation and resolves to the exit code. */
export const runFast = (fast: FastInvocation): Promise<number> =>
  execute(fast.options.json, (out) =>
    (fast.command === "token" ? tokenCommand : headerCommand)(fast.options, out),
  )
