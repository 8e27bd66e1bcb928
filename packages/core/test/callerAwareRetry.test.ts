/**
 * The token manager's default retry delays (`callerAwareRetrySchedule`): a steady pace while a caller
 * waits, gentle backoff when nobody does, `Retry-After` untouched. Virtual time only (TestClock).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Clock from "effect/Clock"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { TestClock } from "effect/testing"
import type { HttpTransport } from "../src/HttpTransport.ts"
import { callerAwareRetrySchedule } from "../src/internal/callerAwareRetry.ts"
import { RefreshError, ServerError } from "../src/RefreshError.ts"
import { refreshWithRetry } from "../src/RetryPolicy.ts"
import { json, ok, provideTransport } from "./support/fakeTransport.ts"
import { request } from "./support/request.ts"

const fixedRandom =
  (value: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, Random.Random, { nextDoubleUnsafe: () => value, nextIntUnsafe: () => 0 })

const unavailable = (retryAfterSeconds?: number): RefreshError =>
  new RefreshError({
    reason: new ServerError({
      environment: "qa",
      status: 503,
      retryAfter: retryAfterSeconds === undefined ? undefined : Duration.seconds(retryAfterSeconds),
    }),
  })

const delaysOf = (waiting: () => boolean, n: number, input = unavailable()) =>
  Effect.gen(function* () {
    const step = yield* Schedule.toStep(callerAwareRetrySchedule(waiting))
    const delays: Array<number> = []
    for (let i = 0; i < n; i++) {
      const [, delay] = yield* step(0, input)
      delays.push(Math.round(Duration.toMillis(delay)))
    }
    return delays
  })

describe("while a caller waits", () => {
  it.effect("one quick retry after 250 ms, then one every 2.95 s (no jitter drawn)", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* delaysOf(() => true, 5), [250, 2950, 2950, 2950, 2950])
    }).pipe(fixedRandom(0)),
  )

  it.effect("the jitter takes at most 7% off", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* delaysOf(() => true, 4), [233, 2744, 2744, 2744])
    }).pipe(fixedRandom(0.999999)),
  )

  it.effect("a longer Retry-After still wins", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(yield* delaysOf(() => true, 3, unavailable(5)), [5000, 5000, 5000])
    }).pipe(fixedRandom(0)),
  )
})

describe("when nobody waits (keep-warm)", () => {
  it.effect("full-jitter backoff from 250 ms, capped at 30 s", () =>
    Effect.gen(function* () {
      assert.deepStrictEqual(
        yield* delaysOf(() => false, 9),
        [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000],
      )
    }).pipe(fixedRandom(0.999999)),
  )

  it.effect("a caller who starts waiting switches the pace at the next retry", () =>
    Effect.gen(function* () {
      let waiting = false
      const step = yield* Schedule.toStep(callerAwareRetrySchedule(() => waiting))
      const delays: Array<number> = []
      for (let i = 0; i < 7; i++) {
        if (i === 5) waiting = true
        const [, delay] = yield* step(0, unavailable())
        delays.push(Math.round(Duration.toMillis(delay)))
      }
      assert.deepStrictEqual(delays, [250, 500, 1000, 2000, 4000, 2744, 2744])
    }).pipe(fixedRandom(0.999999)),
  )
})

/** A token endpoint answering 503 (no Retry-After) until `recoverAt` (virtual ms), then a token. */
const outage = (recoverAt: number) => {
  let calls = 0
  const down = json(503, { error: "temporarily_unavailable" })
  const up = ok()
  const transport: HttpTransport = {
    send: () =>
      Effect.map(Clock.currentTimeMillis, (now) => {
        calls++
        const outcome = now < recoverAt ? down : up
        if (!("respond" in outcome)) throw new Error("scripted outcomes respond")
        return outcome.respond
      }),
  }
  return { fake: { transport, requests: [], calls: () => calls }, calls: () => calls }
}

describe("a 30 s outage without Retry-After, a caller waiting", () => {
  for (const [draw, label] of [
    [0.999999, "shortest delays"],
    [0, "longest delays"],
  ] as const) {
    it.effect(`at most 12 requests in the 30 s, the token within 3 s of recovery (${label})`, () =>
      Effect.gen(function* () {
        const server = outage(30_000)
        const fiber = yield* refreshWithRetry(request(), {
          schedule: callerAwareRetrySchedule(() => true),
        }).pipe(provideTransport(server.fake), fixedRandom(draw), Effect.forkChild)
        yield* TestClock.adjust("29999 millis")
        assert.isAtMost(server.calls(), 12)
        assert.isUndefined(fiber.pollUnsafe())
        yield* TestClock.adjust("3001 millis")
        const exit = fiber.pollUnsafe()
        assert.isDefined(exit)
        if (exit !== undefined) assert.isTrue(Exit.isSuccess(exit))
        yield* Fiber.interrupt(fiber)
      }),
    )
  }
})
