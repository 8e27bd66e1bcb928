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

/** What a timed-out send rejects with (never leaves this module's callers). */
export const DEADLINE_PASSED: unique symbol = Symbol("deadline passed")

let realClock: Clock.Clock | undefined

/** Whether `clock` is Effect's default (real) clock, not a replaced one such as `TestClock`. */
export const isRealClock = (clock: Clock.Clock): boolean => {
  if (realClock === undefined) realClock = Effect.runSync(Effect.clockWith(Effect.succeed))
  return clock === realClock
}

/**
 * Runs `send` until `millis` pass: then the request is aborted and the Promise rejects with
 * {@link DEADLINE_PASSED}. `signal` (the caller's interruption) aborts it too. Like the fiber race it
 * replaces, the timer holds the process open only while the request is pending.
 */
export const withinDeadline = (
  send: PromiseSend,
  request: HttpTransportRequest,
  signal: AbortSignal,
  millis: number,
): Promise<HttpTransportResponse> =>
  new Promise((resolve, reject) => {
    const controller = new AbortController()
    const abort = () => controller.abort()
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", abort)
      reject(DEADLINE_PASSED)
      controller.abort()
    }, millis)
    signal.addEventListener("abort", abort, { once: true })
    send(request, controller.signal).then(
      (response) => {
        clearTimeout(timer)
        signal.removeEventListener("abort", abort)
        resolve(response)
      },
      (error: unknown) => {
        clearTimeout(timer)
        signal.removeEventListener("abort", abort)
        reject(error)
      },
    )
  })
