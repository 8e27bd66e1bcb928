/** Child processes for the multi-process tests: spawn with Node's type stripping, read lines, kill. */
import { type ChildProcess, spawn } from "node:child_process"
import { createInterface } from "node:readline"

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
  const child = spawn(process.execPath, [script, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, ...env },
  })
  let output = ""
  const lines: string[] = []
  const waiters: Array<() => void> = []
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on("line", (line) => {
    output += `${line}\n`
    lines.push(line)
    for (const wake of waiters.splice(0)) wake()
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    output += chunk.toString("utf8")
  })
  const exited = new Promise<number | string>((resolve) =>
    child.once("exit", (code, signal) => {
      resolve(code ?? signal ?? "unknown")
      for (const wake of waiters.splice(0)) wake()
    }),
  )
  let cursor = 0
  const line = (predicate: (line: string) => boolean = () => true, ms = 20_000) =>
    new Promise<string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`timed out: no matching line within ${ms / 1000} s; output so far:\n${output}`)),
        ms,
      )
      const check = () => {
        while (cursor < lines.length) {
          const next = lines[cursor++]
          if (next !== undefined && predicate(next)) {
            clearTimeout(timer)
            resolve(next)
            return
          }
        }
        if (child.exitCode !== null || child.signalCode !== null) {
          clearTimeout(timer)
          reject(new Error(`child exited before a matching line; output:\n${output}`))
          return
        }
        waiters.push(check)
      }
      check()
    })
  const exitWithin = (ms: number) =>
    new Promise<number | string>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`timed out: the child did not exit within ${ms / 1000} s; output so far:\n${output}`),
          ),
        ms,
      )
      void exited.then((code) => {
        clearTimeout(timer)
        resolve(code)
      })
    })
  return {
    process: child,
    line,
    output: () => output,
    exited,
    exitWithin,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    },
  }
}
