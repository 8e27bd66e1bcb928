import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from "node:fs"
import { mkdtemp, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { fileStore } from "./core.ts"
import { deriveSideStoreKey } from "./sideStore.ts"
import { type KeySources, keyringPath, sideStoreDataKey } from "./sideStoreKeys.ts"

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tangoe-keys-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

const sources = (overrides: Partial<KeySources> = {}): KeySources => {
  const runtimeSecret = overrides.runtimeSecret ?? "credential secret A"
  return {
    storePath: join(dir, "cfg.json"),
    runtimeSecret,
    clientId: "client-1",
    clientSecret: "client secret 1",
    provisionedOrigin: "origin-1",
    legacyKey: deriveSideStoreKey(runtimeSecret),
    ...overrides,
  }
}

const never = () => false

/** Saves a refresh token in the store at `path`, encrypted with `key`; reads it back with `key`. */
const save = (path: string, key: Buffer, token: string) =>
  Effect.runPromise(
    Effect.flatMap(fileStore(path, { encryptionKey: key }), (store) =>
      store.save({ refreshToken: Redacted.make(token) }, undefined),
    ),
  )
const load = (path: string, key: Buffer) =>
  Effect.runPromise(
    Effect.flatMap(fileStore(path, { encryptionKey: key }), (store) => store.load).pipe(
      Effect.map((record) => (record === undefined ? undefined : Redacted.value(record.refreshToken))),
    ),
  )

const keyOf = (outcome: ReturnType<typeof sideStoreDataKey>): Buffer => {
  if (!("key" in outcome)) throw new Error(`no key: ${outcome._tag}`)
  return outcome.key
}

describe("the side store's data key", () => {
  it("is random, kept wrapped twice in a 0600 keyring that holds no key in clear, and found again", async () => {
    const s = sources()
    const created = sideStoreDataKey(s, never)
    expect(created._tag).toBe("Created")
    const key = keyOf(created)
    const ring = readFileSync(keyringPath(s.storePath), "utf8")
    expect(statSync(keyringPath(s.storePath)).mode & 0o777).toBe(0o600)
    expect(Object.keys(JSON.parse(ring).slots).sort()).toEqual(["client", "runtime"])
    expect(ring).not.toContain(key.toString("base64"))
    expect(ring).not.toContain(key.toString("hex"))
    expect(key.equals(deriveSideStoreKey(s.runtimeSecret))).toBe(false)
    await save(s.storePath, key, "rt-live")
    const again = sideStoreDataKey(s, never)
    expect(again).toMatchObject({ _tag: "Opened", rewrapped: [] })
    expect(await load(s.storePath, keyOf(again))).toBe("rt-live")
  })

  it("survives a new credential secret (the client's copy opens it) and re-wraps it for the new one", async () => {
    const s = sources()
    await save(s.storePath, keyOf(sideStoreDataKey(s, never)), "rt-live")
    const newSecret = sources({ runtimeSecret: "credential secret B" })
    const opened = sideStoreDataKey(newSecret, never)
    expect(opened).toMatchObject({ _tag: "Opened", rewrapped: ["runtime"] })
    expect(await load(s.storePath, keyOf(opened))).toBe("rt-live")
    // The next change (of the client secret this time) is survived too: B's copy opens it now.
    const thenClient = sideStoreDataKey({ ...newSecret, clientSecret: "client secret 2" }, never)
    expect(thenClient).toMatchObject({ _tag: "Opened", rewrapped: ["client"] })
    expect(await load(s.storePath, keyOf(thenClient))).toBe("rt-live")
  })

  it("adopts a store of version 0.x (encrypted with the credential secret's key) and then survives a change", async () => {
    const s = sources()
    await save(s.storePath, s.legacyKey, "rt-legacy")
    const adopted = sideStoreDataKey(s, never)
    expect(adopted).toMatchObject({ _tag: "Opened" })
    expect(keyOf(adopted).equals(s.legacyKey)).toBe(true)
    const changed = sideStoreDataKey(sources({ runtimeSecret: "credential secret B" }), never)
    expect(await load(s.storePath, keyOf(changed))).toBe("rt-legacy")
  })

  it("reports a store no key opens, leaves it untouched, and sets it aside only for a new refresh token", async () => {
    const s = sources()
    await save(s.storePath, keyOf(sideStoreDataKey(s, never)), "rt-live")
    const before = readFileSync(s.storePath, "utf8")
    const both = sources({ runtimeSecret: "credential secret B", clientSecret: "client secret 2" })
    const asked: Array<string | undefined> = []
    const unreadable = sideStoreDataKey(both, (origin) => {
      asked.push(origin)
      return origin !== undefined && origin !== both.provisionedOrigin
    })
    expect(unreadable).toEqual({ _tag: "Unreadable", location: s.storePath })
    expect(asked).toEqual(["origin-1"])
    expect(readFileSync(s.storePath, "utf8")).toBe(before)
    const pasted = sideStoreDataKey(
      { ...both, provisionedOrigin: "origin-2" },
      (origin) => origin !== "origin-2",
    )
    expect(pasted._tag).toBe("SetAside")
    const keptAs = pasted._tag === "SetAside" ? pasted.keptAs : ""
    expect(readFileSync(keptAs, "utf8")).toBe(before)
    expect(existsSync(s.storePath)).toBe(false)
    expect(await load(s.storePath, keyOf(pasted))).toBeUndefined()
    expect(readdirSync(dir).sort()).toEqual(["cfg.keys.json", keptAs.slice(dir.length + 1)].sort())
  })

  it("remembers the token of a 0.x store it cannot open, so that a new token can replace it", async () => {
    const s = sources()
    await save(s.storePath, s.legacyKey, "rt-legacy")
    const changed = sources({ runtimeSecret: "credential secret B" })
    const startAfresh = (provisioned: string) => (origin: string | undefined) =>
      origin !== undefined && origin !== provisioned
    expect(sideStoreDataKey(changed, startAfresh("origin-1"))._tag).toBe("Unreadable")
    expect(sideStoreDataKey(changed, startAfresh("origin-1"))._tag).toBe("Unreadable")
    // Going back to the credential secret of then opens it again.
    expect(sideStoreDataKey(s, startAfresh("origin-1"))._tag).toBe("Opened")
    const pasted = sideStoreDataKey(
      { ...changed, clientSecret: "client secret 2", provisionedOrigin: "origin-2" },
      startAfresh("origin-2"),
    )
    expect(pasted._tag).toBe("SetAside")
  })

  it("never follows a symbolic link to a keyring", () => {
    const s = sources()
    const target = join(dir, "elsewhere.json")
    writeFileSync(target, "{}", { mode: 0o600 })
    symlinkSync(target, keyringPath(s.storePath))
    expect(() => sideStoreDataKey(s, never)).toThrow()
    expect(readFileSync(target, "utf8")).toBe("{}")
  })
})
