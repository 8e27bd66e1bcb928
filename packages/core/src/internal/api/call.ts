/**
 * One Tangoe API call over a token source: the headers added (never over the caller's), a fresh
 * correlation id per HTTP request, and the token-rejection rule: on a rejection status (default 401
 * and 403) the token is invalidated (the token manager's own `invalidate`, shared with every process
 * using the store), a new one is obtained and the request is sent ONCE more. Whatever the second answer
 * is, it is final: no loop.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { classifyFailure } from "../../HttpTransport.ts"
import {
  type ApiCallFields,
  ApiTransport,
  MalformedApiResponse,
  TangoeApiError,
} from "../../TangoeApiError.ts"
import { replayPlan } from "../manager/replay.ts"
import { knownSecrets } from "../sanitize.ts"
import { callUrl, shownUrl } from "./baseUrl.ts"
import { decodeErrorBody, ERROR_BODY_LIMIT, readCapped, reasonOfStatus } from "./errorBody.ts"
import { callHeaders } from "./headers.ts"

/** Where the calls get their token, and where they report one the API refused. */
export interface TokenSource<E> {
  readonly get: Effect.Effect<Redacted.Redacted<string>, E>
  readonly invalidate: (rejected: Redacted.Redacted<string>) => Effect.Effect<void>
}

/** Everything a call needs, fixed when the API layer is made. */
export interface CallContext<E> {
  readonly base: URL
  readonly fetch: typeof globalThis.fetch
  readonly tokens: TokenSource<E>
  /** The tenant (given, or found by validation); `undefined`: send none. */
  readonly tenant: Effect.Effect<string | undefined, E | TangoeApiError>
  readonly clientId: string
  readonly companyEmployeeId?: string | undefined
  readonly employeeId?: string | undefined
  readonly hierarchyId?: string | undefined
  readonly activityId?: string | undefined
  readonly rejectionStatuses: ReadonlySet<number>
  readonly correlationId: () => string
}

/** An answered call. */
export interface Answer {
  readonly response: Response
  readonly call: ApiCallFields
  /** Set when the final status is a token rejection: whether a fresh token was refused too. */
  readonly rejected: { readonly afterFreshToken: boolean } | undefined
  /** The access token the final request carried (ours), for masking. */
  readonly token: Redacted.Redacted<string> | undefined
}

const apiError = (reason: TangoeApiError["reason"]) => new TangoeApiError({ reason })

const combined = (a: AbortSignal | null | undefined, b: AbortSignal): AbortSignal =>
  a === undefined || a === null ? b : AbortSignal.any([a, b])

/** Sends one HTTP request with the headers added. */
const sendOnce = <E>(
  ctx: CallContext<E>,
  url: URL,
  init: RequestInit | undefined,
  token: Redacted.Redacted<string> | undefined,
  tenant: string | undefined,
) => {
  const method = (init?.method ?? "GET").toUpperCase()
  const { headers, usesOurToken, correlationId } = callHeaders(init?.headers, {
    authorization: token === undefined ? undefined : `Bearer ${Redacted.value(token)}`,
    tenant,
    clientId: ctx.clientId,
    companyEmployeeId: ctx.companyEmployeeId,
    employeeId: ctx.employeeId,
    hierarchyId: ctx.hierarchyId,
    activityId: ctx.activityId,
    correlationId: ctx.correlationId(),
  })
  const call: ApiCallFields = { method, url: shownUrl(url), correlationId }
  return Effect.tryPromise({
    try: (signal) =>
      ctx.fetch(url, {
        ...init,
        method,
        headers,
        redirect: init?.redirect ?? "manual",
        signal: combined(init?.signal, signal),
      }),
    catch: (error) => {
      const failure = classifyFailure(error)
      return apiError(
        new ApiTransport({ ...call, code: failure.code, mayHaveReachedServer: failure.mayHaveReachedServer }),
      )
    },
  }).pipe(Effect.map((response) => ({ response, call, usesOurToken })))
}

/**
 * Sends a call, replaying it once with a new token when the API refused ours. Any status is an answer
 * here; `expectOk` turns the non-2xx ones into errors.
 */
export const send = <E>(
  ctx: CallContext<E>,
  input: string | URL,
  init: RequestInit | undefined,
  source: "url" | "hrefNext" = "url",
): Effect.Effect<Answer, E | TangoeApiError> =>
  Effect.gen(function* () {
    const url = callUrl(ctx.base, input, source)
    if (Result.isFailure(url)) return yield* Effect.fail(apiError(url.failure))
    const tenant = yield* ctx.tenant
    const callerAuthorizes = new Headers(init?.headers).has("authorization")
    const token = callerAuthorizes ? undefined : yield* ctx.tokens.get
    const first = yield* sendOnce(ctx, url.success, init, token, tenant)
    const status = first.response.status
    if (!first.usesOurToken || token === undefined || !ctx.rejectionStatuses.has(status)) {
      return { response: first.response, call: first.call, rejected: undefined, token }
    }
    // The API refused our token: never hand it out again (here, and through the store everywhere).
    yield* ctx.tokens.invalidate(token)
    const plan = replayPlan(url.success, init)
    if (plan.replay === undefined) {
      return { response: first.response, call: first.call, rejected: { afterFreshToken: false }, token }
    }
    yield* Effect.promise(() => first.response.body?.cancel().catch(() => undefined) ?? Promise.resolve())
    const fresh = yield* ctx.tokens.get
    const second = yield* sendOnce(ctx, url.success, init, fresh, tenant)
    const rejected = ctx.rejectionStatuses.has(second.response.status) ? { afterFreshToken: true } : undefined
    return { response: second.response, call: second.call, rejected, token: fresh }
  })

/** The secrets an answer's text is masked with. */
const secretsOf = (answer: Answer): ReadonlyArray<string> =>
  answer.token === undefined ? [] : knownSecrets([answer.token])

/** A 2xx answer's JSON body; any other answer as the error it stands for. */
export const expectJson = (answer: Answer): Effect.Effect<unknown, TangoeApiError> =>
  Effect.gen(function* () {
    const { response, call } = answer
    const status = response.status
    if (status < 200 || status >= 300) {
      const text = yield* Effect.promise(() => readCapped(response, ERROR_BODY_LIMIT).catch(() => ""))
      const body = decodeErrorBody(text, secretsOf(answer))
      return yield* Effect.fail(apiError(reasonOfStatus(call, status, body, answer.rejected)))
    }
    const text = yield* Effect.tryPromise({
      try: () => response.text(),
      catch: (error) => {
        const failure = classifyFailure(error)
        return apiError(new ApiTransport({ ...call, code: failure.code, mayHaveReachedServer: true }))
      },
    })
    if (status === 204 || text.trim() === "") return undefined
    try {
      return JSON.parse(text) as unknown
    } catch {
      return yield* Effect.fail(apiError(new MalformedApiResponse({ ...call, status, expected: "JSON" })))
    }
  })
