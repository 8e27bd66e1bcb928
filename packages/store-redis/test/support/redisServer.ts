/**
 * A real redis-server for one test file: on 127.0.0.1, a free port, its own folder; stopped
 * (SIGKILL if need be) by `stop()`, which every test file calls in `afterAll`.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { createClient, type RedisClientType } from "@redis/client"

export interface RedisServerOptions {
  /** `appendonly yes` + `appendfsync always` (durable across restarts). Default: no persistence. */
  readonly durable?: boolean
  /** `requirepass` for the default user. */
  readonly password?: string
  /** Extra `--name value` arguments. */
  readonly args?: ReadonlyArray<string>
  /** Reuse this port (e.g. to start a server where a store already points). */
  readonly port?: number
  /** Serve TLS only, with this certificate and key (PEM files); clients are not asked for certificates. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly ca: string }
}

export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` (no credentials). */
  readonly url: string
  readonly dir: string
  /** A raw client for inspecting keys (closed by `stop`). */
  readonly raw: () => Promise<RedisClientType>
  /** Kills the server (SIGKILL) and waits for it to exit; the folder is kept for a restart. */
  readonly kill: () => Promise<void>
  /** Starts the server again on the same port and folder. */
  readonly start: () => Promise<void>
  /** Kills the server and removes its folder. */
  readonly stop: () => Promise<void>
}

/** A free TCP port on 127.0.0.1 (free when checked). */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/** Resolves once a `PING` is answered (or rejects after `ms`). */
const waitForPing = async (
  port: number,
  password: string | undefined,
  ca: string | undefined,
  ms: number,
): Promise<void> => {
  const deadline = Date.now() + ms
  for (;;) {
    const base = { host: "127.0.0.1", port, reconnectStrategy: false as const, connectTimeout: 500 }
    const client = createClient({
      socket: ca === undefined ? base : { ...base, tls: true as const, ca },
      ...(password === undefined ? {} : { password }),
    })
    client.on("error", () => {})
    try {
      await client.connect()
      await client.ping()
      await client.close()
      return
    } catch {
      client.destroy()
      if (Date.now() > deadline)
        throw new Error(`redis-server on port ${port} did not answer within ${ms} ms`)
      await sleep(50)
    }
  }
}

export const startRedis = async (options: RedisServerOptions = {}): Promise<RedisServer> => {
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), "tangoe-redis-"))
  let child: ChildProcess | undefined
  const clients: RedisClientType[] = []

  const args = [
    ...(options.tls === undefined
      ? ["--port", String(port)]
      : [
          "--port",
          "0",
          "--tls-port",
          String(port),
          "--tls-cert-file",
          options.tls.certFile,
          "--tls-key-file",
          options.tls.keyFile,
          "--tls-auth-clients",
          "no",
        ]),
    "--bind",
    "127.0.0.1",
    "--dir",
    dir,
    "--save",
    "",
    "--daemonize",
    "no",
    "--loglevel",
    "warning",
    ...(options.durable ? ["--appendonly", "yes", "--appendfsync", "always"] : ["--appendonly", "no"]),
    ...(options.password === undefined ? [] : ["--requirepass", options.password]),
    ...(options.args ?? []),
  ]

  const start = async () => {
    const spawned = spawn("redis-server", args, { stdio: "ignore" })
    child = spawned
    const exited = new Promise<never>((_, reject) =>
      spawned.once("exit", (code) => reject(new Error(`redis-server exited early with code ${code}`))),
    )
    exited.catch(() => {})
    await Promise.race([waitForPing(port, options.password, options.tls?.ca, 10_000), exited])
  }

  const kill = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()))
    running.kill("SIGKILL")
    await exited
  }

  try {
    await start()
  } catch (e) {
    await kill()
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    raw: async () => {
      const base = { host: "127.0.0.1", port, reconnectStrategy: false as const }
      const client: RedisClientType = createClient({
        socket: options.tls === undefined ? base : { ...base, tls: true as const, ca: options.tls.ca },
        ...(options.password === undefined ? {} : { password: options.password }),
      })
      client.on("error", () => {})
      await client.connect()
      clients.push(client)
      return client
    },
    kill,
    start,
    stop: async () => {
      for (const client of clients) client.destroy()
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
