/**
 * `startRedis` against the real redis-server binary: ready on return, password enforced,
 * kill/start keeps the port and (durable) the data, `stop` leaves no process and no folder.
 */
import { existsSync } from "node:fs"
import { connect } from "node:net"
import { afterAll, describe, expect, it } from "vitest"
import { freePort } from "../src/ports.ts"
import { type RedisServer, startRedis } from "../src/redisServer.ts"

const started: RedisServer[] = []
afterAll(async () => {
  await Promise.all(started.map((server) => server.stop()))
})

const start = async (...args: Parameters<typeof startRedis>) => {
  const server = await startRedis(...args)
  started.push(server)
  return server
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
const accepts = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    socket.once("connect", () => {
      socket.destroy()
      resolve(true)
    })
    socket.once("error", () => resolve(false))
  })

describe("startRedis", () => {
  it("answers at once on 127.0.0.1 and its url names the port, without credentials", async () => {
    const server = await start()
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`)
    expect(await server.command("PING")).toContain("+PONG")
    expect(await server.command("CONFIG", "GET", "bind")).toContain("127.0.0.1")
  })

  it("with a password: `command` authenticates, and the server refuses a client that does not", async () => {
    const password = "test-support-password"
    const server = await start({ password })
    expect(await server.command("SET", "k", "v")).toMatch(/^\+OK\r\n\+OK\r\n/)
    const anonymous = await unauthenticatedReply(server.port, "*1\r\n$4\r\nPING\r\n")
    expect(anonymous).toMatch(/^-NOAUTH/)
  })

  it("kill, then start: the same port and folder; with `durable` the data survives", async () => {
    const port = await freePort()
    const server = await start({ port, durable: true })
    expect(server.port).toBe(port)
    await server.command("SET", "kept", "yes")
    await server.kill()
    expect(await accepts(port)).toBe(false)
    await server.start()
    expect(await server.command("GET", "kept")).toContain("$3\r\nyes\r\n")
  })

  it("stop: nothing listens on the port any more and the folder is gone", async () => {
    const server = await startRedis()
    expect(existsSync(server.dir)).toBe(true)
    await server.stop()
    expect(await accepts(server.port)).toBe(false)
    expect(existsSync(server.dir)).toBe(false)
  })

  it("a server that cannot start fails with its own output, and leaves no folder behind", async () => {
    const error = await startRedis({ args: ["--no-such-option", "x"] }).then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(Error)
    expect((error as Error).message).toMatch(/exited early/)
    expect((error as Error).message).toMatch(/no-such-option/i)
  })
})

/** Sends raw RESP to the port without authenticating; resolves with the first reply. */
const unauthenticatedReply = (port: number, request: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port }, () => socket.write(request))
    socket.once("error", reject)
    socket.once("data", (d: Buffer) => {
      socket.destroy()
      resolve(d.toString("utf8"))
    })
  })
