/**
 * Stores over time (issue 18, problems 2 and 13), with real files and the real simulator:
 * - a token file restored from an older copy while clients run: the client holding the newer, live
 *   token never adopts the older record; it writes its own back, reports `storeRolledBack`, and no
 *   `invalid_grant` is ever caused;
 * - an access token an API rejected (`invalidate`) is recorded in the store as a fingerprint, so a
 *   new process never re-adopts it.
 * (Redis snapshots and replicas: store-redis's `rollback.test.ts`.)
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { Simulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import * as Semaphore from "effect/Semaphore"
import { afterAll, assert, describe, it } from "vitest"
import { fileStore } from "../../core/src/FileStore.ts"
import { secretFingerprint } from "../../core/src/HostRefresh.ts"
import { isRollback } from "../../core/src/internal/manager/fence.ts"
import { checkExpected, nextRecord } from "../../core/src/internal/store/record.ts"
import { createTokenClient, type TokenClient } from "../../core/src/TokenClient.ts"
import type { TokenEvent } from "../../core/src/TokenEvents.ts"
import type { StoredToken, TokenStoreShape } from "../../core/src/TokenStore.ts"
import { useSharedSimulator } from "./support/sim.ts"

let sim: Simulator
useSharedSimulator((s) => {
  sim = s
})

const dir = mkdtempSync(join(tmpdir(), "tangoe-over-time-"))
const clients: Array<TokenClient> = []
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
  rmSync(dir, { recursive: true, force: true })
})

const storedJson = (path: string) =>
  JSON.parse(readFileSync(path, "utf8")).token as {
    refreshToken: string
    accessToken?: string
    generation: number
    rejected?: Array<string>
  }

const clientOn = (path: string, seeded: { clientId: string; clientSecret: string; refreshToken: string }) => {
  const client = createTokenClient({
    environment: { tokenUrl: sim.tokenUrl },
    clientId: seeded.clientId,
    clientSecret: seeded.clientSecret,
    refreshToken: seeded.refreshToken,
    store: fileStore(path),
    retry: false,
    timeout: 5_000,
  })
  clients.push(client)
  const events: Array<TokenEvent> = []
  for (const type of ["storeRolledBack", "adoptedFromStore", "refreshed"] as const)
    client.on(type, (e) => events.push(e))
  return { client, events }
}

describe("a token file restored from an older copy", () => {
  it("the client holding the newer token writes it back, reports it, and never sends a dead token", async () => {
    const seeded = sim.addClient()
    const path = join(dir, "restored.json")
    const backup = join(dir, "restored.backup.json")
    const a = clientOn(path, seeded)
    await a.client.getAccessToken() // generation 1
    copyFileSync(path, backup) // the backup: generation 1, its refresh token about to die
    await a.client.refresh() // generation 2: the backup's refresh token is now dead
    const live = storedJson(path)
    assert.strictEqual(live.generation, 2)
    copyFileSync(backup, path) // restored over the live file while the client runs
    assert.strictEqual(storedJson(path).generation, 1)

    // Refreshes after the restore use the live token, never the restored dead one.
    await a.client.refresh()
    await a.client.refresh()
    const token = await a.client.getAccessToken()
    assert.isTrue(sim.isAccessTokenValid(token))
    assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
    assert.strictEqual(sim.stats().failures, 0)

    const rolledBack = a.events.filter((e) => e.type === "storeRolledBack")
    assert.strictEqual(rolledBack.length, 1)
    assert.deepInclude(rolledBack[0], { storedGeneration: 1, heldGeneration: 2, generation: 3 })
    // No event carries a secret.
    assert.notInclude(JSON.stringify(rolledBack), live.refreshToken)

    const final = storedJson(path)
    assert.isAbove(final.generation, 3)
    assert.isTrue(sim.isLive(final.refreshToken))

    // A process started now follows the store: the live token, no refusal.
    const b = clientOn(path, seeded)
    assert.isTrue(sim.isAccessTokenValid(await b.client.getAccessToken()))
    assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
  })

  it("a re-provisioned token (another family) still wins over a newer generation of the old one", async () => {
    const seeded = sim.addClient()
    const path = join(dir, "reprovisioned.json")
    const a = clientOn(path, seeded)
    await a.client.getAccessToken()
    await a.client.refresh()
    await a.client.refresh() // generation 3 of the first family
    // The user deletes the file and provisions a new token family in a new process: generation 1.
    rmSync(path)
    const fresh = sim.issueRefreshToken(seeded.clientId)
    const b = clientOn(path, { ...seeded, refreshToken: fresh })
    await b.client.getAccessToken()
    const stored = storedJson(path)
    assert.strictEqual(stored.generation, 1)
    // The first client follows the new family, whatever its generation: nothing is written back.
    const followed = await a.client.refresh()
    assert.strictEqual(a.events.filter((e) => e.type === "storeRolledBack").length, 0)
    assert.strictEqual(followed.accessToken, stored.accessToken)
    assert.strictEqual(storedJson(path).refreshToken, stored.refreshToken)
    assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
  })
})

describe("rejected access tokens stay rejected", () => {
  it("a token invalidated after a 401 is recorded as a fingerprint and not re-adopted by the next process", async () => {
    const seeded = sim.addClient()
    const path = join(dir, "rejected.json")
    const a = clientOn(path, seeded)
    const rejected = await a.client.getAccessToken()
    assert.strictEqual(storedJson(path).accessToken, rejected)
    await a.client.invalidate(rejected) // the API answered 401 for it
    const stored = storedJson(path)
    assert.notProperty(stored, "accessToken")
    assert.deepStrictEqual(stored.rejected, [secretFingerprint(rejected)])
    assert.notInclude(readFileSync(path, "utf8").replace(stored.refreshToken, ""), rejected)

    // The next process does not serve it: it refreshes once, and the new token is not the rejected one.
    const before = sim.stats().refreshes
    const b = clientOn(path, seeded)
    const next = await b.client.getAccessToken()
    assert.notStrictEqual(next, rejected)
    assert.isTrue(sim.isAccessTokenValid(next))
    assert.strictEqual(sim.stats().refreshes, before + 1)
    // The fingerprint travels on with the rotation.
    assert.include(storedJson(path).rejected ?? [], secretFingerprint(rejected))
  })

  it("the Effect API records it too, and a store record still holding it is never served", async () => {
    const seeded = sim.addClient()
    const path = join(dir, "rejected-effect.json")
    const a = clientOn(path, seeded)
    const rejected = await a.client.getAccessToken()
    const store = await Effect.runPromise(fileStore(path))
    await a.client.invalidate()
    const record = await Effect.runPromise(store.load)
    assert.isUndefined(record?.accessToken)
    assert.deepStrictEqual(record?.rejected, [secretFingerprint(rejected)])
  })
})

describe("the rule: records compare by (family, generation)", () => {
  const held = (origin: string | undefined, generation: number | undefined) => ({
    refreshToken: Redacted.make("held"),
    origin,
    generation,
    access: undefined,
  })
  const stored = (origin: string | undefined, generation: number) => ({
    refreshToken: Redacted.make("stored"),
    origin,
    generation,
    updatedAt: 0,
  })
  it("an older generation of the held family is a rollback; a newer or equal one is not", () => {
    assert.isTrue(isRollback(held("o1.a", 5), stored("o1.a", 4)))
    assert.isTrue(isRollback(held(undefined, 5), stored(undefined, 1)))
    assert.isFalse(isRollback(held("o1.a", 5), stored("o1.a", 5)))
    assert.isFalse(isRollback(held("o1.a", 5), stored("o1.a", 6)))
  })
  it("another family (a re-provisioned token) is never a rollback, whatever its generation", () => {
    assert.isFalse(isRollback(held("o1.a", 50), stored("o1.b", 1)))
    assert.isFalse(isRollback(held("o1.a", 50), stored(undefined, 1)))
  })
  it("nothing held, an unsaved rotation (no generation) or an empty store is never a rollback", () => {
    assert.isFalse(isRollback(undefined, stored("o1.a", 1)))
    assert.isFalse(isRollback(held("o1.a", undefined), stored("o1.a", 1)))
    assert.isFalse(isRollback(held("o1.a", 5), undefined))
  })
})

describe("a store that goes back in time between a refresh and its save", () => {
  it("the rotation is written over the older record (not abandoned), and reported", async () => {
    const seeded = sim.addClient()
    let current: StoredToken | undefined
    let snapshot: StoredToken | undefined
    let rollBackBeforeNextSave = false
    const lock = Semaphore.makeUnsafe(1)
    const store: TokenStoreShape = {
      location: "rolling-store",
      load: Effect.sync(() => current),
      save: (next, expected) =>
        Effect.suspend(() => {
          if (rollBackBeforeNextSave) {
            rollBackBeforeNextSave = false
            current = snapshot // the store lost its last writes just now
          }
          const conflict = checkExpected("rolling-store", current, expected)
          if (conflict !== undefined) return Effect.fail(conflict)
          current = nextRecord(next, current, Date.now())
          return Effect.succeed(current)
        }),
      withRefreshLock: (effect) => lock.withPermit(effect),
    }
    const client = createTokenClient({
      environment: { tokenUrl: sim.tokenUrl },
      clientId: seeded.clientId,
      clientSecret: seeded.clientSecret,
      refreshToken: seeded.refreshToken,
      store,
      retry: false,
    })
    clients.push(client)
    const events: Array<TokenEvent> = []
    client.on("storeRolledBack", (e) => events.push(e))
    await client.getAccessToken() // generation 1
    snapshot = current
    await client.refresh() // generation 2
    rollBackBeforeNextSave = true
    const token = (await client.refresh()).accessToken // its save finds generation 1
    assert.isTrue(sim.isAccessTokenValid(token))
    assert.strictEqual(current?.generation, 3)
    assert.isTrue(sim.isLive(Redacted.value(current?.refreshToken ?? Redacted.make(""))))
    assert.deepInclude(events[0], {
      type: "storeRolledBack",
      storedGeneration: 1,
      heldGeneration: 2,
      generation: 3,
    })
    await client.refresh()
    assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
  })
})
