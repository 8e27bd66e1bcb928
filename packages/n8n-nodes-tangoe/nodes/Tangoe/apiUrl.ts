/**
 * Where an API request may go: a path below the credential's API base URL, or a full URL under it.
 * The access token is sent only there, never to another host or to a path outside the base.
 */

/** The outcome of {@link resolveApiUrl}: the URL to call, or why there is none. */
export type ApiUrl =
  | { readonly ok: true; readonly url: string }
  | { readonly ok: false; readonly reason: string }

const SCHEME = /^[a-z][a-z0-9+.-]*:/i

/** Origin and path of a URL, never its query (which may hold secrets) or credentials. */
const shown = (url: URL): string => `${url.origin}${url.pathname}`

const parse = (value: string): URL | undefined => {
  try {
    return new URL(value)
  } catch {
    return undefined
  }
}

const isUnder = (url: URL, base: URL): boolean => {
  if (url.origin !== base.origin || url.username !== "" || url.password !== "") return false
  const prefix = base.pathname.endsWith("/") ? base.pathname : `${base.pathname}/`
  return url.pathname === base.pathname || url.pathname.startsWith(prefix)
}

/**
 * Resolves the node's URL parameter against the API base URL: a path (`/v1/items`, `v1/items?x=1`) is
 * appended to the base; a full URL must have the base's origin and lie at or below its path.
 */
export function resolveApiUrl(apiBaseUrl: string, target: string): ApiUrl {
  const base = parse(apiBaseUrl.trim())
  if (base === undefined || (base.protocol !== "https:" && base.protocol !== "http:")) {
    return {
      ok: false,
      reason:
        "The credential's API Base URL is not an absolute http(s) URL: set it to the Tangoe API's base URL, e.g. https://api.example.com.",
    }
  }
  const wanted = target.trim()
  if (wanted === "") return { ok: true, url: base.href }
  const joined = SCHEME.test(wanted)
    ? parse(wanted)
    : parse(`${base.href.replace(/\/+$/, "")}/${wanted.replace(/^\/+/, "")}`)
  if (joined === undefined) {
    return {
      ok: false,
      reason: "The URL is not valid: give a path such as /v1/items, or a full URL under the API Base URL.",
    }
  }
  if (!isUnder(joined, base)) {
    return {
      ok: false,
      reason: `The URL ${shown(joined)} is not under the credential's API Base URL ${shown(base)}: the access token is only sent to the Tangoe API. Use a path, or change the API Base URL.`,
    }
  }
  return { ok: true, url: joined.href }
}
