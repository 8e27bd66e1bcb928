/**
 * Child processes for the release check: every command runs with a time limit, its output
 * captured, and an environment cleaned of what the outer test runner, pnpm and turbo set (so a
 * nested `pnpm`, `npm` or `turbo` behaves as it would in a fresh shell).
 */
import { dirname } from "node:path"
import { describeEnd, type ProcessResult, runProcess, tail } from "@tangoe-token/test-support/processes"

export { killGroup, tail } from "@tangoe-token/test-support/processes"

/** What a finished command did (`timedOut` when the time limit killed it). */
export type CommandResult = ProcessResult

/** Options of {@link run}. */
export interface RunOptions {
  readonly cwd: string
  readonly env?: NodeJS.ProcessEnv
  /** Milliseconds before the command's process group is killed; default 5 minutes. */
  readonly timeout?: number
  /** Written to the command's standard input, which is then closed. */
  readonly input?: string
}

/** Thrown when a command that must succeed did not. Carries the ends of its output. */
export class CommandFailed extends Error {
  override readonly name = "CommandFailed"
  readonly command: string
  readonly result: CommandResult
  constructor(command: string, result: CommandResult) {
    super(
      `\`${command}\` ${describeEnd(result)} after ${result.millis} ms; fix what its output says:\n--- stdout ---\n${tail(result.stdout)}\n--- stderr ---\n${tail(result.stderr)}`,
    )
    this.command = command
    this.result = result
  }
}

/**
 * The environment for nested tool runs: this process's, without the variables that the outer
 * vitest, pnpm (`npm_*`, `PNPM_*`) and turbo (`TURBO_*`) set for their own children, with the Node
 * that runs the tests first on PATH, and with `extra` on top.
 */
export const cleanEnv = (extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_|pnpm_|turbo_|vitest)/i.test(key) || key === "NODE_ENV" || key === "NODE_OPTIONS") continue
    env[key] = value
  }
  env.PATH = `${dirname(process.execPath)}:${process.env.PATH ?? ""}`
  env.TURBO_TELEMETRY_DISABLED = "1"
  env.DO_NOT_TRACK = "1"
  env.NO_COLOR = "1"
  env.FORCE_COLOR = "0"
  return { ...env, ...extra }
}

/** Runs `command args` to its end in its own process group; never throws for a non-zero exit (see {@link mustRun}). */
export const run = (command: string, args: readonly string[], options: RunOptions): Promise<CommandResult> =>
  runProcess(command, args, {
    cwd: options.cwd,
    env: options.env ?? cleanEnv(),
    input: options.input ?? "",
    timeoutMs: options.timeout ?? 300_000,
    group: true,
  })

/** Runs a command that must exit with 0; throws {@link CommandFailed} otherwise. */
export const mustRun = async (
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<CommandResult> => {
  const result = await run(command, args, options)
  if (result.code !== 0) throw new CommandFailed([command, ...args].join(" "), result)
  return result
}
