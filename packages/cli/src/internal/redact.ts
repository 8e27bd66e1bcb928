/**
 * The one redaction step for URLs with credentials, applied to everything the CLI shows (results,
 * JSON documents, warnings, error messages): the userinfo of any `scheme://user:password@host` in
 * the text becomes `***`, so a token URL's `user:password@` and a Redis URL's `:password@` (no
 * user name) never reach the terminal, logs or scripts.
 *
 * @internal
 */

/** `scheme://` then a userinfo (up to the last `@` before a `/`, whitespace or quote) then `@`. */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^/\s"'<>]*@/gi

/** `text` with the userinfo of every URL in it replaced by `***`. */
export const redactUrls = (text: string): string => text.replace(USERINFO, "$1***@")
