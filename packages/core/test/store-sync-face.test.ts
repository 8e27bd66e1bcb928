/**
 * The memory store's synchronous face (`internal/store/syncFace.ts`): the token manager reads and
 * saves a memory store inside its own steps. What users see must not change: a store spread with its
 * `load` or `save` wrapped is used through the wrappers, write-ahead and compare-and-set still hold,
 * and two clients sharing one memory store still follow each other's rotations.
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { assert, describe, it } from "vitest"
import { fromPromise, type HttpTransportResponse } from "../src/HttpTransport.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import { StoreError } from "../src/StoreError.ts"
import { createTokenClient } from "../src/TokenClient.ts"
import type { TokenStoreShape } from "../src/TokenStore.ts"
import { offlineClientOptions } from "./support/clientOptions.ts"

const options = offlineClientOptions

/** A token endpoint that rotates on every call; `calls` counts them. */
const rotatingTransport = () => {
  const state = { calls: 0 }
  const transport = fromPromise(async (): Promise<HttpTransportResponse> => {
    state.calls++
    return {
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        token_type: "Bearer",
        expires_in: 7200,
        access_token: `access-${state.calls}`,
        refresh_token: `refresh-${state.calls + 1}`,
      }),
    }
  })
  return { transport, state }
}

const storedRefreshToken = async (store: TokenStoreShape) => {
  const record = await Effect.runPromise(store.load)
  return record === undefined ? undefined : Redacted.value(record.refreshToken)
}

describe("a memory store read and saved inside the manager's steps", () => {
  it("saves the rotation before the access token is handed out, and follows the store's generations", async () => {
    const { transport } = rotatingTransport()
    const store = memoryStore()
    const client = createTokenClient({ ...options, transport, store })
    const handedOut: Array<string | undefined> = []
    client.on("refreshed", () => {
      handedOut.push("refreshed")
    })
    client.on("rotationSaved", (event) => {
      handedOut.push(`saved ${event.generation}`)
    })
    assert.strictEqual(await client.getAccessToken(), "access-1")
    assert.strictEqual(await storedRefreshToken(store), "refresh-2")
    assert.strictEqual((await client.refresh()).accessToken, "access-2")
    assert.strictEqual(await storedRefreshToken(store), "refresh-3")
    assert.deepStrictEqual(handedOut, ["saved 1", "refreshed", "saved 2", "refreshed"])
    await client.close()
  })

  it("uses a spread store's wrapped load and save, and a failing wrapped save keeps the token back", async () => {
    const { transport } = rotatingTransport()
    const inner = memoryStore()
    const calls = { load: 0, save: 0 }
    let failSaves = false
    const store: TokenStoreShape = {
      ...inner,
      load: Effect.suspend(() => {
        calls.load++
        return inner.load
      }),
      save: (next, expected) =>
        Effect.suspend(() => {
          calls.save++
          return failSaves
            ? Effect.fail(
                new StoreError({
                  operation: "save",
                  location: "memory",
                  reason: "NotReadable",
                  detail: "test",
                }),
              )
            : inner.save(next, expected)
        }),
    }
    const client = createTokenClient({ ...options, transport, store })
    assert.strictEqual(await client.getAccessToken(), "access-1")
    assert.isAtLeast(calls.load, 1)
    assert.strictEqual(calls.save, 1)
    assert.strictEqual(await storedRefreshToken(inner), "refresh-2")
    failSaves = true
    const refused = await client.refresh().then(
      () => undefined,
      (error: unknown) => error,
    )
    assert.instanceOf(refused, StoreError)
    assert.isAtLeast(calls.save, 2)
    // The rotation the store refused is not in the store, and its access token was not handed out.
    assert.strictEqual(await storedRefreshToken(inner), "refresh-2")
    assert.isTrue(client.status().unsavedRotation)
    await client.close()
  })

  it("two clients sharing one memory store: the second adopts the first's rotation and sends nothing", async () => {
    const first = rotatingTransport()
    const second = rotatingTransport()
    const store = memoryStore()
    const a = createTokenClient({ ...options, transport: first.transport, store })
    const b = createTokenClient({ ...options, transport: second.transport, store })
    assert.strictEqual(await a.getAccessToken(), "access-1")
    assert.strictEqual(await b.getAccessToken(), "access-1")
    assert.strictEqual(first.state.calls, 1)
    assert.strictEqual(second.state.calls, 0)
    await a.close()
    await b.close()
  })
})
