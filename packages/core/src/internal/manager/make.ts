/**
 * Turns `TokenManagerOptions` into a running engine: validation (options.ts and the request's
 * own), defaults, keep-warm. Shared by
 * `TokenManager.make` and the Promise client.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import type { HttpTransport } from "../../HttpTransport.ts"
import { InvalidConfig } from "../../InvalidConfig.ts"
import { type ResolvedServiceAccount, resolveServiceAccount } from "../../PasswordGrant.ts"
import { type RequestSettings, resolveRefreshToken, resolveRequestSettings } from "../../RefreshRequest.ts"
import type { RetryOptions } from "../../RetryPolicy.ts"
import type { StoreError } from "../../StoreError.ts"
import type { TokenManagerOptions } from "../../TokenManager.ts"
import type { TokenStoreShape } from "../../TokenStore.ts"
import type { Emitter } from "./emitter.ts"
import { type Engine, makeEngine, type Snapshot } from "./engine.ts"
import { resolveManagerSettings } from "./options.ts"

/** 3 retries, 100 ms then doubling. */
export const defaultSaveRetry: Schedule.Schedule<unknown, StoreError> = /* @__PURE__ */ Schedule.exponential(
  Duration.millis(100),
).pipe(
  /* @__PURE__ */ Schedule.setInputType<StoreError>(),
  /* @__PURE__ */ Schedule.while(({ attempt }) => attempt <= 3),
)

/**
 * The provisioned refresh token: none when absent (`undefined` or `null`: the store must hold one,
 * or `get` fails with `NotProvisioned` and sends nothing), otherwise a usable secret.
 */
const resolveProvisioned = (
  u: unknown,
): Result.Result<Redacted.Redacted<string> | undefined, InvalidConfig> =>
  u === undefined || u === null ? Result.succeed(undefined) : resolveRefreshToken(u)

/** Validates the options; an invalid one makes every `get` fail with its `InvalidConfig`. */
export const resolveManagerOptions = (
  options: TokenManagerOptions,
): {
  readonly request: Result.Result<RequestSettings, InvalidConfig>
  readonly provisioned: Redacted.Redacted<string> | undefined
  readonly refreshAheadMillis: number
  readonly retry: RetryOptions | false
  readonly serviceAccount: ResolvedServiceAccount | undefined
  readonly selfHeal: boolean
} => {
  const settings = resolveManagerSettings(options)
  const provisioned = resolveProvisioned(options.refreshToken)
  const account =
    options.serviceAccount === undefined ? undefined : resolveServiceAccount(options.serviceAccount)
  const selfHealValid = options.selfHeal === undefined || typeof options.selfHeal === "boolean"
  const checked = Result.isFailure(settings)
    ? Result.fail(settings.failure)
    : resolveRequestSettings(options.request)
  const request: Result.Result<RequestSettings, InvalidConfig> = Result.isFailure(checked)
    ? checked
    : Result.isFailure(provisioned)
      ? Result.fail(provisioned.failure)
      : account !== undefined && Result.isFailure(account)
        ? Result.fail(account.failure)
        : !selfHealValid
          ? Result.fail(
              new InvalidConfig({
                field: "selfHeal",
                expected: "true or false",
                received: typeof options.selfHeal,
              }),
            )
          : checked
  const grace = options.rotationGracePeriod
  const retry =
    options.retry === false
      ? false
      : grace === undefined
        ? (options.retry ?? {})
        : { ...options.retry, rotationGracePeriod: grace }
  return {
    request,
    provisioned: Result.isFailure(request) ? undefined : Result.getOrUndefined(provisioned),
    refreshAheadMillis: Result.isSuccess(settings) ? settings.success.refreshAheadMillis : 0,
    retry,
    serviceAccount: account !== undefined && Result.isSuccess(account) ? account.success : undefined,
    selfHeal: options.serviceAccount !== undefined && options.selfHeal !== false,
  }
}

/** Builds an engine in `scope`, with keep-warm forked there when asked. */
export const makeTokenEngine = (
  options: TokenManagerOptions,
  store: TokenStoreShape,
  transport: HttpTransport,
  scope: Scope.Scope,
  emitter: Emitter,
  onSnapshot?: (snapshot: Snapshot | undefined) => void,
): Effect.Effect<Engine> =>
  Effect.gen(function* () {
    const clock = yield* Clock.Clock
    const engine = makeEngine(
      {
        ...resolveManagerOptions(options),
        saveRetry: options.saveRetry ?? defaultSaveRetry,
        store,
        transport,
        emit: emitter.emit,
        listening: emitter.listening,
        onSnapshot,
      },
      scope,
      clock,
    )
    yield* Scope.addFinalizer(scope, Effect.sync(engine.markClosed))
    if (options.keepWarm === true) yield* Effect.forkIn(engine.keepWarm, scope)
    return engine
  })
