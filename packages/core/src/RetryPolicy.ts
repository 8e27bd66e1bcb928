/**
 * Retries that cannot burn a rotating refresh token.
 *
 * The delays come from a `Schedule` the caller can replace ({@link defaultRetrySchedule}: exponential
 * backoff with full jitter from 250 ms, at most 30 s between attempts, 2 minutes in all, honouring
 * `Retry-After`). Whatever the schedule, WHAT is retried is fixed by the rotation-safety rule:
 * - retried: failures where the server did not process the request (the request never left; 429; 503);
 * - ambiguous failures (a timeout, a connection lost after sending, 500/502/504, an unreadable 2xx) may
 *   have rotated the token: retried with the same token only when the caller declares the server's
 *   `rotationGracePeriod`, and only while the next attempt starts within that period of the first
 *   ambiguous attempt;
 * - everything else (`invalid_*`, …) is never retried.
 * An `InvalidGrant` reason that follows an ambiguous attempt comes back with `afterAmbiguousAttempt: true`.
 *
 * @since 0.1.0
 */
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import type { InvalidConfig } from "./InvalidConfig.ts"
import { checkRetryOptions } from "./internal/optionChecks.ts"
import { replayIntoRetry } from "./internal/retryAfterFailure.ts"
import { InvalidGrant, RefreshError } from "./RefreshError.ts"
import { type RefreshRequest, type ResolvedRefreshRequest, resolveRefreshRequest } from "./RefreshRequest.ts"
import { refreshResolved } from "./refresh.ts"
import type { TokenSet } from "./TokenSet.ts"

/**
 * The numbers of the default policy.
 *
 * @category constants
 * @since 0.1.0
 */
export const DEFAULT_RETRY = {
  /** The first backoff delay before jitter: 250 ms, doubling on each attempt. */
  baseDelay: Duration.millis(250),
  /** No backoff delay exceeds this (a longer `Retry-After` is still honoured): 30 s. */
  maxDelay: Duration.seconds(30),
  /** No retry starts later than this after the first attempt failed: 2 minutes. */
  maxElapsed: Duration.minutes(2),
  /**
   * The token manager while a caller waits for the token: after one quick retry (`baseDelay`), one
   * attempt every `waitingDelay` (2.95 s) less up to `waitingJitter` (7%): at most 12 requests in 30 s
   * of outage, and the first token within 3 s of the server's recovery. Nobody waiting (keep-warm):
   * the backoff above, up to `maxDelay`.
   */
  waitingDelay: Duration.millis(2950),
  /** The share of `waitingDelay` (and of the quick retry) taken off at random: 7%. */
  waitingJitter: 0.07,
} as const

/**
 * Options of {@link makeRetrySchedule}.
 *
 * @category models
 * @since 0.1.0
 */
export interface RetryScheduleOptions {
  /** First delay before jitter; default 250 ms. */
  readonly baseDelay?: Duration.Input | undefined
  /** Cap of the backoff delay; default 30 s. */
  readonly maxDelay?: Duration.Input | undefined
  /** Total time budget: no retry is scheduled to start after it; default 2 minutes. */
  readonly maxElapsed?: Duration.Input | undefined
}

/**
 * Builds a retry schedule: exponential backoff with FULL jitter (each delay is uniform in
 * `[0, min(maxDelay, baseDelay * 2^n)]`), raised to the error's `Retry-After` when that is longer,
 * stopping when the next attempt would start after `maxElapsed`. It only sets delays and the time
 * budget; what is safe to retry is decided by {@link withRefreshRetry}.
 *
 * @category schedules
 * @since 0.1.0
 */
export const makeRetrySchedule = (
  options: RetryScheduleOptions = {},
): Schedule.Schedule<Duration.Duration, RefreshError> => {
  const maxDelay = Duration.toMillis(options.maxDelay ?? DEFAULT_RETRY.maxDelay)
  const maxElapsed = Duration.toMillis(options.maxElapsed ?? DEFAULT_RETRY.maxElapsed)
  return Schedule.exponential(options.baseDelay ?? DEFAULT_RETRY.baseDelay).pipe(
    Schedule.setInputType<RefreshError>(),
    Schedule.modifyDelay(({ duration, input }) =>
      Effect.map(Random.next, (random) => {
        const backoff = random * Math.min(Duration.toMillis(duration), maxDelay)
        const retryAfter = input.retryAfter
        return Duration.millis(
          Math.max(backoff, retryAfter === undefined ? 0 : Duration.toMillis(retryAfter)),
        )
      }),
    ),
    Schedule.while(({ elapsed, duration }) => elapsed + Duration.toMillis(duration) <= maxElapsed),
  )
}

/**
 * The default retry schedule: `makeRetrySchedule()` (full jitter from 250 ms, 30 s cap, 2 minutes in
 * all, `Retry-After` honoured).
 *
 * @category schedules
 * @since 0.1.0
 */
export const defaultRetrySchedule: Schedule.Schedule<Duration.Duration, RefreshError> =
  /* @__PURE__ */ makeRetrySchedule()

/**
 * Options of the retrying refresh.
 *
 * @category models
 * @since 0.1.0
 */
export interface RetryOptions {
  /**
   * The delays between attempts and the overall budget; default {@link defaultRetrySchedule}. It can
   * only make retries rarer: unsafe errors are never retried whatever it says.
   */
  readonly schedule?: Schedule.Schedule<unknown, RefreshError> | undefined
  /**
   * The server's rotation grace period: how long the previous refresh token keeps working after it
   * rolled (PingFederate "grace period"). Only when this is set is an ambiguous attempt retried with the
   * same refresh token, and only while the retry starts within this period of the first ambiguous
   * attempt. Leave it unset unless you know the server's setting.
   */
  readonly rotationGracePeriod?: Duration.Input | undefined
}

/**
 * Whether an error may be retried with the same refresh token, given the retry would start at
 * `nextAttemptAt` and the first ambiguous attempt of this refresh was sent at `firstAmbiguousSentAt`.
 *
 * @category classification
 * @since 0.1.0
 */
export const isSafeToRetry = (
  error: RefreshError,
  context: {
    readonly nextAttemptAt: number
    readonly firstAmbiguousSentAt?: number | undefined
    readonly rotationGracePeriod?: Duration.Input | undefined
  },
): boolean => {
  if (error.retryable) return true
  if (!error.ambiguous || context.rotationGracePeriod === undefined) return false
  const sentAt = context.firstAmbiguousSentAt
  return (
    sentAt !== undefined && context.nextAttemptAt - sentAt < Duration.toMillis(context.rotationGracePeriod)
  )
}

/**
 * A retry the policy decided on, as `withRefreshRetry`'s observer sees it.
 *
 * @internal
 */
export interface ScheduledRetry {
  /** What failed. */
  readonly error: RefreshError
  /** The number of the attempt that failed: 1 for the first. */
  readonly attempt: number
  /** When the failure was handled, in epoch milliseconds. */
  readonly now: number
  /** Milliseconds since the first failure of this refresh. */
  readonly elapsed: number
  /** Milliseconds until the next attempt. */
  readonly delay: number
}

/**
 * Applies the rotation-safe retry policy to any refresh attempt (for example one that re-reads the
 * store first). Each run of `attempt` must send at most one token request with the same refresh token.
 * `observe` (internal: the token manager's `retryScheduled` event) hears of each retry decided on,
 * before its delay starts; it never hears of a failure that is not retried.
 *
 * @category retry
 * @since 0.1.0
 */
export const withRefreshRetry =
  (options: RetryOptions = {}, observe?: (retry: ScheduledRetry) => void) =>
  <R>(attempt: Effect.Effect<TokenSet, RefreshError, R>): Effect.Effect<TokenSet, RefreshError, R> =>
    retryRefresh(options, observe, attempt)

/**
 * An attempt that already ran and failed: what it failed with, and when it was sent.
 *
 * @internal
 */
export interface FirstFailure {
  readonly error: RefreshError
  readonly sentAt: number
}

/**
 * {@link withRefreshRetry}; with `first`, the first attempt already ran (outside this effect) and
 * failed: its failure is replayed as the first outcome (not sent again), and `attempt` runs for each
 * retry the policy allows.
 *
 * @internal
 */
export const retryRefresh = <R>(
  options: RetryOptions,
  observe: ((retry: ScheduledRetry) => void) | undefined,
  attempt: Effect.Effect<TokenSet, RefreshError, R>,
  first?: FirstFailure,
): Effect.Effect<TokenSet, RefreshError, R> =>
  Effect.withFiber((fiber) => {
    // Per-run state: when the first ambiguous attempt was sent.
    let firstAmbiguousSentAt: number | undefined
    // What an attempt sent at `sentAt` failed with, once tracked.
    const tracking = (failed: RefreshError, sentAt: number): RefreshError => {
      const error =
        firstAmbiguousSentAt !== undefined && failed.reason instanceof InvalidGrant
          ? new RefreshError({ reason: failed.reason.withAfterAmbiguousAttempt() })
          : failed
      if (error.ambiguous && firstAmbiguousSentAt === undefined) firstAmbiguousSentAt = sentAt
      return error
    }
    // A retried attempt: one handler on the failure path.
    const tracked = Effect.clockWith((clock) => {
      const sentAt = clock.currentTimeMillisUnsafe()
      return Effect.catch(attempt, (failed) => Effect.fail(tracking(failed, sentAt)))
    })
    // Built only after a failure: a first attempt that succeeds pays for no schedule.
    const schedule = () =>
      (options.schedule ?? defaultRetrySchedule).pipe(
        Schedule.while(({ input, now, duration }) =>
          isSafeToRetry(input, {
            nextAttemptAt: now + Duration.toMillis(duration),
            firstAmbiguousSentAt,
            rotationGracePeriod: options.rotationGracePeriod,
          }),
        ),
        // After the rotation-safety check: only a retry that will happen is reported.
        (safe) =>
          observe === undefined
            ? safe
            : Schedule.tap(safe, ({ input, attempt, now, elapsed, duration }) =>
                Effect.sync(() =>
                  observe({ error: input, attempt, now, elapsed, delay: Duration.toMillis(duration) }),
                ),
              ),
      )
    // The first attempt, sent now: a success passes through a single frame; its failure is tracked
    // and replayed into the retry (see `replayIntoRetry`), which runs `tracked` for later attempts.
    if (first !== undefined) return replayIntoRetry(tracking(first.error, first.sentAt), tracked, schedule)
    const sentAt = fiber.getRef(Clock.Clock).currentTimeMillisUnsafe()
    return Effect.catch(attempt, (failed) => replayIntoRetry(tracking(failed, sentAt), tracked, schedule))
  })

/**
 * Refreshes with the rotation-safe retry policy (see the module description): like `refresh`, but
 * retries what is safe to retry, with the delays of `options.schedule` (default
 * {@link defaultRetrySchedule}). Fails with the last error when it gives up, or at once with
 * `InvalidConfig` when the request is invalid (then nothing is sent).
 *
 * @category retry
 * @since 0.1.0
 */
export const refreshWithRetry = (
  request: RefreshRequest,
  options: RetryOptions = {},
): Effect.Effect<TokenSet, RefreshError | InvalidConfig> =>
  Effect.suspend((): Effect.Effect<TokenSet, RefreshError | InvalidConfig> => {
    const resolved = resolveRefreshRequest(request)
    const invalidOptions = Result.isSuccess(resolved)
      ? checkRetryOptions("options", options, false)
      : undefined
    if (invalidOptions !== undefined) return Effect.fail(invalidOptions)
    return Result.isSuccess(resolved)
      ? refreshResolvedWithRetry(resolved.success, options)
      : Effect.fail(resolved.failure)
  })

/**
 * {@link refreshWithRetry} for an already validated request.
 *
 * @category retry
 * @since 0.1.0
 */
export const refreshResolvedWithRetry = (
  request: ResolvedRefreshRequest,
  options: RetryOptions = {},
): Effect.Effect<TokenSet, RefreshError> => withRefreshRetry(options)(refreshResolved(request))
