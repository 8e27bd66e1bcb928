/**
 * The file store on real files in a temp folder: permissions, atomic writes, stray temp files,
 * encryption at rest, corrupt and future files, unwritable places, and lock takeover from lock
 * files left by dead, recycled, foreign or live holders.
 */
import { spawn, spawnSync } from "node:child_process"
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from "node:fs"
import { hostname, tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Deferred from "effect/Deferred"
import * as Effect from "effect/Effect"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import { afterAll } from "vitest"
import { type FileStoreOptions, fileStore } from "../src/FileStore.ts"
import type { StoreError } from "../src/StoreError.ts"
import type { StoredTokenInput } from "../src/TokenStore.ts"
import { assertNoSecrets } from "./fixtures/store-assert.ts"

const root = mkdtempSync(join(tmpdir(), "file-store-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
/** A fresh folder and a store path inside it. */
const freshPath = () => {
  const dir = join(root, `case-${n++}`)
  mkdirSync(dir)
  return { dir, path: join(dir, "token.json") }
}

const RT = "rt-file-5ec2e7-a1b2c3d4e5f6"
const RT2 = "rt-file-second-778899aabb"
const AT = "at-file-9d8c7b6a5f4e3d2c"
const secrets = [RT, RT2, AT]
const token: StoredTokenInput = {
  refreshToken: Redacted.make(RT),
  accessToken: Redacted.make(AT),
  tokenType: "Bearer",
  expiresAt: 1_800_000_007_200,
}
const rawKey = () => Redacted.make(new Uint8Array(32).fill(42) as Uint8Array)

const storeAt = (path: string, options?: FileStoreOptions) => fileStore(path, options)

const expectStoreError = <A, E extends { readonly _tag: string }>(effect: Effect.Effect<A, E>) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(effect)
    assert.strictEqual(error._tag, "StoreError")
    assertNoSecrets(error, secrets)
    return error as unknown as StoreError
  })

describe("file store: files on disk", () => {
  it.effect("creates the file with mode 0600 and a missing folder with mode 0700", () =>
    Effect.gen(function* () {
      const { dir } = freshPath()
      const path = join(dir, "nested", "token.json")
      const store = yield* storeAt(path)
      yield* store.save(token, undefined)
      assert.strictEqual(statSync(path).mode & 0o777, 0o600)
      assert.strictEqual(statSync(join(dir, "nested")).mode & 0o777, 0o700)
    }),
  )

  it.effect("never narrows a file readable by others: refuses it, mode unchanged (issue 18)", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const store = yield* storeAt(path)
      yield* store.save(token, undefined)
      chmodSync(path, 0o644)
      const error = yield* expectStoreError(store.load)
      assert.strictEqual(error.reason, "ReadableByOthers")
      assert.strictEqual(statSync(path).mode & 0o777, 0o644)
      const loaded = yield* (yield* storeAt(path, { allowReadableByOthers: true })).load
      assert.strictEqual(loaded?.generation, 1)
    }),
  )

  it.effect("writes versioned JSON and leaves no temp or lock file behind", () =>
    Effect.gen(function* () {
      const { dir, path } = freshPath()
      const store = yield* storeAt(path)
      yield* store.save(token, undefined)
      yield* store.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT))
      yield* store.withRefreshLock(Effect.void)
      assert.deepStrictEqual(readdirSync(dir), ["token.json"])
      const json = JSON.parse(readFileSync(path, "utf8"))
      assert.strictEqual(json.version, 1)
      assert.strictEqual(json.token.refreshToken, RT2)
      assert.strictEqual(json.token.generation, 2)
    }),
  )

  it.effect("a stray temp file from a crashed write does not disturb load, and a later save removes it", () =>
    Effect.gen(function* () {
      const { dir, path } = freshPath()
      const store = yield* storeAt(path)
      yield* store.save(token, undefined)
      // What a writer killed between write and rename leaves: a half-written temp file. Its pid
      // (2^22 + 1, above Linux's pid_max) is dead; its mtime is old enough to be swept.
      const stray = join(dir, "token.json.4194305.deadbeef0123.tmp")
      writeFileSync(stray, '{"version":1,"token":{"refreshTo', { mode: 0o600 })
      const old = new Date(Date.now() - 60_000)
      utimesSync(stray, old, old)
      const loaded = yield* store.load
      assert.strictEqual(loaded && Redacted.value(loaded.refreshToken), RT)
      yield* store.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT))
      assert.isFalse(existsSync(stray))
    }),
  )

  it.effect("keeps a recent temp file (a live writer may own it)", () =>
    Effect.gen(function* () {
      const { dir, path } = freshPath()
      const store = yield* storeAt(path)
      const recent = join(dir, "token.json.4194305.cafe.tmp")
      writeFileSync(recent, "partial")
      yield* store.save(token, undefined)
      assert.isTrue(existsSync(recent))
    }),
  )
})

describe("file store: encryption at rest", () => {
  it.effect("round-trips with a raw key; the file holds neither token", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const store = yield* storeAt(path, { encryptionKey: rawKey() })
      yield* store.save(token, undefined)
      const bytes = readFileSync(path)
      assert.strictEqual(bytes.indexOf(RT), -1)
      assert.strictEqual(bytes.indexOf(AT), -1)
      assert.strictEqual(bytes.indexOf(Buffer.from(RT).toString("base64").slice(0, 16)), -1)
      assert.strictEqual(JSON.parse(bytes.toString("utf8")).encrypted.kdf, "raw")
      const again = yield* storeAt(path, { encryptionKey: rawKey() })
      const loaded = yield* again.load
      assert.strictEqual(loaded && Redacted.value(loaded.refreshToken), RT)
      assert.strictEqual(loaded?.accessToken && Redacted.value(loaded.accessToken), AT)
    }),
  )

  it.effect("round-trips with a passphrase and keeps the salt across saves", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const key = Redacted.make("correct horse battery staple")
      const store = yield* storeAt(path, { encryptionKey: key })
      yield* store.save(token, undefined)
      const first = JSON.parse(readFileSync(path, "utf8")).encrypted
      yield* store.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT))
      const second = JSON.parse(readFileSync(path, "utf8")).encrypted
      assert.strictEqual(first.kdf, "scrypt")
      assert.strictEqual(second.salt, first.salt)
      assert.notStrictEqual(second.iv, first.iv)
      assert.strictEqual(readFileSync(path).indexOf(RT2), -1)
      const loaded = yield* (yield* storeAt(path, { encryptionKey: key })).load
      assert.strictEqual(loaded && Redacted.value(loaded.refreshToken), RT2)
    }),
  )

  it.effect("a wrong key, a missing key, or a key of the other kind fails clearly, never garbage", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      yield* (yield* storeAt(path, { encryptionKey: rawKey() })).save(token, undefined)
      const before = readFileSync(path, "utf8")

      const wrong = yield* expectStoreError(
        Effect.flatMap(
          storeAt(path, { encryptionKey: Redacted.make(new Uint8Array(32).fill(1)) }),
          (s) => s.load,
        ),
      )
      assert.strictEqual(wrong.reason, "WrongKey")
      assert.include(wrong.message, "key does not match")
      assert.include(wrong.message, path)

      const missing = yield* expectStoreError(Effect.flatMap(storeAt(path), (s) => s.load))
      assert.strictEqual(missing.reason, "KeyRequired")

      const passphrase = yield* expectStoreError(
        Effect.flatMap(storeAt(path, { encryptionKey: Redacted.make("a passphrase") }), (s) => s.load),
      )
      assert.strictEqual(passphrase.reason, "WrongKey")

      // A save with the wrong key must not overwrite the file either.
      const save = yield* expectStoreError(
        Effect.flatMap(storeAt(path, { encryptionKey: Redacted.make(new Uint8Array(32).fill(1)) }), (s) =>
          s.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT)),
        ),
      )
      assert.strictEqual(save.reason, "WrongKey")
      assert.strictEqual(readFileSync(path, "utf8"), before)
    }),
  )

  it.effect("an altered ciphertext or header fails as WrongKey", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      yield* (yield* storeAt(path, { encryptionKey: rawKey() })).save(token, undefined)
      const json = JSON.parse(readFileSync(path, "utf8"))
      const data = Buffer.from(json.encrypted.data, "base64")
      data[0] = (data[0] ?? 0) ^ 1
      writeFileSync(
        path,
        JSON.stringify({ ...json, encrypted: { ...json.encrypted, data: data.toString("base64") } }),
      )
      const error = yield* expectStoreError(
        Effect.flatMap(storeAt(path, { encryptionKey: rawKey() }), (s) => s.load),
      )
      assert.strictEqual(error.reason, "WrongKey")
    }),
  )

  it.effect("rejects a raw key that is not 32 bytes, and an empty passphrase", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const short = yield* expectStoreError(
        storeAt(path, { encryptionKey: Redacted.make(new Uint8Array(16)) }),
      )
      assert.strictEqual(short.reason, "InvalidKey")
      assert.include(short.message, "32 bytes")
      const empty = yield* expectStoreError(storeAt(path, { encryptionKey: Redacted.make("") }))
      assert.strictEqual(empty.reason, "InvalidKey")
    }),
  )

  it.effect("reads a plain file when a key is given, and encrypts it on the next save", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      yield* (yield* storeAt(path)).save(token, undefined)
      const store = yield* storeAt(path, { encryptionKey: rawKey() })
      const loaded = yield* store.load
      assert.strictEqual(loaded && Redacted.value(loaded.refreshToken), RT)
      yield* store.save({ refreshToken: Redacted.make(RT2) }, Redacted.make(RT))
      assert.strictEqual(readFileSync(path).indexOf(RT2), -1)
      assert.isDefined(JSON.parse(readFileSync(path, "utf8")).encrypted)
    }),
  )
})

describe("file store: files it must not trust", () => {
  const corruptCases: ReadonlyArray<readonly [string, string, string]> = [
    ["an empty file", "", "empty"],
    ["truncated JSON", `{"version":1,"token":{"refreshToken":"${RT}","gen`, "not JSON"],
    ["a JSON array", "[]", "not a JSON object"],
    ["no version", `{"token":{"refreshToken":"${RT}","generation":1,"updatedAt":1}}`, "version"],
    ["a missing refresh token", '{"version":1,"token":{"generation":1,"updatedAt":1}}', "token.refreshToken"],
    [
      "a refresh token of the wrong type",
      '{"version":1,"token":{"refreshToken":42,"generation":1,"updatedAt":1}}',
      "token.refreshToken",
    ],
    [
      "an empty refresh token",
      '{"version":1,"token":{"refreshToken":"","generation":1,"updatedAt":1}}',
      "empty",
    ],
    ["neither token nor encrypted", '{"version":1}', "neither"],
  ]
  for (const [name, content, detail] of corruptCases) {
    it.effect(`${name} is Corrupt, names the file, and is left untouched by load and save`, () =>
      Effect.gen(function* () {
        const { path } = freshPath()
        writeFileSync(path, content, { mode: 0o600 })
        const store = yield* storeAt(path)
        const error = yield* expectStoreError(store.load)
        assert.strictEqual(error.reason, "Corrupt")
        assert.strictEqual(error.operation, "load")
        assert.include(error.message, path)
        assert.include(error.message, detail)
        assert.include(error.message, "restore it from a backup")
        const saveError = yield* expectStoreError(store.save(token, undefined))
        assert.strictEqual(saveError.reason, "Corrupt")
        assert.strictEqual(readFileSync(path, "utf8"), content)
      }),
    )
  }

  it.effect("a file from a newer format version asks for an upgrade", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      writeFileSync(path, '{"version":2,"whatever":true}', { mode: 0o600 })
      const error = yield* expectStoreError(Effect.flatMap(storeAt(path), (s) => s.load))
      assert.strictEqual(error.reason, "UnsupportedVersion")
      assert.include(error.message, "version 2")
      assert.include(error.message, "upgrade @tangoe-token/core")
    }),
  )
})

describe("file store: places it cannot write", () => {
  // Tests run as root, and root ignores permission bits: `chmod 0500` on a folder would not stop
  // the write. These cases fail for everyone, root included.
  it.effect("a path whose parent is a file fails to save with NotWritable", () =>
    Effect.gen(function* () {
      const { dir } = freshPath()
      writeFileSync(join(dir, "not-a-folder"), "x")
      const path = join(dir, "not-a-folder", "token.json")
      const store = yield* storeAt(path)
      const error = yield* expectStoreError(store.save(token, undefined))
      assert.strictEqual(error.reason, "NotWritable")
      assert.strictEqual(error.operation, "save")
      assert.include(error.message, `cannot write token store ${path}`)
      assert.include(error.message, "give a writable path or fix the permissions")
      const lockError = yield* expectStoreError(store.withRefreshLock(Effect.void))
      assert.strictEqual(lockError.reason, "NotWritable")
    }),
  )

  it.effect("a path that is a folder fails to load and to save", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      mkdirSync(path)
      const store = yield* storeAt(path)
      const loadError = yield* expectStoreError(store.load)
      // Since issue 18 a folder is refused as what it is (was NotReadable, from EISDIR).
      assert.strictEqual(loadError.reason, "NotAFile")
      const saveError = yield* expectStoreError(store.save(token, undefined))
      assert.strictEqual(saveError.operation, "save")
    }),
  )

  it("a read-only folder fails to save with NotWritable and leaves the old file intact (root included, without its capabilities)", async () => {
    const { dir, path } = freshPath()
    await Effect.runPromise(Effect.flatMap(storeAt(path), (s) => s.save(token, undefined)))
    const before = readFileSync(path, "utf8")
    // Root ignores mode bits through CAP_DAC_OVERRIDE. Run the save in a child that keeps uid 0 but
    // drops every capability (util-linux `setpriv`), so the folder's 0500 really applies. (Dropping
    // to another uid instead fails where Node itself lives under root's private home.)
    const isRoot = process.getuid?.() === 0
    chmodSync(dir, 0o500)
    try {
      const script = [join(import.meta.dirname, "fixtures", "store-worker.ts"), "save", path, RT2]
      const child = isRoot
        ? spawnSync(
            "setpriv",
            [
              "--inh-caps=-all",
              "--ambient-caps=-all",
              "--bounding-set=-all",
              "--",
              process.execPath,
              ...script,
            ],
            { encoding: "utf8", timeout: 120_000 },
          )
        : spawnSync(process.execPath, script, { encoding: "utf8", timeout: 120_000 })
      assert.strictEqual(child.status, 0, child.stderr)
      const outcome = JSON.parse(child.stdout.trim())
      assert.strictEqual(outcome.ok, false)
      assert.strictEqual(outcome.tag, "StoreError")
      assert.strictEqual(outcome.reason, "NotWritable")
      assert.include(outcome.message, "give a writable path or fix the permissions")
      for (const secret of [RT, RT2]) assert.notInclude(child.stdout + child.stderr, secret)
    } finally {
      chmodSync(dir, 0o700)
    }
    assert.strictEqual(readFileSync(path, "utf8"), before)
    assert.deepStrictEqual(readdirSync(dir), ["token.json"])
  })
})

describe("file store: lock files left by others", () => {
  const lockFile = (path: string, record: object, ageMs = 0) => {
    writeFileSync(`${path}.lock`, JSON.stringify(record))
    const at = new Date(Date.now() - ageMs)
    utimesSync(`${path}.lock`, at, at)
  }
  const me = () => {
    let pidNamespace: string | undefined
    try {
      pidNamespace = readlinkSync("/proc/self/ns/pid")
    } catch {
      pidNamespace = undefined
    }
    return { hostname: hostname(), pidNamespace }
  }

  it.live("takes over at once from a holder that has exited", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const exited = spawnSync(process.execPath, ["-e", "0"]).pid
      lockFile(path, { pid: exited, ...me(), nonce: "n-dead", startedAt: Date.now() })
      // At once: not after the 60 s lock timeout (the bound leaves room for a starved machine).
      const store = yield* storeAt(path, { lockTimeout: 60_000 })
      const started = Date.now()
      yield* store.withRefreshLock(Effect.void)
      assert.isBelow(Date.now() - started, 20_000)
    }),
  )

  it.live("takes over at once when the pid now belongs to another process (start time differs)", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      lockFile(path, { pid: process.pid, ...me(), startTicks: 1, nonce: "n-reused", startedAt: Date.now() })
      // At once: not after the 60 s lock timeout (the bound leaves room for a starved machine).
      const store = yield* storeAt(path, { lockTimeout: 60_000 })
      const started = Date.now()
      yield* store.withRefreshLock(Effect.void)
      assert.isBelow(Date.now() - started, 20_000)
    }),
  )

  it.live.skipIf(!existsSync("/proc/self/stat"))(
    "takes over at once from a zombie holder (exited, not yet reaped)",
    () =>
      Effect.gen(function* () {
        const { path } = freshPath()
        // A barrier, not a race: `sh` starts a child that waits on a FIFO, prints its pid and becomes
        // `sleep 120`, which never reaps it. The child is released only once `sh` has become `sleep`
        // (a shell still running would reap it itself, as happened on a starved machine).
        const fifo = `${path}.release`
        spawnSync("mkfifo", [fifo])
        const parent = spawn("sh", ["-c", `(read x < "${fifo}") & echo $!; exec sleep 120`], {
          stdio: ["ignore", "pipe", "ignore"],
        })
        const zombie = yield* Effect.promise(
          () =>
            new Promise<number>((resolve) =>
              parent.stdout.once("data", (d: Buffer) => resolve(Number(d.toString().trim()))),
            ),
        )
        const comm = () => readFileSync(`/proc/${parent.pid}/comm`, "utf8").trim()
        for (let i = 0; i < 1_200 && comm() !== "sleep"; i++) yield* Effect.sleep(50)
        assert.strictEqual(comm(), "sleep")
        writeFileSync(fifo, "go\n")
        const isZombie = () => /\) Z /.test(readFileSync(`/proc/${zombie}/stat`, "utf8"))
        for (let i = 0; i < 1_200 && !isZombie(); i++) yield* Effect.sleep(50)
        assert.isTrue(isZombie(), "the child should be a zombie by now")
        lockFile(path, { pid: zombie, ...me(), nonce: "n-zombie", startedAt: Date.now() })
        // At once: not after the 60 s lock timeout (the bound leaves room for a starved machine).
        const store = yield* storeAt(path, { lockTimeout: 60_000 })
        const started = Date.now()
        yield* store.withRefreshLock(Effect.void)
        assert.isBelow(Date.now() - started, 20_000)
        parent.kill("SIGKILL")
      }),
  )

  it.live("waits for a live holder on another host until its lease runs out", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const foreign = { pid: 1, hostname: "another-host.invalid", nonce: "n-foreign", startedAt: Date.now() }
      lockFile(path, foreign)
      const timeout = yield* expectStoreError(
        Effect.flatMap(storeAt(path, { lockTimeout: 300, lockLease: 10_000 }), (s) =>
          s.withRefreshLock(Effect.void),
        ),
      )
      assert.strictEqual(timeout.reason, "LockTimeout")
      assert.include(timeout.message, "pid 1 on another-host.invalid")
      lockFile(path, foreign, 11_000)
      yield* Effect.flatMap(storeAt(path, { lockTimeout: 2_000, lockLease: 10_000 }), (s) =>
        s.withRefreshLock(Effect.void),
      )
    }),
  )

  it.live("a malformed lock file (a holder that crashed mid-create) expires by lease", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      writeFileSync(`${path}.lock`, "")
      const old = new Date(Date.now() - 5_000)
      utimesSync(`${path}.lock`, old, old)
      // The lock is 5 s old against a 1 s lease: taken over at once (the 60 s time limit only bounds a hang).
      yield* Effect.flatMap(storeAt(path, { lockTimeout: 60_000, lockLease: 1_000 }), (s) =>
        s.withRefreshLock(Effect.void),
      )
    }),
  )

  it.live("a holder in this process times the waiter out with a message naming it", () =>
    Effect.gen(function* () {
      const { path } = freshPath()
      const holder = yield* storeAt(path)
      const held = yield* Deferred.make<void>()
      const fiber = yield* Effect.forkChild(
        holder.withRefreshLock(Deferred.succeed(held, undefined).pipe(Effect.andThen(Effect.never))),
      )
      yield* Deferred.await(held)
      const error = yield* expectStoreError(
        Effect.flatMap(storeAt(path, { lockTimeout: 250 }), (s) => s.withRefreshLock(Effect.void)),
      )
      assert.strictEqual(error.reason, "LockTimeout")
      assert.strictEqual(error.holder?.pid, process.pid)
      assert.include(error.message, `held by pid ${process.pid}`)
      yield* Fiber.interrupt(fiber)
    }),
  )
})
