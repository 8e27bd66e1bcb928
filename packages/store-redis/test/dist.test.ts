/**
 * The built package (ESM and CommonJS) against a real redis-server: it loads, works, and uses
 * the application's copy of @tangoe-token/core (its errors are core's own classes).
 */
import { createRequire } from "node:module"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RedisServer, startRedis } from "./support/redisServer.ts"

let server: RedisServer
beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await server.stop()
})

type Built = typeof import("../src/index.ts")
type Core = typeof import("@tangoe-token/core")

const exercise = async (built: Built, core: Core, clientId: string) => {
  const store = built.redisStore({ url: server.url, environment: "qa", clientId })
  try {
    const saved = await Effect.runPromise(
      store.save({ refreshToken: Redacted.make(`rt-${clientId}`) }, undefined),
    )
    expect(saved.generation).toBe(1)
    const conflict = await Effect.runPromise(
      Effect.flip(store.save({ refreshToken: Redacted.make("x") }, undefined)),
    )
    expect(conflict).toBeInstanceOf(core.StoreConflict)
    const invalid = await Effect.runPromise(
      Effect.flip(store.save({ refreshToken: Redacted.make("") }, undefined)),
    )
    expect(invalid).toBeInstanceOf(core.StoreError)
    expect(() => built.redisStore({ url: "http://x", environment: "qa", clientId })).toThrow(
      built.RedisStoreConfigError,
    )
  } finally {
    await store.close()
  }
}

describe("the built package", () => {
  it("ESM: dist/index.mjs works with core's ESM build", async () => {
    const built = (await import("../dist/index.mjs" as string)) as Built
    await exercise(built, await import("@tangoe-token/core"), "dist-esm")
  })

  it("CommonJS: dist/index.cjs works with core's CommonJS build", async () => {
    const require = createRequire(import.meta.url)
    const built = require("../dist/index.cjs") as Built
    await exercise(built, require("@tangoe-token/core") as Core, "dist-cjs")
  })
})
