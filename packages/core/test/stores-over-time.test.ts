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
import { afterAll, assert, describe, it } from "vitest"
import { fileStore } from "../src/FileStore.ts"
import { secretFingerprint } from "../src/HostRefresh.ts"
import { createTokenClient, type TokenClient } from "../src/TokenClient.ts"
import type { TokenEvent } from "../src/TokenEvents.ts"
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
