/**
 * Calls Tangoe's APIs the way Tangoe documents them, over a kept token: `createTangoeApi` (Promise)
 * or the `TangoeApi` service (Effect, over a `TokenManager`).
 *
 * - Every call carries `Authorization: Bearer …`, `X-TNGO-TENANT`, `client_id`, the context headers
 *   given (`X-TNGO-CONTEXT-COMPANYEMPLOYEEID`, `-EMPLOYEEID`, `-HIERARCHYID`, `-ACTIVITYID`) and a
 *   fresh `X-TNGO-CONTEXT-CORRELATIONID`. A header the caller set is never replaced (names compare
 *   case-insensitively); a caller's own `Authorization` is sent as is, and then no replay happens.
 * - Token rejection: Tangoe lists no 401, so an expired token may come back as 403. On a status of
 *   `rejectionStatuses` (default 401 and 403) the token is invalidated, a new one is obtained and the
 *   call is sent ONCE more. A 403 again, with that fresh token, is an authorization failure
 *   (`TangoeApiError` reason `Forbidden`), not a token problem: nothing more is refreshed.
 * - Tangoe error bodies become `TangoeApiError`s carrying `status`, `id`, `errorCode`, `message` and the
 *   correlation id sent.
 * - Pages follow `_meta.hrefNext` (async iterator or Stream), never onto another host, never past
 *   `maxPages`.
 * - `validate` asks the token endpoint who the token speaks for (`validate_bearer`); without a `tenant`
 *   option the tenant comes from there.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Context from "effect/Context"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Stream from "effect/Stream"
import {
  type HttpTransport,
  HttpTransport as HttpTransportService,
  nodeHttpTransport,
} from "./HttpTransport.ts"
import { InvalidConfig } from "./InvalidConfig.ts"
import { resolveBaseUrl } from "./internal/api/baseUrl.ts"
import { type CallContext, expectJson, send, type TokenSource } from "./internal/api/call.ts"
import {
  fetchPage,
  firstPageInput,
  type PageMeta,
  type PageOf,
  type PageOptions,
  type PagerState,
} from "./internal/api/pages.ts"
import { validateBearer } from "./internal/api/validate.ts"
import { type RefreshRequest, type ResolvedRefreshRequest, resolveRefreshRequest } from "./RefreshRequest.ts"
import { TangoeApiError, TenantUnknown } from "./TangoeApiError.ts"
import { createTokenClient, type TokenClient, type TokenClientOptions } from "./TokenClient.ts"
import { TokenManager } from "./TokenManager.ts"
import type { TokenManagerError } from "./TokenManagerError.ts"
import type { TokenIdentity } from "./TokenValidation.ts"

/**
 * How the API layer calls: the same for the Promise and the Effect form.
 *
 * @category models
 * @since 0.1.0
 */
export interface TangoeApiSettings {
  /**
   * The API base URL, e.g. `"https://tngo-mobproc.cloudhub.io/mobproc/v1"`: https, or http on a loopback
   * host. Default: `API_BASE_URLS.production` for the production environment; required otherwise
   * (Tangoe documents no QA API host).
   */
  readonly baseUrl?: string | URL | undefined
  /** The customer's tenant code, sent as `X-TNGO-TENANT`. Default: the tenant token validation names. */
  readonly tenant?: string | undefined
  /** Without `tenant`, ask token validation for it (default `true`); `false`: send no tenant header. */
  readonly tenantFromToken?: boolean | undefined
  /** `X-TNGO-CONTEXT-COMPANYEMPLOYEEID`: the acting end user's tenant-assigned employee id. */
  readonly companyEmployeeId?: string | undefined
  /** `X-TNGO-CONTEXT-EMPLOYEEID`: the acting end user's Tangoe-assigned employee id. */
  readonly employeeId?: string | undefined
  /** `X-TNGO-CONTEXT-HIERARCHYID`: the organizational hierarchy to use. */
  readonly hierarchyId?: string | undefined
  /** `X-TNGO-CONTEXT-ACTIVITYID`: groups related calls in Tangoe's logs. */
  readonly activityId?: string | undefined
  /** Statuses that mean "token rejected": invalidate, new token, replay once. Default `[401, 403]`. */
  readonly rejectionStatuses?: ReadonlyArray<number> | undefined
  /** The `fetch` of API calls; default the global one. (The token endpoint uses the token client's transport.) */
  readonly fetch?: typeof globalThis.fetch | undefined
  /** A correlation id per HTTP request; default `crypto.randomUUID()`. */
  readonly correlationId?: (() => string) | undefined
}

/**
 * One page of a collection: its items, its `_meta` (`totalCount`, `offset`, `limit`, `hrefNext`, …),
 * the whole body, and its index (0 first).
 *
 * @category models
 * @since 0.1.0
 */
export type TangoePage<A = unknown> = PageOf<A>

/**
 * A page's `_meta` block, as Tangoe documents it (`concepts/pagination`).
 *
 * @category models
 * @since 0.1.0
 */
export type TangoePageMeta = PageMeta

/**
 * Options of a paged read: `limit` (items per page, added to the first URL when it has none),
 * `maxPages` (default 500; more fails with `TooManyPages`), `init` (headers, signal).
 *
 * @category models
 * @since 0.1.0
 */
export type TangoePageOptions = PageOptions

/**
 * The default statuses that mean "token rejected": 401 and 403.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_REJECTION_STATUSES: ReadonlyArray<number> = [401, 403]

/**
 * The API layer's operations, in Effect. Failing to get a token fails with the token manager's error.
 *
 * @category models
 * @since 0.1.0
 */
export interface TangoeApiShape {
  /** One call, any status, as a `Response` (after at most one replay with a new token). */
  readonly fetch: (
    input: string | URL,
    init?: RequestInit,
  ) => Effect.Effect<Response, TangoeApiError | TokenManagerError>
  /** One call whose 2xx JSON body is returned; any other status fails with its `TangoeApiError`. */
  readonly json: <A = unknown>(
    input: string | URL,
    init?: RequestInit,
  ) => Effect.Effect<A, TangoeApiError | TokenManagerError>
  /** The pages of a collection, following `hrefNext`. */
  readonly pages: <A = unknown>(
    input: string | URL,
    options?: TangoePageOptions,
  ) => Stream.Stream<TangoePage<A>, TangoeApiError | TokenManagerError>
  /** The items of every page. */
  readonly items: <A = unknown>(
    input: string | URL,
    options?: TangoePageOptions,
  ) => Stream.Stream<A, TangoeApiError | TokenManagerError>
  /** Validates the current access token (`validate_bearer`). */
  readonly validate: Effect.Effect<TokenIdentity, TangoeApiError | TokenManagerError>
  /** The tenant sent: the `tenant` option, or the one validation names. */
  readonly tenant: Effect.Effect<string, TangoeApiError | TokenManagerError>
}

interface Resolved {
  readonly base: URL
  readonly request: ResolvedRefreshRequest
  readonly rejectionStatuses: ReadonlySet<number>
}

const CONTROL = /\p{Cc}/u

const checkText = (field: string, u: unknown): InvalidConfig | undefined =>
  u === undefined || (typeof u === "string" && u.length > 0 && !CONTROL.test(u))
    ? undefined
    : new InvalidConfig({
        field,
        expected: "a non-empty string without control characters",
        received: typeof u,
      })

/** Validates the settings; `InvalidConfig` names the first bad one. */
const resolveSettings = (
  settings: TangoeApiSettings,
  request: Omit<RefreshRequest, "refreshToken">,
): Result.Result<Resolved, InvalidConfig> => {
  const resolved = resolveRefreshRequest({ ...request, refreshToken: "unused" })
  if (Result.isFailure(resolved)) return Result.fail(resolved.failure)
  for (const field of ["tenant", "companyEmployeeId", "employeeId", "hierarchyId", "activityId"] as const) {
    const bad = checkText(field, settings[field])
    if (bad !== undefined) return Result.fail(bad)
  }
  const statuses = settings.rejectionStatuses ?? DEFAULT_REJECTION_STATUSES
  if (!Array.isArray(statuses) || !statuses.every((s) => Number.isInteger(s) && s >= 400 && s <= 599)) {
    return Result.fail(
      new InvalidConfig({
        field: "rejectionStatuses",
        expected: "an array of HTTP error statuses (400-599), e.g. [401, 403]",
        received: Array.isArray(statuses) ? "an array with another value" : typeof statuses,
      }),
    )
  }
  const base = resolveBaseUrl(settings.baseUrl, request.environment)
  if (Result.isFailure(base)) return Result.fail(base.failure)
  return Result.succeed({
    base: base.success,
    request: resolved.success,
    rejectionStatuses: new Set(statuses),
  })
}

/** The operations over any token source (the Promise client's and the manager's). */
const makeShape = <E>(
  settings: TangoeApiSettings,
  resolved: Resolved,
  tokens: TokenSource<E>,
  transport: () => HttpTransport,
) => {
  const validate = Effect.flatMap(tokens.get, (token) => validateBearer(resolved.request, token, transport()))
  // The tenant validation names: one validation shared by concurrent first calls, kept once it
  // succeeded, never kept when it failed (the next call asks again).
  const fromToken = Effect.runSync(
    Effect.cachedWithTTL(
      Effect.flatMap(validate, (identity) =>
        identity.tenant === undefined
          ? Effect.fail(
              new TangoeApiError({
                reason: new TenantUnknown({ environment: resolved.request.environment }),
              }),
            )
          : Effect.succeed(identity.tenant),
      ),
      (exit) => (Exit.isSuccess(exit) ? Duration.infinity : Duration.zero),
    ),
  )
  const given = settings.tenant
  const tenant: Effect.Effect<string, E | TangoeApiError> =
    given === undefined ? fromToken : Effect.succeed(given)
  const ctx: CallContext<E> = {
    base: resolved.base,
    fetch: settings.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    tokens,
    tenant:
      settings.tenant === undefined && settings.tenantFromToken === false
        ? Effect.succeed(undefined)
        : tenant,
    clientId: resolved.request.clientId,
    companyEmployeeId: settings.companyEmployeeId,
    employeeId: settings.employeeId,
    hierarchyId: settings.hierarchyId,
    activityId: settings.activityId,
    rejectionStatuses: resolved.rejectionStatuses,
    correlationId: settings.correlationId ?? (() => globalThis.crypto.randomUUID()),
  }
  const pages = <A>(input: string | URL, options: TangoePageOptions = {}) =>
    Stream.unfold<PagerState, TangoePage<A>, E | TangoeApiError, never>(
      { input: firstPageInput(input, options.limit), index: 0, source: "url" },
      (state) => (state === undefined ? Effect.succeed(undefined) : fetchPage<E, A>(ctx, state, options)),
    )
  return {
    ctx,
    fetch: (input: string | URL, init?: RequestInit) => Effect.map(send(ctx, input, init), (a) => a.response),
    json: <A>(input: string | URL, init?: RequestInit) =>
      Effect.flatMap(send(ctx, input, init), expectJson) as Effect.Effect<A, E | TangoeApiError>,
    pages,
    items: <A>(input: string | URL, options?: TangoePageOptions) =>
      Stream.flattenIterable(Stream.map(pages<A>(input, options), (page) => page.items)),
    validate,
    tenant,
  }
}

/**
 * The API layer as an Effect service, over the `TokenManager` in context.
 *
 * @example
 * ```ts
 * const program = Effect.gen(function* () {
 *   const api = yield* TangoeApi
 *   const orders = yield* Stream.runCollect(api.items("orders", { limit: 100 }))
 * }).pipe(
 *   Effect.provide(TangoeApi.layer({ request, tenant: "ACME" })),
 *   Effect.provide(TokenManager.layer({ request, refreshToken })),
 * )
 * ```
 *
 * @category services
 * @since 0.1.0
 */
export class TangoeApi extends /* @__PURE__ */ Context.Service<TangoeApi, TangoeApiShape>()(
  "@tangoe-token/core/TangoeApi",
) {
  /**
   * Makes the API layer. `request` is the token manager's request (environment, client id and secret):
   * the client id goes into `client_id`, the rest serves token validation. Fails with `InvalidConfig`
   * for a bad setting.
   *
   * @since 0.1.0
   */
  static make(
    options: TangoeApiSettings & { readonly request: Omit<RefreshRequest, "refreshToken"> },
  ): Effect.Effect<TangoeApiShape, InvalidConfig, TokenManager> {
    return Effect.gen(function* () {
      const resolved = resolveSettings(options, options.request)
      if (Result.isFailure(resolved)) return yield* Effect.fail(resolved.failure)
      const manager = yield* TokenManager
      const transport = yield* HttpTransportService
      const shape = makeShape<TokenManagerError>(
        options,
        resolved.success,
        { get: Effect.map(manager.get, (a) => a.token), invalidate: manager.invalidate },
        () => transport,
      )
      const { ctx: _ctx, ...operations } = shape
      return operations as TangoeApiShape
    })
  }

  /**
   * A layer of `make`.
   *
   * @since 0.1.0
   */
  static layer(
    options: TangoeApiSettings & { readonly request: Omit<RefreshRequest, "refreshToken"> },
  ): Layer.Layer<TangoeApi, InvalidConfig, TokenManager> {
    return Layer.effect(TangoeApi)(TangoeApi.make(options))
  }
}

/**
 * Options of {@link createTangoeApi}: the token client's options (or a `tokenClient` already made, with
 * the same request fields) plus the API settings.
 *
 * @category models
 * @since 0.1.0
 */
export interface TangoeApiClientOptions extends TokenClientOptions, TangoeApiSettings {
  /** A token client to use instead of making one from these options (it is not closed by `close()`). */
  readonly tokenClient?: TokenClient | undefined
}

/**
 * The API layer for code that does not use Effect. Methods reject with `TangoeApiError`, or with the
 * token client's own errors (`RefreshError`, `StoreError`, …) when no token could be had.
 *
 * @category models
 * @since 0.1.0
 */
export interface TangoeApiClient {
  /** The token client underneath. */
  readonly tokens: TokenClient
  /** One call, any status, as a `Response` (after at most one replay with a new token). */
  readonly fetch: (input: string | URL, init?: RequestInit) => Promise<Response>
  /** One call whose 2xx JSON body is returned; any other status rejects with its `TangoeApiError`. */
  readonly json: <A = unknown>(input: string | URL, init?: RequestInit) => Promise<A>
  /** The pages of a collection, following `hrefNext`: `for await (const page of api.pages("orders"))`. */
  readonly pages: <A = unknown>(
    input: string | URL,
    options?: TangoePageOptions,
  ) => AsyncIterable<TangoePage<A>>
  /** The items of every page. */
  readonly items: <A = unknown>(input: string | URL, options?: TangoePageOptions) => AsyncIterable<A>
  /** Validates the current access token (`validate_bearer`): tenant, platform, identifier, scope, expiry. */
  readonly validate: () => Promise<TokenIdentity>
  /** The tenant sent: the `tenant` option, or the one validation names. */
  readonly tenant: () => Promise<string>
  /** Closes the token client it made (not one passed as `tokenClient`). */
  readonly close: () => Promise<void>
}

/** Runs an effect, rejecting with the error itself (not a FiberFailure). */
const run = <A>(effect: Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromiseExit(effect).then((exit) => {
    if (Exit.isSuccess(exit)) return exit.value
    throw Cause.squash(exit.cause)
  })

/**
 * Creates the API layer over a token client. Throws `InvalidConfig` at once for a bad setting; sends
 * nothing until the first call.
 *
 * @example
 * ```ts
 * import { createTangoeApi, fileStore } from "@tangoe-token/core"
 *
 * const api = createTangoeApi({
 *   environment: "production",
 *   clientId: process.env.TANGOE_CLIENT_ID!,
 *   clientSecret: process.env.TANGOE_CLIENT_SECRET!,
 *   refreshToken: process.env.TANGOE_REFRESH_TOKEN,
 *   scope: "MOBPROC",
 *   store: fileStore("/var/lib/app/tangoe-token.json"),
 *   tenant: "ACME",
 * })
 * for await (const order of api.items("orders", { limit: 100 })) console.log(order)
 * await api.close()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const createTangoeApi = (options: TangoeApiClientOptions): TangoeApiClient => {
  const { tokenClient, ...rest } = options
  const resolved = resolveSettings(options, options)
  if (Result.isFailure(resolved)) throw resolved.failure
  const tokens = tokenClient ?? createTokenClient(rest)
  const source: TokenSource<unknown> = {
    get: Effect.map(
      Effect.tryPromise({ try: () => tokens.getAccessToken(), catch: (error) => error }),
      (token) => Redacted.make(token),
    ),
    invalidate: (rejected) => Effect.promise(() => tokens.invalidate(Redacted.value(rejected))),
  }
  const shape = makeShape(options, resolved.success, source, () => options.transport ?? nodeHttpTransport)
  const pages = <A>(
    input: string | URL,
    pageOptions: TangoePageOptions = {},
  ): AsyncIterable<TangoePage<A>> => ({
    async *[Symbol.asyncIterator]() {
      let state: PagerState = { input: firstPageInput(input, pageOptions.limit), index: 0, source: "url" }
      while (state !== undefined) {
        const [page, next]: readonly [TangoePage<A>, PagerState] = await run(
          fetchPage<unknown, A>(shape.ctx, state, pageOptions),
        )
        yield page
        state = next
      }
    },
  })
  return {
    tokens,
    fetch: (input, init) => run(shape.fetch(input, init)),
    json: <A>(input: string | URL, init?: RequestInit) => run(shape.json<A>(input, init)),
    pages,
    items: <A>(input: string | URL, pageOptions?: TangoePageOptions): AsyncIterable<A> => ({
      async *[Symbol.asyncIterator]() {
        for await (const page of pages<A>(input, pageOptions)) yield* page.items
      },
    }),
    validate: () => run(shape.validate),
    tenant: () => run(shape.tenant),
    close: () => (tokenClient === undefined ? tokens.close() : Promise.resolve()),
  }
}
