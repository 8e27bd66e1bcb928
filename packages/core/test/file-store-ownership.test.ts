/**
 * The file store touches only its own file (issue 18, problem 1): a store path (or lock path)
 * that is a symbolic link, a folder, a FIFO, a device or empty is refused, and nothing it found
 * is opened for writing or chmod-ed; an existing file that others can read is refused unless
 * `allowReadableByOthers` is given, and never narrowed. Real files; the tests run as root in CI,
 * which ignores permission bits, so they check what the store decides (mode bits, refusals), not
 * EACCES.
 */
import { spawnSync } from "node:child_process"
import {
  chmodSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll } from "vitest"
import { type FileStoreOptions, fileStore } from "../src/FileStore.ts"
import { StoreError } from "../src/StoreError.ts"
import type { StoredTokenInput } from "../src/TokenStore.ts"

const root = mkdtempSync(join(tmpdir(), "file-store-own-"))
afterAll(() => rmSync(root, { recursive: true, force: true }))
let n = 0
const freshDir = () => {
  const dir = join(root, `case-${n++}`)
  mkdirSync(dir)
  return dir
}

const RT = "rt-own-5ec2e7-a1b2c3d4e5f6"
const token: StoredTokenInput = { refreshToken: Redacted.make(RT) }

/** Fails unless `effect` fails with a `StoreError` of `reason`; returns it. */
const refused = <A>(effect: Effect.Effect<A, unknown>, reason: StoreError["reason"]) =>
  Effect.gen(function* () {
    const error = yield* Effect.flip(effect)
    assert.instanceOf(error, StoreError)
    const e = error as StoreError
    assert.strictEqual(e.reason, reason, e.message)
    assert.notInclude(e.message, RT)
    return e
  })

/** Every operation of a store at `path`, each expected to be refused with `reason`. */
const everyOperationRefused = (path: string, reason: StoreError["reason"], options?: FileStoreOptions) =>
  Effect.gen(function* () {
    const store = yield* fileStore(path, options)
    const load = yield* refused(store.load, reason)
    const save = yield* refused(store.save(token, undefined), reason)
    return { load, save }
  })

describe("file store: touches only its own file", () => {
  it.effect("a symbolic link to a file is refused; the target's mode and content are unchanged", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const target = join(dir, "system-file")
      writeFileSync(target, "not a token file\n", { mode: 0o644 })
      chmodSync(target, 0o644)
      const link = join(dir, "token.json")
      symlinkSync(target, link)
      const { load, save } = yield* everyOperationRefused(link, "NotAFile")
      assert.include(load.message, link)
      assert.include(load.message, "a symbolic link")
      assert.include(save.message, "a symbolic link")
      assert.notInclude(load.message, "changed")
      assert.strictEqual(statSync(target).mode & 0o777, 0o644)
      assert.strictEqual(readFileSync(target, "utf8"), "not a token file\n")
      assert.isTrue(lstatSync(link).isSymbolicLink())
    }),
  )

  it.effect("a folder is refused and its mode is unchanged", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const folder = join(dir, "token.json")
      mkdirSync(folder)
      chmodSync(folder, 0o755)
      const { load } = yield* everyOperationRefused(folder, "NotAFile")
      assert.include(load.message, "a folder")
      assert.strictEqual(statSync(folder).mode & 0o777, 0o755)
    }),
  )

  it.effect("a FIFO is refused without blocking on it", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const fifo = join(dir, "token.json")
      const made = spawnSync("mkfifo", ["-m", "644", fifo])
      assert.strictEqual(made.status, 0, String(made.stderr))
      const { load } = yield* everyOperationRefused(fifo, "NotAFile")
      assert.include(load.message, "a FIFO")
      assert.isTrue(lstatSync(fifo).isFIFO())
      assert.strictEqual(lstatSync(fifo).mode & 0o777, 0o644)
    }),
  )

  it.effect("a device is refused", () =>
    Effect.gen(function* () {
      const before = statSync("/dev/null").mode & 0o777
      const store = yield* fileStore("/dev/null")
      const error = yield* refused(store.load, "NotAFile")
      assert.include(error.message, "a device")
      assert.strictEqual(statSync("/dev/null").mode & 0o777, before)
    }),
  )

  it.effect("an empty path is refused, and the working directory's mode is unchanged", () =>
    Effect.gen(function* () {
      const before = statSync(process.cwd()).mode & 0o777
      for (const path of ["", "   "]) {
        const error = yield* refused(fileStore(path), "NotAFile")
        assert.include(error.message, "the path is empty")
      }
      assert.strictEqual(statSync(process.cwd()).mode & 0o777, before)
    }),
  )

  it.effect("an existing 0644 file is refused and left 0644; accepted with allowReadableByOthers", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const path = join(dir, "token.json")
      const writer = yield* fileStore(path)
      yield* writer.save(token, undefined)
      chmodSync(path, 0o644)
      const before = readFileSync(path, "utf8")
      const { load } = yield* everyOperationRefused(path, "ReadableByOthers")
      assert.include(load.message, "mode 644")
      assert.include(load.message, "allowReadableByOthers")
      assert.include(load.message, "left untouched")
      assert.strictEqual(statSync(path).mode & 0o777, 0o644)
      assert.strictEqual(readFileSync(path, "utf8"), before)

      const lenient = yield* fileStore(path, { allowReadableByOthers: true })
      const loaded = yield* lenient.load
      assert.strictEqual(loaded?.generation, 1)
      assert.strictEqual(statSync(path).mode & 0o777, 0o644)
      yield* lenient.save({ refreshToken: Redacted.make(`${RT}-2`) }, Redacted.make(RT))
      // The save wrote a new file of its own, mode 0600.
      assert.strictEqual(statSync(path).mode & 0o777, 0o600)
    }),
  )

  it.effect("a lock file path that is a symbolic link is refused; the target is untouched", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const path = join(dir, "token.json")
      const target = join(dir, "elsewhere")
      writeFileSync(target, "x")
      chmodSync(target, 0o644)
      symlinkSync(target, `${path}.lock`)
      const store = yield* fileStore(path, { lockTimeout: "1 second" })
      const error = yield* refused(store.withRefreshLock(Effect.void), "NotAFile")
      assert.include(error.message, `${path}.lock`)
      assert.include(error.message, "a symbolic link")
      assert.strictEqual(statSync(target).mode & 0o777, 0o644)
      assert.strictEqual(readFileSync(target, "utf8"), "x")
      // the write lock too
      symlinkSync(target, `${path}.write.lock`)
      const saveError = yield* refused(store.save(token, undefined), "NotAFile")
      assert.include(saveError.message, `${path}.write.lock`)
    }),
  )

  it.effect("a lock file path that is a FIFO is refused", () =>
    Effect.gen(function* () {
      const dir = freshDir()
      const path = join(dir, "token.json")
      assert.strictEqual(spawnSync("mkfifo", [`${path}.lock`]).status, 0)
      const store = yield* fileStore(path, { lockTimeout: "1 second" })
      const error = yield* refused(store.withRefreshLock(Effect.void), "NotAFile")
      assert.include(error.message, "a FIFO")
    }),
  )
})
