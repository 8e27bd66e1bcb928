/** Child processes for the multi-process tests: Node scripts (type stripping), their lines, kill. */
import type { ChildProcess } from "node:child_process"
import { startProcess } from "@tangoe-token/test-support/processes"

export interface Child {
  readonly process: ChildProcess
  /** Resolves with the next stdout line matching `predicate` (rejects after `ms` or on exit). */
  readonly line: (predicate?: (line: string) => boolean, ms?: number) => Promise<string>
  /** Everything the child printed so far (stdout and stderr). */
  readonly output: () => string
  /** Resolves with the exit code (or signal) once the child exits. */
  readonly exited: Promise<number | string>
  /** SIGKILL, then wait for the exit. */
  readonly kill: () => Promise<void>
}

export const startChild = (
  script: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = {},
): Child => {
  const child = startProcess(process.execPath, [script, ...args], { env: { ...process.env, ...env } })
  return {
    process: child.child,
    line: child.nextLine,
    output: child.output,
    exited: child.exited.then(({ code, signal }) => code ?? signal ?? "unknown"),
    kill: child.kill,
  }
}
