/**
 * The API base URL (validated once) and the URLs of calls under it: a path is joined to the base; an
 * absolute URL must have the base's origin, so the token never goes to another host.
 *
 * @internal
 */
import * as Result from "effect/Result"
import { InvalidConfig } from "../../InvalidConfig.ts"
import { ForeignHost } from "../../TangoeApiError.ts"
import { API_BASE_URLS } from "../../TangoeApiUrls.ts"
import { isLoopback } from "../loopback.ts"

const invalid = (expected: string, received: string, hint?: string): Result.Result<never, InvalidConfig> =>
  Result.fail(new InvalidConfig({ field: "baseUrl", expected, received, hint }))

/**
 * The base URL: the given one, else the preset of the environment (production only: Tangoe documents
 * no QA API host). https, or http on a loopback host; no credentials, query or fragment.
 */
export const resolveBaseUrl = (baseUrl: unknown, environment: unknown): Result.Result<URL, InvalidConfig> => {
  const expected = "an absolute https URL (http only on a loopback host) without query or fragment"
  if (baseUrl === undefined) {
    if (environment === "production") return Result.succeed(new URL(API_BASE_URLS.production))
    return invalid(
      expected,
      "nothing",
      environment === "qa"
        ? "Tangoe's documentation shows no QA API host: give the QA API base URL Tangoe gave you."
        : "Give the API base URL that goes with your token endpoint.",
    )
  }
  if (typeof baseUrl !== "string" && !(baseUrl instanceof URL)) return invalid(expected, typeof baseUrl)
  let url: URL
  try {
    url = new URL(String(baseUrl))
  } catch {
    return invalid(expected, "a string that is not an absolute URL")
  }
  const shown = JSON.stringify(`${url.protocol}//${url.host}${url.pathname}`)
  if (url.username !== "" || url.password !== "") return invalid(expected, "a URL with credentials in it")
  if (url.search !== "" || url.hash !== "") return invalid(expected, `${shown} with a query or fragment`)
  if (url.protocol !== "https:" && !(url.protocol === "http:" && isLoopback(url.hostname))) {
    return invalid(
      expected,
      shown,
      "The calls carry the access token: plain http is allowed only for loopback hosts.",
    )
  }
  if (!url.pathname.endsWith("/")) url.pathname = `${url.pathname}/`
  return Result.succeed(url)
}

/** The URL of a call: a path (with its query) under the base, or an absolute URL of the base's origin. */
export const callUrl = (
  base: URL,
  input: string | URL,
  source: "url" | "hrefNext",
): Result.Result<URL, ForeignHost> => {
  const raw = String(input)
  let url: URL
  try {
    url = /^[a-z][a-z0-9+.-]*:/i.test(raw) ? new URL(raw) : new URL(raw.replace(/^\/+/, ""), base)
  } catch {
    return Result.fail(
      new ForeignHost({ source, origin: "a string that is not a URL", expectedOrigin: base.origin }),
    )
  }
  return url.origin === base.origin
    ? Result.succeed(url)
    : Result.fail(new ForeignHost({ source, origin: url.origin, expectedOrigin: base.origin }))
}

/** A URL as errors show it: without query string or fragment. */
export const shownUrl = (url: URL): string => `${url.origin}${url.pathname}`
