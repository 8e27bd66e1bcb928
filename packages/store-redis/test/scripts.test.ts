/**
 * The Lua scripts reach Redis once: saves and lock releases call them by SHA-1 (EVALSHA), and the
 * script text is sent again (EVAL) only when the server lost its script cache (`SCRIPT FLUSH`, a
 * restart). Proved with the server's own counters (INFO commandstats), on a real redis-server.
 */
import * as Effect from "effect/Effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { redisStore } from "../src/index.ts"
import { loaded, run, tokenInput } from "./support/effects.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"

let server: RedisServer
const opened: Array<{ close: () => Promise<void> }> = []

beforeAll(async () => {
  server = await startRedis()
})
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()))
  await server.stop()
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

describe("scripts are loaded once", () => {
  it("EVAL once, then EVALSHA for every save and lock release; after SCRIPT FLUSH, EVAL once more", async () => {
    const store = redisStore({ url: server.url, environment: "qa", clientId: "scripts-client" })
    opened.push(store)
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
