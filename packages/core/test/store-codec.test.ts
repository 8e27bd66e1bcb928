/**
 * The public store codec: records round-trip through token-file text (plain, raw key, passphrase),
 * the text is what `fileStore` reads, failures are typed and secret-free, and the record rules
 * (next generation, input validation) are the stores' own.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { afterAll } from "vitest"
import { fileStore } from "../src/FileStore.ts"
import {
  invalidStoredTokenInput,
  nextStoredToken,
  type StoreCodec,
  StoreCodecError,
  storeCodec,
} from "../src/store.ts"
import type { StoredToken } from "../src/TokenStore.ts"

const dir = mkdtempSync(join(tmpdir(), "store-codec-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const REFRESH = "codec-refresh-token-9f3a"
const ACCESS = "codec-access-token-77c1"

const record: StoredToken = {
  refreshToken: Redacted.make(REFRESH),
  accessToken: Redacted.make(ACCESS),
  tokenType: "Bearer",
  expiresAt: 1_767_225_600_000,
  scope: "MOBPROC",
  generation: 3,
  updatedAt: 1_767_218_400_123,
}

const codecOf = (encryptionKey?: Redacted.Redacted<Uint8Array | string>): StoreCodec =>
  Result.getOrThrow(storeCodec(encryptionKey === undefined ? {} : { encryptionKey }))

const plainOf = (r: StoredToken) => ({
  ...r,
  refreshToken: Redacted.value(r.refreshToken),
  accessToken: r.accessToken && Redacted.value(r.accessToken),
})

describe("storeCodec", () => {
  it.effect("round-trips plain text that fileStore reads as a token file", () =>
    Effect.gen(function* () {
      const codec = codecOf()
      assert.isFalse(codec.encrypted)
      const text = yield* codec.encode(record)
      assert.deepStrictEqual(JSON.parse(text).version, 1)
      assert.deepStrictEqual(plainOf(yield* codec.decode(text)), plainOf(record))
      const path = join(dir, "plain.json")
      writeFileSync(path, text, { mode: 0o600 })
      const loaded = yield* (yield* fileStore(path)).load
      assert.deepStrictEqual(loaded && plainOf(loaded), plainOf(record))
    }),
  )

  it.effect("encrypts with a passphrase (no token in the text), reuses the salt, refuses other keys", () =>
    Effect.gen(function* () {
      const codec = codecOf(Redacted.make("a passphrase"))
      assert.isTrue(codec.encrypted)
      const first = yield* codec.encode(record)
      assert.isFalse(first.includes(REFRESH) || first.includes(ACCESS))
      const second = yield* codec.encode({ ...record, generation: 4 }, first)
      assert.strictEqual(JSON.parse(second).encrypted.salt, JSON.parse(first).encrypted.salt)
      assert.strictEqual((yield* codec.decode(second)).generation, 4)
      const path = join(dir, "encrypted.json")
      writeFileSync(path, second, { mode: 0o600 })
      const viaFile = yield* (yield* fileStore(path, { encryptionKey: Redacted.make("a passphrase") })).load
      assert.strictEqual(viaFile?.generation, 4)

      const wrong = yield* Effect.flip(codecOf(Redacted.make("another one")).decode(second))
      assert.strictEqual(wrong.reason, "WrongKey")
      const raw = yield* Effect.flip(codecOf(Redacted.make(new Uint8Array(32))).decode(second))
      assert.strictEqual(raw.reason, "WrongKey")
      const none = yield* Effect.flip(codecOf().decode(second))
      assert.strictEqual(none.reason, "KeyRequired")
      assert.instanceOf(none, StoreCodecError)
      assert.match(none.message, /pass the encryptionKey/)
    }),
  )

  it.effect("round-trips with a raw 32-byte key", () =>
    Effect.gen(function* () {
      const codec = codecOf(Redacted.make(new Uint8Array(32).fill(7)))
      const text = yield* codec.encode(record)
      assert.strictEqual(JSON.parse(text).encrypted.kdf, "raw")
      assert.deepStrictEqual(plainOf(yield* codec.decode(text)), plainOf(record))
    }),
  )

  it.effect("fails with typed, secret-free errors on bad text and refuses an unusable key", () =>
    Effect.gen(function* () {
      const codec = codecOf()
      const truncated = yield* Effect.flip(codec.decode(`{"version":1,"token":{"refreshToken":"${REFRESH}"`))
      assert.strictEqual(truncated.reason, "Corrupt")
      const missing = yield* Effect.flip(codec.decode(`{"version":1,"token":{"accessToken":"${ACCESS}"}}`))
      assert.deepStrictEqual([missing.reason, missing.detail], ["Corrupt", "`token.refreshToken` is missing"])
      const newer = yield* Effect.flip(codec.decode(`{"version":2,"token":{}}`))
      assert.deepStrictEqual([newer.reason, newer.detail], ["UnsupportedVersion", "2"])
      for (const e of [truncated, missing, newer]) {
        const shown = `${e.message} ${String(e)} ${JSON.stringify(e)}`
        assert.isFalse(shown.includes(REFRESH) || shown.includes(ACCESS))
      }
      const short = storeCodec({ encryptionKey: Redacted.make(new Uint8Array(16)) })
      assert.isTrue(Result.isFailure(short))
      if (Result.isFailure(short)) {
        assert.deepStrictEqual(
          [short.failure.reason, short.failure.detail],
          ["InvalidKey", "a raw key must be 32 bytes, got 16"],
        )
      }
    }),
  )
})

describe("record rules", () => {
  it("nextStoredToken bumps the generation, stamps updatedAt and leaves absent fields out", () => {
    const first = nextStoredToken({ refreshToken: Redacted.make("a") }, undefined, 1000)
    assert.deepStrictEqual(Object.keys(first).sort(), ["generation", "refreshToken", "updatedAt"])
    assert.deepStrictEqual([first.generation, first.updatedAt], [1, 1000])
    const next = nextStoredToken({ ...record, generation: 99, updatedAt: 1 }, first, 2000)
    assert.deepStrictEqual([next.generation, next.updatedAt, next.scope], [2, 2000, "MOBPROC"])
  })

  it("invalidStoredTokenInput names the bad field, never its value", () => {
    assert.isUndefined(invalidStoredTokenInput(record))
    assert.strictEqual(
      invalidStoredTokenInput({ refreshToken: Redacted.make("") }),
      "refreshToken must be a non-empty Redacted string",
    )
    assert.strictEqual(
      invalidStoredTokenInput({ refreshToken: Redacted.make("x"), expiresAt: Number.NaN }),
      "expiresAt must be a finite number",
    )
  })
})
