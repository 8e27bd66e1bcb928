/**
 * The TokenStore contract on a real redis-server: load, compare-and-set, generations, conflicts,
 * encryption at rest, keys, options, layer and close.
 */
import { randomBytes } from "node:crypto"
import { fileURLToPath } from "node:url"
import { inspect } from "node:util"
import { type StoreConflict, type StoreError, TokenStore } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { layerRedisStore, RedisStoreConfigError, type RedisStoreOptions } from "../src/index.ts"
import { defined, failure, loaded, run, tokenInput } from "./support/effects.ts"
import { startChild } from "./support/processes.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"
import { storeOpener } from "./support/stores.ts"

let server: RedisServer
const opened: Array<{ close: () => Promise<void> }> = []

beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()))
  await server.stop()
})

const openStore = storeOpener(opened)
/** A store on its own key (a fresh client id per call unless given). */
const makeStore = (options: Partial<RedisStoreOptions> = {}) => openStore(server.url, options)

describe("load and save", () => {
  it("loads undefined from an empty store", async () => {
    expect(await run(makeStore().load)).toBeUndefined()
  })

  it("round-trips every field and starts the generation at 1", async () => {
    const store = makeStore()
    const input = tokenInput("a")
    const saved = await run(store.save(input, undefined))
    expect(saved.generation).toBe(1)
    const loaded = await run(store.load)
    expect(loaded).toBeDefined()
    expect(Redacted.value(defined(loaded).refreshToken)).toBe(Redacted.value(input.refreshToken))
    expect(Redacted.value(defined(defined(loaded).accessToken))).toBe(
      Redacted.value(defined(input.accessToken)),
    )
    expect({ ...loaded, refreshToken: undefined, accessToken: undefined }).toEqual({
      ...saved,
      refreshToken: undefined,
      accessToken: undefined,
    })
    expect(loaded).toMatchObject({
      tokenType: "Bearer",
      expiresAt: input.expiresAt,
      issuedAt: input.issuedAt,
      scope: "MOBPROC",
      origin: "sha256:origin-fingerprint",
    })
  })

  it("compare-and-set: saves over the expected token and bumps the generation", async () => {
    const store = makeStore()
    const first = await run(store.save(tokenInput("1"), undefined))
    const second = await run(store.save(tokenInput("2"), first.refreshToken))
    const third = await run(store.save(tokenInput("3"), second.refreshToken))
    expect([first.generation, second.generation, third.generation]).toEqual([1, 2, 3])
    expect(Redacted.value((await loaded(store)).refreshToken)).toBe(Redacted.value(third.refreshToken))
  })

  it("supersedes: a write-back after a rollback rises above the generation it supersedes", async () => {
    const store = makeStore()
    const first = await run(store.save(tokenInput("1"), undefined))
    const back = await run(store.save(tokenInput("2", { supersedes: 7 }), first.refreshToken))
    expect(back.generation).toBe(8)
    expect((await loaded(store)).generation).toBe(8)
  })

  it("a second store on the same key sees the same record (another process)", async () => {
    const a = makeStore({ clientId: "shared-client" })
    const b = makeStore({ clientId: "shared-client" })
    expect(a.tokenKey).toBe(b.tokenKey)
    await run(a.save(tokenInput("shared"), undefined))
    expect(Redacted.value((await loaded(b)).refreshToken)).toContain("rt-shared")
  })

  it("conflicts: a stale expected token, a non-empty store for a first save, an empty store for a token", async () => {
    const store = makeStore()
    const empty = (await failure(store.save(tokenInput("x"), Redacted.make("rt-nothing")))) as StoreConflict
    expect(empty).toMatchObject({ _tag: "StoreConflict", expected: "token", found: "empty" })
    const first = await run(store.save(tokenInput("1"), undefined))
    await run(store.save(tokenInput("2"), first.refreshToken))
    const stale = (await failure(store.save(tokenInput("3"), first.refreshToken))) as StoreConflict
    expect(stale).toMatchObject({
      _tag: "StoreConflict",
      expected: "token",
      found: "other-token",
      generation: 2,
    })
    const seed = (await failure(store.save(tokenInput("4"), undefined))) as StoreConflict
    expect(seed).toMatchObject({ _tag: "StoreConflict", expected: "empty", found: "other-token" })
    expect(Redacted.value((await loaded(store)).refreshToken)).toContain("rt-2-")
    expect((await loaded(store)).generation).toBe(2)
  })

  it("of 20 concurrent saves over the same token from two clients, exactly one wins", async () => {
    const a = makeStore({ clientId: "race" })
    const b = makeStore({ clientId: "race" })
    const seed = await run(a.save(tokenInput("seed"), undefined))
    const outcomes = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        run(Effect.exit((i % 2 === 0 ? a : b).save(tokenInput(`n${i}`), seed.refreshToken))),
      ),
    )
    expect(outcomes.filter((exit) => exit._tag === "Success")).toHaveLength(1)
    expect((await loaded(a)).generation).toBe(2)
  })

  it("refuses an empty refresh token without writing", async () => {
    const store = makeStore()
    const error = (await failure(store.save({ refreshToken: Redacted.make("") }, undefined))) as StoreError
    expect(error).toMatchObject({ _tag: "StoreError", reason: "InvalidInput", operation: "save" })
    expect(await run(store.load)).toBeUndefined()
  })

  it("a key that is not a token hash is Corrupt, and left untouched", async () => {
    const store = makeStore()
    const raw = await server.raw()
    await raw.set(store.tokenKey, "not a hash")
    expect(await failure(store.load)).toMatchObject({ reason: "Corrupt", operation: "load" })
    expect(await failure(store.save(tokenInput("x"), undefined))).toMatchObject({ reason: "Corrupt" })
    expect(await raw.get(store.tokenKey)).toBe("not a hash")
    await raw.hSet(store.tokenKey.replace(":token", ":other"), "x", "1")
    await raw.del(store.tokenKey)
    await raw.hSet(store.tokenKey, { data: "{ truncated", generation: "1", fp: "ab" })
    const corrupt = (await failure(store.load)) as StoreError
    expect(corrupt).toMatchObject({ reason: "Corrupt" })
    expect(corrupt.message).toContain("not a valid token record")
    // A value without its fingerprint (written by hand): loud, and never overwritten as if empty.
    await raw.hDel(store.tokenKey, "fp")
    expect(await failure(store.load)).toMatchObject({
      reason: "Corrupt",
      detail: "the hash has no `fp` field",
    })
    expect(await failure(store.save(tokenInput("y"), undefined))).toMatchObject({ reason: "Corrupt" })
  })
})

describe("encryption at rest", () => {
  const secretValues = (name: string) => [`rt-${name}-${"x".repeat(24)}`, `at-${name}-${"y".repeat(24)}`]

  for (const [label, key] of [
    ["a raw 32-byte key", () => Redacted.make<Uint8Array | string>(randomBytes(32))],
    ["a passphrase", () => Redacted.make<Uint8Array | string>("correct horse battery staple")],
  ] as const) {
    it(`with ${label}: the raw Redis value holds no token, and loads back`, async () => {
      const encryptionKey = key()
      const store = makeStore({ clientId: `enc-${label}`, encryptionKey })
      const first = await run(store.save(tokenInput("enc1"), undefined))
      await run(store.save(tokenInput("enc2"), first.refreshToken))
      const raw = await server.raw()
      const hash = await raw.hGetAll(store.tokenKey)
      const dump = JSON.stringify(hash)
      for (const secret of [...secretValues("enc1"), ...secretValues("enc2")])
        expect(dump).not.toContain(secret)
      expect(JSON.parse(hash.data ?? "{}")).toMatchObject({ version: 1, encrypted: { alg: "aes-256-gcm" } })
      const other = makeStore({ clientId: `enc-${label}`, encryptionKey })
      const loaded = await run(other.load)
      expect(Redacted.value(defined(loaded).refreshToken)).toBe(secretValues("enc2")[0])
      expect(defined(loaded).generation).toBe(2)
    })
  }

  it("no key or a wrong key fails loudly (KeyRequired, WrongKey), never as an empty store", async () => {
    const writer = makeStore({
      clientId: "enc-wrong",
      encryptionKey: Redacted.make<Uint8Array | string>("one"),
    })
    await run(writer.save(tokenInput("w"), undefined))
    const noKey = (await failure(makeStore({ clientId: "enc-wrong" }).load)) as StoreError
    expect(noKey.reason).toBe("KeyRequired")
    expect(noKey.message).toContain("encryptionKey")
    const wrong = makeStore({
      clientId: "enc-wrong",
      encryptionKey: Redacted.make<Uint8Array | string>("two"),
    })
    expect(await failure(wrong.load)).toMatchObject({ reason: "WrongKey" })
    const raw = makeStore({
      clientId: "enc-wrong",
      encryptionKey: Redacted.make<Uint8Array | string>(randomBytes(32)),
    })
    expect(await failure(raw.load)).toMatchObject({ reason: "WrongKey" })
  })

  it("a plain value is read with a key and encrypted by the next save", async () => {
    const plain = makeStore({ clientId: "enc-upgrade" })
    const first = await run(plain.save(tokenInput("p1"), undefined))
    const keyed = makeStore({
      clientId: "enc-upgrade",
      encryptionKey: Redacted.make<Uint8Array | string>(randomBytes(32)),
    })
    expect(Redacted.value((await loaded(keyed)).refreshToken)).toBe(Redacted.value(first.refreshToken))
    await run(keyed.save(tokenInput("p2"), first.refreshToken))
    const raw = await server.raw()
    expect(await raw.hGet(keyed.tokenKey, "data")).not.toContain("rt-p2")
  })

  it("an unusable key is a RedisStoreConfigError naming the option", () => {
    expect(() => makeStore({ encryptionKey: Redacted.make<Uint8Array | string>(randomBytes(16)) })).toThrow(
      RedisStoreConfigError,
    )
    try {
      makeStore({ encryptionKey: Redacted.make<Uint8Array | string>("") })
    } catch (e) {
      expect((e as RedisStoreConfigError).field).toBe("encryptionKey")
    }
  })
})

describe("keys and options", () => {
  it("namespaces keys by environment and hashed client id, with one hash tag for both keys", () => {
    const store = makeStore({ environment: "production", clientId: "tangoe-client-42" })
    expect(store.tokenKey).toMatch(/^tangoe-token:\{production:[0-9a-f]{16}\}:token$/)
    expect(store.lockKey).toBe(store.tokenKey.replace(/:token$/, ":lock"))
    expect(store.tokenKey).not.toContain("tangoe-client-42")
    const url = makeStore({
      environment: { tokenUrl: "https://sso.example.test/as/token.oauth2" },
      clientId: "c",
    })
    expect(url.tokenKey).toMatch(/^tangoe-token:\{url-[0-9a-f]{12}:[0-9a-f]{16}\}:token$/)
    expect(makeStore({ namespace: "team-a", keyPrefix: "app" }).tokenKey).toBe("app:{team-a}:token")
    expect(makeStore({ clientId: "same", environment: "qa" }).tokenKey).not.toBe(
      makeStore({ clientId: "same", environment: "production" }).tokenKey,
    )
  })

  it("rejects unusable options with an error that names the option and never quotes the URL", () => {
    const cases: Array<[Partial<RedisStoreOptions>, string]> = [
      [{ url: "http://user:hunter2-secret@127.0.0.1:6379" }, "url"],
      [{ url: "not a url hunter2-secret" }, "url"],
      [{ url: "redis://user:hunter2-secret@127.0.0.1:6379/abc" }, "url"],
      [{ database: -1 }, "database"],
      [{ clientId: "" }, "clientId"],
      [{ lockLease: 5 }, "lockLease"],
      [{ namespace: "a{b}" }, "namespace"],
      // Issue 18, problem 6: accepted before, and broke later (or threw a TypeError).
      [{ commandTimeout: 1e12 }, "commandTimeout"],
      [{ connectTimeout: 2 ** 31 }, "connectTimeout"],
      [{ environment: undefined as never }, "environment"],
      [{ environment: { tokenUrl: 42 } as never }, "environment"],
      [{ lockLease: 0 }, "lockLease"],
      [{ lockLease: -1 }, "lockLease"],
      [{ lockLease: "abc" as never }, "lockLease"],
      [{ lockLease: "2 hours" }, "lockLease"],
      [{ lockTimeout: "abc" as never }, "lockTimeout"],
      [{ clientId: "   " }, "clientId"],
      [{ encryptionKey: 12345 as never }, "encryptionKey"],
      [{ reconnectDelay: { max: "soon" as never } }, "reconnectDelay.max"],
      [{ unref: "yes" as never }, "unref"],
      [{ username: "" }, "username"],
      [{ password: 42 as never }, "password"],
    ]
    for (const [options, field] of cases) {
      let caught: unknown
      try {
        makeStore(options)
      } catch (e) {
        caught = e
      }
      expect(caught).toBeInstanceOf(RedisStoreConfigError)
      expect((caught as RedisStoreConfigError).field).toBe(field)
      const shown = `${String(caught)} ${(caught as Error).message} ${inspect(caught)} ${JSON.stringify(caught)}`
      expect(shown).not.toContain("hunter2-secret")
    }
  })

  it("takes the database from the URL path, and `database` overrides it", async () => {
    const viaUrl = makeStore({ url: `${server.url}/3`, clientId: "db-client" })
    const viaOption = makeStore({ url: `${server.url}/3`, database: 4, clientId: "db-client" })
    expect(viaUrl.url).toBe(`redis://127.0.0.1:${server.port}/3`)
    await run(viaUrl.save(tokenInput("db3"), undefined))
    await run(viaOption.save(tokenInput("db4"), undefined))
    const raw = await server.raw()
    await raw.select(3)
    expect(await raw.hGet(viaUrl.tokenKey, "data")).toContain("rt-db3")
    await raw.select(4)
    expect(await raw.hGet(viaUrl.tokenKey, "data")).toContain("rt-db4")
    await raw.select(0)
    expect(await raw.exists(viaUrl.tokenKey)).toBe(0)
  })
})

describe("the Effect layer and close", () => {
  let inspector: Awaited<ReturnType<RedisServer["raw"]>> | undefined
  const connectedClients = async () => {
    inspector ??= await server.raw()
    const info = await inspector.info("clients")
    return Number(/connected_clients:(\d+)/.exec(info)?.[1])
  }

  it("layerRedisStore provides core's TokenStore and quits the client when released", async () => {
    const before = await connectedClients()
    const program = Effect.gen(function* () {
      const store = yield* TokenStore
      const saved = yield* store.save(tokenInput("layer"), undefined)
      const during = yield* Effect.promise(connectedClients)
      return { saved, during, location: store.location }
    })
    const result = await run(
      Effect.provide(
        program,
        layerRedisStore({ url: server.url, environment: "qa", clientId: "layer-client" }),
      ),
    )
    expect(result.saved.generation).toBe(1)
    expect(result.during).toBe(before + 1)
    expect(result.location).toContain(`redis://127.0.0.1:${server.port}/0 key tangoe-token:{qa:`)
    await expect.poll(connectedClients).toBe(before)
  })

  it("layerRedisStore fails with RedisStoreConfigError for bad options", async () => {
    const program = Effect.provide(
      Effect.gen(function* () {
        yield* TokenStore
      }),
      layerRedisStore({ url: "ftp://x", environment: "qa", clientId: "c" }),
    )
    expect(await failure(program)).toBeInstanceOf(RedisStoreConfigError)
  })

  it("with `unref`, a script that never closes its store still finishes its work and exits", {
    timeout: 240_000,
  }, async () => {
    const store = makeStore({ clientId: "unref" })
    await run(store.save(tokenInput("unref"), undefined))
    const child = startChild(fileURLToPath(new URL("./fixtures/unref-worker.ts", import.meta.url)), [
      server.url,
    ])
    try {
      // Events, not elapsed time: the work is done when it prints its line; then it must exit by
      // itself. The bounds only turn a hang into a failure that says so (they are generous for a
      // busy machine: a healthy child exits within a second of its line).
      expect(await child.line((line) => line.startsWith("loaded"), 120_000)).toBe("loaded 1")
      expect(await child.exitWithin(60_000)).toBe(0)
    } finally {
      await child.kill()
    }
    expect(child.output()).toContain("loaded 1")
  })

  it("close() is idempotent; afterwards operations fail with a StoreError at once", async () => {
    // A 60 s connect timeout: "at once" means not after a reconnect attempt's connect timeout, and a
    // starved machine's few seconds cannot be mistaken for it.
    const store = makeStore({ connectTimeout: 60_000 })
    await run(store.save(tokenInput("closing"), undefined))
    await Promise.all([store.close(), store.close()])
    expect(store.isConnected()).toBe(false)
    const started = Date.now()
    const error = (await failure(store.load)) as StoreError
    expect(Date.now() - started).toBeLessThan(20_000)
    expect(error).toMatchObject({
      _tag: "StoreError",
      reason: "Io",
      operation: "load",
      detail: "the store was closed",
    })
  })
})

/** Successful calls of a command, from INFO commandstats (`cmdstat_<name>:calls=…,failed_calls=…`). */
const succeeded = async (command: "eval" | "evalsha"): Promise<number> => {
  const info = await server.command("INFO", "commandstats")
  const line = new RegExp(`cmdstat_${command}:([^\\r\\n]*)`).exec(info)?.[1]
  if (line === undefined) return 0
  const field = (name: string) => Number(new RegExp(`(?:^|,)${name}=(\\d+)`).exec(line)?.[1] ?? 0)
  return field("calls") - field("failed_calls") - field("rejected_calls")
}

const counts = async () => ({ eval: await succeeded("eval"), evalsha: await succeeded("evalsha") })

// The Lua scripts reach Redis once: saves and lock releases call them by SHA-1 (EVALSHA); the script
// text is sent again (EVAL) only when the server lost its script cache (SCRIPT FLUSH, a restart).
// Proved with the server's own counters (INFO commandstats).
describe("scripts are loaded once", () => {
  it("EVAL once, then EVALSHA for every save and lock release; after SCRIPT FLUSH, EVAL once more", async () => {
    const store = makeStore()
    await server.command("SCRIPT", "FLUSH")
    await server.command("CONFIG", "RESETSTAT")

    let previous = await run(store.save(tokenInput("0"), undefined))
    expect(await counts()).toEqual({ eval: 1, evalsha: 0 })

    for (let i = 1; i <= 10; i++)
      previous = await run(store.save(tokenInput(String(i)), previous.refreshToken))
    expect(await counts()).toEqual({ eval: 1, evalsha: 10 })

    // The lock's release script: first use sends it, the second is by SHA-1.
    await run(store.withRefreshLock(Effect.void))
    await run(store.withRefreshLock(Effect.void))
    expect(await counts()).toEqual({ eval: 2, evalsha: 11 })

    // The server forgets every script: the next call of each falls back to EVAL, once.
    await server.command("SCRIPT", "FLUSH")
    previous = await run(store.save(tokenInput("after-flush"), previous.refreshToken))
    await run(store.withRefreshLock(Effect.void))
    expect(await counts()).toEqual({ eval: 4, evalsha: 11 })
    previous = await run(store.save(tokenInput("again"), previous.refreshToken))
    await run(store.withRefreshLock(Effect.void))
    expect(await counts()).toEqual({ eval: 4, evalsha: 13 })

    expect(previous.generation).toBe(13)
    expect((await loaded(store)).generation).toBe(13)
  })
})
