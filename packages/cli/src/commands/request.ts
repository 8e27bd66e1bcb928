/**
 * `request <url>` performs one HTTP request with the access token, like a small curl: `-X` method,
 * `-H "Name: value"` headers (repeatable), `-d` body (`@file` reads a file, `@-` standard input;
 * with a body the method defaults to POST and a body starting with `{` or `[` is sent as JSON).
 * It goes through core's Tangoe API layer: `client_id`, `X-TNGO-TENANT` (the tenant setting, when set)
 * and a fresh `X-TNGO-CONTEXT-CORRELATIONID` are added unless a `-H` header sets them, and on 401 or
 * 403 the token is refreshed and the request replayed once. The body goes to stdout as received and
 * `HTTP <status> <text>` to stderr.
 *
 * Exit codes: 0 for a status below 400, 6 for 400 and above, 4 when the API cannot be reached.
 * JSON shape: `{"status","statusText","ok","headers":{…},"body"}` (the body as text).
 *
 * The token is only sent over https, or http to a loopback host.
 *
 * @internal
 */
import { readFile } from "node:fs/promises"
import { createTangoeApi, isTangoeApiError } from "@tangoe-token/core"
import { withClient } from "../internal/client.ts"
import { ApiUnavailable, ExitCode, UsageError } from "../internal/errors.ts"
import type { Output } from "../internal/output.ts"
import { withProgress } from "../internal/progress.ts"
import { type CommonOptions, loadSettings } from "../internal/run.ts"
import { readStdin } from "../internal/secretInput.ts"
import { clientRequest } from "../internal/settings.ts"

/** The options of `request`. */
export interface RequestOptions extends CommonOptions {
  readonly url: string
  readonly method?: string | undefined
  readonly headers: ReadonlyArray<string>
  readonly data?: string | undefined
}

const LOOPBACK = /^(localhost|127(?:\.\d{1,3}){3}|\[::1\])$/i

/** Parses the URL and refuses to send a token in clear to anything but loopback. */
const targetUrl = (raw: string): URL => {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw new UsageError({
      message: "the URL is not an absolute URL (e.g. https://api.example.com/v1/items)",
    })
  }
  if (url.protocol === "https:" || (url.protocol === "http:" && LOOPBACK.test(url.hostname))) return url
  throw new UsageError({
    message: `refusing to send the access token to ${url.protocol}//${url.host}: use https (plain http only for loopback hosts)`,
  })
}

const parseHeader = (raw: string): readonly [string, string] => {
  const colon = raw.indexOf(":")
  const name = colon < 0 ? "" : raw.slice(0, colon).trim()
  if (!/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(name)) {
    throw new UsageError({ message: 'a -H header must look like "Name: value"' })
  }
  return [name, raw.slice(colon + 1).trim()]
}

const readBody = async (data: string): Promise<string> => {
  if (data === "@-") return readStdin()
  if (!data.startsWith("@")) return data
  try {
    return await readFile(data.slice(1), "utf8")
  } catch {
    throw new UsageError({ message: `cannot read the body file ${data.slice(1)}` })
  }
}

const errorCode = (error: unknown): string => {
  let e: unknown = error
  for (let depth = 0; depth < 4 && typeof e === "object" && e !== null; depth++) {
    const code = (e as { code?: unknown }).code
    if (typeof code === "string") return code
    e = (e as { cause?: unknown }).cause
  }
  return "network error"
}

/** `tangoe-token request <url>`. */
export const requestCommand = async (options: RequestOptions, out: Output): Promise<number> => {
  const url = targetUrl(options.url)
  const headers = new Headers()
  for (const raw of options.headers) headers.append(...parseHeader(raw))
  const body = options.data === undefined ? undefined : await readBody(options.data)
  if (body !== undefined && !headers.has("content-type") && /^\s*[[{]/.test(body)) {
    headers.set("content-type", "application/json")
  }
  const method = (options.method ?? (body === undefined ? "GET" : "POST")).toUpperCase()
  const settings = await loadSettings(options, out)
  return withClient(settings, async (client) => {
    // The request's own origin is the API base: the token goes nowhere else.
    const api = createTangoeApi({
      ...clientRequest(settings),
      tokenClient: client,
      baseUrl: `${url.origin}/`,
      tenant: settings.tenant,
      tenantFromToken: false,
    })
    const response = await withProgress(client, out, `${method} ${url.host}…`, () =>
      api.fetch(url, { method, headers, ...(body === undefined ? {} : { body }) }).catch((error: unknown) => {
        if (isTangoeApiError(error) && error.reason._tag !== "ApiTransport") throw error
        if (typeof error === "object" && error !== null && "_tag" in error && !isTangoeApiError(error))
          throw error
        throw new ApiUnavailable({
          message: `cannot reach ${url.protocol}//${url.host} (${errorCode(error)}) — check the URL and your network, then retry`,
        })
      }),
    )
    const bytes = Buffer.from(await response.arrayBuffer())
    if (out.json) {
      out.document({
        status: response.status,
        statusText: response.statusText,
        ok: response.ok,
        headers: Object.fromEntries(response.headers),
        body: bytes.toString("utf8"),
      })
    } else {
      process.stdout.write(bytes)
      out.warn(`HTTP ${response.status} ${response.statusText}`.trimEnd())
    }
    return response.status < 400 ? ExitCode.ok : ExitCode.httpError
  })
}
