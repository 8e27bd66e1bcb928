/**
 * The settings file (`config.json`): every setting of `init` except the refresh token, which
 * lives in the token store. It may hold the client secret, so it is written like a secret: mode
 * 0600 in a 0700 folder, atomically and durably with core's writer (temp file + fsync + rename +
 * folder fsync), and a wider existing file is narrowed to 0600 with a warning when read.
 *
 * @internal
 */
import { chmod, mkdir, readFile, stat } from "node:fs/promises"
import { dirname } from "node:path"
import { errnoCode, WriteStepError, writeFileAtomic } from "@tangoe-token/core/store"
import { UsageError } from "./errors.ts"

/** What the settings file holds. Every field is optional; unknown fields are ignored. */
export interface ConfigFile {
  /** `"production"`, `"qa"`, or a token endpoint URL. */
  readonly environment?: string | undefined
  readonly clientId?: string | undefined
  /** Saved by `init` unless it came from the environment only. */
  readonly clientSecret?: string | undefined
  readonly scope?: string | undefined
  readonly placement?: string | undefined
  readonly clientAuth?: string | undefined
  /** Seconds. */
  readonly timeout?: number | undefined
  /** The token store: a file, or a `redis://` / `rediss://` URL (the shared Redis store). */
  readonly store?: string | undefined
}

const STRING_FIELDS = [
  "environment",
  "clientId",
  "clientSecret",
  "scope",
  "placement",
  "clientAuth",
  "store",
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
    if (typeof o.timeout !== "number" || !(o.timeout > 0)) {
      throw new UsageError({
        message: `settings file ${path}: "timeout" must be a positive number of seconds`,
      })
    }
    out.timeout = o.timeout
  }
  return out as ConfigFile
}

/**
 * Reads the settings file: `undefined` when it does not exist, a `UsageError` when it cannot be
 * read or understood. `warn` receives a warning when the file was readable by others (it is then
 * narrowed to 0600).
 */
export const readConfigFile = async (
  path: string,
  warn: (line: string) => void,
): Promise<ConfigFile | undefined> => {
  let text: string
  try {
    text = await readFile(path, "utf8")
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined
    throw new UsageError({
      message: `cannot read settings file ${path} (${errnoCode(e) ?? "error"}) — fix its permissions or pass --config`,
    })
  }
  await narrowMode(path, warn)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new UsageError({
      message: `settings file ${path} is not valid JSON — fix it or run tangoe-token init`,
    })
  }
  return validate(path, json)
}

const narrowMode = async (path: string, warn: (line: string) => void): Promise<void> => {
  try {
    const mode = (await stat(path)).mode & 0o777
    if ((mode & 0o077) === 0) return
    await chmod(path, 0o600)
    warn(
      `warning: settings file ${path} had mode ${mode.toString(8)} (readable by others); changed it to 600`,
    )
  } catch {
    // Best effort: the read itself succeeded.
  }
}

/** Writes the settings file atomically with mode 0600, creating its folder (0700) when missing. */
export const writeConfigFile = async (path: string, config: ConfigFile): Promise<void> => {
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    await writeFileAtomic(path, `${JSON.stringify(config, null, 2)}\n`)
  } catch (e) {
    const code = errnoCode(e instanceof WriteStepError ? e.cause : e)
    throw new UsageError({
      message: `cannot write settings file ${path} (${code ?? "error"}) — pass a writable --config path or fix the permissions`,
    })
  }
}
