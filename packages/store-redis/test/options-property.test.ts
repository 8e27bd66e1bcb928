/**
 * Property (issue 18, "validation at the edge"): whatever wrong value (of type or range) any option of
 * `redisStore` gets, it throws one `RedisStoreConfigError` naming that option, and never connects: a
 * TCP server on 127.0.0.1 standing in for Redis counts the connections.
 */

import type { AddressInfo } from "node:net"
import { createServer, type Server, type Socket } from "node:net"
import * as Redacted from "effect/Redacted"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RedisStoreConfigError, type RedisStoreOptions, redisStore } from "../src/index.ts"

let server: Server
let url = ""
let connections = 0
const sockets = new Set<Socket>()
let onConnection: (() => void) | undefined

beforeAll(async () => {
  server = createServer((socket) => {
    connections++
    sockets.add(socket)
    socket.on("close", () => sockets.delete(socket))
    socket.on("error", () => undefined)
    onConnection?.()
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  url = `redis://127.0.0.1:${(server.address() as AddressInfo).port}/0`
})

afterAll(async () => {
  for (const socket of sockets) socket.destroy()
  await new Promise<void>((resolve) => server.close(() => resolve()))
})

const RUNS = 100

const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 2 }),
  fc.object({ maxDepth: 1 }),
)
const blank = fc.stringMatching(/^[ \t\n]{0,5}$/)
const notBoolean = fc.anything().filter((u) => u !== undefined && typeof u !== "boolean")
const junkDuration = fc.oneof(
  fc.double({ max: -Number.MIN_VALUE }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, "abc", "soon", "", "Infinity", "-1 seconds"),
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant([Number.NaN, 1]),
)
const beyondTimers = fc.oneof(fc.double({ min: 2 ** 31, max: 1e300, noNaN: true }), fc.constant(1e12))

/** Every option, with values it must refuse (and the field the error must name). */
const cases: ReadonlyArray<readonly [option: string, values: fc.Arbitrary<unknown>, field?: string]> = [
  [
    "url",
    fc.oneof(
      notString,
      blank,
      fc.string().filter((s) => !s.startsWith("redis")),
      fc.constantFrom(
        "http://127.0.0.1:6379",
        "redis://",
        "redis://127.0.0.1:6379/abc",
        "redis://127.0.0.1/-1",
      ),
      fc.constant(Redacted.make(42)),
    ),
  ],
  [
    "environment",
    fc.oneof(
      fc.constant(undefined),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      blank,
      fc.record({ tokenUrl: fc.oneof(notString, blank) }),
    ),
  ],
  ["clientId", fc.oneof(notString, blank)],
  ["namespace", fc.oneof(notString, fc.constantFrom("", "a b", "{x}", "a\tb"))],
  ["keyPrefix", fc.oneof(notString, fc.constantFrom("", "a b", "{x}"))],
  ["username", fc.oneof(notString, blank)],
  ["password", fc.oneof(notString, fc.constant(""), fc.constant(Redacted.make(5)))],
  [
    "database",
    fc.oneof(
      fc.integer({ max: -1 }),
      fc.double().filter((n) => !Number.isInteger(n)),
      fc.string(),
      fc.boolean(),
      fc.constant(null),
    ),
  ],
  ["tls", fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.array(fc.integer()))],
  [
    "encryptionKey",
    fc.oneof(
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.object({ maxDepth: 0 }),
      fc.constant(""),
      fc.uint8Array({ maxLength: 31 }),
      fc.uint8Array({ minLength: 33, maxLength: 64 }),
      fc.constant(Redacted.make(7)),
    ),
  ],
  ["lockLease", fc.oneof(junkDuration, fc.integer({ min: -1000, max: 99 }), fc.integer({ min: 3_600_001 }))],
  ["lockTimeout", fc.oneof(junkDuration, fc.constant(0), fc.integer({ min: 3_600_001 }))],
  ["connectTimeout", fc.oneof(junkDuration, fc.constant(0), beyondTimers)],
  ["commandTimeout", fc.oneof(junkDuration, fc.constant(0), beyondTimers)],
  ["reconnectDelay", fc.oneof(fc.integer(), fc.string(), fc.boolean(), fc.constant(null))],
  ["reconnectDelay", fc.oneof(junkDuration, beyondTimers).map((min) => ({ min })), "reconnectDelay.min"],
  ["reconnectDelay", fc.oneof(junkDuration, beyondTimers).map((max) => ({ max })), "reconnectDelay.max"],
  ["unref", notBoolean],
  ["allowEvictingPolicy", notBoolean],
]

describe("every option of redisStore: a wrong value is one RedisStoreConfigError naming it, no connection", () => {
  for (const [option, values, field = option] of cases) {
    it(`${option}${field === option ? "" : ` (${field})`}`, () => {
      fc.assert(
        fc.property(values, (value) => {
          const options = { url, environment: "qa", clientId: "client-1", unref: true, [option]: value }
          try {
            const store = redisStore(options as unknown as RedisStoreOptions)
            void store.close()
            return false
          } catch (error) {
            return (
              error instanceof RedisStoreConfigError &&
              error.field === field &&
              error.message.includes(`\`${field}\``)
            )
          }
        }),
        { numRuns: RUNS },
      )
    })
  }

  it("nothing connected; a valid store does (the counter counts)", async () => {
    const connected = new Promise<void>((resolve) => {
      onConnection = resolve
    })
    const store = redisStore({ url, environment: "qa", clientId: "client-1", unref: true })
    await connected
    onConnection = undefined
    for (const socket of sockets) socket.destroy()
    await store.close()
    expect(connections).toBe(1)
  })
})
