/**
 * A real redis-server for one test file (store-redis's test/support/redisServer.ts pattern): on
 * 127.0.0.1, a free port, its own folder, no persistence, optionally `requirepass`; `stop()`
 * kills it (SIGKILL) and removes the folder. Readiness is checked with a raw `PING` (RESP), so
 * these tests need no Redis client of their own; `command` sends one command the same way (to
 * count connected clients, to read a key).
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { connect } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { freePort } from "./realRuntime.ts"

export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` (no credentials). */
  readonly url: string
  /** Sends one command (e.g. `INFO clients`) and resolves with the raw RESP reply. */
  readonly command: (...args: ReadonlyArray<string>) => Promise<string>
  readonly stop: () => Promise<void>
}

/** One command in RESP (an array of bulk strings). */
const resp = (args: ReadonlyArray<string>): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`

/** Sends `AUTH` (when a password is set) and one command; resolves with the last reply, raw. */
const send = (port: number, password: string | undefined, args: ReadonlyArray<string>): Promise<string> =>
  new Promise((resolve, reject) => {
    const socket = connect({ host: "127.0.0.1", port })
    let reply = ""
    socket.setTimeout(2000, () => {
      socket.destroy()
      reject(new Error(`redis ${args[0]} timed out`))
    })
    socket.once("error", reject)
    socket.on("data", (d) => {
      reply += d.toString("utf8")
    })
    socket.once("connect", () => {
      socket.end(`${password === undefined ? "" : resp(["AUTH", password])}${resp(args)}${resp(["QUIT"])}`)
    })
    socket.once("close", () => resolve(reply))
  })

/** Whether the server answers `PING` (after `AUTH` when a password is set). */
const pings = (port: number, password: string | undefined): Promise<boolean> =>
  send(port, password, ["PING"]).then(
    (reply) => reply.includes("+PONG"),
    () => false,
  )

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
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    command: (...args) => send(port, options.password, args),
    stop,
  }
}
