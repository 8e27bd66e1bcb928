/**
 * The `retryScheduled` event: one per retry the rotation-safe policy decided on, with what failed,
 * when the next attempt starts and when the retries give up; none for a failure that is not retried.
 * Virtual time only (TestClock); a scripted transport plays the server.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import { TestClock } from "effect/testing"
import { HttpTransport, type HttpTransportResponse } from "../src/HttpTransport.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import { makeRetrySchedule } from "../src/RetryPolicy.ts"
import type { TokenEvent } from "../src/TokenEvents.ts"
import { TokenManager, type TokenManagerOptions } from "../src/TokenManager.ts"
import { TokenStore } from "../src/TokenStore.ts"

const answers = (statuses: Array<number>): HttpTransport => {
  let call = 0
  return {
    // Answers after a yield, as a real exchange does: the caller is then counted as waiting.
    send: () =>
      Effect.map(Effect.yieldNow, (): HttpTransportResponse => {
        const status = statuses[call++] ?? 200
        return status === 200
          ? {
              status,
              headers: { "content-type": "application/json" },
              body: JSON.stringify({
                token_type: "Bearer",
                expires_in: 3600,
                access_token: `at-${call}`,
                refresh_token: `rt-${call}`,
              }),
            }
          : {
              status,
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ error: "server_error" }),
            }
      }),
  }
}

const options = (overrides: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  request: { environment: "qa", clientId: "client-1", clientSecret: "cs-SECRET-retry", scope: "MOBPROC" },
  refreshToken: "rt-0",
  ...overrides,
})

const withEvents = (statuses: Array<number>, overrides: Partial<TokenManagerOptions> = {}) =>
  Effect.gen(function* () {
    const m = yield* TokenManager.make(options(overrides)).pipe(
      Effect.provide(Layer.succeed(TokenStore)(memoryStore())),
      Effect.provideService(HttpTransport, answers(statuses)),
    )
    const events: Array<TokenEvent> = []
    m.subscribe((e) => events.push(e))
    return { m, events }
  })

const noJitter = <A, E, R>(effect: Effect.Effect<A, E, R>) =>
  Effect.provideService(effect, Random.Random, { nextDoubleUnsafe: () => 0, nextIntUnsafe: () => 0 })

describe("retryScheduled", () => {
  it.effect("reports each scheduled retry: what failed, the next attempt, the end of the budget", () =>
    Effect.gen(function* () {
      const { m, events } = yield* withEvents([503, 503])
      // TestClock starts at 0. A waiting caller: one quick retry (250 ms), then every 2.95 s.
      const fiber = yield* Effect.forkChild(m.get)
      yield* TestClock.adjust("250 millis")
      yield* TestClock.adjust("2950 millis")
      yield* Fiber.join(fiber)
      const retries = events.filter((e) => e.type === "retryScheduled")
      assert.deepStrictEqual(
        retries.map((e) => [e.attempt, e.at.getTime(), e.nextAttemptAt.getTime(), e.giveUpAt?.getTime()]),
        [
          [1, 0, 250, 120_000],
          [2, 250, 3200, 120_000],
        ],
      )
      assert.strictEqual(retries[0]?.error.reason._tag, "ServerError")
      assert.deepStrictEqual(
        events.map((e) => e.type),
        ["retryScheduled", "retryScheduled", "rotationSaved", "refreshed"],
      )
    }).pipe(noJitter, Effect.scoped),
  )

  it.effect("reports nothing for a failure that is not retried (an ambiguous 500)", () =>
    Effect.gen(function* () {
      const { m, events } = yield* withEvents([500])
      const exit = yield* Effect.exit(m.get)
      assert.strictEqual(exit._tag, "Failure")
      assert.deepStrictEqual(
        events.map((e) => e.type),
        ["refreshFailed"],
      )
    }).pipe(noJitter, Effect.scoped),
  )

  it.effect("has no give-up time under a caller's own schedule, and none at all with retry: false", () =>
    Effect.gen(function* () {
      const own = yield* withEvents([503], {
        retry: { schedule: makeRetrySchedule({ baseDelay: "1 second" }) },
      })
      const fiber = yield* Effect.forkChild(own.m.get)
      yield* TestClock.adjust("1 second")
      yield* Fiber.join(fiber)
      const retries = own.events.filter((e) => e.type === "retryScheduled")
      assert.strictEqual(retries.length, 1)
      assert.strictEqual(retries[0]?.giveUpAt, undefined)
      const off = yield* withEvents([503], { retry: false })
      yield* Effect.exit(off.m.get)
      assert.strictEqual(off.events.filter((e) => e.type === "retryScheduled").length, 0)
    }).pipe(noJitter, Effect.scoped),
  )
})
