import { assert, describe, it } from "@effect/vitest"
import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Random from "effect/Random"
import * as Schedule from "effect/Schedule"
import { TestClock } from "effect/testing"
import type { InvalidConfig } from "../src/InvalidConfig.ts"
import {
  InvalidGrant,
  RateLimited,
  RefreshError,
  type RefreshErrorReason,
  Transport,
} from "../src/RefreshError.ts"
import {
  defaultRetrySchedule,
  makeRetrySchedule,
  type RetryOptions,
  refreshWithRetry,
} from "../src/RetryPolicy.ts"
import { refresh } from "../src/refresh.ts"
import {
  fakeTransport,
  hang,
  json,
  type Outcome,
  oauthError,
  ok,
  provideTransport,
  refused,
  reset,
} from "./support/fakeTransport.ts"
import { request } from "./support/request.ts"

const fixedRandom =
  (value: number) =>
  <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, Random.Random, { nextDoubleUnsafe: () => value, nextIntUnsafe: () => 0 })

const rateLimited = (retryAfterSeconds?: number): RefreshError =>
  new RefreshError({
    reason: new RateLimited({
      environment: "qa",
      status: 429,
      retryAfter: retryAfterSeconds === undefined ? undefined : Duration.seconds(retryAfterSeconds),
    }),
  })

/** Runs the retrying refresh against scripted outcomes, moving the test clock until it ends. */
const runRetry = (outcomes: ReadonlyArray<Outcome>, options: RetryOptions = {}, random = 0.999999) =>
  Effect.gen(function* () {
    const fake = fakeTransport(...outcomes)
    const fiber = yield* refreshWithRetry(request(), options).pipe(
      provideTransport(fake),
      fixedRandom(random),
      Effect.exit,
      Effect.forkChild,
    )
    yield* TestClock.adjust("10 minutes")
    const exit = yield* Fiber.join(fiber)
    return { exit, calls: fake.calls(), fake }
  })

/** What the refresh failed with: the reason of a `RefreshError`, or an `InvalidConfig`. */
const failureOf = <A>(
  exit: Exit.Exit<A, RefreshError | InvalidConfig>,
): RefreshErrorReason | InvalidConfig => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const error = exit.cause.reasons.find((r) => r._tag === "Fail")
  if (error === undefined || error._tag !== "Fail") throw new Error("expected a typed failure")
  return error.error._tag === "RefreshError" ? error.error.reason : error.error
}

describe("the default schedule's delays", () => {
  it.effect("grow exponentially from 250 ms with full jitter, capped at 30 s", () =>
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(defaultRetrySchedule)
      const delays: Array<number> = []
      for (let i = 0; i < 9; i++) {
        const [, delay] = yield* step(0, rateLimited())
        delays.push(Math.round(Duration.toMillis(delay)))
      }
      assert.deepStrictEqual(delays, [250, 500, 1000, 2000, 4000, 8000, 16000, 30000, 30000])
    }).pipe(fixedRandom(0.999999)),
  )

  it.effect("full jitter: a draw of 0 gives no delay at all", () =>
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(defaultRetrySchedule)
      for (let i = 0; i < 5; i++) {
        const [, delay] = yield* step(0, rateLimited())
        assert.strictEqual(Duration.toMillis(delay), 0)
      }
    }).pipe(fixedRandom(0)),
  )

  it.effect("full jitter: every delay is in [0, min(30 s, 250 ms * 2^n)] with the real random source", () =>
    Effect.gen(function* () {
      const delays: Array<number> = []
      for (let run = 0; run < 40; run++) {
        const step = yield* Schedule.toStep(defaultRetrySchedule)
        for (let n = 0; n < 10; n++) {
          const [, delay] = yield* step(0, rateLimited())
          const millis = Duration.toMillis(delay)
          assert.isAtLeast(millis, 0)
          assert.isAtMost(millis, Math.min(30_000, 250 * 2 ** n))
          if (n === 9) delays.push(millis)
        }
      }
      // Spread over the whole range, not clustered near the cap like ±20 % jitter would be.
      assert.isBelow(Math.min(...delays), 15_000)
      assert.isAbove(Math.max(...delays), 15_000)
    }),
  )

  it.effect("Retry-After in seconds raises the delay when it is longer than the backoff", () =>
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(defaultRetrySchedule)
      const [, first] = yield* step(0, rateLimited(7))
      assert.strictEqual(Duration.toMillis(first), 7000)
      // second attempt: backoff 500 ms, half of it drawn
      const [, second] = yield* step(0, rateLimited())
      assert.strictEqual(Duration.toMillis(second), 250)
    }).pipe(fixedRandom(0.5)),
  )

  it.effect("the backoff wins when it is longer than Retry-After", () =>
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(makeRetrySchedule({ baseDelay: "20 seconds" }))
      const [, delay] = yield* step(0, rateLimited(1))
      assert.isAbove(Duration.toMillis(delay), 19_000)
    }).pipe(fixedRandom(0.999999)),
  )

  it.effect("stops when the next attempt would start after 2 minutes", () =>
    Effect.gen(function* () {
      const step = yield* Schedule.toStep(defaultRetrySchedule)
      const [, delay] = yield* step(0, rateLimited(100))
      assert.strictEqual(Duration.toMillis(delay), 100_000)
      const done = yield* Effect.exit(step(100_000, rateLimited(30)))
      assert.isTrue(Exit.isFailure(done))
    }).pipe(fixedRandom(0)),
  )
})

describe("what the retrying refresh retries (counted transport calls)", () => {
  it.effect("a request that never left (connection refused) is retried until it succeeds", () =>
    Effect.gen(function* () {
      const { exit, calls } = yield* runRetry([refused, refused, ok()])
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(calls, 3)
    }),
  )

  it.effect("429 and 503 are retried", () =>
    Effect.gen(function* () {
      const { exit, calls } = yield* runRetry([
        oauthError(429, "rate_limited"),
        json(503, "", {}),
        json(503, { error: "temporarily_unavailable" }),
        ok(),
      ])
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(calls, 4)
    }),
  )

  it.effect("the 2-minute budget ends the retries (refused forever: 10 attempts with maximal jitter)", () =>
    Effect.gen(function* () {
      const { exit, calls } = yield* runRetry([refused])
      assert.strictEqual(failureOf(exit)._tag, "Transport")
      // delays 250+500+…+16000 = 31.75 s, then 30 s each: the 10th attempt starts at 91.75 s, an 11th would be at 121.75 s
      assert.strictEqual(calls, 10)
    }),
  )

  it.effect("Retry-After as an HTTP date is honoured", () =>
    Effect.gen(function* () {
      const fake = fakeTransport(
        json(429, { error: "slow_down" }, { "retry-after": new Date(45_000).toUTCString() }),
        ok(),
      )
      const fiber = yield* refreshWithRetry(request()).pipe(
        provideTransport(fake),
        fixedRandom(0),
        Effect.forkChild,
      )
      yield* TestClock.adjust("44 seconds")
      assert.strictEqual(fake.calls(), 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.calls(), 2)
    }),
  )

  it.effect("Retry-After in seconds is honoured end to end", () =>
    Effect.gen(function* () {
      const fake = fakeTransport(json(503, "", { "retry-after": "20" }), ok())
      const fiber = yield* refreshWithRetry(request()).pipe(
        provideTransport(fake),
        fixedRandom(0),
        Effect.forkChild,
      )
      yield* TestClock.adjust("19 seconds")
      assert.strictEqual(fake.calls(), 1)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      assert.strictEqual(fake.calls(), 2)
    }),
  )

  for (const [name, outcome, tag] of [
    ["500", json(500, { error: "server_error" }), "ServerError"],
    ["502", json(502, "<html>Bad Gateway</html>"), "ServerError"],
    ["504", json(504, ""), "ServerError"],
    ["a reset after sending", reset, "Transport"],
    ["a malformed 200", json(200, "{not json"), "MalformedResponse"],
    ["invalid_grant", oauthError(400, "invalid_grant"), "InvalidGrant"],
    ["invalid_client", oauthError(401, "invalid_client"), "InvalidClient"],
    ["invalid_scope", oauthError(400, "invalid_scope"), "InvalidScope"],
    ["invalid_request", oauthError(400, "invalid_request"), "InvalidRequest"],
    ["unsupported_grant_type", oauthError(400, "unsupported_grant_type"), "UnsupportedGrantType"],
    ["unauthorized_client", oauthError(400, "unauthorized_client"), "UnauthorizedClient"],
  ] as const) {
    it.effect(`${name} is not retried without a grace period`, () =>
      Effect.gen(function* () {
        const { exit, calls } = yield* runRetry([outcome, ok()])
        assert.strictEqual(failureOf(exit)._tag, tag)
        assert.strictEqual(calls, 1)
      }),
    )
  }

  it.effect("a timeout is ambiguous and not retried without a grace period", () =>
    Effect.gen(function* () {
      const { exit, calls } = yield* runRetry([hang, ok()])
      const error = failureOf(exit)
      assert.strictEqual(error._tag, "Timeout")
      assert.isTrue(error.ambiguous)
      assert.strictEqual(calls, 1)
    }),
  )

  it.effect("invalid input is not retried and sends nothing", () =>
    Effect.gen(function* () {
      const fake = fakeTransport(ok())
      const exit = yield* refreshWithRetry(request({ clientId: "" })).pipe(
        provideTransport(fake),
        Effect.exit,
      )
      assert.strictEqual(failureOf(exit)._tag, "InvalidConfig")
      assert.strictEqual(fake.calls(), 0)
    }),
  )

  it.effect("a caller's schedule replaces the delays but cannot make an ambiguous failure retried", () =>
    Effect.gen(function* () {
      const forever = { schedule: Schedule.forever }
      const ambiguous = yield* runRetry([json(500, "")], forever)
      assert.strictEqual(ambiguous.calls, 1)
      const twice = yield* runRetry([refused], { schedule: Schedule.recurs(2) })
      assert.strictEqual(twice.calls, 3)
    }),
  )
})

describe("ambiguous attempts and the rotation grace period", () => {
  it.effect("with a grace period an ambiguous failure is retried with the same token", () =>
    Effect.gen(function* () {
      const { exit, calls, fake } = yield* runRetry([json(502, ""), ok()], {
        rotationGracePeriod: "10 seconds",
      })
      assert.isTrue(Exit.isSuccess(exit))
      assert.strictEqual(calls, 2)
      assert.strictEqual(fake.requests[0]?.url, fake.requests[1]?.url)
    }),
  )

  it.effect("retries stop once the next attempt would start outside the grace period", () =>
    Effect.gen(function* () {
      // maximal jitter: attempts at 0, 0.25, 0.75, 1.75, 3.75, 7.75 s; the next would be at 15.75 s > 10 s
      const { exit, calls } = yield* runRetry([reset], { rotationGracePeriod: "10 seconds" })
      assert.strictEqual(failureOf(exit)._tag, "Transport")
      assert.strictEqual(calls, 6)
    }),
  )

  it.effect("a timeout is retried within the grace period, measured from when the attempt was sent", () =>
    Effect.gen(function* () {
      // the timed-out attempt was sent at 0 and failed at 30 s: outside a 20 s grace period
      const outside = yield* runRetry([hang, ok()], { rotationGracePeriod: "20 seconds" })
      assert.strictEqual(outside.calls, 1)
      const inside = yield* runRetry([hang, ok()], { rotationGracePeriod: "40 seconds" })
      assert.strictEqual(inside.calls, 2)
      assert.isTrue(Exit.isSuccess(inside.exit))
    }),
  )

  it.effect("invalid_grant after an ambiguous attempt says the token was probably consumed", () =>
    Effect.gen(function* () {
      const { exit } = yield* runRetry([json(504, ""), oauthError(400, "invalid_grant")], {
        rotationGracePeriod: "10 seconds",
      })
      const error = failureOf(exit)
      assert.instanceOf(error, InvalidGrant)
      assert.isTrue((error as InvalidGrant).afterAmbiguousAttempt)
      assert.include(error.message, "probably consumed")
    }),
  )

  it.effect("invalid_grant after only safe failures is a plain invalid_grant", () =>
    Effect.gen(function* () {
      const { exit } = yield* runRetry([refused, oauthError(400, "invalid_grant")])
      const error = failureOf(exit) as InvalidGrant
      assert.isFalse(error.afterAmbiguousAttempt)
      assert.notInclude(error.message, "probably consumed")
    }),
  )
})

describe("one attempt", () => {
  it.effect("refresh never retries", () =>
    Effect.gen(function* () {
      const fake = fakeTransport(refused, ok())
      const exit = yield* refresh(request()).pipe(provideTransport(fake), Effect.exit)
      assert.instanceOf(failureOf(exit), Transport)
      assert.strictEqual(fake.calls(), 1)
    }),
  )
})
