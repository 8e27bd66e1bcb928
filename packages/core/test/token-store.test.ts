/**
 * The TokenStore contract, run against every store in this package: empty load, first save,
 * compare-and-set conflicts, a round trip of every field (secrets stay Redacted), generations,
 * the refresh lock, and secret-free errors.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import { TestClock } from "effect/testing"
import { afterAll } from "vitest"
import { fileStore, layerFileStore } from "../src/FileStore.ts"
import { layerMemoryStore, memoryStore } from "../src/MemoryStore.ts"
import { type StoredTokenInput, TokenStore, type TokenStoreShape } from "../src/TokenStore.ts"
import { assertNoSecrets } from "./fixtures/store-assert.ts"

const root = mkdtempSync(join(tmpdir(), "token-store-contract-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0

const stores: ReadonlyArray<readonly [string, () => Effect.Effect<TokenStoreShape, unknown>]> = [
  ["memory", () => Effect.succeed(memoryStore())],
  ["file", () => fileStore(join(root, `plain-${n++}`, "token.json"))],
  [
    "encrypted file",
    () =>
      fileStore(join(root, `enc-${n++}`, "token.json"), {
        encryptionKey: Redacted.make(new Uint8Array(32).fill(7)),
      }),
  ],
]

const RT1 = "rt-contract-1-9f8e7d6c5b4a"
const RT2 = "rt-contract-2-0a1b2c3d4e5f"
const AT = "at-contract-77aa88bb99cc"
const secrets = [RT1, RT2, AT]

const full: StoredTokenInput = {
  refreshToken: Redacted.make(RT1),
  accessToken: Redacted.make(AT),
  tokenType: "Bearer",
  expiresAt: 1_800_000_007_200,
  issuedAt: 1_800_000_000_000,
  scope: "MOBPROC",
  origin: "sha256:0123abcd",
}

for (const [name, make] of stores) {
  describe(`${name} store`, () => {
    it.effect("loads nothing from an empty store", () =>
      Effect.gen(function* () {
        const store = yield* make()
        assert.strictEqual(yield* store.load, undefined)
      }),
    )

    it.effect("first save expects an empty store, then loads back every field, secrets still Redacted", () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(1_800_000_000_123)
        const store = yield* make()
        const saved = yield* store.save(full, undefined)
        assert.strictEqual(saved.generation, 1)
        assert.strictEqual(saved.updatedAt, 1_800_000_000_123)
        const loaded = yield* store.load
        assert.isDefined(loaded)
        if (loaded === undefined) return
        assert.isTrue(Redacted.isRedacted(loaded.refreshToken))
        assert.isTrue(Redacted.isRedacted(loaded.accessToken))
        assert.strictEqual(Redacted.value(loaded.refreshToken), RT1)
        assert.strictEqual(loaded.accessToken && Redacted.value(loaded.accessToken), AT)
        assert.deepStrictEqual(
          { ...loaded, refreshToken: undefined, accessToken: undefined },
          {
            refreshToken: undefined,
            accessToken: undefined,
            tokenType: "Bearer",
            expiresAt: 1_800_000_007_200,
            issuedAt: 1_800_000_000_000,
            scope: "MOBPROC",
            origin: "sha256:0123abcd",
            generation: 1,
            updatedAt: 1_800_000_000_123,
          },
        )
        assertNoSecrets(loaded, secrets)
      }),
    )

    it.effect("keeps absent optional fields absent", () =>
      Effect.gen(function* () {
        const store = yield* make()
        yield* store.save({ refreshToken: Redacted.make(RT1) }, undefined)
        const loaded = yield* store.load
        assert.deepStrictEqual(Object.keys(loaded ?? {}).sort(), ["generation", "refreshToken", "updatedAt"])
      }),
    )

    it.effect("compare-and-set: saves over the expected token and increments the generation", () =>
      Effect.gen(function* () {
        const store = yield* make()
        yield* store.save(full, undefined)
        const second = yield* store.save({ ...full, refreshToken: Redacted.make(RT2) }, Redacted.make(RT1))
        assert.strictEqual(second.generation, 2)
        const third = yield* store.save({ ...full, refreshToken: Redacted.make(RT2) }, Redacted.make(RT2))
        assert.strictEqual(third.generation, 3)
        const loaded = yield* store.load
        assert.strictEqual(loaded?.generation, 3)
        assert.strictEqual(loaded && Redacted.value(loaded.refreshToken), RT2)
      }),
    )

    it.effect(
      "supersedes: a write-back rises above both the stored generation and the one it supersedes",
      () =>
        Effect.gen(function* () {
          const store = yield* make()
          yield* store.save(full, undefined)
          const back = yield* store.save(
            { ...full, refreshToken: Redacted.make(RT2), supersedes: 7 },
            Redacted.make(RT1),
          )
          assert.strictEqual(back.generation, 8)
          const next = yield* store.save(
            { ...full, refreshToken: Redacted.make(RT2), supersedes: 2 },
            Redacted.make(RT2),
          )
          assert.strictEqual(next.generation, 9)
          assert.strictEqual((yield* store.load)?.generation, 9)
        }),
    )

    it.effect("keeps the fingerprints of rejected access tokens, the 16 most recent", () =>
      Effect.gen(function* () {
        const store = yield* make()
        const rejected = Array.from({ length: 20 }, (_, i) => `fp-${i}`)
        yield* store.save({ ...full, rejected }, undefined)
        assert.deepStrictEqual((yield* store.load)?.rejected, rejected.slice(-16))
      }),
    )

    it.effect("compare-and-set: a stale expected token fails with StoreConflict and writes nothing", () =>
      Effect.gen(function* () {
        const store = yield* make()
        yield* store.save(full, undefined)
        yield* store.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT1))
        const conflict = yield* Effect.flip(
          store.save({ refreshToken: Redacted.make("rt-x") }, Redacted.make(RT1)),
        )
        assert.strictEqual(conflict._tag, "StoreConflict")
        if (conflict._tag !== "StoreConflict") return
        assert.strictEqual(conflict.expected, "token")
        assert.strictEqual(conflict.found, "other-token")
        assert.strictEqual(conflict.generation, 2)
        assert.include(conflict.message, "load the store again")
        assertNoSecrets(conflict, secrets)
        const loaded = yield* store.load
        assert.strictEqual(loaded && Redacted.value(loaded.refreshToken), RT2)
        assert.strictEqual(loaded?.generation, 2)
      }),
    )

    it.effect("compare-and-set: expecting an empty store fails once something is stored", () =>
      Effect.gen(function* () {
        const store = yield* make()
        yield* store.save(full, undefined)
        const conflict = yield* Effect.flip(store.save({ refreshToken: Redacted.make(RT2) }, undefined))
        assert.strictEqual(conflict._tag, "StoreConflict")
        if (conflict._tag === "StoreConflict") assert.strictEqual(conflict.expected, "empty")
      }),
    )

    it.effect("compare-and-set: expecting a token in an empty store fails", () =>
      Effect.gen(function* () {
        const store = yield* make()
        const conflict = yield* Effect.flip(store.save(full, Redacted.make(RT1)))
        assert.strictEqual(conflict._tag, "StoreConflict")
        if (conflict._tag === "StoreConflict") assert.strictEqual(conflict.found, "empty")
        assert.strictEqual(yield* store.load, undefined)
      }),
    )

    it.effect("refuses an empty refresh token with InvalidInput", () =>
      Effect.gen(function* () {
        const store = yield* make()
        const error = yield* Effect.flip(store.save({ refreshToken: Redacted.make("") }, undefined))
        assert.strictEqual(error._tag, "StoreError")
        if (error._tag === "StoreError") assert.strictEqual(error.reason, "InvalidInput")
        assert.strictEqual(yield* store.load, undefined)
      }),
    )

    it.live("the refresh lock lets one fiber in at a time", () =>
      Effect.gen(function* () {
        const store = yield* make()
        let inside = 0
        let maxInside = 0
        const critical = store.withRefreshLock(
          Effect.gen(function* () {
            inside++
            maxInside = Math.max(maxInside, inside)
            yield* Effect.sleep(15)
            inside--
          }),
        )
        const fibers = yield* Effect.forEach([1, 2, 3, 4], () => Effect.forkChild(critical))
        yield* Fiber.joinAll(fibers)
        assert.strictEqual(maxInside, 1)
      }),
    )

    it.live("the refresh lock is released when the effect fails or is interrupted", () =>
      Effect.gen(function* () {
        const store = yield* make()
        const failed = yield* Effect.flip(store.withRefreshLock(Effect.fail("boom" as const)))
        assert.strictEqual(failed, "boom")
        const held = yield* Deferred.make<void>()
        const holder = yield* Effect.forkChild(
          store.withRefreshLock(Deferred.succeed(held, undefined).pipe(Effect.andThen(Effect.never))),
        )
        yield* Deferred.await(held)
        yield* Fiber.interrupt(holder)
        // A lock left held would hang here: the time limit only turns that hang into a failure.
        const value = yield* store.withRefreshLock(Effect.succeed(42)).pipe(Effect.timeout(30_000))
        assert.strictEqual(value, 42)
      }),
    )
  })
}

describe("memory store seed and layers", () => {
  it.effect("a seed starts at generation 1 and is replaced by compare-and-set", () =>
    Effect.gen(function* () {
      const store = memoryStore({ refreshToken: Redacted.make(RT1), origin: "sha256:seed" })
      const seeded = yield* store.load
      assert.strictEqual(seeded?.generation, 1)
      assert.strictEqual(seeded?.origin, "sha256:seed")
      const saved = yield* store.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT1))
      assert.strictEqual(saved.generation, 2)
    }),
  )

  it.effect("layerMemoryStore and layerFileStore provide the TokenStore service", () =>
    Effect.gen(function* () {
      const useStore = Effect.gen(function* () {
        const store = yield* TokenStore
        yield* store.save({ refreshToken: Redacted.make(RT1) }, undefined)
        return (yield* store.load)?.generation
      })
      assert.strictEqual(yield* Effect.provide(useStore, layerMemoryStore()), 1)
      const path = join(root, `layer-${n++}`, "token.json")
      assert.strictEqual(yield* Effect.provide(useStore, layerFileStore(path)), 1)
      assert.strictEqual(
        yield* Effect.provide(useStore.pipe(Effect.flip), layerFileStore(path)).pipe(
          Effect.map((e) => e._tag),
        ),
        "StoreConflict",
      )
    }),
  )
})
