/** Local HTTP servers for transport tests (127.0.0.1 only), closed after each test, and one exchange. */
import { createServer, type RequestListener, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import { afterEach } from "vitest"
import type { HttpTransport, HttpTransportRequest } from "../../src/HttpTransport.ts"

/** A started server: its origin, the token URL on it, and how many TCP connections it accepted. */
export interface LocalServer {
  readonly origin: string
  readonly tokenUrl: string
  readonly connections: () => number
}

/**
 * Registers the teardown in the calling test file; returns `serve(handler)`, which starts a server,
 * and `track(server)`, which closes a server the test started itself.
 */
export const useLocalServers = () => {
  const servers: Array<Server> = []
  afterEach(async () => {
    await Promise.all(
      servers.splice(0).map(
        (server) =>
          new Promise<void>((resolve) => {
            server.closeAllConnections()
            server.close(() => resolve())
          }),
      ),
    )
  })
  const track = (server: Server): Server => {
    servers.push(server)
    return server
  }
  const serve = async (handler: RequestListener): Promise<LocalServer> => {
    const server = track(createServer(handler))
    let connections = 0
    server.on("connection", () => connections++)
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    return { origin, tokenUrl: `${origin}/as/token.oauth2`, connections: () => connections }
  }
  return { serve, track }
}

/** One exchange through `transport`: a POST to `url` without a body, 5 s and 64 KiB unless overridden. */
export const exchange = (
  transport: HttpTransport,
  url: string,
  overrides: Partial<HttpTransportRequest> = {},
) =>
  Effect.runPromise(
    Effect.exit(
      transport.send({
        method: "POST",
        url,
        headers: {},
        body: undefined,
        timeoutMillis: 5000,
        maxBodyBytes: 64 * 1024,
        ...overrides,
      }),
    ),
  )
