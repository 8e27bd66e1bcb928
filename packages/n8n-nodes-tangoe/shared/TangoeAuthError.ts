/**
 * The error the credential's refresh hook throws. n8n wraps it (as the `cause` of a `NodeApiError`),
 * so it carries only what is safe and useful to show: core's actionable message. It has no `status`,
 * `code` or `error` field on purpose: n8n would replace the message with a generic one for an HTTP
 * status it finds there.
 *
 * A non-enumerable marker (`tangoe`) tells the node which failure it was and which refresh token (by
 * fingerprint) was refused, without showing either in logs or JSON.
 */

/** What the marker says. */
export interface TangoeAuthMarker {
  /**
   * What failed: the reason of core's `RefreshError` (`InvalidGrant`, `InvalidClient`, `Timeout`, …),
   * `InvalidConfig`, or `Unexpected`.
   */
  readonly reason: string
  /** The fingerprint of the refresh token that was sent (core's `secretFingerprint`). */
  readonly refreshTokenFingerprint: string
}

/**
 * A refresh of the Tangoe access token failed; `message` says why and what to do, `description` (when
 * set) adds details n8n shows under it.
 */
export class TangoeAuthError extends Error {
  declare readonly tangoe: TangoeAuthMarker
  readonly description: string | undefined

  constructor(message: string, marker: TangoeAuthMarker, description?: string) {
    super(message)
    this.name = "TangoeAuthError"
    this.description = description
    Object.defineProperty(this, "tangoe", { value: marker, enumerable: false })
  }
}

/**
 * Texts that make n8n's `NodeApiError` throw a message away for a generic one ("The connection to the
 * server was closed unexpectedly…"): network error codes anywhere in the message, and "bad gateway".
 */
const N8N_REPLACES = [
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "ERRADDRINUSE",
  "EADDRNOTAVAIL",
  "ECONNABORTED",
  "EHOSTUNREACH",
  "EAI_AGAIN",
  "ENOENT",
  "EISDIR",
  "ENOTDIR",
  "EACCES",
  "EEXIST",
  "EPERM",
  "GETADDRINFO",
  "BAD GATEWAY",
]

const replacedByN8n = (text: string): boolean => {
  const upper = text.toUpperCase()
  return N8N_REPLACES.some((trigger) => upper.includes(trigger))
}

/**
 * Splits an error message so that n8n shows it as written: an error code in parentheses moves to the
 * description; if the message would still be replaced, all of it becomes the description under a
 * neutral headline.
 */
export function forN8n(headline: string, message: string): { message: string; description?: string } {
  const codes: string[] = []
  const withoutCodes = message.replace(/ \(([A-Z][A-Z0-9_]{2,47})\)/g, (_, code: string) => {
    codes.push(code)
    return ""
  })
  if (!replacedByN8n(withoutCodes)) {
    return codes.length === 0
      ? { message: `${headline}: ${withoutCodes}` }
      : { message: `${headline}: ${withoutCodes}`, description: `Error code: ${codes.join(", ")}` }
  }
  return { message: `${headline}; the details say why and what to do.`, description: message }
}

const isMarker = (u: unknown): u is TangoeAuthMarker =>
  typeof u === "object" &&
  u !== null &&
  typeof (u as TangoeAuthMarker).reason === "string" &&
  typeof (u as TangoeAuthMarker).refreshTokenFingerprint === "string"

/**
 * The marker of a Tangoe refresh failure anywhere in an error's `cause` chain (n8n wraps errors one
 * or more times), or `undefined`. Works across bundles: it looks at the marker, not the class.
 */
export function findTangoeAuthMarker(error: unknown): TangoeAuthMarker | undefined {
  let current: unknown = error
  for (let depth = 0; depth < 6 && typeof current === "object" && current !== null; depth++) {
    const marker = (current as { readonly tangoe?: unknown }).tangoe
    if (isMarker(marker)) return marker
    current = (current as { readonly cause?: unknown }).cause
  }
  return undefined
}
