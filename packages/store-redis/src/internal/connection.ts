/**
 * One node-redis client and the rules of its use by the store:
 *
 * - It connects in the background as soon as it is made, and reconnects after any loss with a
 *   jittered exponential backoff (`reconnectStrategy`), forever, until closed.
 * - No offline queue (`disableOfflineQueue`): a command sent while disconnected fails at once,
 *   as a `StoreError` (reason `Io`), instead of waiting for a server that may never come back.
 *   Only the very first connection is waited for, at most `connectTimeout`.
 * - Every command has a timeout (`commandTimeout`).
 * - Library errors become a short code (`ECONNREFUSED`, `WRONGPASS`, `command timed out`): the
 *   client is given host, port and credentials as separate options, never the URL, and no library
 *   error object is kept, so no password can reach a message.
 *
 * @internal
 */
import { isIP } from "node:net"
import type { ConnectionOptions } from "node:tls"
import { createClient, ErrorReply, type RedisClientType } from "@redis/client"
import type { StoreError, StoreOperation } from "@tangoe-token/core"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import type { Endpoint } from "./endpoint.ts"
import type { StoreErrorFields } from "./storeError.ts"

/** Settings of a connection. */
export interface ConnectionSettings {
  readonly endpoint: Endpoint
  readonly tls: ConnectionOptions | undefined
  readonly connectTimeoutMs: number
  readonly commandTimeoutMs: number
  readonly reconnectMinMs: number
  readonly reconnectMaxMs: number
  /** Do not keep the process alive for the connection's sake. */
  readonly unref: boolean
  readonly error: (fields: StoreErrorFields) => StoreError
  /**
   * Checks each new connection (after every connect and reconnect) before its first command:
   * resolves with the fields of the error every command then fails with, or `undefined` when fine.
   */
  readonly verify?:
    | ((
        send: (args: ReadonlyArray<string>) => Promise<Reply>,
      ) => Promise<Omit<StoreErrorFields, "operation"> | undefined>)
    | undefined
}

/** A reply of a script or command, as node-redis returns it. */
export type Reply = unknown

/** The store's view of its Redis connection. */
export interface Connection {
  /** Sends one command (`["HMGET", key, …]`, `["EVALSHA", sha1, …]`) and returns its reply. */
  readonly send: (operation: StoreOperation, args: ReadonlyArray<string>) => Effect.Effect<Reply, StoreError>
  /** Whether the client is connected and ready now. */
  readonly isReady: () => boolean
  /** Quits the client (waiting for replies in flight, at most `commandTimeout`). Idempotent. */
  readonly close: () => Promise<void>
}

/** A short, secret-free description of a client library error. */
export const describeError = (e: unknown): string => {
  if (e instanceof ErrorReply) {
    const code = /^[A-Z][A-Z_-]*/.exec(e.message)?.[0]
    return code === undefined ? "error reply" : code
  }
  if (typeof e === "object" && e !== null) {
    const code = (e as { code?: unknown }).code
    if (typeof code === "string" && /^[A-Z0-9_]+$/.test(code)) return code
    const name = (e as { name?: unknown }).name
    if (name === "TimeoutError") return "command timed out"
    if (name === "ConnectionTimeoutError") return "connect timed out"
    if (name === "ClientOfflineError" || name === "SocketClosedUnexpectedlyError") return "not connected"
    if (name === "ClientClosedError") return "the store was closed"
    if (typeof name === "string" && /^[A-Za-z]+Error$/.test(name)) return name
  }
  return "unknown error"
}

/** A reconnect delay: exponential from `min` to `max`, with full jitter in its upper half. */
const backoff = (retries: number, min: number, max: number): number => {
  const ceiling = Math.min(max, min * 2 ** Math.min(retries, 20))
  return Math.round(ceiling / 2 + Math.random() * (ceiling / 2))
}

/** SNI for a host name (never for an IP address, which RFC 6066 forbids). */
const tlsServerName = (host: string): { servername?: string } =>
  isIP(host) === 0 ? { servername: host } : {}

/** Opens a connection (in the background: this never fails, nor waits). */
export const openConnection = (settings: ConnectionSettings): Connection => {
  const { endpoint } = settings
  const socket = {
    host: endpoint.host,
    port: endpoint.port,
    connectTimeout: settings.connectTimeoutMs,
    reconnectStrategy: (retries: number) =>
      backoff(retries, settings.reconnectMinMs, settings.reconnectMaxMs),
  }
  const client: RedisClientType = createClient({
    socket: endpoint.tls
      ? { ...tlsServerName(endpoint.host), ...settings.tls, ...socket, tls: true }
      : socket,
    ...(endpoint.username === undefined ? {} : { username: endpoint.username }),
    ...(endpoint.password === undefined ? {} : { password: Redacted.value(endpoint.password) }),
    database: endpoint.database,
    disableOfflineQueue: true,
    commandOptions: { timeout: settings.commandTimeoutMs },
  }) as unknown as RedisClientType

  let closed = false
  /** The last failure since the client was last ready; undefined while healthy or still connecting. */
  let lastFailure: string | undefined
  const waiters = new Set<() => void>()
  const wake = () => {
    for (const waiter of waiters) waiter()
    waiters.clear()
  }
  /** The check of the current connection (reset at every ready). */
  let verified: Promise<Omit<StoreErrorFields, "operation"> | undefined> | undefined
  client.on("ready", () => {
    lastFailure = undefined
    verified = undefined
    wake()
  })
  client.on("error", (e: unknown) => {
    lastFailure = describeError(e)
    wake()
  })
  if (settings.unref) client.unref()
  client.connect().catch(() => {
    // Fails only when closed while connecting: nothing to do.
  })

  /** Ready now; or, while the first connection is still being made, waits for it (bounded). */
  const whenReady = (operation: StoreOperation): Effect.Effect<void, StoreError> =>
    Effect.suspend(() => {
      if (closed)
        return Effect.fail(settings.error({ operation, reason: "Io", detail: "the store was closed" }))
      if (client.isReady) return Effect.void
      if (lastFailure !== undefined) {
        return Effect.fail(
          settings.error({ operation, reason: "Io", detail: `not connected: ${lastFailure}` }),
        )
      }
      return Effect.callback<void, StoreError>((resume) => {
        const settle = () => {
          clearTimeout(timer)
          waiters.delete(settle)
          resume(
            client.isReady
              ? Effect.void
              : Effect.fail(
                  settings.error({
                    operation,
                    reason: "Io",
                    detail: `not connected: ${lastFailure ?? (closed ? "the store was closed" : "connect timed out")}`,
                  }),
                ),
          )
        }
        const timer = setTimeout(settle, settings.connectTimeoutMs)
        waiters.add(settle)
        return Effect.sync(() => {
          clearTimeout(timer)
          waiters.delete(settle)
        })
      })
    })

  /** With `unref`, commands in flight still keep the process alive: the socket is ref'd meanwhile. */
  let inFlight = 0
  const sendCommand = async (args: ReadonlyArray<string>): Promise<Reply> => {
    if (!settings.unref) return client.sendCommand([...args])
    if (inFlight++ === 0) client.ref()
    try {
      return await client.sendCommand([...args])
    } finally {
      if (--inFlight === 0) client.unref()
    }
  }

  const verify = (operation: StoreOperation): Effect.Effect<void, StoreError> => {
    const check = settings.verify
    if (check === undefined) return Effect.void
    return Effect.flatMap(
      Effect.promise(() => (verified ??= check(sendCommand))),
      (refused) =>
        refused === undefined ? Effect.void : Effect.fail(settings.error({ ...refused, operation })),
    )
  }

  const send = (operation: StoreOperation, args: ReadonlyArray<string>): Effect.Effect<Reply, StoreError> =>
    Effect.andThen(
      whenReady(operation),
      Effect.andThen(
        verify(operation),
        Effect.tryPromise({
          try: () => sendCommand(args),
          catch: (e) => settings.error({ operation, reason: "Io", detail: describeError(e) }),
        }),
      ),
    )

  let closing: Promise<void> | undefined
  const close = (): Promise<void> => {
    if (closing !== undefined) return closing
    closed = true
    wake()
    closing = (async () => {
      if (client.isReady) {
        const timeout = new Promise<"timeout">((resolve) =>
          setTimeout(resolve, settings.commandTimeoutMs, "timeout").unref(),
        )
        const quit = client.close().then(
          () => "quit" as const,
          () => "failed" as const,
        )
        if ((await Promise.race([quit, timeout])) === "quit") return
      }
      if (client.isOpen) client.destroy()
    })()
    return closing
  }

  return { send, isReady: () => client.isReady, close }
}
