/**
 * The shared real redis-server (`@tangoe-token/test-support/redisServer`) plus what only these
 * tests need: `raw()`, an `@redis/client` connection for inspecting keys, closed by `stop()`.
 */
import { createClient, type RedisClientType } from "@redis/client"
import {
  type RedisServer as BaseRedisServer,
  type RedisServerOptions,
  startRedis as startBase,
} from "@tangoe-token/test-support/redisServer"

/** A running redis-server (see the shared helper) with raw clients for inspection. */
export interface RedisServer extends BaseRedisServer {
  /** A raw client for inspecting keys (closed by `stop`). */
  readonly raw: () => Promise<RedisClientType>
}

/** Starts a redis-server for one test file; `stop()` also closes every `raw()` client. */
export const startRedis = async (options: RedisServerOptions = {}): Promise<RedisServer> => {
  const server = await startBase(options)
  const clients: RedisClientType[] = []
  return {
    ...server,
    raw: async () => {
      const base = { host: "127.0.0.1", port: server.port, reconnectStrategy: false as const }
      const client: RedisClientType = createClient({
        socket: options.tls === undefined ? base : { ...base, tls: true as const, ca: options.tls.ca },
        ...(options.password === undefined ? {} : { password: options.password }),
      })
      client.on("error", () => {})
      await client.connect()
      clients.push(client)
      return client
    },
    stop: async () => {
      for (const client of clients) client.destroy()
      await server.stop()
    },
  }
}
