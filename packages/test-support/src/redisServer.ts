/**
 * A real redis-server for one test file: on 127.0.0.1, a free port (or the one asked for), its own
 * temporary folder, no RDB snapshots; optionally durable (append-only file), password-protected or
 * TLS-only. `startRedis` resolves once the server answers `PING`; `stop()` kills it (SIGKILL) and
 * removes the folder, and every test file calls it in `afterAll`. For the ways a store goes back in
 * time: `snapshot()` / `restoreSnapshot()` (an RDB file taken with `SAVE` and put back before a
 * restart), and `replicaOf()` / `promote()` / `waitForReplica()` (real replication between two servers). Readiness and `command` speak
 * raw RESP over a socket, so no Redis client library is needed.
 */
import { type ChildProcess, spawn } from "node:child_process"
import { copyFileSync, mkdtempSync, rmSync } from "node:fs"
import { connect as connectTcp } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { connect as connectTls } from "node:tls"
import { freePort } from "./ports.ts"

/** How to run the server. */
export interface RedisServerOptions {
  /** `appendonly yes` + `appendfsync always` (durable across restarts). Default: no persistence. */
  readonly durable?: boolean
  /** `requirepass` for the default user; `command` and the readiness check `AUTH` with it. */
  readonly password?: string
  /** Extra `--name value` arguments. */
  readonly args?: ReadonlyArray<string>
  /** Reuse this port (e.g. to start a server where a store already points). Default: a free one. */
  readonly port?: number
  /** Serve TLS only, with this certificate and key (PEM files); clients are not asked for certificates. */
  readonly tls?: { readonly certFile: string; readonly keyFile: string; readonly ca: string }
}

/** A running redis-server and the means to stop, crash and restart it. */
export interface RedisServer {
  readonly port: number
  /** `redis://127.0.0.1:<port>` (no credentials; a TLS server needs `rediss://` instead). */
  readonly url: string
  /** The server's working folder (where the append-only file is written). */
  readonly dir: string
  /** Sends one command (e.g. `INFO clients`), after `AUTH` when a password is set; resolves with every raw RESP reply. */
  readonly command: (...args: ReadonlyArray<string>) => Promise<string>
  /** Kills the server (SIGKILL) and waits for it to exit; the folder is kept for a restart. */
  readonly kill: () => Promise<void>
  /** Starts the server again on the same port and folder, and waits until it answers `PING`. */
  readonly start: () => Promise<void>
  /** Kills the server and removes its folder. */
  readonly stop: () => Promise<void>
  /** `SAVE`s an RDB snapshot now and copies it out of the server's folder; resolves with the copy's path. */
  readonly snapshot: () => Promise<string>
  /** Puts a snapshot taken by `snapshot()` back as the server's `dump.rdb` (call while the server is killed). */
  readonly restoreSnapshot: (path: string) => void
  /** Makes this server a replica of the one on `port` (`REPLICAOF 127.0.0.1 <port>`), or a primary again (`undefined`: `REPLICAOF NO ONE`). */
  readonly replicaOf: (port: number | undefined) => Promise<void>
  /** Resolves once this replica's link to its primary is up and it has every write the primary has. */
  readonly waitForReplica: (primary: RedisServer) => Promise<void>
}

/** The value of `field` in an `INFO` reply. */
const infoField = (reply: string, field: string): string | undefined =>
  new RegExp(`^${field}:(.*)$`, "m").exec(reply)?.[1]?.trim()

/** How long a start may take before it fails. */
const START_TIMEOUT_MS = 10_000

/** One command in RESP (an array of bulk strings). */
const resp = (args: ReadonlyArray<string>): string =>
  `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join("")}`

/** Sends `AUTH` (when a password is set), one command and `QUIT`; resolves with the raw replies. */
const send = (
  port: number,
  options: RedisServerOptions,
  args: ReadonlyArray<string>,
  timeoutMs: number,
): Promise<string> =>
  new Promise((resolve, reject) => {
    const request = `${options.password === undefined ? "" : resp(["AUTH", options.password])}${resp(args)}${resp(["QUIT"])}`
    const socket =
      options.tls === undefined
        ? connectTcp({ host: "127.0.0.1", port }, () => socket.end(request))
        : connectTls({ host: "127.0.0.1", port, ca: options.tls.ca }, () => socket.end(request))
    let reply = ""
    socket.setTimeout(timeoutMs, () => {
      socket.destroy()
      reject(new Error(`redis ${args[0]} on port ${port} timed out after ${timeoutMs} ms`))
    })
    socket.once("error", reject)
    socket.on("data", (d: Buffer) => {
      reply += d.toString("utf8")
    })
    socket.once("close", () => resolve(reply))
  })

/** Starts a redis-server (see {@link RedisServerOptions}) and resolves once it answers `PING`. */
export const startRedis = async (options: RedisServerOptions = {}): Promise<RedisServer> => {
  const port = options.port ?? (await freePort())
  const dir = mkdtempSync(join(tmpdir(), "tangoe-redis-"))
  let child: ChildProcess | undefined
  let output = ""
  let snapshots = 0

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

  const pings = (): Promise<boolean> =>
    send(port, options, ["PING"], 1_000).then(
      (reply) => reply.includes("+PONG"),
      () => false,
    )

  const kill = async () => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null || running.signalCode !== null) return
    const exited = new Promise<void>((resolve) => running.once("exit", () => resolve()))
    running.kill("SIGKILL")
    await exited
  }

  const start = async () => {
    if (child !== undefined && child.exitCode === null && child.signalCode === null)
      throw new Error(`redis-server on port ${port} is already running`)
    output = ""
    const spawned = spawn("redis-server", args, { stdio: ["ignore", "pipe", "pipe"] })
    child = spawned
    const append = (chunk: Buffer) => {
      output = (output + chunk.toString("utf8")).slice(-2_000)
    }
    spawned.stdout?.on("data", append)
    spawned.stderr?.on("data", append)
    let exit: string | undefined
    spawned.once("exit", (code, signal) => {
      exit = `code ${code ?? signal}`
    })
    spawned.once("error", (error) => {
      exit = error.message
    })
    const deadline = Date.now() + START_TIMEOUT_MS
    for (;;) {
      if (await pings()) return
      const failure =
        exit !== undefined
          ? `exited early (${exit})`
          : Date.now() > deadline
            ? `did not answer PING within ${START_TIMEOUT_MS} ms`
            : undefined
      if (failure !== undefined) {
        await kill()
        throw new Error(`redis-server on port ${port} ${failure}:\n${output}`)
      }
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }

  try {
    await start()
  } catch (e) {
    rmSync(dir, { recursive: true, force: true })
    throw e
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    dir,
    command: (...command) => send(port, options, command, 2_000),
    kill,
    start,
    stop: async () => {
      await kill()
      rmSync(dir, { recursive: true, force: true })
    },
    snapshot: async () => {
      const reply = await send(port, options, ["SAVE"], 10_000)
      if (!reply.includes("+OK")) throw new Error(`redis SAVE on port ${port} failed: ${reply.trim()}`)
      const copy = join(dir, `snapshot-${++snapshots}.rdb`)
      copyFileSync(join(dir, "dump.rdb"), copy)
      return copy
    },
    restoreSnapshot: (path) => {
      if (child !== undefined) throw new Error(`redis-server on port ${port} is running: kill it first`)
      copyFileSync(path, join(dir, "dump.rdb"))
    },
    replicaOf: async (primary) => {
      const reply = await send(
        port,
        options,
        primary === undefined ? ["REPLICAOF", "NO", "ONE"] : ["REPLICAOF", "127.0.0.1", String(primary)],
        2_000,
      )
      if (!reply.includes("+OK")) throw new Error(`redis REPLICAOF on port ${port} failed: ${reply.trim()}`)
    },
    waitForReplica: async (primary) => {
      const deadline = Date.now() + START_TIMEOUT_MS
      for (;;) {
        const [mine, theirs] = await Promise.all([
          send(port, options, ["INFO", "replication"], 2_000),
          primary.command("INFO", "replication"),
        ])
        const up = infoField(mine, "master_link_status") === "up"
        const offset = infoField(mine, "slave_repl_offset")
        if (up && offset !== undefined && offset === infoField(theirs, "master_repl_offset")) return
        if (Date.now() > deadline) throw new Error(`redis replica on port ${port} did not catch up:\n${mine}`)
        await new Promise((resolve) => setTimeout(resolve, 50))
      }
    },
  }
}
