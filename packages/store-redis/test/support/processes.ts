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
  /**
   * Resolves with the exit code (or signal) once the child exits; rejects with an error that says
   * it timed out, and shows the output so far, when it has not exited within `ms`.
   */
  readonly exitWithin: (ms: number) => Promise<number | string>
  /** SIGKILL, then wait for the exit. */
  readonly kill: () => Promise<void>
}

export const startChild = (
  script: string,
  args: ReadonlyArray<string>,
  env: NodeJS.ProcessEnv = {},
): Child => {
  const child = startProcess(process.execPath, [script, ...args], { env: { ...process.env, ...env } })
  const exited = child.exited.then(({ code, signal }) => code ?? signal ?? "unknown")
  const exitWithin = (ms: number) =>
    new Promise<number | string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(
              `timed out: the child did not exit within ${ms / 1000} s; output so far:\n${child.output()}`,
            ),
          ),
        ms,
      )
      void exited.then((code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
  return {
    process: child.child,
    line: child.nextLine,
    output: child.output,
    exited,
    exitWithin,
    kill: child.kill,
  }
}
