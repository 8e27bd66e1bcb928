/**
 * The node's side of Tangoe's pagination: where the next page is (core's `nextPageHref`), and whether
 * the node may send the token there (under the credential's API Base URL, like every other URL).
 */
import { nextPageHref } from "@tangoe-token/core/host"
import { resolveApiUrl } from "./apiUrl"

/** The next page to fetch after a page with `body`: none, a URL, or a refusal (another host). */
export type NextPage =
  | { readonly kind: "end" }
  | { readonly kind: "next"; readonly url: string }
  | { readonly kind: "refused"; readonly reason: string }

/** Reads `_meta.hrefNext` of `body` and checks it lies under the API base URL. */
export function nextPage(apiBaseUrl: string, body: unknown): NextPage {
  const href = nextPageHref(body)
  if (href === undefined) return { kind: "end" }
  const target = resolveApiUrl(apiBaseUrl, href)
  return target.ok
    ? { kind: "next", url: target.url }
    : { kind: "refused", reason: `Tangoe's _meta.hrefNext was not followed. ${target.reason}` }
}
