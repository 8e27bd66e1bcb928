/**
 * The token manager (Effect API) against the real simulator over HTTP: single flight, the locked
 * re-read of the store, write-ahead, a failing store, `invalid_grant` recovery, provisioned vs
 * stored tokens, `invalidate`, `close`, and no secret in any status, event or error.
 */

import { inspect } from "node:util"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Layer from "effect/Layer"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Scope from "effect/Scope"
import { assert, describe, it } from "vitest"
import { InvalidConfig } from "../../core/src/InvalidConfig.ts"
import { memoryStore } from "../../core/src/MemoryStore.ts"
import { InvalidGrant, RefreshError, Transport } from "../../core/src/RefreshError.ts"
import { StoreError } from "../../core/src/StoreError.ts"
import { originOf } from "../../core/src/StoreHelpers.ts"
import type { TokenEvent } from "../../core/src/TokenEvents.ts"
import { TokenManager, type TokenManagerShape } from "../../core/src/TokenManager.ts"
import { NotProvisioned, TokenManagerClosed } from "../../core/src/TokenManagerError.ts"
import { TokenStore } from "../../core/src/TokenStore.ts"
import { assertNoSecrets } from "../../core/test/fixtures/store-assert.ts"
import {
  diskFull,
  expiredRecord,
  instrumentedStore,
  optionsFor,
  withManager,
} from "./fixtures/manager-stores.ts"
import { faultsTaken, useSharedSimulator } from "./support/sim.ts"

let sim: Simulator
useSharedSimulator((started) => {
  sim = started
})

const failureOf = async <A>(promise: Promise<A>): Promise<unknown> =>
  promise.then(
    () => assert.fail("expected a failure"),
    (error: unknown) => error,
  )

/** Every secret the simulator knows for a client, plus whatever the test adds. */
const secretsOf = (client: { clientSecret: string; refreshToken: string }, ...more: Array<string>) => [
  client.clientSecret,
  client.refreshToken,
  ...sim.liveRefreshTokens(),
  ...more,
]

describe("get", () => {
  it("refreshes once, then serves from memory with no store or network round trip", async () => {
    const client = sim.addClient()
    const store = instrumentedStore()
    const tokens = await withManager(optionsFor(sim, client), store, (m) =>
      Effect.gen(function* () {
        const first = yield* m.get
        const counts = { ...store.counts }
        const more = yield* Effect.all([m.get, m.get, m.get])
        return { first, more, counts }
      }),
    )
    assert.strictEqual(sim.stats().tokenRequests, 1)
    assert.isTrue(sim.isAccessTokenValid(Redacted.value(tokens.first.token)))
    for (const t of tokens.more)
      assert.strictEqual(Redacted.value(t.token), Redacted.value(tokens.first.token))
    assert.deepStrictEqual(store.counts, tokens.counts)
    assert.strictEqual(tokens.first.tokenType, "Bearer")
  })

  it("1,000 concurrent callers at expiry cause exactly one token request", async () => {
    const client = sim.addClient()
    const store = memoryStore(expiredRecord(client.refreshToken))
    const tokens = await withManager(optionsFor(sim, client, { refreshToken: undefined }), store, (m) =>
      Effect.all(
        Array.from({ length: 1000 }, () => m.get),
        { concurrency: "unbounded" },
      ),
    )
    assert.strictEqual(sim.stats().tokenRequests, 1)
    assert.strictEqual(new Set(tokens.map((t) => Redacted.value(t.token))).size, 1)
    assert.isTrue(sim.isAccessTokenValid(Redacted.value(tokens[0]?.token ?? Redacted.make(""))))
  })

  it("re-reads the store inside the lock: a token another process saved is adopted and nothing is sent", async () => {
    const client = sim.addClient()
    const store = memoryStore()
    const events: Array<TokenEvent> = []
    const result = await withManager(optionsFor(sim, client), store, (a) =>
      Effect.gen(function* () {
        a.subscribe((e) => events.push(e))
        const mine = yield* a.get
        // "Another process": a second manager on the same store refreshes.
        const theirs = yield* Effect.scoped(
          Effect.flatMap(TokenManager.make(optionsFor(sim, client)), (b) => b.refreshNow),
        ).pipe(Effect.provide(Layer.succeed(TokenStore)(store)))
        const requestsBefore = sim.stats().tokenRequests
        // The API rejects ours: the next get re-reads the store and finds theirs.
        yield* a.invalidate(mine.token)
        const next = yield* a.get
        return { mine, theirs, next, requestsBefore }
      }),
    )
    assert.strictEqual(result.requestsBefore, 2)
    assert.strictEqual(sim.stats().tokenRequests, 2)
    assert.strictEqual(Redacted.value(result.next.token), Redacted.value(result.theirs.token))
    assert.notStrictEqual(Redacted.value(result.next.token), Redacted.value(result.mine.token))
    assert.include(
      events.map((e) => e.type),
      "adoptedFromStore",
    )
  })

  it("saves the rotated refresh token BEFORE handing out the access token (write-ahead)", async () => {
    const client = sim.addClient()
    const store = instrumentedStore()
    store.saveDelayMs = 150
    const order: Array<string> = []
    const { token, returnedAt } = await withManager(optionsFor(sim, client), store, (m) =>
      Effect.gen(function* () {
        m.subscribe((e) => order.push(e.type))
        const token = yield* m.get
        return { token, returnedAt: performance.now() }
      }),
    )
    const saved = await Effect.runPromise(store.load)
    assert.strictEqual(store.savedAt.length, 1)
    assert.isAtMost(store.savedAt[0] ?? Infinity, returnedAt)
    assert.strictEqual(Redacted.value(saved?.accessToken ?? Redacted.make("")), Redacted.value(token.token))
    assert.isTrue(sim.isLive(Redacted.value(saved?.refreshToken ?? Redacted.make(""))))
    assert.deepStrictEqual(order, ["rotationSaved", "refreshed"])
  })
})

describe("a store that refuses the rotated token", () => {
  it("fails loudly, keeps the new token in memory, retries the save, and never uses the old one", async () => {
    const client = sim.addClient()
    const store = instrumentedStore()
    const events: Array<TokenEvent> = []
    const outcome = await withManager(optionsFor(sim, client, { saveRetry: undefined }), store, (m) =>
      Effect.gen(function* () {
        m.subscribe((e) => events.push(e))
        yield* m.get
        const stored = yield* store.load
        store.failSaves = diskFull(store.location)
        const failed = yield* Effect.flip(m.refreshNow)
        const statusFailed = yield* m.status
        const requestsAfterFailure = sim.stats().tokenRequests
        const stillFailing = yield* Effect.flip(m.get)
        const againFailing = yield* Effect.flip(m.refreshNow)
        const requestsWhileBroken = sim.stats().tokenRequests
        store.failSaves = undefined
        const healed = yield* m.get
        const afterHeal = yield* store.load
        const requestsAfterHeal = sim.stats().tokenRequests
        const next = yield* m.refreshNow
        return {
          stored,
          failed,
          statusFailed,
          requestsAfterFailure,
          stillFailing,
          againFailing,
          requestsWhileBroken,
          healed,
          afterHeal,
          requestsAfterHeal,
          next,
          statusEnd: yield* m.status,
        }
      }),
    )
    assert.instanceOf(outcome.failed, StoreError)
    assert.include((outcome.failed as StoreError).message, "ENOSPC")
    assert.isTrue(outcome.statusFailed.unsavedRotation)
    assert.strictEqual(outcome.statusFailed.state, "error")
    assert.strictEqual(outcome.statusFailed.lastError?._tag, "StoreError")
    assert.instanceOf(outcome.stillFailing, StoreError)
    assert.instanceOf(outcome.againFailing, StoreError)
    // While the store is broken nothing more is sent: neither the old token nor the new one.
    assert.strictEqual(outcome.requestsAfterFailure, 2)
    assert.strictEqual(outcome.requestsWhileBroken, 2)
    // Healed: the rotated token is saved and its access token served, without a new request.
    assert.strictEqual(outcome.requestsAfterHeal, 2)
    assert.isTrue(sim.isAccessTokenValid(Redacted.value(outcome.healed.token)))
    const rotated = Redacted.value(outcome.afterHeal?.refreshToken ?? Redacted.make(""))
    assert.notStrictEqual(rotated, Redacted.value(outcome.stored?.refreshToken ?? Redacted.make("")))
    // The next refresh used the rotated token (the old one is dead: it would be invalid_grant).
    assert.deepStrictEqual(sim.stats().errors, {})
    assert.strictEqual(sim.stats().refreshes, 3)
    assert.isFalse(outcome.statusEnd.unsavedRotation)
    const types = events.map((e) => e.type)
    assert.strictEqual(types.filter((t) => t === "saveFailed").length, 3)
    const saveFailed = events.find((e) => e.type === "saveFailed")
    assert.strictEqual(saveFailed?.type === "saveFailed" ? saveFailed.attempts : 0, 4)
    const recovered = events.filter((e) => e.type === "rotationSaved" && e.recovered)
    assert.strictEqual(recovered.length, 1)
    assertNoSecrets(events, secretsOf(client, Redacted.value(outcome.next.token)))
    assertNoSecrets(outcome.statusFailed, secretsOf(client))
  })
})

describe("invalid_grant", () => {
  it("fails with InvalidGrant telling to re-provision when the store holds nothing newer", async () => {
    const client = sim.addClient()
    const store = memoryStore(expiredRecord("rt-that-the-server-never-issued"))
    const error = await failureOf(
      withManager(optionsFor(sim, client, { refreshToken: undefined }), store, (m) => m.get),
    )
    assert.instanceOf(error, RefreshError)
    const reason = (error as RefreshError).reason
    assert.instanceOf(reason, InvalidGrant)
    assert.isFalse((reason as InvalidGrant).afterAmbiguousAttempt)
    assert.include((error as RefreshError).message, "re-provision")
    assertNoSecrets(error, [...secretsOf(client), "rt-that-the-server-never-issued"])
  })

  it("after an ambiguous attempt, says a lost response probably consumed the token", async () => {
    const client = sim.addClient()
    const store = memoryStore()
    sim.injectFaults({ kind: "resetAfterRotation" })
    const [first, second] = await withManager(optionsFor(sim, client, { retry: false }), store, (m) =>
      Effect.all([Effect.flip(m.get), Effect.flip(m.get)]),
    )
    assert.instanceOf(first, RefreshError)
    assert.instanceOf((first as RefreshError).reason, Transport)
    assert.isTrue((first as RefreshError).ambiguous)
    assert.instanceOf(second, RefreshError)
    assert.instanceOf((second as RefreshError).reason, InvalidGrant)
    assert.isTrue(((second as RefreshError).reason as InvalidGrant).afterAmbiguousAttempt)
    assert.include((second as RefreshError).message, "probably consumed")
  })

  it("re-reads the store once and uses a newer token found there", async () => {
    const client = sim.addClient()
    const inner = memoryStore()
    const store = instrumentedStore(inner)
    // Another process refreshed: the store holds its token, but our first read is stale.
    const stale = await withManager(optionsFor(sim, client), inner, (m) =>
      Effect.gen(function* () {
        yield* m.get
        return yield* inner.load
      }),
    )
    await withManager(optionsFor(sim, client), inner, (m) => m.refreshNow)
    if (stale === undefined) throw new Error("nothing stored")
    store.staleLoads.push({ ...stale, expiresAt: Date.now() - 1, generation: 99 })
    sim.resetStats()
    const token = await withManager(optionsFor(sim, client), store, (m) => m.get)
    // One invalid_grant (the stale token), then the newer stored token is used: its access token
    // is still valid, so nothing more is sent.
    assert.strictEqual(sim.stats().errors.invalid_grant, 1)
    assert.strictEqual(sim.stats().tokenRequests, 1)
    const saved = await Effect.runPromise(inner.load)
    assert.strictEqual(Redacted.value(token.token), Redacted.value(saved?.accessToken ?? Redacted.make("")))
    assert.isTrue(sim.isAccessTokenValid(Redacted.value(token.token)))
    assert.isTrue(sim.isLive(Redacted.value(saved?.refreshToken ?? Redacted.make(""))))
  })
})

describe("provisioned vs stored refresh token", () => {
  it("seeds an empty store, stamps the origin fingerprint, then prefers the rotated stored token", async () => {
    const client = sim.addClient()
    const store = memoryStore()
    await withManager(optionsFor(sim, client), store, (m) => m.get)
    const stored = await Effect.runPromise(store.load)
    assert.strictEqual(stored?.origin, originOf(client.refreshToken))
    assert.notInclude(stored?.origin ?? "", client.refreshToken)
    assert.isFalse(sim.isLive(client.refreshToken))
    // A restart with the same (now stale) provisioned token uses the stored one: no invalid_grant.
    const token = await withManager(optionsFor(sim, client), store, (m) => m.refreshNow)
    assert.isTrue(sim.isAccessTokenValid(Redacted.value(token.token)))
    assert.deepStrictEqual(sim.stats().errors, {})
  })

  it("a newly provisioned token replaces a stored token of another origin", async () => {
    const client = sim.addClient()
    const store = memoryStore()
    await withManager(optionsFor(sim, client), store, (m) => m.get)
    const reprovisioned = sim.issueRefreshToken(client.clientId)
    await withManager(optionsFor(sim, client, { refreshToken: reprovisioned }), store, (m) => m.get)
    const stored = await Effect.runPromise(store.load)
    assert.strictEqual(stored?.origin, originOf(reprovisioned))
    assert.isFalse(sim.isLive(reprovisioned))
    assert.isTrue(sim.isLive(Redacted.value(stored?.refreshToken ?? Redacted.make(""))))
    assert.deepStrictEqual(sim.stats().errors, {})
  })

  it("keeps a stored record without origin over a different provisioned token", async () => {
    const client = sim.addClient()
    const other = sim.issueRefreshToken(client.clientId)
    const store = memoryStore(expiredRecord(other))
    await withManager(optionsFor(sim, client), store, (m) => m.get)
    assert.isTrue(sim.isLive(client.refreshToken))
    assert.isFalse(sim.isLive(other))
  })

  it("fails with NotProvisioned when the store is empty and no token was given", async () => {
    const client = sim.addClient()
    const error = await failureOf(
      withManager(optionsFor(sim, client, { refreshToken: undefined }), memoryStore(), (m) => m.get),
    )
    assert.instanceOf(error, NotProvisioned)
    assert.include((error as NotProvisioned).message, "pass `refreshToken`")
    assert.strictEqual(sim.stats().tokenRequests, 0)
  })

  it("fails with InvalidConfig naming refreshAhead when it is not a duration", async () => {
    const client = sim.addClient()
    const error = await failureOf(
      withManager(optionsFor(sim, client, { refreshAhead: -5 }), memoryStore(), (m) => m.get),
    )
    assert.instanceOf(error, InvalidConfig)
    assert.strictEqual((error as InvalidConfig).field, "refreshAhead")
  })
})

describe("logs", () => {
  it("no log line, at any level, shows a secret, across failures and successes", async () => {
    const client = sim.addClient()
    const lines: Array<string> = []
    const capture = Logger.make((options) => {
      lines.push(inspect([options.message, options.cause], { depth: 10 }))
    })
    const store = instrumentedStore()
    const tokens: Array<string> = []
    sim.injectFaults({ kind: "status", status: 503 }, { kind: "resetAfterRotation" })
    await Effect.runPromise(
      Effect.scoped(
        Effect.gen(function* () {
          const m = yield* TokenManager.make(optionsFor(sim, client, { retry: false }))
          yield* Effect.flip(m.get) // 503
          yield* Effect.flip(m.get) // reset after rotation: ambiguous
          yield* Effect.flip(m.get) // invalid_grant after the lost rotation
          const again = yield* TokenManager.make(
            optionsFor(sim, client, { refreshToken: sim.issueRefreshToken(client.clientId) }),
          )
          tokens.push(Redacted.value((yield* again.get).token))
          store.failSaves = diskFull(store.location)
          yield* Effect.flip(again.refreshNow)
        }),
      ).pipe(
        Effect.provide(Layer.succeed(TokenStore)(store)),
        Effect.provide(Logger.layer([capture])),
        Effect.provideService(References.MinimumLogLevel, "All"),
      ),
    )
    assert.isAbove(lines.length, 0)
    for (const line of lines)
      for (const secret of secretsOf(client, ...tokens)) assert.notInclude(line, secret)
  })
})

describe("status, events, close", () => {
  it("reports status and events without any secret", async () => {
    const client = sim.addClient()
    const events: Array<TokenEvent> = []
    const { status, token } = await withManager(optionsFor(sim, client), memoryStore(), (m) =>
      Effect.gen(function* () {
        m.subscribe((e) => events.push(e))
        const empty = yield* m.status
        assert.strictEqual(empty.state, "empty")
        const token = yield* m.get
        return { status: yield* m.status, token }
      }),
    )
    assert.strictEqual(status.state, "valid")
    assert.strictEqual(status.refreshCount, 1)
    assert.isFalse(status.unsavedRotation)
    assert.instanceOf(status.validUntil, Date)
    assert.instanceOf(status.lastRefreshAt, Date)
    assert.isBelow(status.refreshAt?.getTime() ?? Infinity, status.validUntil?.getTime() ?? 0)
    assert.deepStrictEqual(
      events.map((e) => e.type),
      ["rotationSaved", "refreshed"],
    )
    assertNoSecrets(events, secretsOf(client, Redacted.value(token.token)))
    assertNoSecrets(status, secretsOf(client, Redacted.value(token.token)))
  })

  it("close cancels a refresh in flight and every later call fails with TokenManagerClosed", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "delay", ms: 60_000, phase: "beforeProcessing" })
    const scope = Scope.makeUnsafe()
    const manager: TokenManagerShape = await Effect.runPromise(
      TokenManager.make(optionsFor(sim, client)).pipe(
        Scope.provide(scope),
        Effect.provide(Layer.succeed(TokenStore)(memoryStore())),
      ),
    )
    const started = Date.now()
    const fiber = Effect.runFork(manager.get)
    await faultsTaken(sim) // the refresh is in flight, held by the server for a minute
    await Effect.runPromise(Scope.close(scope, Exit.void))
    const exit = await Effect.runPromise(Fiber.await(fiber))
    assert.isTrue(Exit.isFailure(exit))
    if (Exit.isFailure(exit))
      assert.instanceOf(
        exit.cause.reasons[0]?._tag === "Fail" ? exit.cause.reasons[0].error : undefined,
        TokenManagerClosed,
      )
    // Well before the server's minute: close cancelled it (the margin is for a starved machine).
    assert.isBelow(Date.now() - started, 30_000)
    const later = await Effect.runPromise(Effect.flip(manager.get))
    assert.instanceOf(later, TokenManagerClosed)
  })
})
