/**
 * One token exchange over Node's own HTTP client (`node:http`, `node:https`), with the module's global
 * agent: the default transport of a refresh (see `nodeHttpTransport` in HttpTransport.ts).
 *
 * - **The global agent, read at each call.** It keeps connections alive (Node >= 19), so a refresh
 *   after another reuses the TLS session. A host that routes outbound HTTP through a proxy by replacing
 *   `https.globalAgent` (the `global-agent` package; n8n, from `HTTPS_PROXY`/`NO_PROXY`) or through Node's
 *   `NODE_USE_ENV_PROXY` gets the refresh routed the same way; `NODE_EXTRA_CA_CERTS` and
 *   `--use-system-ca` apply as to any TLS connection.
 * - **No redirect is followed** (Node's client never follows one): a 3xx comes back as it is.
 * - **The body is capped,** counted as it decompresses when the server compresses it although no
 *   `Accept-Encoding` was sent (gzip, deflate, br); an unknown coding is passed on undecoded, as `fetch`
 *   does, and fails the response's decoding.
 * - **The request headers `fetch` would add where they matter:** a `User-Agent` of `node` unless one is
 *   given, and an explicit `Content-Length` (0 for the query form), never chunked encoding.
 * - **Failures are rejected raw,** with their `code`; the caller classifies them (`classifyFailure`).
 *   A failure after the response headers arrived has a code that says the request reached the server.
 *
 * @internal
 */
import type * as http from "node:http"
import type { Readable } from "node:stream"
import { urlToHttpOptions } from "node:url"
import type * as zlib from "node:zlib"
import type { HttpTransportRequest, HttpTransportResponse } from "../../HttpTransport.ts"
import type { PromiseSend } from "../deadline.ts"

/**
 * Node's HTTP clients, loaded at the first exchange: loading `node:https` (and TLS with it) costs
 * about 10 ms, which a process that never refreshes (a CLI serving a cached token) must not pay.
 */
let clients: { readonly http: typeof http; readonly https: typeof import("node:https") } | undefined
const clientsOf = () =>
  (clients ??= {
    http: process.getBuiltinModule("node:http"),
    https: process.getBuiltinModule("node:https"),
  })

/** `node:zlib`, loaded when a server first sends a compressed body. */
const zlibOf = (): typeof zlib => process.getBuiltinModule("node:zlib")

/** What fetch sends as its `User-Agent` in Node; some gateways refuse a request without one. */
const USER_AGENT = "node"

/** A failure with a code and a message that holds no part of the request. */
const coded = (code: string, message: string): Error => Object.assign(new Error(message), { code })

/** The options of a URL's origin and path, for every request to it (a token URL stays the same). */
interface Target {
  /** The URL up to the end of its path. */
  readonly prefix: string
  readonly secure: boolean
  readonly options: http.RequestOptions
}

let lastTarget: Target | undefined

/**
 * Node's request options for `url`: its origin and path parsed once per token URL, the query (which
 * changes with every refresh token) appended as it is. The URL a core request carries is serialized by
 * `URL`, so its query needs no further escaping; a URL of any other shape is parsed whole.
 */
const targetOf = (url: string): { readonly secure: boolean; readonly options: http.RequestOptions } => {
  const last = lastTarget
  if (last !== undefined && url.startsWith(last.prefix)) {
    const rest = url.slice(last.prefix.length)
    if (rest === "" || (rest.charCodeAt(0) === 63 /* ? */ && SAFE_QUERY.test(rest)))
      return { secure: last.secure, options: { ...last.options, path: last.options.path + rest } }
  }
  const parsed = new URL(url)
  const secure = parsed.protocol === "https:"
  if (!secure && parsed.protocol !== "http:")
    throw coded("ERR_INVALID_PROTOCOL", "the token URL must use https: or http:")
  const options = urlToHttpOptions(parsed)
  lastTarget = {
    prefix: parsed.href.slice(0, parsed.href.length - parsed.search.length - parsed.hash.length),
    secure,
    options: {
      protocol: options.protocol,
      hostname: options.hostname,
      port: options.port,
      path: parsed.pathname,
      ...(options.auth === undefined ? {} : { auth: options.auth }),
    },
  }
  return { secure, options }
}

/**
 * A query `URL` would serialize as it is: printable ASCII without `"`, `#`, `'`, `<` and `>` (which it
 * would escape) or a space.
 */
const SAFE_QUERY = /^[\x21\x24-\x26\x28-\x3b\x3d\x3f-\x7e]*$/

/** The decompressing stream for a `Content-Encoding`, `undefined` for identity or an unknown coding. */
const decoderFor = (
  encoding: string | undefined,
): zlib.Gunzip | zlib.Inflate | zlib.BrotliDecompress | undefined => {
  if (encoding === undefined) return undefined
  const zlib = zlibOf()
  switch (encoding.trim().toLowerCase()) {
    case "gzip":
    case "x-gzip":
      // Like fetch: a body cut short after a whole member is still read.
      return zlib.createGunzip({
        flush: zlib.constants.Z_SYNC_FLUSH,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      })
    case "deflate":
      return zlib.createInflate({
        flush: zlib.constants.Z_SYNC_FLUSH,
        finishFlush: zlib.constants.Z_SYNC_FLUSH,
      })
    case "br":
      return zlib.createBrotliDecompress()
    default:
      return undefined
  }
}

/**
 * The two response headers the body read needs, from the raw list (reading `message.headers` builds
 * an object of every header): `Content-Length` and `Content-Encoding`, the last of each.
 */
const framingOf = (
  raw: ReadonlyArray<string>,
): { length: string | undefined; encoding: string | undefined } => {
  let length: string | undefined
  let encoding: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length === 14 && name.toLowerCase() === "content-length") length = raw[i + 1]
    else if (name.length === 16 && name.toLowerCase() === "content-encoding") encoding = raw[i + 1]
  }
  return { length, encoding }
}

/** Response headers as one string per name (a repeated header joined with ", ", as fetch does). */
const headersOf = (message: http.IncomingMessage): Record<string, string> => {
  const out: Record<string, string> = {}
  const raw = message.headers
  for (const name in raw) {
    const value = raw[name]
    if (value !== undefined) out[name] = typeof value === "string" ? value : value.join(", ")
  }
  return out
}

/** UTF-8 text of the body, a leading byte order mark dropped (as `response.text()` does). */
const textOf = (chunks: ReadonlyArray<Buffer>): string => {
  const text =
    chunks.length === 1 ? (chunks[0] as Buffer).toString("utf8") : Buffer.concat(chunks).toString("utf8")
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text
}

/** The request headers: the caller's, a `User-Agent` unless given, the body's length. */
const headersFor = (request: HttpTransportRequest): Record<string, string | number> => {
  const headers: Record<string, string | number> = { "user-agent": USER_AGENT }
  const given = request.headers
  for (const name in given) {
    if (name.toLowerCase() === "user-agent") delete headers["user-agent"]
    headers[name] = given[name] as string
  }
  headers["content-length"] = request.body === undefined ? 0 : Buffer.byteLength(request.body)
  return headers
}

/**
 * Sends `request` and resolves with the status, the headers and at most `maxBodyBytes` of the body.
 * Aborting through `hook` destroys the request, and its connection with it.
 */
export const nodeHttpExchange: PromiseSend = (request, hook) =>
  new Promise<HttpTransportResponse>((resolve, reject) => {
    if (hook.aborted) return reject(coded("ABORT_ERR", "the exchange was aborted"))
    let settled = false
    const settle = (): boolean => {
      if (settled) return false
      settled = true
      hook.abort = undefined
      return true
    }
    const fail = (error: unknown) => {
      if (settle()) reject(error)
    }
    let req: http.ClientRequest
    try {
      const target = targetOf(request.url)
      const options = target.options
      options.method = request.method
      options.headers = headersFor(request)
      const node = clientsOf()
      req = (target.secure ? node.https : node.http).request(options)
    } catch (error) {
      // An invalid URL or header value: thrown before anything was sent.
      return fail(error)
    }
    hook.abort = () => {
      fail(coded("ABORT_ERR", "the exchange was aborted"))
      req.destroy()
    }
    req.on("error", fail)
    req.on("response", (response) => {
      const maxBytes = request.maxBodyBytes
      const status = response.statusCode ?? 0
      let headers: Record<string, string> | undefined
      const answer = (body: string, truncated: boolean) => {
        if (!settle()) return
        resolve({
          status,
          // Copied when first read: a successful refresh reads none of them.
          get headers() {
            headers ??= headersOf(response)
            return headers
          },
          body,
          bodyTruncated: truncated,
        })
      }
      const framing = framingOf(response.rawHeaders)
      const decoder = decoderFor(framing.encoding)
      if (decoder === undefined && Number(framing.length) > maxBytes) {
        // Refused without reading: HTTP/1.1 frames the body by its declared length.
        answer("", true)
        response.destroy()
        return
      }
      const chunks: Array<Buffer> = []
      let bytes = 0
      const body: Readable = decoder === undefined ? response : response.pipe(decoder)
      body.on("data", (chunk: Buffer) => {
        bytes += chunk.byteLength
        if (bytes > maxBytes) {
          answer(textOf(chunks), true)
          response.destroy()
          decoder?.destroy()
          return
        }
        chunks.push(chunk)
      })
      body.on("end", () => answer(textOf(chunks), false))
      // A connection lost in the body, or a corrupt compressed body: the request reached the server.
      body.on("error", (error: Error) => fail(withCode(error, "BODY_READ_FAILED")))
      if (decoder !== undefined)
        response.on("error", (error: Error) => fail(withCode(error, "BODY_READ_FAILED")))
      response.on("close", () => {
        if (!response.complete) fail(coded("ECONNRESET", "the connection closed before the body ended"))
      })
    })
    req.end(request.body)
  })

/** `error` when it carries a code, else a failure with `code` (and no part of the request). */
const withCode = (error: Error, code: string): unknown =>
  typeof (error as { readonly code?: unknown }).code === "string"
    ? error
    : coded(code, "the body could not be read")
