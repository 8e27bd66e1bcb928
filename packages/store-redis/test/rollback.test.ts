/**
 * Redis going back in time while clients run (issue 18, problem 2), with real redis-servers and the
 * PingFederate simulator:
 * - Redis restarted from an OLD RDB snapshot (`SAVE`, rotate, kill, put the old dump.rdb back, start);
 * - a replica promoted while behind (two servers, `REPLICAOF`, replication broken, a rotation on the
 *   primary only, the stale replica promoted with `REPLICAOF NO ONE`, and the clients' address moved to
 *   it, as a failover does).
 * In each, the client holding the newer, live token keeps working (0 `invalid_grant`), the store ends
 * with the newer record, and `storeRolledBack` is reported.
 */
import { connect, createServer, type Server, type Socket } from "node:net"
import { createTokenClient, type TokenEvent } from "@tangoe-token/core"
import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import { freePort } from "@tangoe-token/test-support/ports"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisTokenStore, redisStore } from "../src/index.ts"
import { defined, loaded, sleep } from "./support/effects.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"
import { simulatorClients } from "./support/stores.ts"

let sim: Simulator
const closing: Array<() => Promise<void>> = []
beforeAll(async () => {
  sim = await startSimulator({ accessTokenLifetime: 3_600 })
})
afterAll(async () => {
  for (const close of closing.reverse()) await close()
  await sim.close()
})

/**
 * A TCP address that forwards to one redis-server and can be moved to another, as a failover moves a
 * service address: moving it cuts every open connection, so clients reconnect to the new target.
 */
const movableAddress = async (target: number) => {
  let to = target
  const sockets = new Set<Socket>()
  const server: Server = createServer((client) => {
    const upstream = connect({ host: "127.0.0.1", port: to })
    sockets.add(client).add(upstream)
    const drop = () => {
      client.destroy()
      upstream.destroy()
      sockets.delete(client)
      sockets.delete(upstream)
    }
    client.on("error", drop).on("close", drop)
    upstream.on("error", drop).on("close", drop)
    client.pipe(upstream).pipe(client)
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  return {
    url: `redis://127.0.0.1:${port}`,
    moveTo: (next: number) => {
      to = next
      for (const socket of sockets) socket.destroy()
      sockets.clear()
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy()
        server.close(() => resolve())
      }),
  }
}

const open = simulatorClients(() => sim, "rollback", closing)
const clientOn = (url: string) => {
  const { client, store, seeded, namespace } = open(url, {
    store: { connectTimeout: 1_000, reconnectDelay: { max: 100 } },
    client: { retry: false },
  })
  const events: Array<TokenEvent> = []
  client.on("storeRolledBack", (e) => events.push(e))
  return { client, store, events, seeded, namespace }
}

/** Waits (by polling the store itself) until its connection is back after a restart or a move. */
const untilReachable = async (store: RedisTokenStore) => {
  const deadline = Date.now() + 60_000
  for (;;) {
    const exit = await Effect.runPromise(Effect.exit(store.load))
    if (exit._tag === "Success") return
    if (Date.now() > deadline) throw new Error("the store did not reconnect")
    await sleep(50)
  }
}

const invalidGrants = () => sim.stats().errors.invalid_grant ?? 0

/** After the rollback: the client keeps working, the store ends newer, and the event fired once. */
const assertSurvived = async (
  run: ReturnType<typeof clientOn>,
  live: { generation: number; refreshToken: string },
  before: number,
) => {
  await run.client.refresh()
  await run.client.refresh()
  const token = await run.client.getAccessToken()
  expect(sim.isAccessTokenValid(token)).toBe(true)
  expect(invalidGrants()).toBe(before)
  const final = await loaded(run.store)
  expect(final.generation).toBeGreaterThan(live.generation)
  expect(sim.isLive(Redacted.value(final.refreshToken))).toBe(true)
  expect(run.events).toHaveLength(1)
  expect(run.events[0]).toMatchObject({ type: "storeRolledBack", heldGeneration: live.generation })
  expect(JSON.stringify(run.events)).not.toContain(live.refreshToken)
}

describe("Redis restarted from an old RDB snapshot", () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis() // no AOF, Redis's default
  })
  afterAll(async () => {
    await server.stop()
  })

  it("the client with the newer token writes it back and never sends the restored dead one", async () => {
    const run = clientOn(server.url)
    await run.client.getAccessToken() // generation 1
    const snapshot = await server.snapshot() // the old snapshot: generation 1
    await run.client.refresh() // generation 2: the snapshot's refresh token is dead now
    const stored = await loaded(run.store)
    const live = { generation: stored.generation, refreshToken: Redacted.value(stored.refreshToken) }
    expect(live.generation).toBe(2)

    await server.kill()
    server.restoreSnapshot(snapshot)
    await server.start()
    await untilReachable(run.store)
    expect((await loaded(run.store)).generation).toBe(1) // the store went back in time
    const before = invalidGrants()

    await assertSurvived(run, live, before)
    expect(run.events[0]).toMatchObject({ storedGeneration: 1, generation: 3 })
  })
})

describe("a replica promoted while behind", () => {
  let primary: RedisServer
  let replica: RedisServer
  beforeAll(async () => {
    // A full sync starts at once (Redis waits 5 s by default for more replicas to join).
    primary = await startRedis({ args: ["--repl-diskless-sync-delay", "0"] })
    replica = await startRedis()
  })
  afterAll(async () => {
    await replica.stop()
    await primary.stop()
  })

  it("the client with the newer token writes it back to the promoted replica", async () => {
    const address = await movableAddress(primary.port)
    closing.push(address.close)
    await replica.replicaOf(primary.port)
    const run = clientOn(address.url)
    await run.client.getAccessToken() // generation 1, on the primary and (once synced) the replica
    await replica.waitForReplica(primary)

    // Replication breaks (the replica's primary link points nowhere: it stays a read-only replica and
    // takes no more writes), then a rotation lands on the primary only.
    await replica.replicaOf(await freePort())
    await run.client.refresh() // generation 2, on the old primary only
    const stored = await loaded(run.store)
    const live = { generation: stored.generation, refreshToken: Redacted.value(stored.refreshToken) }
    expect(live.generation).toBe(2)

    // The failover: the stale replica is promoted and the clients' address moves to it.
    await primary.kill()
    await replica.replicaOf(undefined)
    address.moveTo(replica.port)
    await untilReachable(run.store)
    expect((await loaded(run.store)).generation).toBe(1)
    const before = invalidGrants()

    await assertSurvived(run, live, before)
    expect(run.events[0]).toMatchObject({ storedGeneration: 1, generation: 3 })
    // The record really is on the promoted replica.
    const raw = await replica.raw()
    const keys = await raw.keys("*")
    expect(keys.length).toBeGreaterThan(0)
    defined(
      keys.find((k) => k.includes(run.namespace)),
      "the token key on the replica",
    )
  })
})

describe("rejected access tokens stay rejected on Redis", () => {
  let server: RedisServer
  beforeAll(async () => {
    server = await startRedis()
  })
  afterAll(async () => {
    await server.stop()
  })

  it("a token invalidated after a 401 is recorded as a fingerprint and not re-adopted by the next process", async () => {
    const a = clientOn(server.url)
    const rejected = await a.client.getAccessToken()
    await a.client.invalidate(rejected)
    const stored = await loaded(a.store)
    expect(stored.accessToken).toBeUndefined()
    expect(stored.rejected).toHaveLength(1)
    const raw = await server.raw()
    for (const key of await raw.keys("*")) {
      if ((await raw.type(key)) === "hash")
        expect(JSON.stringify(await raw.hGetAll(key))).not.toContain(rejected)
    }
    // Another process on the same key (same namespace and client): it refreshes instead of serving it.
    const store = redisStore({
      url: server.url,
      environment: { tokenUrl: sim.tokenUrl },
      clientId: a.seeded.clientId,
      namespace: a.namespace,
    })
    const b = createTokenClient({
      environment: { tokenUrl: sim.tokenUrl },
      clientId: a.seeded.clientId,
      clientSecret: a.seeded.clientSecret,
      store,
      retry: false,
    })
    closing.push(store.close, b.close)
    const next = await b.getAccessToken()
    expect(next).not.toBe(rejected)
    expect(sim.isAccessTokenValid(next)).toBe(true)
    expect(sim.stats().errors.invalid_grant ?? 0).toBe(0)
  })
})
