/**
 * The token manager for code that does not use Effect: `createTokenClient(options)` returns a
 * client with Promise methods. It rejects with core's own errors (`RefreshError`, `StoreError`,
 * `NotProvisioned`, …: `instanceof` and `_tag` both work), never with a wrapper.
 *
 * The hot path (a cached token that is not due for refresh) is plain JavaScript: a check of
 * `Date.now()` against the refresh-ahead point, without entering the Effect runtime. The runtime
 * pieces are built on the first call that needs them. No timer of the client ever keeps the
 * process alive, and `close()` cancels everything.
 *
 * @since 0.1.0
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Scope from "effect/Scope"
import { type HttpTransport, nodeHttpTransport } from "./HttpTransport.ts"
import { InvalidConfig } from "./InvalidConfig.ts"
import { makeEmitter } from "./internal/manager/emitter.ts"
import type { Engine, Snapshot } from "./internal/manager/engine.ts"
import { makeTokenEngine } from "./internal/manager/make.ts"
import { checkStoreOption } from "./internal/manager/options.ts"
import { authorize, replayPlan } from "./internal/manager/replay.ts"
import { checkTransportOption, describeReceived } from "./internal/optionChecks.ts"
import { memoryStore } from "./MemoryStore.ts"
import type { ServiceAccount } from "./PasswordGrant.ts"
import type { RefreshRequest, Secret } from "./RefreshRequest.ts"
import type { RetryOptions } from "./RetryPolicy.ts"
import type { StoreError } from "./StoreError.ts"
import type { TokenEventListener, TokenEventType } from "./TokenEvents.ts"
import type { AccessToken, TokenStatus } from "./TokenManager.ts"
import { TokenManagerClosed } from "./TokenManagerError.ts"
import type { TokenStoreShape } from "./TokenStore.ts"

/**
 * Options of {@link createTokenClient}: the refresh request's fields (without the refresh token) plus
 * how to keep the token.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenClientOptions extends Omit<RefreshRequest, "refreshToken"> {
  /**
   * The provisioned refresh token; it seeds an empty store (see `TokenManagerOptions.refreshToken`).
   * `undefined` or `null`: none, the store must hold one (otherwise `NotProvisioned`, nothing sent).
   */
  readonly refreshToken?: Secret | null | undefined
  /**
   * Where the rotating refresh token is kept: a store (`memoryStore()`, the default, loses it on exit),
   * or the Effect that makes one, e.g. `fileStore("/var/lib/app/tangoe-token.json")`.
   */
  readonly store?: TokenStoreShape | Effect.Effect<TokenStoreShape, StoreError | InvalidConfig> | undefined
  /** Refresh when less than this many milliseconds are left; default 300 000 (5 minutes), jittered, clamped to half the lifetime. */
  readonly refreshAhead?: number | undefined
  /** The retry policy of one refresh; `false`: one attempt. Default: core's rotation-safe policy. */
  readonly retry?: RetryOptions | false | undefined
  /** The server's rotation grace period in milliseconds, when known (lets ambiguous attempts be retried). */
  readonly rotationGracePeriod?: number | undefined
  /** Refresh in the background at each refresh-ahead point; default `false`. Never keeps the process alive. */
  readonly keepWarm?: boolean | undefined
  /** The HTTP transport of the token call; default: {@link nodeHttpTransport} (Node's own client, global agent). */
  readonly transport?: HttpTransport | undefined
  /**
   * A Tangoe service account: the first grant when no refresh token is stored or given, and (with
   * `selfHeal`, the default) a new chain when the server refused the refresh token for good. See
   * `TokenManagerOptions.serviceAccount`.
   *
   * @since 0.2.0
   */
  readonly serviceAccount?: ServiceAccount | undefined
  /** With a `serviceAccount`: heal a dead chain (default `true`). See `TokenManagerOptions.selfHeal`. */
  readonly selfHeal?: boolean | undefined
}

/**
 * An access token as the client hands it out. `accessToken` is the secret itself: do not log it.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenInfo {
  readonly accessToken: string
  readonly tokenType: string
  readonly expiresAt: Date
  readonly scope?: string
}

/**
 * A token client. Methods are plain functions: they can be passed around unbound.
 *
 * @category models
 * @since 0.1.0
 */
export interface TokenClient {
  /** A valid access token. A cached one that is not due for refresh comes back without entering Effect. */
  readonly getAccessToken: () => Promise<string>
  /** The access token with its type, expiry and scope. */
  readonly getToken: () => Promise<TokenInfo>
  /** `"Bearer <access token>"`, for an `Authorization` header. */
  readonly authorizationHeader: () => Promise<string>
  /**
   * `fetch` with `Authorization: Bearer <token>` added. On a 401 the token is invalidated, a new one
   * is obtained and the request is sent once more, when it can be: a body given as a stream
   * (`ReadableStream`, an async iterable, a Node stream) cannot be replayed, and then the 401
   * response is returned as is. A `Request` with a body is cloned before the first send so that it
   * can be replayed (its body is buffered in memory).
   */
  readonly fetch: (input: string | URL | Request, init?: RequestInit) => Promise<Response>
  /** Refreshes now (see `TokenManager.refreshNow`). */
  readonly refresh: () => Promise<TokenInfo>
  /**
   * The API answered 401 (or 403) for `rejected` (default: the current token): it is never handed out
   * again, by this process at once, and by any process sharing the store once the returned promise
   * settles (the store records its fingerprint, never the token). The promise never rejects.
   */
  readonly invalidate: (rejected?: string) => Promise<void>
  /** The current status (never a secret). */
  readonly status: () => TokenStatus
  /** Listens to one kind of event until the returned function is called. */
  readonly on: <T extends TokenEventType>(type: T, listener: TokenEventListener<T>) => () => void
  /** Cancels keep-warm and any refresh in flight (a received rotation is saved first); later calls reject with `TokenManagerClosed`. */
  readonly close: () => Promise<void>
}

interface Built {
  readonly scope: Scope.Closeable
  readonly engine: Engine
}

const EMPTY_STATUS: TokenStatus = { state: "empty", unsavedRotation: false, refreshCount: 0 }

/** The value of an exit, or the error itself (not a FiberFailure). */
const exitValue = <A>(exit: Exit.Exit<A, unknown>): A => {
  if (Exit.isSuccess(exit)) return exit.value
  throw Cause.hasInterruptsOnly(exit.cause) ? new TokenManagerClosed() : Cause.squash(exit.cause)
}

/** Runs an effect, rejecting with the error itself (not a FiberFailure). */
const run = <A>(effect: Effect.Effect<A, unknown>): Promise<A> =>
  Effect.runPromiseExit(effect).then(exitValue)

const infoOf = (token: string, tokenType: string, expiresAt: number, scope: string | undefined): TokenInfo =>
  scope === undefined
    ? { accessToken: token, tokenType, expiresAt: new Date(expiresAt) }
    : { accessToken: token, tokenType, expiresAt: new Date(expiresAt), scope }

const infoFromAccess = (a: AccessToken): TokenInfo =>
  infoOf(Redacted.value(a.token), a.tokenType, a.expiresAt, a.scope)

/**
 * Creates a token client. Nothing is sent and nothing is read until the first call that needs a
 * token (or at once with `keepWarm`).
 *
 * @example
 * ```ts
 * import { createTokenClient, fileStore } from "@tangoe-token/core"
 *
 * const tangoe = createTokenClient({
 *   environment: "qa",
 *   clientId: process.env.TANGOE_CLIENT_ID!,
 *   clientSecret: process.env.TANGOE_CLIENT_SECRET!,
 *   refreshToken: process.env.TANGOE_REFRESH_TOKEN,
 *   scope: "MOBPROC",
 *   store: fileStore("/var/lib/app/tangoe-token.json"),
 * })
 * const response = await tangoe.fetch("https://api.tangoe.example/v1/devices")
 * await tangoe.close()
 * ```
 *
 * @category constructors
 * @since 0.1.0
 */
export const createTokenClient = (options: TokenClientOptions): TokenClient => {
  const given = typeof options === "object" && options !== null && !Array.isArray(options)
  const {
    store,
    refreshToken,
    refreshAhead,
    retry,
    rotationGracePeriod,
    keepWarm,
    transport,
    serviceAccount,
    selfHeal,
    ...request
  } = given ? options : ({} as TokenClientOptions)
  // Checked before anything is built, read or sent; `get` and every other call reject with it.
  const invalid = given
    ? (checkStoreOption(store) ?? checkTransportOption(transport))
    : new InvalidConfig({
        field: "options",
        expected: "an object with environment, clientId, clientSecret…",
        received: describeReceived(options),
      })
  const emitter = makeEmitter()
  let snapshot: Snapshot | undefined
  let closed = false
  let closing: Promise<void> | undefined
  let built: Built | undefined
  let building: Promise<Built> | undefined

  const build = (): Promise<Built> => {
    if (built !== undefined) return Promise.resolve(built)
    if (closed) return Promise.reject(new TokenManagerClosed())
    if (invalid !== undefined) return Promise.reject(invalid)
    building ??= (async () => {
      const shape = store === undefined ? memoryStore() : Effect.isEffect(store) ? await run(store) : store
      if (closed) throw new TokenManagerClosed()
      const scope = Scope.makeUnsafe()
      const engine = Effect.runSync(
        makeTokenEngine(
          {
            request,
            refreshToken,
            refreshAhead,
            retry,
            rotationGracePeriod,
            keepWarm,
            serviceAccount,
            selfHeal,
          },
          shape,
          transport ?? nodeHttpTransport,
          scope,
          emitter,
          (next) => {
            snapshot = closed ? undefined : next
          },
        ),
      )
      built = { scope, engine }
      return built
    })().catch((error: unknown) => {
      building = undefined
      throw error
    })
    return building
  }

  // The engine's Promise entries: the caller waits on the refresh's Promise, not in a fiber of its own.
  const slowAccess = (): Promise<AccessToken> =>
    (built === undefined
      ? build().then(({ engine }) => engine.getPromise())
      : built.engine.getPromise()
    ).then(exitValue)

  // The hot path: plain JavaScript, the same shape as a hand-written `if (tok && now < exp) return tok`.
  const getAccessToken = async (): Promise<string> => {
    const s = snapshot
    if (s !== undefined && Date.now() < s.refreshAt) return s.token
    return Redacted.value((await slowAccess()).token)
  }

  const getToken = async (): Promise<TokenInfo> => {
    const s = snapshot
    if (s !== undefined && Date.now() < s.refreshAt) return infoOf(s.token, s.tokenType, s.expiresAt, s.scope)
    return infoFromAccess(await slowAccess())
  }

  const invalidate = (rejected?: string): Promise<void> => {
    if (rejected === undefined || snapshot?.token === rejected) snapshot = undefined
    return built?.engine.invalidateUnsafe(rejected) ?? Promise.resolve()
  }

  const fetchWithToken = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const plan = replayPlan(input, init)
    const token = await getAccessToken()
    const response = await globalThis.fetch(...authorize(plan.first, init, token))
    if (response.status !== 401) return response
    // The next token request waits for nothing: the rejection is recorded in memory at once.
    void invalidate(token)
    if (plan.replay === undefined) return response
    await response.body?.cancel().catch(() => undefined)
    const next = await getAccessToken()
    return globalThis.fetch(...authorize(plan.replay, init, next))
  }

  if (keepWarm === true) build().catch(() => undefined)

  return {
    getAccessToken,
    getToken,
    authorizationHeader: () => getAccessToken().then((token) => `Bearer ${token}`),
    fetch: fetchWithToken,
    refresh: () =>
      (built === undefined
        ? build().then(({ engine }) => engine.refreshNowPromise())
        : built.engine.refreshNowPromise()
      ).then((exit) => infoFromAccess(exitValue(exit))),
    invalidate,
    status: () => (built === undefined ? EMPTY_STATUS : built.engine.statusAt(Date.now())),
    on: (type, listener) => emitter.on(type, listener),
    close: () => {
      if (closing !== undefined) return closing
      closed = true
      snapshot = undefined
      const scopeOf = built !== undefined ? Promise.resolve(built) : (building ?? Promise.resolve(undefined))
      closing = scopeOf
        .catch(() => undefined)
        .then((b) => (b === undefined ? undefined : Effect.runPromise(Scope.close(b.scope, Exit.void))))
        .then(() => emitter.clear())
      return closing
    },
  }
}
