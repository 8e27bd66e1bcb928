/**
 * What a failed token request looks like to a flow: a plain, secret-free object with what failed
 * as one name (`_tag`), its message and a short action, carried in `msg.error` and in the error a
 * Catch node receives. Core's errors already say what to do; the adapter adds its own configuration
 * errors and scrubs every string of the credential values it knows, as a last line of defence.
 *
 * @internal
 */
import { isRefreshError, REFRESH_ERROR_REASON_TAGS } from "./core.ts"

/** A token failure as a flow sees it. Never holds a secret. */
export interface TokenProblem {
  /**
   * What failed: the reason of core's `RefreshError` (`InvalidGrant`, `InvalidClient`, `Timeout`…),
   * or the tag of another error (`StoreError`, `NotProvisioned`, `NotConfigured`…).
   */
  readonly _tag: string
  /** What went wrong and what to do, from core (or from the configuration check). */
  readonly message: string
  /** The field at fault, for configuration errors. */
  readonly field?: string
}

/**
 * The tags the message catalog has a short label and action for: every reason of core's
 * `RefreshError`, core's other errors, and the adapter's own. Others use `Unexpected`.
 */
export const KNOWN_TAGS: ReadonlySet<string> = new Set([
  ...REFRESH_ERROR_REASON_TAGS,
  "InvalidConfig",
  "NotProvisioned",
  "RefreshTokenDead",
  "StoreError",
  "StoreConflict",
  "NotConfigured",
  "SideStoreUnreadable",
  "Unexpected",
])

/** Replaces every occurrence of each secret (of 4+ characters) in `text` with `[redacted]`. */
export const scrub = (text: string, secrets: ReadonlyArray<string | undefined>): string => {
  let out = text
  for (const secret of secrets) {
    if (secret !== undefined && secret.length >= 4) out = out.split(secret).join("[redacted]")
  }
  return out
}

/** The problem for any value a token call rejected with, scrubbed of the given secrets. */
export const toProblem = (cause: unknown, secrets: ReadonlyArray<string | undefined>): TokenProblem => {
  const tag = isRefreshError(cause)
    ? cause.reason._tag
    : typeof cause === "object" && cause !== null && typeof (cause as { _tag?: unknown })._tag === "string"
      ? (cause as { _tag: string })._tag
      : "Unexpected"
  const raw =
    typeof cause === "object" &&
    cause !== null &&
    typeof (cause as { message?: unknown }).message === "string"
      ? (cause as { message: string }).message
      : "The token request failed for an unknown reason."
  const field = (cause as { field?: unknown } | null)?.field
  return {
    _tag: tag,
    message: scrub(raw, secrets),
    ...(typeof field === "string" ? { field } : {}),
  }
}

/** The Error handed to `done(err)`: a Catch node sees its message and `code` (the tag). */
export class TokenRequestError extends Error {
  /** Node-RED copies `code` into the Catch node's `msg.error.code`. */
  readonly code: string
  constructor(problem: TokenProblem) {
    super(problem.message)
    this.name = "TangoeTokenError"
    this.code = problem._tag
  }
}
