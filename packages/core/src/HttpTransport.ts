/**
 * The one HTTP exchange a refresh needs, as a replaceable service. The default, {@link nodeHttpTransport},
 * uses Node's own HTTP client with its global agent; {@link fetchTransport} uses the global `fetch`. Both
 * never follow a redirect and cap the body they read. An adapter can route the call through its host's
 * own HTTP client (n8n's `this.helpers.httpRequest`, for example) with {@link fromPromise}.
 *
 * A transport reports failures as {@link HttpTransportFailure}, classified into "the request never
 * left" and "the request may have reached the server": the retry policy depends on it.
 *
 * @since 0.1.0
 */
import * as Context from "effect/Context"
import * as Data from "effect/Data"
import * as Effect from "effect/Effect"
import { abortThrough, newAbortHook, type PromiseSend, promiseSend, withSignal } from "./internal/deadline.ts"
import { nodeHttpExchange } from "./internal/transport/nodeHttp.ts"

/**
 * One request. `url`, `headers` and `body` carry secrets (the query string with the default
 * placement, `Authorization` with Basic auth): a transport must never log or echo them.
 *
 * @category models
 * @since 0.1.0
 */
export interface HttpTransportRequest {
  /** Always `"POST"`. */
  readonly method: "POST"
  /** The full URL, query string included (it may hold secrets). */
  readonly url: string
  /** Request headers (they may hold secrets). */
  readonly headers: Readonly<Record<string, string>>
  /** The form body, or `undefined` when the parameters are in the query string. */
  readonly body: string | undefined
  /** The time limit in milliseconds (the caller also interrupts the call when it passes). */
  readonly timeoutMillis: number
  /** Stop reading the body past this many bytes and report `bodyTruncated`. */
  readonly maxBodyBytes: number
}

/**
 * One response: the status, headers with lower-case names, and the body as text.
 *
 * @category models
 * @since 0.1.0
 */
export interface HttpTransportResponse {
  /** The HTTP status. */
  readonly status: number
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>
  /** The body text (at most about `maxBodyBytes`). */
  readonly body: string
  /** `true` when the body was longer than `maxBodyBytes` and its read was stopped. */
  readonly bodyTruncated?: boolean | undefined
}

/**
 * A failed exchange. `code` is a short machine code (`ECONNREFUSED`, `ENOTFOUND`, `ECONNRESET`, …),
 * never an error message: messages of HTTP clients can contain the URL, and so the secrets.
 * `mayHaveReachedServer` is `false` only when the request certainly did not leave this machine
 * (DNS failure, connection refused, TLS handshake failure).
 *
 * @category errors
 * @since 0.1.0
 */
export class HttpTransportFailure extends /* @__PURE__ */ Data.TaggedError("HttpTransportFailure")<{
  readonly code: string
  readonly mayHaveReachedServer: boolean
  readonly message: string
}> {
  constructor(fields: { readonly code: string; readonly mayHaveReachedServer: boolean }) {
    super({
      ...fields,
      message: `HTTP exchange failed (${fields.code}); ${fields.mayHaveReachedServer ? "the request may have reached the server" : "the request never left"}`,
    })
  }
}

/**
 * The service: one method that performs one exchange. It must not follow redirects.
 *
 * @category models
 * @since 0.1.0
 */
export interface HttpTransport {
  /** Sends one request; interruption must abort it. */
  readonly send: (request: HttpTransportRequest) => Effect.Effect<HttpTransportResponse, HttpTransportFailure>
}

/**
 * Error codes that prove the request never left: name resolution, connection set-up and TLS
 * handshake failures, and requests the HTTP client refused to build. Anything else is treated as "may
 * have reached the server".
 */
const NEVER_LEFT = new Set([
  "ECONNREFUSED",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EAI_FAIL",
  "EAI_NONAME",
  "EAI_NODATA",
  "ENETUNREACH",
  "ENETDOWN",
  "EHOSTUNREACH",
  "EHOSTDOWN",
  "EADDRNOTAVAIL",
  "UND_ERR_CONNECT_TIMEOUT",
  "CERT_HAS_EXPIRED",
  "CERT_NOT_YET_VALID",
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  // Refused by the HTTP client before it sent anything: the URL, its protocol, a header.
  "ERR_INVALID_URL",
  "ERR_INVALID_PROTOCOL",
  "ERR_UNESCAPED_CHARACTERS",
  "ERR_INVALID_CHAR",
  "ERR_INVALID_HTTP_TOKEN",
  "ERR_HTTP_INVALID_HEADER_VALUE",
])

const CODE = /^[A-Z][A-Z0-9_]{1,47}$/

/** The first well-formed `code` found on an error, its `cause` chain or an AggregateError's members. */
const findCode = (u: unknown, depth = 0): string | undefined => {
  if (depth > 4 || typeof u !== "object" || u === null) return undefined
  const code = (u as { readonly code?: unknown }).code
  if (typeof code === "string" && CODE.test(code)) return code
  const errors = (u as { readonly errors?: unknown }).errors
  if (Array.isArray(errors)) {
    for (const member of errors.slice(0, 4)) {
      const found = findCode(member, depth + 1)
      if (found !== undefined) return found
    }
  }
  return findCode((u as { readonly cause?: unknown }).cause, depth + 1)
}

/**
 * Turns anything an HTTP client threw into an {@link HttpTransportFailure}, keeping only an error code
 * (never the message or the cause, which can contain the URL). Unknown failures count as "may have
 * reached the server": the safe assumption for a rotating refresh token.
 *
 * @category constructors
 * @since 0.1.0
 */
export const classifyFailure = (error: unknown): HttpTransportFailure => {
  if (error instanceof HttpTransportFailure) return error
  const code = findCode(error) ?? "UNKNOWN"
  return new HttpTransportFailure({ code, mayHaveReachedServer: !NEVER_LEFT.has(code) })
}

/** Marks failures raised after the response headers arrived: the request certainly reached the server. */
const afterHeaders = (error: unknown): HttpTransportFailure =>
  new HttpTransportFailure({ code: findCode(error) ?? "BODY_READ_FAILED", mayHaveReachedServer: true })

/**
 * Whether the body can be read whole (`response.text()`). A declared
 * length within the cap bounds an unencoded read (HTTP/1.1 frames the body by it): it is read whole,
 * without materializing the body stream (`response.body`), which costs more than the read. A
 * compressed body is counted as it decompresses (`readStreamed`).
 */
const readsWhole = (response: Response, maxBytes: number): boolean => {
  const length = response.headers.get("content-length")
  const declared = length === null ? Number.NaN : Number(length)
  const encoding = response.headers.get("content-encoding")
  const identity = encoding === null || encoding.trim().toLowerCase() === "identity"
  return identity && Number.isSafeInteger(declared) && declared >= 0 && declared <= maxBytes
}

/** A body of unknown or encoded length, read as a stream and stopped past `maxBytes`. */
const readStreamed = async (
  response: Response,
  maxBytes: number,
): Promise<{ body: string; truncated: boolean }> => {
  if (response.body === null) return { body: "", truncated: false }
  const length = response.headers.get("content-length")
  const declared = length === null ? Number.NaN : Number(length)
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel().catch(() => undefined)
    return { body: "", truncated: true }
  }
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let body = ""
  let bytes = 0
  for (;;) {
    const chunk = await reader.read()
    if (chunk.done) return { body: body + decoder.decode(), truncated: false }
    bytes += chunk.value.byteLength
    if (bytes > maxBytes) {
      await reader.cancel().catch(() => undefined)
      return { body, truncated: true }
    }
    body += decoder.decode(chunk.value, { stream: true })
  }
}

const headersOf = (headers: Headers): Record<string, string> => {
  const out: Record<string, string> = {}
  headers.forEach((value, name) => {
    out[name.toLowerCase()] = value
  })
  return out
}

const fetchOnce = async (
  request: HttpTransportRequest,
  signal: AbortSignal,
): Promise<HttpTransportResponse> => {
  let response: Response
  try {
    response = await globalThis.fetch(request.url, {
      method: request.method,
      headers: request.headers,
      // No body (`null`) when the parameters are in the query string.
      body: request.body ?? null,
      redirect: "manual",
      // No `cache` option: Node's fetch keeps no HTTP cache and a POST is never stored (RFC 9111 §3),
      // while `cache: "no-store"` only adds `pragma` and `cache-control` request headers to every call.
      signal,
    })
  } catch (error) {
    throw classifyFailure(error)
  }
  try {
    let body: string
    let truncated = false
    if (readsWhole(response, request.maxBodyBytes)) body = await response.text()
    else ({ body, truncated } = await readStreamed(response, request.maxBodyBytes))
    // The headers are copied when first read: a successful refresh reads none of them.
    let headers: Record<string, string> | undefined
    return {
      status: response.status,
      get headers() {
        headers ??= headersOf(response.headers)
        return headers
      },
      body,
      bodyTruncated: truncated,
    }
  } catch (error) {
    throw afterHeaders(error)
  }
}

/**
 * A transport from a Promise-returning function, for hosts that bring their own HTTP client. The
 * function must not follow redirects, must resolve (not reject) for every HTTP status, and should abort
 * when `signal` does. What it throws is classified with {@link classifyFailure} (only a `code`
 * property is kept); throw an {@link HttpTransportFailure} to classify it yourself.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fromPromise = (
  send: (request: HttpTransportRequest, signal: AbortSignal) => Promise<HttpTransportResponse>,
): HttpTransport => withPromise(withSignal(send))

/**
 * A transport over `direct`: its `send` runs the Promise and aborts it through the hook when
 * interrupted; a refresh finds `direct` itself and times it with a plain timer (see
 * internal/deadline.ts).
 */
const withPromise = (direct: PromiseSend): HttpTransport => {
  const transport: HttpTransport & { readonly [promiseSend]: PromiseSend } = {
    send: (request) =>
      Effect.callback<HttpTransportResponse, HttpTransportFailure>((resume) => {
        const hook = newAbortHook()
        const failed = (error: unknown) => resume(Effect.fail(classifyFailure(error)))
        try {
          direct(request, hook).then((response) => resume(Effect.succeed(response)), failed)
        } catch (error) {
          // A send that throws instead of rejecting.
          failed(error)
        }
        return Effect.sync(() => abortThrough(hook))
      }),
    [promiseSend]: direct,
  }
  return transport
}

/**
 * The global `fetch` as transport, never following redirects, reading at most `maxBodyBytes` of the
 * body. Interruption (a timeout, for example) aborts the request. For an application that routes
 * `fetch` through its own undici dispatcher (`setGlobalDispatcher`, for a proxy or a CA); the default
 * is {@link nodeHttpTransport}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const fetchTransport: HttpTransport = /* @__PURE__ */ fromPromise(fetchOnce)

/**
 * The default transport: Node's own `http`/`https` client with the module's global agent, never
 * following redirects, reading at most `maxBodyBytes` of the body. Interruption (a timeout, for
 * example) aborts the request and closes its connection.
 *
 * The global agent keeps the connection alive between refreshes, and is read at each call: a host that
 * replaces `https.globalAgent` to route outbound HTTP through a proxy (the `global-agent` package does;
 * n8n does for its main process, from `HTTPS_PROXY` and `NO_PROXY`) routes the refresh too, as does
 * Node's `NODE_USE_ENV_PROXY=1`. An application that routes
 * `fetch` through its own undici dispatcher instead (`setGlobalDispatcher`) should pass
 * {@link fetchTransport}.
 *
 * @category constructors
 * @since 0.1.0
 */
export const nodeHttpTransport: HttpTransport = /* @__PURE__ */ withPromise(nodeHttpExchange)

/**
 * The transport `refresh` uses: {@link nodeHttpTransport} unless another one is provided, e.g.
 * `Effect.provideService(HttpTransport, fromPromise(myHttpCall))`.
 *
 * @category services
 * @since 0.1.0
 */
export const HttpTransport: Context.Reference<HttpTransport> =
  /* @__PURE__ */ Context.Reference<HttpTransport>("@tangoe-token/core/HttpTransport", {
    defaultValue: () => nodeHttpTransport,
  })
