/**
 * The token manager's timing under `TestClock`: expiry, refresh ahead and its jitter bounds, the
 * clamp for short-lived tokens, keep-warm, and serving the previous token after a failed refresh.
 * A scripted transport plays the server (each refresh returns the next numbered token pair).
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Random from "effect/Random"
import * as Redacted from "effect/Redacted"
import { TestClock } from "effect/testing"
import { HttpTransport, type HttpTransportResponse } from "../src/HttpTransport.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import type { TokenEvent } from "../src/TokenEvents.ts"
import { TokenManager, type TokenManagerOptions } from "../src/TokenManager.ts"
import { TokenStore } from "../src/TokenStore.ts"

interface Server {
  /** Seconds the next access token lives. */
  lifetime: number
  /** The status to answer with instead of a token (e.g. 503), while set. */
  failWith: number | undefined
  calls: number
}

const scripted = (server: Server): HttpTransport => ({
  send: () =>
    Effect.sync((): HttpTransportResponse => {
      server.calls++
      if (server.failWith !== undefined) {
        return {
          status: server.failWith,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ error: "temporarily_unavailable" }),
        }
      }
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          token_type: "Bearer",
          expires_in: server.lifetime,
          access_token: `at-${server.calls}`,
          refresh_token: `rt-${server.calls}`,
        }),
      }
    }),
})

const options = (overrides: Partial<TokenManagerOptions> = {}): TokenManagerOptions => ({
  request: { environment: "qa", clientId: "client-1", clientSecret: "cs-SECRET-clock", scope: "MOBPROC" },
  refreshToken: "rt-0",
  retry: false,
  ...overrides,
})

const managerOn = (server: Server, overrides: Partial<TokenManagerOptions> = {}) =>
  TokenManager.make(options(overrides)).pipe(
    Effect.provide(Layer.succeed(TokenStore)(memoryStore())),
    Effect.provideService(HttpTransport, scripted(server)),
  )

const tokenOf = (m: {
  readonly get: Effect.Effect<{ readonly token: Redacted.Redacted<string> }, unknown>
}) => Effect.map(m.get, (t) => Redacted.value(t.token))

const newServer = (lifetime: number): Server => ({ lifetime, failWith: undefined, calls: 0 })

describe("refresh ahead", () => {
  it.effect("serves from memory until less than refreshAhead (jittered) is left, then refreshes once", () =>
    Effect.gen(function* () {
      const server = newServer(3600)
      const m = yield* managerOn(server, { refreshAhead: "5 minutes" })
      assert.strictEqual(yield* tokenOf(m), "at-1")
      // 5 minutes jittered down by up to 20%: refresh between 4 and 5 minutes before expiry.
      yield* TestClock.adjust("3299 seconds")
      assert.strictEqual(yield* tokenOf(m), "at-1")
      assert.strictEqual(server.calls, 1)
      yield* TestClock.adjust("62 seconds")
      assert.strictEqual(yield* tokenOf(m), "at-2")
      assert.strictEqual(server.calls, 2)
      assert.strictEqual(yield* tokenOf(m), "at-2")
      assert.strictEqual(server.calls, 2)
    }).pipe(Effect.scoped),
  )

  it.effect("refreshes an expired token", () =>
    Effect.gen(function* () {
      const server = newServer(600)
      const m = yield* managerOn(server, { refreshAhead: 0 })
      assert.strictEqual(yield* tokenOf(m), "at-1")
      yield* TestClock.adjust("599 seconds")
      assert.strictEqual(yield* tokenOf(m), "at-1")
      yield* TestClock.adjust("1 second")
      assert.strictEqual(yield* tokenOf(m), "at-2")
    }).pipe(Effect.scoped),
  )

  it.effect("jitter stays within [80%, 100%] of refreshAhead and spreads refreshes out", () =>
    Effect.gen(function* () {
      const points: Array<number> = []
      for (let i = 0; i < 200; i++) {
        const m = yield* managerOn(newServer(3600), { refreshAhead: "5 minutes" })
        yield* m.get
        const status = yield* m.status
        const expiresAt = status.validUntil?.getTime() ?? 0
        points.push(expiresAt - (status.refreshAt?.getTime() ?? 0))
      }
      for (const ahead of points) {
        assert.isAtLeast(ahead, 240_000)
        assert.isAtMost(ahead, 300_000)
      }
      // Spread over most of the 60 s band, not one value.
      assert.isAbove(Math.max(...points) - Math.min(...points), 40_000)
    }).pipe(Effect.scoped),
  )

  it.effect("clamps refresh-ahead to half the lifetime: a short-lived token causes no refresh loop", () =>
    Effect.gen(function* () {
      const server = newServer(60)
      const m = yield* managerOn(server, { refreshAhead: "5 minutes" })
      yield* m.get
      const status = yield* m.status
      const ahead = (status.validUntil?.getTime() ?? 0) - (status.refreshAt?.getTime() ?? 0)
      assert.isAtLeast(ahead, 24_000)
      assert.isAtMost(ahead, 30_000)
      for (let i = 0; i < 20; i++) yield* m.get
      assert.strictEqual(server.calls, 1)
      yield* TestClock.adjust("29 seconds")
      yield* m.get
      assert.strictEqual(server.calls, 1)
      yield* TestClock.adjust("8 seconds")
      yield* m.get
      assert.strictEqual(server.calls, 2)
    }).pipe(Effect.scoped),
  )
})

describe("a failed refresh while the token is still valid", () => {
  it.effect("serves the previous token, reports the failure, and tries again later", () =>
    Effect.gen(function* () {
      const server = newServer(3600)
      const m = yield* managerOn(server, { refreshAhead: "5 minutes" })
      const events: Array<TokenEvent> = []
      m.subscribe((e) => events.push(e))
      yield* m.get
      yield* TestClock.adjust("3400 seconds")
      server.failWith = 503
      assert.strictEqual(yield* tokenOf(m), "at-1")
      assert.strictEqual(server.calls, 2)
      const failed = events.find((e) => e.type === "refreshFailed")
      assert.strictEqual(failed?.type === "refreshFailed" && failed.servedPrevious, true)
      const status = yield* m.status
      assert.strictEqual(status.lastError?._tag, "RefreshError")
      assert.strictEqual(status.lastError?.reason, "ServerError")
      // No retry storm: the next calls are served from memory until the retry point.
      assert.strictEqual(yield* tokenOf(m), "at-1")
      assert.strictEqual(server.calls, 2)
      server.failWith = undefined
      yield* TestClock.adjust("31 seconds")
      assert.strictEqual(yield* tokenOf(m), "at-3")
      assert.isUndefined((yield* m.status).lastError)
    }).pipe(Effect.scoped),
  )

  it.effect("fails once the token has expired", () =>
    Effect.gen(function* () {
      const server = newServer(3600)
      const m = yield* managerOn(server, { refreshAhead: "5 minutes" })
      yield* m.get
      server.failWith = 503
      yield* TestClock.adjust("3600 seconds")
      const error = yield* Effect.flip(m.get)
      assert.strictEqual(error._tag === "RefreshError" ? error.reason._tag : error._tag, "ServerError")
      assert.strictEqual((yield* m.status).state, "error")
    }).pipe(Effect.scoped),
  )
})

describe("keep-warm", () => {
  it.effect("refreshes in the background at each refresh-ahead point, and stops when closed", () =>
    Effect.gen(function* () {
      const server = newServer(600)
      yield* Effect.scoped(
        Effect.gen(function* () {
          const m = yield* managerOn(server, { refreshAhead: "60 seconds", keepWarm: true })
          yield* TestClock.adjust("1 second")
          assert.strictEqual(server.calls, 1)
          // No `get` at all: each token is replaced between 48 and 60 s before it expires.
          for (let i = 2; i <= 5; i++) {
            yield* TestClock.adjust("600 seconds")
            assert.strictEqual(server.calls, i)
          }
          assert.strictEqual((yield* m.status).state, "valid")
          assert.strictEqual(yield* tokenOf(m), "at-5")
          assert.strictEqual(server.calls, 5)
        }),
      )
      yield* TestClock.adjust("3600 seconds")
      assert.strictEqual(server.calls, 5)
    }),
  )

  it.effect("backs off after failures instead of spinning", () =>
    Effect.gen(function* () {
      const server = newServer(600)
      server.failWith = 400
      yield* managerOn(server, { keepWarm: true })
      yield* TestClock.adjust("1 second")
      const first = server.calls
      yield* TestClock.adjust("10 seconds")
      // 1 s, 2 s, 4 s… apart: a handful of attempts, not thousands.
      assert.isAtMost(server.calls - first, 4)
      assert.isAtLeast(server.calls, 2)
    }).pipe(Effect.scoped),
  )
})

describe("retry pace (the default schedule): by whether a caller waits", () => {
  const fixedRandom = <A, E, R>(effect: Effect.Effect<A, E, R>): Effect.Effect<A, E, R> =>
    Effect.provideService(effect, Random.Random, { nextDoubleUnsafe: () => 0.999999, nextIntUnsafe: () => 0 })

  it.effect(
    "a caller waiting through 30 s of 503: at most 12 requests, the token within 3 s of recovery",
    () =>
      Effect.gen(function* () {
        const server = newServer(3600)
        server.failWith = 503
        const m = yield* managerOn(server, { retry: {} })
        const waiting = yield* Effect.forkChild(tokenOf(m))
        yield* TestClock.adjust("29999 millis")
        assert.isAtMost(server.calls, 12)
        assert.isUndefined(waiting.pollUnsafe())
        server.failWith = undefined
        yield* TestClock.adjust("3001 millis")
        const exit = waiting.pollUnsafe()
        assert.isDefined(exit)
        if (exit !== undefined) assert.isTrue(Exit.isSuccess(exit))
      }).pipe(fixedRandom, Effect.scoped),
  )

  it.effect("keep-warm with nobody waiting backs off gently (full jitter, doubling)", () =>
    Effect.gen(function* () {
      const server = newServer(3600)
      server.failWith = 503
      yield* managerOn(server, { retry: {}, keepWarm: true })
      yield* TestClock.adjust("29999 millis")
      // 0, 0.25, 0.75, 1.75, 3.75, 7.75, 15.75 s: 7 requests, where a waiting caller's pace sends 12.
      assert.strictEqual(server.calls, 7)
    }).pipe(fixedRandom, Effect.scoped),
  )
})
