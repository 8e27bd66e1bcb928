/**
 * Masks secrets in text that came from a server before any of it goes into an error: the known
 * secrets of the request in every form they travel in, values of token-like JSON fields, and long
 * token-like runs of characters.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"

const MASK = "***"

/** The forms a secret travels in: as is, URL- and form-encoded, base64 and base64url. */
export const secretForms = (secret: string): ReadonlyArray<string> => {
  const form = new URLSearchParams([["", secret]]).toString().slice(1)
  const base64 = Buffer.from(secret, "utf8").toString("base64")
  const base64url = Buffer.from(secret, "utf8").toString("base64url")
  return [...new Set([secret, encodeURIComponent(secret), form, base64, base64url])].filter(
    (s) => s.length > 0,
  )
}

/** Every form of every given secret, longest first (so a longer form is masked before its parts). */
export const knownSecrets = (
  secrets: ReadonlyArray<Redacted.Redacted<string> | string>,
): ReadonlyArray<string> =>
  secrets
    .flatMap((s) => secretForms(typeof s === "string" ? s : Redacted.value(s)))
    .sort((a, b) => b.length - a.length)

const TOKEN_FIELD =
  /("[^"\\]{0,64}(?:token|secret|password|assertion)[^"\\]{0,64}"\s*:\s*)"(?:[^"\\]|\\.)*"?/gi
/** Token-like runs: 16+ characters with a digit in them, or any 32+ characters of a token alphabet. */
const LONG_RUN = /(?=[A-Za-z0-9\-._~+/=%]*[0-9])[A-Za-z0-9\-._~+/=%]{16,}|[A-Za-z0-9\-._~+/=%]{32,}/g
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const CONTROL = /[\x00-\x1F\x7F]+/g

/** Masks the known secrets, token-like JSON values and long token-like runs in `text`. */
export const mask = (text: string, secrets: ReadonlyArray<string>): string =>
  maskKnown(text, secrets).replace(TOKEN_FIELD, `$1"${MASK}"`).replace(LONG_RUN, MASK)

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
