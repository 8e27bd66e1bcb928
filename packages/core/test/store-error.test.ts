/**
 * StoreError and StoreConflict messages: computed from the fields, naming the store and
 * operation, always ending with what to do.
 */
import { assert, describe, it } from "@effect/vitest"
import { StoreConflict, StoreError, type StoreErrorReason } from "../src/StoreError.ts"

const reasons: ReadonlyArray<readonly [StoreErrorReason, string]> = [
  ["NotWritable", "give a writable path or fix the permissions"],
  ["NotReadable", "fix its permissions"],
  ["Corrupt", "restore it from a backup"],
  ["UnsupportedVersion", "upgrade @tangoe-token/core"],
  ["KeyRequired", "pass the encryption key"],
  ["WrongKey", "key does not match"],
  ["InvalidKey", "32 random bytes or a non-empty passphrase"],
  ["InvalidInput", "nothing was written"],
  ["LockTimeout", "wait and retry"],
  ["Io", "check free space"],
  ["NotAFile", "left what it found untouched"],
  ["ReadableByOthers", "chmod 600"],
]

describe("StoreError", () => {
  for (const [reason, action] of reasons) {
    it(`${reason}: names the store and says what to do`, () => {
      const error = new StoreError({ operation: "save", location: "/srv/token.json", reason, detail: "9" })
      assert.strictEqual(error._tag, "StoreError")
      assert.include(error.message, "cannot write token store /srv/token.json")
      assert.include(error.message, action)
      assert.isTrue(String(error).startsWith("StoreError: cannot write token store /srv/token.json"))
      assert.strictEqual(error.retryable, reason === "LockTimeout" || reason === "Io")
    })
  }

  it("LockTimeout names the holder and how long it held the lock", () => {
    const error = new StoreError({
      operation: "lock",
      location: "/srv/token.json",
      reason: "LockTimeout",
      holder: { pid: 4242, hostname: "box", heldForMs: 31_500 },
    })
    assert.include(error.message, "cannot lock token store /srv/token.json")
    assert.include(error.message, "refresh lock is held by pid 4242 on box for 31.5 s")
  })
})

describe("StoreError of a Redis store (kind: redis)", () => {
  const location = "redis://h:6379/0 tangoe:x"
  const redis = (reason: StoreErrorReason, more: Partial<Pick<StoreError, "detail" | "holder">> = {}) =>
    new StoreError({ operation: "save", location, kind: "redis", reason, ...more })

  it("speaks of Redis, not of files, with the same head and shape", () => {
    const io = redis("Io", { detail: "ECONNREFUSED" })
    assert.strictEqual(io._tag, "StoreError")
    assert.isTrue(io.message.startsWith(`cannot write token store ${location}: Redis is unreachable`))
    assert.include(io.message, "(ECONNREFUSED) — check that Redis is running")
    assert.include(redis("Corrupt").message, "the Redis value is not a valid token record")
    assert.include(redis("UnsupportedVersion", { detail: "9" }).message, "upgrade @tangoe-token/store-redis")
    assert.include(redis("KeyRequired").message, "pass the encryptionKey")
    assert.include(redis("WrongKey").message, "the Redis value was written with")
    assert.notInclude(redis("Io").message, "disk")
  })

  it("a lost lease and a held lock say what happened", () => {
    const lost = redis("LockTimeout", { detail: "lease lost" })
    assert.include(lost.message, "lease expired and another process holds the lock now")
    assert.isTrue(lost.retryable)
    const held = redis("LockTimeout", { holder: { pid: 7, hostname: "box", heldForMs: 2_000 } })
    assert.include(held.message, "the refresh lock is held by pid 7 on box for 2.0 s")
    assert.include(held.message, "loses the lock when its lease runs out")
  })

  it("reasons without Redis words keep the file store's", () => {
    const detail = "empty refresh token"
    const file = new StoreError({ operation: "save", location, reason: "InvalidInput", detail })
    assert.strictEqual(redis("InvalidInput", { detail }).message, file.message)
  })
})

describe("StoreConflict", () => {
  it("says what was expected and found, and to load again", () => {
    const conflict = new StoreConflict({
      location: "memory",
      expected: "empty",
      found: "other-token",
      generation: 7,
    })
    assert.include(conflict.message, "expected an empty store, found another refresh token (generation 7)")
    assert.include(conflict.message, "load the store again")
  })
})
