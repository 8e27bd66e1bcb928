/**
 * A real redis-server for one test file (store-redis's test/support/redisServer.ts pattern): on
 * 127.0.0.1, a free port, its own folder, no persistence, optionally `requirepass`; `stop()`
 * kills it (SIGKILL) and removes the folder. Readiness is checked with a raw `PING` (RESP), so
 * the CLI's tests need no Redis client of their own.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { connect, createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"

export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` (no credentials). */
  readonly url: string
  readonly stop: () => Promise<void>
}

const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

/** Resolves true once the server answers `PING` (after `AUTH` when a password is set). */
const pings = (port: number, password: string | undefined): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host: "127.0.0.1", port })
    let reply = ""
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(500, () => done(false))
    socket.once("error", () => done(false))
    socket.on("data", (d) => {
      reply += d.toString("utf8")
      if (reply.includes("+PONG")) done(true)
      else if (reply.includes("-")) done(false)
    })
    socket.once("connect", () => {
      const auth = password === undefined ? "" : `AUTH ${password}\r\n`
      socket.write(`${auth}PING\r\n`)
    })
  })

export const startRedis = async (options: { readonly password?: string } = {}): Promise<RedisServer> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "tangoe-cli-redis-"))
  const args = [
    "--port",
    String(port),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--daemonize",
    "no",
    "--loglevel",
    "warning",
    ...(options.password === undefined ? [] : ["--requirepass", options.password]),
  ]
  const child: ChildProcess = spawn("redis-server", args, { stdio: "ignore" })
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
      child.kill("SIGKILL")
      await exited
    }
    rmSync(dir, { recursive: true, force: true })
  }
  const deadline = Date.now() + 10_000
  while (!(await pings(port, options.password))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      await stop()
      throw new Error(`redis-server on port ${port} did not start`)
    }
    await new Promise((r) => setTimeout(r, 50))
  }
  return { port, url: `redis://127.0.0.1:${port}`, stop }
}
