/**
 * The settings file (`config.json`): every setting of `init` except the refresh token, which
 * lives in the token store. It may hold the client secret (and, with `init --self-heal`, the service
 * account's password), so it is written like a secret: mode
 * 0600 in a 0700 folder, atomically and durably with core's writer (temp file + fsync + rename +
 * folder fsync). It is read the way core's file store reads its own file: a path that is a symbolic
 * link, a folder, a FIFO or a device (or an empty path) is refused and left untouched, and so is a
 * file that group or others can read (the user restricts it with `chmod 600`); nothing is chmod-ed.
 *
 * @internal
 */
import { mkdir } from "node:fs/promises"
import { dirname } from "node:path"
import {
  errnoCode,
  NotARegularFile,
  openToOthers,
  readRegularFile,
  WriteStepError,
  writeFileAtomic,
} from "@tangoe-token/core/store"
import { UsageError } from "./errors.ts"
import { timeoutProblem } from "./settings.ts"

/** What the settings file holds. Every field is optional; unknown fields are ignored. */
export interface ConfigFile {
  /** `"production"`, `"qa"`, or a token endpoint URL. */
  readonly environment?: string | undefined
  readonly clientId?: string | undefined
  /** Saved by `init` unless it came from the environment only. */
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  /** The customer's tenant code (`X-TNGO-TENANT`). */
  readonly tenant?: string | undefined
  readonly placement?: string | undefined
  readonly clientAuth?: string | undefined
  /** Seconds. */
  readonly timeout?: number | undefined
  /** The token store: a file, or a `redis://` / `rediss://` URL (the shared Redis store). */
  readonly store?: string | undefined
  /** The service account's username; saved by `init --self-heal` only. */
  readonly username?: string | undefined
  /** The service account's password; saved by `init --self-heal` only (this file is mode 0600). */
  readonly password?: string | undefined
  /** Whether a dead chain is healed with the service account (`init --self-heal`). */
  readonly selfHeal?: boolean | undefined
}

const STRING_FIELDS = [
  "environment",
  "clientId",
  "clientSecret",
  "scope",
  "tenant",
  "placement",
  "clientAuth",
  "store",
  "username",
  "password",
] as const

/** Validates the parsed JSON field by field; an error names the field, never its value. */
const validate = (path: string, json: unknown): ConfigFile => {
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError({
      message: `settings file ${path} is not a JSON object — fix it or run tangoe-token init`,
    })
  }
  const o = json as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const field of STRING_FIELDS) {
    const value = o[field]
    if (value === undefined || value === null) continue
    if (typeof value !== "string") {
      throw new UsageError({
        message: `settings file ${path}: "${field}" must be a string — fix it or run tangoe-token init`,
      })
    }
    out[field] = value
  }
  if (o.timeout !== undefined && o.timeout !== null) {
    const problem = timeoutProblem(o.timeout)
    if (problem !== undefined) {
      throw new UsageError({ message: `settings file ${path}: "timeout" ${problem}` })
    }
    out.timeout = o.timeout
  }
  if (o.selfHeal !== undefined && o.selfHeal !== null) {
    if (typeof o.selfHeal !== "boolean") {
      throw new UsageError({
        message: `settings file ${path}: "selfHeal" must be true or false — fix it or run tangoe-token init`,
      })
    }
    out.selfHeal = o.selfHeal
  }
  return out as ConfigFile
}

/**
 * Reads the settings file: `undefined` when it does not exist, a `UsageError` when it cannot be
 * read or understood, is not a regular file, or is readable by others. Nothing is ever changed.
 * (`warn` is kept for callers; nothing is warned about any more.)
 */
export const readConfigFile = async (
  path: string,
  _warn: (line: string) => void,
): Promise<ConfigFile | undefined> => {
  if (path.trim() === "") {
    throw new UsageError({ message: "the settings file path is empty — pass a file path with --config" })
  }
  let file: { text: string; mode: number } | undefined
  try {
    file = await readRegularFile(path)
  } catch (e) {
    if (e instanceof NotARegularFile) {
      throw new UsageError({
        message: `settings file ${path} is not a regular file (it is ${e.found}) — pass the path of a regular file with --config; it was left untouched`,
      })
    }
    throw new UsageError({
      message: `cannot read settings file ${path} (${errnoCode(e) ?? "error"}) — fix its permissions or pass --config`,
    })
  }
  if (file === undefined) return undefined
  if (openToOthers(file.mode)) {
    throw new UsageError({
      message: `settings file ${path} has mode ${file.mode.toString(8)}: other users can read it, and it may hold the client secret — run chmod 600 ${path} (and rotate the client secret if others may have read it); it was left untouched`,
    })
  }
  let json: unknown
  try {
    json = JSON.parse(file.text)
  } catch {
    throw new UsageError({
      message: `settings file ${path} is not valid JSON — fix it or run tangoe-token init`,
    })
  }
  return validate(path, json)
}

/** Writes the settings file atomically with mode 0600, creating its folder (0700) when missing. */
export const writeConfigFile = async (path: string, config: ConfigFile): Promise<void> => {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`)
  } catch (e) {
    const cause = e instanceof WriteStepError ? e.cause : e
    if (cause instanceof NotARegularFile) {
      throw new UsageError({
        message: `settings file ${path} is not a regular file (it is ${cause.found}) — pass the path of a regular file with --config; it was left untouched`,
      })
    }
    const code = errnoCode(cause)
    throw new UsageError({
      message: `cannot write settings file ${path} (${code ?? "error"}) — pass a writable --config path or fix the permissions`,
    })
  }
}
