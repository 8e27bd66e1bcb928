/**
 * The token manager's engine, shared by the Effect service (`TokenManager`) and the Promise client
 * (`createTokenClient`): the in-memory token, single flight, the locked re-read of the store, the
 * write-ahead save of a rotated refresh token, `invalid_grant` recovery, keep-warm and status.
 *
 * State lives in plain variables: JavaScript runs one fiber at a time, and every decision below is
 * taken between two yields.
 *
 * @internal
 */
import { createHash } from "node:crypto"
import * as Clock from "effect/Clock"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import type * as Schedule from "effect/Schedule"
import type * as Scope from "effect/Scope"
import { HttpTransport } from "../../HttpTransport.ts"
import type { InvalidConfig } from "../../InvalidConfig.ts"
import { RefreshError } from "../../RefreshError.ts"
import { type ResolvedRefreshRequest, withRefreshToken } from "../../RefreshRequest.ts"
import { type RetryOptions, withRefreshRetry } from "../../RetryPolicy.ts"
import { refreshResolved } from "../../refresh.ts"
import { StoreConflict, type StoreError } from "../../StoreError.ts"
import type { TokenEvent, TokenManagerError } from "../../TokenEvents.ts"
import type { AccessToken, TokenStatus } from "../../TokenManager.ts"
import { NotProvisioned, TokenManagerClosed } from "../../TokenManagerError.ts"
import type { TokenSet } from "../../TokenSet.ts"
import type { StoredToken, StoredTokenInput, TokenStoreShape } from "../../TokenStore.ts"
import { sameToken } from "../store/record.ts"
import { backgroundSleep } from "./backgroundSleep.ts"
import { fingerprint } from "./origin.ts"
import { keepWarmBackoff, MIN_SERVE_MILLIS, refreshAtFor, retryRefreshAt } from "./timing.ts"

/** What the engine needs, already validated. */
export interface EngineConfig {
  /** The validated request (its refresh token is replaced on every call), or why it is invalid. */
  readonly request: Result.Result<ResolvedRefreshRequest, InvalidConfig>
  /** The provisioned refresh token, if any. */
  readonly provisioned: Redacted.Redacted<string> | undefined
  readonly refreshAheadMillis: number
  /** `false`: one attempt per refresh. */
  readonly retry: RetryOptions | false
  readonly saveRetry: Schedule.Schedule<unknown, StoreError>
  readonly store: TokenStoreShape
  readonly transport: HttpTransport
  readonly emit: (event: TokenEvent) => void
  /** Called whenever the token that may be handed out changes (`undefined`: none may be). */
  readonly onSnapshot?: ((snapshot: Snapshot | undefined) => void) | undefined
}

/** The plain-JS view of the current token, for the Promise client's hot path. */
export interface Snapshot {
  readonly token: string
  readonly tokenType: string
  readonly expiresAt: number
  readonly refreshAt: number
  readonly scope: string | undefined
}

/** The engine's operations. */
export interface Engine {
  readonly get: Effect.Effect<AccessToken, TokenManagerError>
  readonly refreshNow: Effect.Effect<AccessToken, TokenManagerError>
  readonly invalidate: (rejected?: Redacted.Redacted<string>) => Effect.Effect<void>
  readonly invalidateUnsafe: (rejected?: string) => void
  readonly status: Effect.Effect<TokenStatus>
  readonly statusAt: (now: number) => TokenStatus
  /** Background refreshes at each refresh-ahead point; runs until interrupted. */
  readonly keepWarm: Effect.Effect<never>
  /** Marks the engine closed; the scope's own close interrupts the fibers. */
  readonly markClosed: () => void
}

interface HeldAccess {
  readonly token: Redacted.Redacted<string>
  readonly tokenType: string
  readonly expiresAt: number
  readonly issuedAt: number | undefined
  readonly scope: string | undefined
  /** When to refresh it: the jittered refresh-ahead point, pushed later after a failed refresh. */
  refreshAt: number
}

/** The token the manager holds: the refresh token to use next and the access token, if any. */
interface Held {
  readonly refreshToken: Redacted.Redacted<string>
  readonly origin: string | undefined
  /** The store generation it was read from or saved as; `undefined` while unsaved. */
  readonly generation: number | undefined
  readonly access: HeldAccess | undefined
}

/** A rotated token the store has not accepted yet. */
interface Unsaved {
  readonly record: StoredTokenInput
  readonly expected: Redacted.Redacted<string> | undefined
}

/** Which refresh token a refresh uses, what the store must still hold to save over it, and its origin. */
interface Plan {
  readonly use: Redacted.Redacted<string>
  readonly expected: Redacted.Redacted<string> | undefined
  readonly origin: string | undefined
}

const digest = (value: string): string => createHash("sha256").update(value, "utf8").digest("base64url")

const toAccessToken = (a: HeldAccess): AccessToken =>
  a.scope === undefined
    ? { token: a.token, tokenType: a.tokenType, expiresAt: a.expiresAt }
    : { token: a.token, tokenType: a.tokenType, expiresAt: a.expiresAt, scope: a.scope }

export const makeEngine = (config: EngineConfig, scope: Scope.Scope): Engine => {
  const { store, emit } = config
  const provisionedOrigin = config.provisioned === undefined ? undefined : fingerprint(config.provisioned)

  let held: Held | undefined
  let unsaved: Unsaved | undefined
  /** The provisioned-vs-stored rule is applied once, at the first read of the store. */
  let provisionPending = config.provisioned !== undefined
  let inflight: Deferred.Deferred<AccessToken, TokenManagerError> | undefined
  let closed = false
  let lastRefreshAt: number | undefined
  let lastError: { readonly _tag: string; readonly reason?: string; readonly message: string } | undefined
  let refreshCount = 0
  /** The refresh token of the last attempt that may have been processed without us seeing the answer. */
  let ambiguousToken: Redacted.Redacted<string> | undefined
  /** Digests of access tokens an API rejected (401): never handed out again, even if a store holds them. */
  const rejected: Array<string> = []

  // Hashes only once an API has rejected something: the hot path pays nothing.
  const isRejected = (token: Redacted.Redacted<string>) =>
    rejected.length > 0 && rejected.includes(digest(Redacted.value(token)))

  /** The access token that may be handed out right now, if any. */
  const servable = (now: number): HeldAccess | undefined => {
    const access = held?.access
    if (access === undefined || unsaved !== undefined || closed) return undefined
    if (now >= access.refreshAt || isRejected(access.token)) return undefined
    return access
  }

  const publish = () => {
    if (config.onSnapshot === undefined) return
    const access = held?.access
    config.onSnapshot(
      access === undefined || unsaved !== undefined || closed || isRejected(access.token)
        ? undefined
        : {
            token: Redacted.value(access.token),
            tokenType: access.tokenType,
            expiresAt: access.expiresAt,
            refreshAt: access.refreshAt,
            scope: access.scope,
          },
    )
  }

  const jitteredRefreshAt = (
    token: { readonly expiresAt: number; readonly issuedAt?: number | undefined },
    now: number,
  ) => Effect.map(Random.next, (random) => refreshAtFor(token, now, config.refreshAheadMillis, random))

  const heldFromStored = (stored: StoredToken, now: number) =>
    Effect.gen(function* () {
      let access: HeldAccess | undefined
      if (stored.accessToken !== undefined && stored.expiresAt !== undefined) {
        access = {
          token: stored.accessToken,
          tokenType: stored.tokenType ?? "Bearer",
          expiresAt: stored.expiresAt,
          issuedAt: stored.issuedAt,
          scope: stored.scope,
          refreshAt: yield* jitteredRefreshAt(
            { expiresAt: stored.expiresAt, issuedAt: stored.issuedAt },
            now,
          ),
        }
      }
      return {
        refreshToken: stored.refreshToken,
        origin: stored.origin,
        generation: stored.generation,
        access,
      }
    })

  /** Takes the stored record as the current token unless it is the one already held. `true` if it changed. */
  const adopt = (stored: StoredToken, now: number) =>
    Effect.gen(function* () {
      if (
        held !== undefined &&
        held.generation === stored.generation &&
        sameToken(held.refreshToken, stored.refreshToken)
      ) {
        return false
      }
      held = yield* heldFromStored(stored, now)
      emit({
        type: "adoptedFromStore",
        at: new Date(now),
        expiresAt: stored.expiresAt === undefined ? undefined : new Date(stored.expiresAt),
        generation: stored.generation,
      })
      return true
    })

  const rawRefresh = (request: ResolvedRefreshRequest): Effect.Effect<TokenSet, RefreshError> => {
    const attempt = refreshResolved(request)
    const retrying = config.retry === false ? attempt : withRefreshRetry(config.retry)(attempt)
    return Effect.provideService(retrying, HttpTransport, config.transport)
  }

  /** Saves the pending rotation (with `saveRetry`). On a conflict the store's newer token is adopted. */
  const flushUnsaved = (recovered: boolean): Effect.Effect<void, StoreError> =>
    Effect.gen(function* () {
      const pending = unsaved
      if (pending === undefined) return
      let attempts = 0
      const saved = yield* Effect.suspend(() => {
        attempts++
        return store.save(pending.record, pending.expected)
      }).pipe(
        // A conflict is an answer, not a failure to retry.
        Effect.catchTag("StoreConflict", (conflict) => Effect.succeed(conflict)),
        Effect.retry(config.saveRetry),
        Effect.result,
      )
      const now = yield* Clock.currentTimeMillis
      if (Result.isSuccess(saved) && !(saved.success instanceof StoreConflict)) {
        const record = saved.success
        unsaved = undefined
        if (held !== undefined) held = { ...held, generation: record.generation }
        emit({
          type: "rotationSaved",
          at: new Date(now),
          generation: record.generation,
          location: store.location,
          recovered,
        })
        return
      }
      if (Result.isSuccess(saved)) {
        // Someone else saved in between (another process holding a taken-over lock, or a
        // re-provisioning): the store's token is the one the fleet follows. Ours is abandoned.
        unsaved = undefined
        const current = yield* store.load
        if (current !== undefined) {
          const access = held?.access
          yield* adopt(current, now)
          // Our fresh access token is still good to use even though its refresh token is dropped.
          if (access !== undefined && held !== undefined && held.access === undefined)
            held = { ...held, access }
        }
        return
      }
      const error = saved.failure
      emit({ type: "saveFailed", at: new Date(now), error, attempts, location: store.location })
      return yield* error
    })

  /** Refreshes with `plan`, then saves the rotated token before anything is handed out. */
  const refreshAndSave = (
    request: ResolvedRefreshRequest,
    plan: Plan,
    restore: <A, E, R>(e: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>,
  ) =>
    Effect.gen(function* () {
      const tokens = yield* restore(rawRefresh(withRefreshToken(request, plan.use)))
      // From here to the end of the save nothing may interrupt: the server has rotated the token.
      const now = yield* Clock.currentTimeMillis
      ambiguousToken = undefined
      provisionPending = false
      const access: HeldAccess = {
        token: tokens.accessToken,
        tokenType: tokens.tokenType,
        expiresAt: tokens.expiresAt,
        issuedAt: tokens.issuedAt,
        scope: tokens.scope,
        refreshAt: yield* jitteredRefreshAt(tokens, now),
      }
      // Held in memory at once: from now on the old refresh token is never used again.
      held = { refreshToken: tokens.refreshToken, origin: plan.origin, generation: undefined, access }
      unsaved = {
        record: {
          refreshToken: tokens.refreshToken,
          accessToken: tokens.accessToken,
          tokenType: tokens.tokenType,
          expiresAt: tokens.expiresAt,
          issuedAt: tokens.issuedAt,
          scope: tokens.scope,
          origin: plan.origin,
        },
        expected: plan.expected,
      }
      refreshCount++
      lastRefreshAt = now
      publish()
      // Write-ahead: the access token is handed out only once the rotated refresh token is saved.
      yield* flushUnsaved(false)
      emit({
        type: "refreshed",
        at: new Date(now),
        expiresAt: new Date(tokens.expiresAt),
        refreshAt: new Date(access.refreshAt),
        rotated: tokens.refreshTokenRotated,
        generation: held?.generation ?? 0,
      })
      return held?.access ?? access
    })

  /** Chooses the refresh token to use after reading the store (rules: provisioned vs stored, adoption). */
  const planFrom = (stored: StoredToken | undefined, now: number) =>
    Effect.gen(function* () {
      if (provisionPending && config.provisioned !== undefined) {
        const provisioned = config.provisioned
        if (stored === undefined) {
          return {
            plan: { use: provisioned, expected: undefined, origin: provisionedOrigin },
            adopted: false,
          }
        }
        const descends =
          stored.origin === undefined ||
          stored.origin === provisionedOrigin ||
          sameToken(stored.refreshToken, provisioned)
        if (!descends) {
          // The user re-provisioned on purpose: the new token replaces the stored family.
          return {
            plan: { use: provisioned, expected: stored.refreshToken, origin: provisionedOrigin },
            adopted: false,
          }
        }
        provisionPending = false
      }
      if (stored === undefined) {
        // Nothing stored (first run without provisioning, or the store was wiped): use what we hold.
        if (held === undefined) return yield* new NotProvisioned({ location: store.location })
        return { plan: { use: held.refreshToken, expected: undefined, origin: held.origin }, adopted: false }
      }
      const adopted = yield* adopt(stored, now)
      // A record without origin that holds the provisioned token itself descends from it.
      const isProvisioned =
        config.provisioned !== undefined && sameToken(stored.refreshToken, config.provisioned)
      const origin = stored.origin ?? (isProvisioned ? provisionedOrigin : undefined)
      return { plan: { use: stored.refreshToken, expected: stored.refreshToken, origin }, adopted }
    })

  /** The work of one flight, inside the store's refresh lock. */
  const locked = (request: ResolvedRefreshRequest, force: boolean, heldBefore: Held | undefined) =>
    Effect.uninterruptibleMask((restore) =>
      Effect.gen(function* () {
        // A rotation the store refused earlier: save it first (never refresh with an older token).
        if (unsaved !== undefined) yield* flushUnsaved(true)
        const stored = yield* restore(store.load)
        let now = yield* Clock.currentTimeMillis
        const { plan, adopted } = yield* planFrom(stored, now)
        // Another process (or an earlier run of this one) already refreshed: use its token, send nothing.
        const ready = servable(now)
        if (ready !== undefined && (!force || (adopted && heldBefore !== undefined))) {
          publish()
          return ready
        }
        const result = yield* refreshAndSave(request, plan, restore).pipe(
          Effect.catchReason("RefreshError", "InvalidGrant", (reason, error) =>
            Effect.gen(function* () {
              const marked =
                ambiguousToken !== undefined &&
                sameToken(ambiguousToken, plan.use) &&
                !reason.afterAmbiguousAttempt
                  ? new RefreshError({ reason: reason.withAfterAmbiguousAttempt() })
                  : error
              // Rule: after invalid_grant, re-read the store once. A different token there is newer.
              const again = yield* restore(store.load)
              if (again === undefined || sameToken(again.refreshToken, plan.use)) return yield* marked
              now = yield* Clock.currentTimeMillis
              provisionPending = false
              yield* adopt(again, now)
              const fresh = servable(now)
              if (fresh !== undefined) return fresh
              return yield* refreshAndSave(
                request,
                { use: again.refreshToken, expected: again.refreshToken, origin: again.origin },
                restore,
              )
            }),
          ),
          Effect.tapError((error) =>
            Effect.sync(() => {
              if ("ambiguous" in error && error.ambiguous) ambiguousToken = plan.use
            }),
          ),
        )
        publish()
        return result
      }),
    )

  /** One refresh for everyone waiting; failures are recorded, reported, and served around when safe. */
  const runFlight = (force: boolean): Effect.Effect<AccessToken, TokenManagerError> =>
    Effect.gen(function* () {
      if (Result.isFailure(config.request)) return yield* config.request.failure
      const request = config.request.success
      const heldBefore = held
      const access = yield* store.withRefreshLock(locked(request, force, heldBefore))
      lastError = undefined
      return toAccessToken(access)
    }).pipe(
      Effect.catch((error: TokenManagerError) =>
        Effect.gen(function* () {
          const now = yield* Clock.currentTimeMillis
          lastError =
            error._tag === "RefreshError"
              ? { _tag: error._tag, reason: error.reason._tag, message: error.message }
              : { _tag: error._tag, message: error.message }
          const previous = held?.access
          const canServe =
            !force &&
            previous !== undefined &&
            unsaved === undefined &&
            previous.expiresAt - now >= MIN_SERVE_MILLIS &&
            !isRejected(previous.token)
          emit({ type: "refreshFailed", at: new Date(now), error, servedPrevious: canServe })
          if (!canServe) {
            publish()
            return yield* error
          }
          // The previous token is still valid: hand it out and try again a little later.
          previous.refreshAt = retryRefreshAt(previous.expiresAt, now)
          publish()
          return toAccessToken(previous)
        }),
      ),
    )

  const isClosed = () => closed || scope.state._tag === "Closed"

  const flight = (force: boolean): Effect.Effect<AccessToken, TokenManagerError> =>
    Effect.suspend(() => {
      if (isClosed()) return Effect.fail(new TokenManagerClosed())
      const joined = inflight
      if (joined !== undefined) return Deferred.await(joined)
      const deferred = Deferred.makeUnsafe<AccessToken, TokenManagerError>()
      inflight = deferred
      const run = runFlight(force).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() => {
            inflight = undefined
            Deferred.doneUnsafe(
              deferred,
              Exit.hasInterrupts(exit) ? Effect.fail(new TokenManagerClosed()) : exit,
            )
          }),
        ),
      )
      return Effect.forkIn(run, scope).pipe(
        Effect.andThen(
          Effect.suspend(() => {
            // A scope that closed meanwhile never starts the fiber: settle the waiters here.
            if (scope.state._tag === "Closed" && inflight === deferred) {
              inflight = undefined
              Deferred.doneUnsafe(deferred, Effect.fail(new TokenManagerClosed()))
            }
            return Deferred.await(deferred)
          }),
        ),
      )
    })

  const get: Effect.Effect<AccessToken, TokenManagerError> = Effect.suspend(() => {
    if (isClosed()) return Effect.fail(new TokenManagerClosed())
    return Effect.flatMap(Clock.currentTimeMillis, (now) => {
      const ready = servable(now)
      return ready === undefined ? flight(false) : Effect.succeed(toAccessToken(ready))
    })
  })

  const invalidateUnsafe = (rejectedToken?: string) => {
    const current = held?.access
    const value = rejectedToken ?? (current === undefined ? undefined : Redacted.value(current.token))
    if (value === undefined) return
    const d = digest(value)
    if (!rejected.includes(d)) rejected.push(d)
    if (rejected.length > 16) rejected.shift()
    publish()
  }

  const statusAt = (now: number): TokenStatus => {
    const access = held?.access
    const valid = access !== undefined && now < access.expiresAt && !isRejected(access.token)
    const state: TokenStatus["state"] =
      inflight !== undefined
        ? "refreshing"
        : unsaved !== undefined
          ? "error"
          : valid && now < access.refreshAt
            ? "valid"
            : valid
              ? "expiring"
              : lastError !== undefined
                ? "error"
                : "empty"
    return {
      state,
      ...(access === undefined
        ? {}
        : { validUntil: new Date(access.expiresAt), refreshAt: new Date(access.refreshAt) }),
      ...(lastRefreshAt === undefined ? {} : { lastRefreshAt: new Date(lastRefreshAt) }),
      ...(lastError === undefined ? {} : { lastError }),
      unsavedRotation: unsaved !== undefined,
      refreshCount,
    }
  }

  /** Keep-warm: refresh at each token's refresh-ahead point, in the background, until interrupted. */
  const keepWarm: Effect.Effect<never> = Effect.gen(function* () {
    let failures = 0
    for (;;) {
      const now = yield* Clock.currentTimeMillis
      const refreshAt = unsaved === undefined ? held?.access?.refreshAt : undefined
      if (refreshAt !== undefined && now < refreshAt) {
        yield* backgroundSleep(refreshAt - now)
        continue
      }
      const exit = yield* Effect.exit(get)
      if (Exit.isSuccess(exit)) {
        failures = 0
        const next = held?.access?.refreshAt
        // A token that is due again at once (a server answering tiny lifetimes): do not spin.
        if (next === undefined || next <= (yield* Clock.currentTimeMillis)) yield* backgroundSleep(1_000)
      } else {
        if (closed || Exit.hasInterrupts(exit)) return yield* Effect.interrupt
        failures++
        yield* backgroundSleep(keepWarmBackoff(failures))
      }
    }
  })

  return {
    get,
    keepWarm,
    refreshNow: flight(true),
    invalidate: (rejectedToken) =>
      Effect.sync(() =>
        invalidateUnsafe(rejectedToken === undefined ? undefined : Redacted.value(rejectedToken)),
      ),
    invalidateUnsafe,
    status: Effect.map(Clock.currentTimeMillis, statusAt),
    statusAt,
    markClosed: () => {
      closed = true
      publish()
    },
  }
}
