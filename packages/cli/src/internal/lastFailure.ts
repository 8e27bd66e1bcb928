/**
 * The memory of the last failed refresh, for `status`: without it, `status` reads only the token
 * store, which still holds a valid access token after the server refused the refresh token, and so
 * says "valid" while every refresh fails.
 *
 * One small JSON file per token store: beside a file store (`<store>.last-failure.json`), or in the
 * state folder for a Redis store (`last-failure-<hash of the URL without password and the client
 * id>.json`). It holds when, what (the error's type), the exit code and the message, which is
 * secret-free like every message the CLI prints; never a token, a secret or a URL's userinfo. It
 * is written atomically (core's writer: temp file, fsync, rename, mode 0600), best effort: failing
 * to write it never changes a command's outcome. A refresh that succeeds later makes it stale (the
 * store's last refresh is newer), so it needs no clean-up.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import { mkdir } from "node:fs/promises"
import { dirname, join } from "node:path"
import { readRegularFile, writeFileAtomic } from "@tangoe-token/core/store"
import { exitCodeOf, messageOf, tagOf } from "./errors.ts"
import { redactUrls } from "./redact.ts"
import type { Settings } from "./settings.ts"

/** What `status` shows of the last failure. */
export interface LastFailure {
  /** When it happened (ISO 8601). */
  readonly at: string
  /** What failed: the reason of a refresh error (`InvalidGrant`…) or the error's tag. */
  readonly type: string
  /** The exit code the command ended with (or would have, when a cached token was served instead). */
  readonly exitCode: number
  /** What happened and what to do. */
  readonly message: string
}

/** Where the last failure of the settings' token store is kept. */
export const lastFailurePath = (settings: Settings, stateDir: string): string => {
  if (settings.storeUrl === undefined) return `${settings.storePath}.last-failure.json`
  const key = createHash("sha256")
    .update(`${settings.storePath}\n${settings.clientId ?? ""}`)
    .digest("hex")
  return join(stateDir, `last-failure-${key.slice(0, 16)}.json`)
}

/** Records `error` as the last failure at `at`. Never rejects. */
export const recordFailure = async (path: string, error: unknown, at: Date): Promise<void> => {
  const failure: LastFailure = {
    at: at.toISOString(),
    type: tagOf(error),
    exitCode: exitCodeOf(error),
    message: redactUrls(messageOf(error)),
  }
  try {
    await mkdir(dirname(path), { recursive: true, mode: 0o700 })
    await writeFileAtomic(path, `${JSON.stringify({ version: 1, ...failure }, null, 2)}\n`)
  } catch {
    // Best effort: the command's own outcome is what matters.
  }
}

/** The last failure recorded at `path`, or `undefined` (none, or a file that is not ours). Never rejects. */
export const readLastFailure = async (path: string): Promise<LastFailure | undefined> => {
  try {
    const file = await readRegularFile(path)
    if (file === undefined) return undefined
    const o = JSON.parse(file.text) as Record<string, unknown>
    const { at, type, exitCode, message } = o
    if (
      o.version !== 1 ||
      typeof at !== "string" ||
      Number.isNaN(Date.parse(at)) ||
      typeof type !== "string" ||
      typeof exitCode !== "number" ||
      typeof message !== "string"
    ) {
      return undefined
    }
    return { at, type, exitCode, message: redactUrls(message) }
  } catch {
    return undefined
  }
}
