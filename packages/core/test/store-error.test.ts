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
