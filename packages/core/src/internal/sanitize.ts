/**
 * Masks secrets in text that came from a server before any of it goes into an error: the known
 * secrets (sent or received) in every form they travel in, whatever their length or alphabet, any run
 * of {@link MIN_RUN} or more characters taken from one of them (a server quoting a token's prefix),
 * values of secret-carrying JSON fields, and long token-like runs of characters. Runs on error paths
 * only.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"

const MASK = "***"

/** A string as a JSON string literal's content, with every non-ASCII character as `\uXXXX`. */
const jsonAsciiEscaped = (secret: string): string =>
  JSON.stringify(secret)
    .slice(1, -1)
    .replace(/[\u0080-\uFFFF]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)

/**
 * The forms a secret travels in: as is, URL- and form-encoded, base64 and base64url, and JSON-escaped
 * (as `JSON.stringify` writes it, and with non-ASCII characters as `\uXXXX`, as a server quoting it may).
 */
export const secretForms = (secret: string): ReadonlyArray<string> => {
  const form = new URLSearchParams([["", secret]]).toString().slice(1)
  const base64 = Buffer.from(secret, "utf8").toString("base64")
  const base64url = Buffer.from(secret, "utf8").toString("base64url")
  const json = JSON.stringify(secret).slice(1, -1)
  return [
    ...new Set([secret, encodeURIComponent(secret), form, base64, base64url, json, jsonAsciiEscaped(secret)]),
  ].filter((s) => s.length > 0)
}

/** Every form of every given secret, longest first (so a longer form is masked before its parts). */
export const knownSecrets = (
  secrets: ReadonlyArray<Redacted.Redacted<string> | string>,
): ReadonlyArray<string> =>
  secrets
    .flatMap((s) => secretForms(typeof s === "string" ? s : Redacted.value(s)))
    .sort((a, b) => b.length - a.length)

/**
 * The value of a field whose name ENDS in token, secret, password or assertion (`access_token`,
 * `client_secret`…); `token_type` or `token_endpoint` carry no secret and stay readable.
 */
const TOKEN_FIELD =
  /("(?:[^"\\]{0,64}[_\-.])?(?:token|secret|password|assertion)"\s*:\s*)"(?:[^"\\]|\\.)*"?/gi
/** Token-like runs: 16+ characters with a digit in them, or any 32+ characters of a token alphabet. */
const LONG_RUN = /(?=[A-Za-z0-9\-._~+/=%]*[0-9])[A-Za-z0-9\-._~+/=%]{16,}|[A-Za-z0-9\-._~+/=%]{32,}/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\x00-\x1F\x7F]+/g

/** The shortest run of a secret's characters that is masked wherever it appears. */
export const MIN_RUN = 16

/**
 * Masks every occurrence of a known secret (any length), and every run of {@link MIN_RUN} or more
 * characters that also occurs in one: each `MIN_RUN`-character window of the text that is a window of
 * a secret is masked, and overlapping or adjacent masked windows merge into one `***`.
 */
export const maskSecretRuns = (text: string, secrets: ReadonlyArray<string>): string => {
  if (secrets.length === 0 || text.length === 0) return text
  const hidden = new Uint8Array(text.length)
  const windows = new Set<string>()
  for (const secret of secrets) {
    for (let at = text.indexOf(secret); at !== -1; at = text.indexOf(secret, at + 1)) {
      hidden.fill(1, at, at + secret.length)
    }
    for (let i = 0; i + MIN_RUN <= secret.length; i++) windows.add(secret.slice(i, i + MIN_RUN))
  }
  if (windows.size > 0) {
    for (let i = 0; i + MIN_RUN <= text.length; i++) {
      if (windows.has(text.slice(i, i + MIN_RUN))) hidden.fill(1, i, i + MIN_RUN)
    }
  }
  let out = ""
  for (let i = 0; i < text.length; i++) {
    if (hidden[i] === 0) out += text[i]
    else if (i === 0 || hidden[i - 1] === 0) out += MASK
  }
  return out
}

/** Masks the known secrets and runs of them, secret-carrying JSON values and long token-like runs in `text`. */
export const mask = (text: string, secrets: ReadonlyArray<string>): string =>
  maskSecretRuns(text, secrets).replace(TOKEN_FIELD, `$1"${MASK}"`).replace(LONG_RUN, MASK)

/** A short, single-line, masked start of a body; `undefined` for an empty one. */
export const excerpt = (body: string, secrets: ReadonlyArray<string>, maxChars = 160): string | undefined => {
  // Mask first, cut after: cutting first could leave part of a secret that no longer matches.
  const masked = mask(body.slice(0, 4096), secrets).replace(CONTROL, " ").replace(/\s+/g, " ").trim()
  if (masked.length === 0) return undefined
  return masked.length > maxChars ? `${masked.slice(0, maxChars)}…` : masked
}

/** Masks only the known secrets (for short codes such as an OAuth `error`). */
export const maskKnown = (text: string, secrets: ReadonlyArray<string>): string => {
  let out = text
  for (const secret of secrets) out = out.split(secret).join(MASK)
  return out
}

/** A server's `error_description`, masked, single-line and at most 300 characters. */
export const description = (text: string, secrets: ReadonlyArray<string>): string => {
  const masked = mask(text.slice(0, 2048), secrets).replace(CONTROL, " ").trim()
  return masked.length > 300 ? `${masked.slice(0, 300)}…` : masked
}
