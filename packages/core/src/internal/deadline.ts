/**
 * The time limit of a token call without a race of fibers. Core's own transports (`nodeHttpTransport`,
 * `fetchTransport`, `fromPromise`) expose the Promise behind them under {@link promiseSend}; with the real clock the
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

/**
 * How a timed exchange is aborted without an `AbortSignal` (whose listeners cost more than the rest of
 * the exchange's set-up): the send sets `abort` when its request exists, the caller sets `aborted` and
 * calls `abort`. A send that finds `aborted` set must not start.
 */
export interface AbortHook {
  aborted: boolean
  abort: (() => void) | undefined
}

/** A hook no one has aborted yet. */
export const newAbortHook = (): AbortHook => ({ aborted: false, abort: undefined })

/** Aborts the exchange behind `hook`, or the one that has not started yet. */
export const abortThrough = (hook: AbortHook): void => {
  hook.aborted = true
  hook.abort?.()
}

/** The Promise-returning send of a core transport, aborted through `hook`. */
export type PromiseSend = (request: HttpTransportRequest, hook: AbortHook) => Promise<HttpTransportResponse>

/**
 * A send that takes an `AbortSignal` (a `fromPromise` transport's function) as a {@link PromiseSend}:
 * one `AbortController` per call, aborted through the hook.
 */
export const withSignal =
  (
    send: (request: HttpTransportRequest, signal: AbortSignal) => Promise<HttpTransportResponse>,
  ): PromiseSend =>
  (request, hook) => {
    const controller = new AbortController()
    hook.abort = () => controller.abort()
    if (hook.aborted) controller.abort()
    return send(request, controller.signal)
  }

let realClock: Clock.Clock | undefined

/** Whether `clock` is Effect's default (real) clock, not a replaced one such as `TestClock`. */
export const isRealClock = (clock: Clock.Clock): boolean => {
  if (realClock === undefined) realClock = Effect.runSync(Effect.clockWith(Effect.succeed))
  return clock === realClock
}

/** The ways one timed exchange ends: exactly one of them is called, once. */
export interface ExchangeEnds {
  readonly response: (response: HttpTransportResponse) => void
  readonly failure: (error: unknown) => void
  readonly timeout: () => void
}

/**
 * Sends `request` with `send` and aborts it once `millis` pass: the first way the exchange ends calls its
 * member of `ends` (a send that throws instead of rejecting is a failure). Returns the abort, which ends
 * the exchange unless it has ended (then it returns `false`, and none of `ends` is called after it).
 * One timer per call, which holds the process open only while the request is pending. Shared by the attempt in a fiber (below) and the flight without a fiber.
 */
export const sendTimed = (
  send: PromiseSend,
  request: HttpTransportRequest,
  millis: number,
  ends: ExchangeEnds,
): (() => boolean) => {
  const hook = newAbortHook()
  let done = false
  /** Whether this is the first way the exchange ends. */
  const end = (): boolean => {
    if (done) return false
    done = true
    clearTimeout(timer)
    return true
  }
  const timer = setTimeout(() => {
    if (!end()) return
    abortThrough(hook)
    ends.timeout()
  }, millis)
  const failed = (error: unknown) => {
    if (end()) ends.failure(error)
  }
  try {
    send(request, hook).then((response) => {
      if (end()) ends.response(response)
    }, failed)
  } catch (error) {
    failed(error)
  }
  return () => {
    if (!end()) return false
    abortThrough(hook)
    return true
  }
}

/**
 * Runs `send` until `millis` pass (see {@link sendTimed}): then the request is aborted and the effect
 * fails with `onTimeout()`; a rejection fails it with `onFailure(error)`; a response is turned into the
 * effect's outcome by `onResponse` in the same callback (no further step of the fiber). Interrupting the
 * effect aborts the request.
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
    const abort = sendTimed(send, request, millis, {
      response: (response) => {
        let outcome: Effect.Effect<A, E>
        try {
          outcome = onResponse(response)
        } catch (defect) {
          // `onResponse` never throws; if it did, the fiber must not wait forever.
          outcome = Effect.die(defect)
        }
        resume(outcome)
      },
      failure: (error) => resume(Effect.fail(onFailure(error))),
      timeout: () => resume(Effect.fail(onTimeout())),
    })
    return Effect.sync(abort)
  })
