/**
 * The time limit of a token call without a race of fibers. Core's own transports (`fetchTransport`,
 * `fromPromise`) expose the Promise behind them under {@link promiseSend}; with the real clock the
 * attempt runs that Promise with a plain timer that aborts the request at the deadline. Any other
 * transport, or a replaced `Clock` (a `TestClock`), gets `Effect.timeoutOrElse`. Both end the same
 * way: the request aborted and a `Timeout`.
 *
 * @internal
 */
import type * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type { HttpTransportRequest, HttpTransportResponse } from "../HttpTransport.ts"

/** Where a core transport keeps its Promise-returning send. */
export const promiseSend: unique symbol = Symbol.for("@tangoe-token/core/promiseSend")

/** The Promise-returning send of a core transport. */
export type PromiseSend = (
  request: HttpTransportRequest,
  signal: AbortSignal,
) => Promise<HttpTransportResponse>

let realClock: Clock.Clock | undefined

/** Whether `clock` is Effect's default (real) clock, not a replaced one such as `TestClock`. */
export const isRealClock = (clock: Clock.Clock): boolean => {
  if (realClock === undefined) realClock = Effect.runSync(Effect.clockWith(Effect.succeed))
  return clock === realClock
}

/**
 * Runs `send` until `millis` pass: then the request is aborted and the effect fails with `onTimeout()`;
 * a rejection fails it with `onFailure(error)`; a response is turned into the effect's outcome by
 * `onResponse` in the same callback (no further step of the fiber). Interrupting the effect aborts the
 * request. One `AbortController` and one timer per call (no second controller chained to the fiber's
 * signal). Like the fiber race it replaces, the timer holds the process open only while the request is
 * pending.
 */
export const sendWithinDeadline = <A, E>(
  send: PromiseSend,
  request: HttpTransportRequest,
  millis: number,
  onTimeout: () => E,
  onFailure: (error: unknown) => E,
  onResponse: (response: HttpTransportResponse) => Effect.Effect<A, E>,
): Effect.Effect<A, E> =>
  Effect.callback<A, E>((resume) => {
    const controller = new AbortController()
    const timer = setTimeout(() => {
      resume(Effect.fail(onTimeout()))
      controller.abort()
    }, millis)
    const failed = (error: unknown) => {
      clearTimeout(timer)
      resume(Effect.fail(onFailure(error)))
    }
    try {
      send(request, controller.signal).then((response) => {
        clearTimeout(timer)
        let outcome: Effect.Effect<A, E>
        try {
          outcome = onResponse(response)
        } catch (defect) {
          // `onResponse` never throws; if it did, the fiber must not wait forever.
          outcome = Effect.die(defect)
        }
        resume(outcome)
      }, failed)
    } catch (error) {
      // A send that throws instead of rejecting.
      failed(error)
    }
    return Effect.sync(() => {
      clearTimeout(timer)
      controller.abort()
    })
  })
