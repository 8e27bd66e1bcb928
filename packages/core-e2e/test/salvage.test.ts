/**
 * A readable rotation is never thrown away (issue 18, problem 3), against the real simulator: a 2xx
 * answer with a well-formed new refresh token but another field unusable (`expires_in` 0, negative,
 * fractional or a word; `token_type` "mac"; no `access_token`). The new refresh token is saved
 * write-ahead, the malformed answer is reported (`refreshFailed` with `MalformedResponse`), and the
 * access token is asked for once more with the saved token: 2 token requests, 0 `invalid_grant`.
 */
import type { Fault, Simulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, assert, describe, it } from "vitest"
import { memoryStore } from "../../core/src/MemoryStore.ts"
import { MalformedResponse, RefreshError } from "../../core/src/RefreshError.ts"
import { createTokenClient, type TokenClient } from "../../core/src/TokenClient.ts"
import type { TokenEvent } from "../../core/src/TokenEvents.ts"
import type { TokenStoreShape } from "../../core/src/TokenStore.ts"
import { useSharedSimulator } from "./support/sim.ts"

let sim: Simulator
useSharedSimulator((s) => {
  sim = s
})
const clients: Array<TokenClient> = []
afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()))
})

const clientFor = () => {
  const seeded = sim.addClient()
  const store: TokenStoreShape = memoryStore()
  const client = createTokenClient({
    environment: { tokenUrl: sim.tokenUrl },
    clientId: seeded.clientId,
    clientSecret: seeded.clientSecret,
    refreshToken: seeded.refreshToken,
    store,
    retry: false,
    timeout: 5_000,
  })
  clients.push(client)
  const events: Array<TokenEvent> = []
  for (const type of ["refreshFailed", "rotationSaved", "refreshed"] as const)
    client.on(type, (e) => events.push(e))
  return { client, store, events, seeded }
}

const storedRefreshToken = async (store: TokenStoreShape) =>
  Redacted.value((await Effect.runPromise(store.load))?.refreshToken ?? Redacted.make(""))

const faults: ReadonlyArray<readonly [string, Fault, string]> = [
  ["expires_in 0", { kind: "expiresIn", value: 0 }, "expires_in"],
  ["expires_in negative", { kind: "expiresIn", value: -5 }, "expires_in"],
  ["expires_in fractional", { kind: "expiresIn", value: 1.5 }, "expires_in"],
  ["expires_in a word", { kind: "expiresIn", value: "soon" }, "expires_in"],
  ["token_type mac", { kind: "wrongTokenType" }, "token_type"],
  ["no access_token", { kind: "missingField", field: "access_token" }, "access_token"],
]

describe("a 2xx answer with a readable rotation and an unusable field", () => {
  for (const [name, fault, field] of faults) {
    it(`${name}: the rotation is saved, reported, and the access token fetched once with it`, async () => {
      const { client, store, events, seeded } = clientFor()
      sim.resetStats()
      sim.injectFaults(fault)
      const token = await client.getAccessToken()
      assert.isTrue(sim.isAccessTokenValid(token))
      assert.strictEqual(sim.stats().tokenRequests, 2)
      assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
      // The malformed answer was reported, naming the field, with no secret in it.
      const failed = events.filter((e) => e.type === "refreshFailed")
      assert.strictEqual(failed.length, 1)
      const error = failed[0]?.type === "refreshFailed" ? failed[0].error : undefined
      assert.instanceOf(error, RefreshError)
      const reason = (error as RefreshError).reason
      assert.instanceOf(reason, MalformedResponse)
      assert.strictEqual((reason as MalformedResponse).field, field)
      // Saved twice: the salvaged rotation first (write-ahead), then the good answer's.
      assert.strictEqual(events.filter((e) => e.type === "rotationSaved").length, 2)
      const live = await storedRefreshToken(store)
      assert.isTrue(sim.isLive(live))
      assert.notStrictEqual(live, seeded.refreshToken)
      // Nothing dead is ever sent afterwards.
      await client.refresh()
      assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
    })
  }

  it("two unusable answers in a row: both rotations are saved, the second is reported, nothing more is sent", async () => {
    const { client, store } = clientFor()
    sim.resetStats()
    sim.injectFaults({ kind: "wrongTokenType" }, { kind: "expiresIn", value: 0 })
    const error = await client.getAccessToken().then(
      () => undefined,
      (e: unknown) => e,
    )
    assert.instanceOf(error, RefreshError)
    assert.instanceOf((error as RefreshError).reason, MalformedResponse)
    assert.strictEqual(((error as RefreshError).reason as MalformedResponse).field, "expires_in")
    assert.strictEqual(sim.stats().tokenRequests, 2)
    assert.isTrue(sim.isLive(await storedRefreshToken(store)))
    // The next call uses the saved (live) token: no invalid_grant.
    assert.isTrue(sim.isAccessTokenValid(await client.getAccessToken()))
    assert.strictEqual(sim.stats().errors.invalid_grant ?? 0, 0)
  })
})
