/**
 * The Promise client's flight without a fiber (`internal/manager/directFlight.ts`) against the fiber
 * path it stands in for: for any behaviour of the token endpoint (rotations, 503, 500 after rotating,
 * refusals, malformed answers, lost connections, no answer) and any callers (alone or concurrent),
 * the same token requests with the same refresh tokens, the same outcomes, the same events and the same
 * stored record. And the cases it hands to a
 * fiber: a save that needs more than its step, and a fiber of another manager that waits for the lock.
 */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import * as Schedule from "effect/Schedule"
import * as Scope from "effect/Scope"
import fc from "fast-check"
import { assert, describe, it } from "vitest"
import {
  fromPromise,
  HttpTransport,
  type HttpTransportRequest,
  type HttpTransportResponse,
} from "../src/HttpTransport.ts"
import {
  type LockNow,
  lockNowOf,
  type SaveNow,
  saveNowOf,
  withSyncStep,
} from "../src/internal/store/syncFace.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import { StoreError } from "../src/StoreError.ts"
import { createTokenClient } from "../src/TokenClient.ts"
import { TokenManager } from "../src/TokenManager.ts"
import { TokenStore, type TokenStoreShape } from "../src/TokenStore.ts"
import { offlineClientOptions } from "./support/clientOptions.ts"

/** What the token endpoint does with one request. */
type Behaviour =
  | "rotate" // 200 with a new pair, when the token is the current one (else invalid_grant)
  | "unavailable" // 503, nothing rotated
  | "rotateThen500" // rotates, but the answer is a 500: the new token is lost
  | "malformedRotated" // rotates, but the 200 lacks an access token (the refresh token is salvaged)
  | "refuse" // 400 invalid_grant whatever the token
  | "reset" // the connection drops after sending: may have reached the server
  | "refused" // the connection is refused: never left
  | "hang" // no answer: the request's time limit ends it (and aborts it)

const BEHAVIOURS: ReadonlyArray<Behaviour> = [
  "rotate",
  "unavailable",
  "rotateThen500",
  "malformedRotated",
  "refuse",
  "reset",
  "refused",
]

const json = (status: number, body: object): HttpTransportResponse => ({
  status,
  headers: { "content-type": "application/json" },
  body: JSON.stringify(body),
})

const codeError = (code: string) => Object.assign(new Error(code), { code })

/**
 * A token endpoint following `script` (one behaviour per request, then "rotate"): it keeps one valid
 * refresh token and rotates it. `sent`: the refresh token of every request, in order.
 */
const scriptedEndpoint = (script: ReadonlyArray<Behaviour>) => {
  let current = "refresh-token-1"
  let generation = 1
  const sent: Array<string> = []
  const rotate = () => {
    generation++
    current = `refresh-token-${generation}`
    return { access: `access-${generation}`, refresh: current }
  }
  const transport = fromPromise(
    async (request: HttpTransportRequest, signal): Promise<HttpTransportResponse> => {
      const token = new URL(request.url).searchParams.get("refresh_token") ?? ""
      const behaviour = script[sent.length] ?? "rotate"
      sent.push(token)
      if (behaviour === "hang") {
        return new Promise((_, reject) => {
          signal.addEventListener("abort", () => reject(codeError("ABORT_ERR")))
        })
      }
      if (behaviour === "refused") throw codeError("ECONNREFUSED")
      if (behaviour === "reset") throw codeError("ECONNRESET")
      if (behaviour === "unavailable") return json(503, { error: "temporarily_unavailable" })
      if (behaviour === "refuse" || token !== current) return json(400, { error: "invalid_grant" })
      const pair = rotate()
      if (behaviour === "rotateThen500") return json(500, { error: "server_error" })
      if (behaviour === "malformedRotated")
        return json(200, { token_type: "Bearer", refresh_token: pair.refresh })
      return json(200, {
        token_type: "Bearer",
        expires_in: 7200,
        access_token: pair.access,
        refresh_token: pair.refresh,
      })
    },
  )
  return { transport, sent }
}

/** The memory store as the flight without a fiber uses it, counting its tries of the lock. */
const countedStore = () => {
  const store = memoryStore()
  const lockNow = lockNowOf(store) as LockNow
  const tries = { count: 0 }
  const counted: LockNow = () => {
    tries.count++
    return lockNow()
  }
  const withRefreshLock = withSyncStep<TokenStoreShape["withRefreshLock"], LockNow>(
    (effect) => store.withRefreshLock(effect),
    counted,
  )
  return { store: { ...store, withRefreshLock }, tries }
}

/** The memory store as any other store: its lock taken by a fiber (no synchronous face). */
const fiberStore = (): TokenStoreShape => {
  const store = memoryStore()
  return { ...store, withRefreshLock: (effect) => store.withRefreshLock(effect) }
}

/** Three quick retries: the policy's rules, without its delays. */
const retry = { schedule: Schedule.recurs(3) }

/**
 * What one client did with `calls`, in terms both paths share: groups of concurrent callers, one group
 * after the other (true: `refresh()`, false: `getAccessToken()`).
 */
const run = async (
  store: TokenStoreShape,
  script: ReadonlyArray<Behaviour>,
  calls: ReadonlyArray<ReadonlyArray<boolean>>,
) => {
  const endpoint = scriptedEndpoint(script)
  const client = createTokenClient({
    ...offlineClientOptions,
    timeout: "100 millis",
    retry,
    transport: endpoint.transport,
    store,
  })
  const events: Array<string> = []
  for (const type of [
    "refreshed",
    "rotationSaved",
    "refreshFailed",
    "retryScheduled",
    "saveFailed",
  ] as const) {
    client.on(type, (event) => {
      events.push(
        event.type === "refreshFailed"
          ? `${event.type} ${event.error._tag} served previous: ${event.servedPrevious}`
          : event.type === "rotationSaved"
            ? `${event.type} ${event.generation}`
            : event.type,
      )
    })
  }
  const outcomes: Array<string> = []
  for (const group of calls) {
    const settled = await Promise.all(
      group.map((force) =>
        (force ? client.refresh().then((t) => t.accessToken) : client.getAccessToken()).then(
          (token) => `token ${token}`,
          (error: { _tag?: string; reason?: { _tag?: string } }) =>
            `${error._tag} ${error.reason?._tag ?? ""}`,
        ),
      ),
    )
    outcomes.push(settled.join(", "))
  }
  const record = await Effect.runPromise(store.load)
  const status = client.status()
  await client.close()
  return {
    sent: endpoint.sent,
    outcomes,
    events,
    stored: record === undefined ? undefined : `${Redacted.value(record.refreshToken)} #${record.generation}`,
    state: status.state,
  }
}

describe("the flight without a fiber", () => {
  it("does what the fiber path does, for any behaviour of the token endpoint", async () => {
    let directTries = 0
    await fc.assert(
      fc.asyncProperty(
        // A request that hangs costs its time limit (100 ms): rarer than the others.
        fc.array(
          fc.oneof(
            { arbitrary: fc.constantFrom(...BEHAVIOURS), weight: 30 },
            { arbitrary: fc.constant<Behaviour>("hang"), weight: 1 },
          ),
          { maxLength: 12 },
        ),
        fc.array(fc.array(fc.boolean(), { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 5 }),
        async (script, calls) => {
          const direct = countedStore()
          const viaDirect = await run(direct.store, script, calls)
          const viaFiber = await run(fiberStore(), script, calls)
          directTries += direct.tries.count
          assert.deepStrictEqual(viaDirect, viaFiber)
        },
      ),
      {
        numRuns: 150,
        examples: [
          [
            ["hang", "rotate"],
            [[false], [true]],
          ],
          [["unavailable", "hang"], [[true, false]]],
          [["rotateThen500", "reset"], [[false, false, true]]],
        ],
      },
    )
    // The direct path was tried (not only the fiber path compared with itself).
    assert.isAbove(directTries, 150)
  })

  it("hands a save that fails in its step to the fiber, which retries it before the token is handed out", async () => {
    const base = memoryStore()
    const saveNow = saveNowOf(base) as SaveNow
    let failures = 1
    const failingOnce: SaveNow = (next, expected, now) => {
      if (failures-- > 0) {
        return Result.fail(new StoreError({ operation: "save", location: "memory", reason: "Io" }))
      }
      return saveNow(next, expected, now)
    }
    const save = withSyncStep<TokenStoreShape["save"], SaveNow>(
      (next, expected) => base.save(next, expected),
      failingOnce,
    )
    const store: TokenStoreShape = { ...base, save }
    const endpoint = scriptedEndpoint([])
    const client = createTokenClient({ ...offlineClientOptions, transport: endpoint.transport, store })
    const order: Array<string> = []
    client.on("rotationSaved", (event) => {
      order.push(`saved ${event.generation}`)
    })
    client.on("refreshed", () => {
      order.push("refreshed")
    })
    assert.strictEqual(await client.getAccessToken(), "access-2")
    assert.deepStrictEqual(order, ["saved 1", "refreshed"])
    const record = await Effect.runPromise(store.load)
    assert.strictEqual(
      record === undefined ? undefined : Redacted.value(record.refreshToken),
      "refresh-token-2",
    )
    await client.close()
  })

  it("a manager's fiber that wants the shared store's lock waits for the flight, then uses its rotation", async () => {
    const store = memoryStore()
    const endpoint = scriptedEndpoint([])
    let letGo: () => void = () => undefined
    const held = new Promise<void>((resolve) => {
      letGo = resolve
    })
    let calls = 0
    let out: () => void = () => undefined
    const firstOut = new Promise<void>((resolve) => {
      out = resolve
    })
    // The first request is held until the test lets it go.
    const transport = fromPromise(async (request) => {
      calls++
      if (calls === 1) {
        out()
        await held
      }
      return Effect.runPromise(endpoint.transport.send(request))
    })
    const client = createTokenClient({ ...offlineClientOptions, transport, store })
    const first = client.refresh()
    // The client's flight holds the store's lock, its request out.
    await firstOut
    const scope = Effect.runSync(Scope.make())
    const manager = Effect.runSync(
      TokenManager.make({
        request: {
          environment: offlineClientOptions.environment,
          clientId: offlineClientOptions.clientId,
          clientSecret: offlineClientOptions.clientSecret,
          scope: offlineClientOptions.scope,
        },
        refreshToken: offlineClientOptions.refreshToken,
        retry: false,
      }).pipe(
        Effect.provideService(TokenStore, store),
        Effect.provideService(HttpTransport, transport),
        Scope.provide(scope),
      ),
    )
    // A forced refresh of the manager runs until it waits for the lock: it has sent nothing.
    const forced = Effect.runFork(Effect.map(manager.refreshNow, (token) => Redacted.value(token.token)))
    assert.strictEqual(calls, 1)
    letGo()
    assert.strictEqual((await first).accessToken, "access-2")
    // Then it follows the client's rotation: its one request carries the rotated token.
    assert.strictEqual(await Effect.runPromise(Fiber.join(forced)), "access-3")
    assert.deepStrictEqual(endpoint.sent, ["refresh-token-1", "refresh-token-2"])
    await Effect.runPromise(Scope.close(scope, Exit.void))
    await client.close()
  })
})
