/**
 * `rediss://` URLs: TLS to a real redis-server with a self-signed certificate (made with the
 * openssl command), verified against the CA given in `tls`; an unverifiable server is a clear,
 * immediate StoreError.
 */
import { execFileSync } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Redacted from "effect/Redacted"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { redisStore } from "../src/index.ts"
import { loaded, run, timedStoreFailure, tokenInput } from "./support/effects.ts"
import { type RedisServer, startRedis } from "./support/redisServer.ts"

let server: RedisServer
let dir: string
let ca: string
const opened: Array<{ close: () => Promise<void> }> = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "tangoe-redis-tls-"))
  const certFile = join(dir, "cert.pem")
  const keyFile = join(dir, "key.pem")
  execFileSync(
    "openssl",
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      keyFile,
      "-out",
      certFile,
      "-days",
      "1",
    ].concat(["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]),
    { stdio: "ignore" },
  )
  ca = readFileSync(certFile, "utf8")
  server = await startRedis({ tls: { certFile, keyFile, ca } })
})
afterAll(async () => {
  await Promise.all(opened.map((store) => store.close()))
  await server.stop()
  rmSync(dir, { recursive: true, force: true })
})

describe("rediss:// (TLS)", () => {
  it("saves and loads over TLS, verifying the server against the given CA", async () => {
    const store = redisStore({
      url: Redacted.make(`rediss://127.0.0.1:${server.port}/1`),
      tls: { ca },
      environment: "qa",
      clientId: "tls-client",
    })
    opened.push(store)
    expect(store.url).toBe(`rediss://127.0.0.1:${server.port}/1`)
    const saved = await run(store.save(tokenInput("tls"), undefined))
    expect(saved.generation).toBe(1)
    expect(Redacted.value((await loaded(store)).refreshToken)).toContain("rt-tls")
  })

  it("a server whose certificate cannot be verified: an immediate StoreError naming the URL", async () => {
    const store = redisStore({
      url: `rediss://127.0.0.1:${server.port}`,
      environment: "qa",
      clientId: "tls-client",
      // Waiting out a connect timeout would be the bug; a minute leaves no doubt on a busy machine.
      connectTimeout: 60_000,
    })
    opened.push(store)
    const [error, ms] = await timedStoreFailure(store.load)
    expect(ms).toBeLessThan(20_000)
    expect(error).toMatchObject({ _tag: "StoreError", reason: "Io" })
    expect(error.message).toContain(`rediss://127.0.0.1:${server.port}/0`)
    expect(error.message).toMatch(/SELF_SIGNED|CERT|UNABLE/)
  })
})
