/**
 * What every command does around its action: resolve the settings (warning about secrets passed
 * as flags), run the action, and turn any failure into a message and an exit code.
 *
 * @internal
 */
import { readConfigFile } from "./configFile.ts"
import { ExitCode } from "./errors.ts"
import { type Output, processOutput } from "./output.ts"
import type { StdinSecrets } from "./secretInput.ts"
import { resolveConfigPath, resolveSettings, type SettingFlags, type Settings } from "./settings.ts"

/** The options every command has: the setting flags and `--json`. */
export interface CommonOptions extends SettingFlags {
  readonly json: boolean
}

const ARGV_SECRETS = [
  ["clientSecret", "--client-secret", "TANGOE_CLIENT_SECRET"],
  ["refreshToken", "--refresh-token", "TANGOE_REFRESH_TOKEN"],
] as const

/** Warns on stderr for each secret given on the command line, where other users can see it. */
export const warnArgvSecrets = (flags: SettingFlags, out: Output): void => {
  for (const [field, flag, variable] of ARGV_SECRETS) {
    if (flags[field] !== undefined) {
      out.warn(
        `warning: ${flag} on the command line is visible to other users of this machine (ps, /proc) and may be kept in your shell history — use ${variable} or tangoe-token init --stdin`,
      )
    }
  }
}

/** Reads the settings file named by the flags/environment and resolves every setting. */
export const loadSettings = async (
  flags: SettingFlags,
  out: Output,
  stdin?: StdinSecrets,
): Promise<Settings> => {
  warnArgvSecrets(flags, out)
  const [configPath] = resolveConfigPath(flags, process.env)
  const file = await readConfigFile(configPath, out.warn)
  return resolveSettings({ flags, env: process.env, file, stdin })
}

/**
 * Runs a command's action and returns the process exit code. The action returns its own code
 * (usually 0); whatever it throws is reported (message only, never a stack) with its exit code.
 */
export const execute = async (
  json: boolean,
  action: (out: Output) => Promise<number | undefined>,
): Promise<number> => {
  const out = processOutput(json)
  try {
    return (await action(out)) ?? ExitCode.ok
  } catch (error) {
    return out.failure(error)
  }
}
