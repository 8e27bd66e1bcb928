/**
 * The token manager's default retry delays, which depend on whether a caller is waiting for the
 * refresh (see `DEFAULT_RETRY`). What may be retried is still decided by `withRefreshRetry`.
 *
 * @internal
 */
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import type { RefreshError } from "../RefreshError.ts"
import { DEFAULT_RETRY } from "../RetryPolicy.ts"

const retryAfterMillis = (error: RefreshError): number =>
  error.retryAfter === undefined ? 0 : Duration.toMillis(error.retryAfter)

/**
 * The token manager's default schedule: while `waiting()` (a caller waits for this refresh), one quick
 * retry after `baseDelay`, then one every `waitingDelay`, each less up to `waitingJitter` at random;
 * otherwise (keep-warm, nobody waiting) full-jitter backoff up to `maxDelay`. A longer `Retry-After`
 * always wins; no retry starts after `maxElapsed`. See `DEFAULT_RETRY` for the numbers.
 *
 */
export const callerAwareRetrySchedule = (waiting: () => boolean): Schedule.Schedule<number, RefreshError> => {
  const base = Duration.toMillis(DEFAULT_RETRY.baseDelay)
  const cap = Duration.toMillis(DEFAULT_RETRY.maxDelay)
  const steady = Duration.toMillis(DEFAULT_RETRY.waitingDelay)
  const maxElapsed = Duration.toMillis(DEFAULT_RETRY.maxElapsed)
  return Schedule.forever.pipe(
    Schedule.setInputType<RefreshError>(),
    Schedule.modifyDelay(({ attempt, input }) =>
      Effect.map(Random.next, (random) => {
        const backoff = waiting()
          ? (attempt <= 1 ? base : steady) * (1 - DEFAULT_RETRY.waitingJitter * random)
          : random * Math.min(cap, base * 2 ** (attempt - 1))
        return Duration.millis(Math.max(backoff, retryAfterMillis(input)))
      }),
    ),
    Schedule.while(({ elapsed, duration }) => elapsed + Duration.toMillis(duration) <= maxElapsed),
  )
}
