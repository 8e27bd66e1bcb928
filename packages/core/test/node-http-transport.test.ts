/**
 * What only the default transport (Node's HTTP client) does, against real local servers: one kept-alive
 * connection, the global agent a host may replace, the request headers it adds, bodies compressed
 * unasked or opened by a byte order mark, aborts that close the connection, and the per-URL options it
 * keeps. The behaviour both transports share is in HttpTransport.test.ts.
 */
import { execFile } from "node:child_process"
import http, { type IncomingMessage, type ServerResponse } from "node:http"
import type { Socket } from "node:net"
import { join } from "node:path"
import { promisify } from "node:util"
import { brotliCompressSync, deflateSync, gzipSync } from "node:zlib"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import { assert, describe, it } from "vitest"
import { HttpTransportFailure, type HttpTransportRequest, nodeHttpTransport } from "../src/HttpTransport.ts"
import { Timeout } from "../src/RefreshError.ts"
import { refresh } from "../src/refresh.ts"
import { createTangoeApi } from "../src/TangoeApi.ts"
import { createTokenClient } from "../src/TokenClient.ts"
import { exitOf, reasonOf, successOf } from "./support/exits.ts"
import { exchange, useLocalServers } from "./support/localServers.ts"
import { request } from "./support/request.ts"

const TOKENS = JSON.stringify({ token_type: "Bearer", expires_in: 60, access_token: "a", refresh_token: "b" })

const { serve } = useLocalServers()

/** Answers with the token set, encoded with `encoding` when given. */
const answer =
  (body: Buffer | string = TOKENS, headers: Record<string, string> = {}) =>
  (req: IncomingMessage, res: ServerResponse) => {
    req.resume()
    req.on("end", () => {
      res.writeHead(200, { "content-type": "application/json", ...headers })
      res.end(body)
    })
  }

const send = (url: string, overrides: Partial<HttpTransportRequest> = {}) =>
  exchange(nodeHttpTransport, url, overrides)

/** A server that never answers: resolves `received` on the request, `closed` when its socket closes. */
const silent = async () => {
  let received!: () => void
  let closed!: () => void
  const requestArrived = new Promise<void>((resolve) => {
    received = resolve
  })
  const socketClosed = new Promise<void>((resolve) => {
    closed = resolve
  })
  const server = await serve((req) => {
    req.socket.once("close", closed)
    received()
  })
  return { ...server, requestArrived, socketClosed }
}

describe("nodeHttpTransport", () => {
  it("loading core loads neither Node's HTTP clients nor zlib: a process that never refreshes skips them", async () => {
    // The same probe sees them once loaded, so it cannot pass by seeing nothing.
    const probe = `
      const loaded = () => process.moduleLoadList.filter((m) => /^NativeModule (https|tls|zlib|_http_client)$/.test(m))
      const core = await import(${JSON.stringify(join(import.meta.dirname, "..", "src", "index.ts"))})
      core.createTokenClient({ environment: "qa", clientId: "c", clientSecret: "s", refreshToken: "r" })
      const before = loaded()
      process.getBuiltinModule("node:https")
      console.log(JSON.stringify({ before, after: loaded() }))`
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", probe])
    const { before, after } = JSON.parse(stdout) as { before: Array<string>; after: Array<string> }
    assert.deepStrictEqual(before, [])
    assert.includeMembers(after, ["NativeModule https", "NativeModule tls"])
  })

  it("keeps one connection alive for refreshes one after another", async () => {
    const server = await serve(answer())
    for (let i = 0; i < 3; i++)
      successOf(await exitOf(refresh(request({ environment: { tokenUrl: server.tokenUrl } }))))
    assert.strictEqual(server.connections(), 1)
  })

  /** Runs `use` with `http.globalAgent` replaced by one that counts its new connections. */
  const withHostAgent = async (use: () => Promise<unknown>): Promise<number> => {
    const original = http.globalAgent
    let connections = 0
    class HostAgent extends http.Agent {
      override createConnection(...args: Parameters<http.Agent["createConnection"]>) {
        connections++
        return super.createConnection(...args)
      }
    }
    const agent = new HostAgent({ keepAlive: true })
    http.globalAgent = agent
    try {
      await use()
      return connections
    } finally {
      http.globalAgent = original
      agent.destroy()
    }
  }

  it("goes through the module's global agent, read at each call (how n8n routes outbound HTTP to its proxy)", async () => {
    const server = await serve(answer())
    const connections = await withHostAgent(async () =>
      successOf(await exitOf(refresh(request({ environment: { tokenUrl: server.tokenUrl } })))),
    )
    assert.strictEqual(connections, 1)
  })

  it("is the default of the Promise client, and of the Tangoe API client's token check", async () => {
    const identity = JSON.stringify({ access_token: { tenant: "ACME" }, expires_in: 60, scope: "MOBPROC" })
    const server = await serve((req, res) =>
      answer(req.url?.includes("validate_bearer") === true ? identity : TOKENS)(req, res),
    )
    const client = createTokenClient({ ...request(), environment: { tokenUrl: server.tokenUrl } })
    const api = createTangoeApi({
      ...request(),
      environment: { tokenUrl: server.tokenUrl },
      baseUrl: server.origin,
    })
    try {
      assert.strictEqual(await withHostAgent(() => client.refresh()), 1)
      await api.tokens.refresh()
      // The check's own exchange, after the refresh: a new connection through the replaced agent.
      assert.strictEqual(
        await withHostAgent(async () => assert.strictEqual((await api.validate()).tenant, "ACME")),
        1,
      )
    } finally {
      await client.close()
      await api.close()
    }
  })

  it("with NODE_USE_ENV_PROXY=1, the refresh goes through HTTP_PROXY (Node's own proxy support)", async () => {
    const server = await serve(answer())
    const proxied: Array<string> = []
    // A forward proxy on loopback: it sees the absolute-form request line and forwards it.
    const proxy = await serve((req, res) => {
      proxied.push(`${req.method} ${new URL(req.url ?? "").pathname}`)
      const upstream = http.request(
        req.url ?? "",
        { method: req.method, headers: req.headers, agent: false },
        (r) => {
          res.writeHead(r.statusCode ?? 502, r.headers)
          r.pipe(res)
        },
      )
      req.pipe(upstream)
    })
    const script = `
      const core = await import(${JSON.stringify(join(import.meta.dirname, "..", "src", "index.ts"))})
      const client = core.createTokenClient({ environment: { tokenUrl: ${JSON.stringify(server.tokenUrl)} },
        clientId: "c", clientSecret: "s", refreshToken: "r" })
      await client.refresh()
      await client.close()
      console.log("refreshed")`
    const { stdout } = await promisify(execFile)(process.execPath, ["--input-type=module", "-e", script], {
      env: {
        ...process.env,
        NODE_USE_ENV_PROXY: "1",
        HTTP_PROXY: proxy.origin,
        http_proxy: proxy.origin,
        NO_PROXY: "",
        no_proxy: "",
      },
    })
    assert.strictEqual(stdout.trim(), "refreshed")
    assert.deepStrictEqual(proxied, ["POST /as/token.oauth2"])
  })

  it("adds a User-Agent unless one is given, and a Content-Length to every request", async () => {
    const seen: Array<IncomingMessage["headers"]> = []
    const server = await serve((req, res) => {
      seen.push(req.headers)
      answer()(req, res)
    })
    assert.isTrue(Exit.isSuccess(await send(server.tokenUrl)))
    assert.isTrue(
      Exit.isSuccess(
        await send(server.tokenUrl, {
          headers: { "User-Agent": "my-gateway-pass", "content-type": "application/x-www-form-urlencoded" },
          body: "grant_type=refresh_token",
        }),
      ),
    )
    assert.strictEqual(seen[0]?.["user-agent"], "node")
    assert.strictEqual(seen[0]?.["content-length"], "0")
    assert.strictEqual(seen[1]?.["user-agent"], "my-gateway-pass")
    assert.strictEqual(seen[1]?.["content-length"], String("grant_type=refresh_token".length))
    for (const headers of seen) assert.isUndefined(headers["transfer-encoding"])
  })

  it("drops a leading byte order mark, as fetch's text() does", async () => {
    const server = await serve(answer(`\uFEFF${TOKENS}`))
    successOf(await exitOf(refresh(request({ environment: { tokenUrl: server.tokenUrl } }))))
  })

  for (const [coding, compress] of [
    ["gzip", gzipSync],
    ["deflate", deflateSync],
    ["br", brotliCompressSync],
  ] as const) {
    it(`reads a ${coding} body a server sends unasked`, async () => {
      const server = await serve(answer(compress(Buffer.from(TOKENS)), { "content-encoding": coding }))
      const exit = await send(server.tokenUrl)
      if (Exit.isFailure(exit)) return assert.fail(String(exit.cause))
      assert.strictEqual(exit.value.body, TOKENS)
      assert.strictEqual(exit.value.headers["content-encoding"], coding)
    })
  }

  it("a refresh's timeout destroys the request and its connection", async () => {
    const server = await silent()
    const error = reasonOf(
      await exitOf(refresh(request({ environment: { tokenUrl: server.tokenUrl }, timeout: "100 millis" }))),
    )
    assert.instanceOf(error, Timeout)
    await server.requestArrived
    await server.socketClosed
  })

  it("interrupting the send destroys the request and its connection", async () => {
    const server = await silent()
    const fiber = Effect.runFork(
      nodeHttpTransport.send({
        method: "POST",
        url: server.tokenUrl,
        headers: {},
        body: undefined,
        timeoutMillis: 60_000,
        maxBodyBytes: 1024,
      }),
    )
    await server.requestArrived
    await Effect.runPromise(Fiber.interrupt(fiber))
    await server.socketClosed
  })

  it("sends each URL to its own server and path, the query as URL would serialize it", async () => {
    const paths = { a: [] as Array<string | undefined>, b: [] as Array<string | undefined> }
    const record = (list: Array<string | undefined>) => (req: IncomingMessage, res: ServerResponse) => {
      list.push(req.url)
      answer()(req, res)
    }
    const a = await serve(record(paths.a))
    const b = await serve(record(paths.b))
    for (const url of [
      `${a.tokenUrl}?x=1`,
      `${b.tokenUrl}?y=2`,
      `${a.tokenUrl}?z=%2F3`,
      `${a.tokenUrl}x?w=4`,
      `${a.tokenUrl}?q=a b<c>"d'e#frag`,
      a.tokenUrl,
    ])
      assert.isTrue(Exit.isSuccess(await send(url)))
    const unusual = new URL(`${a.tokenUrl}?q=a b<c>"d'e#frag`)
    assert.deepStrictEqual(paths.a, [
      "/as/token.oauth2?x=1",
      "/as/token.oauth2?z=%2F3",
      "/as/token.oauth2x?w=4",
      `/as/token.oauth2${unusual.search}`,
      "/as/token.oauth2",
    ])
    assert.deepStrictEqual(paths.b, ["/as/token.oauth2?y=2"])
  })

  it("refuses a URL of another protocol before sending anything", async () => {
    const exit = await send("ftp://127.0.0.1:21/as/token.oauth2")
    if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
    const failure = exit.cause.reasons[0]
    assert.strictEqual(failure?._tag, "Fail")
    const error = (failure as { readonly error: unknown }).error
    assert.instanceOf(error, HttpTransportFailure)
    if (!(error instanceof HttpTransportFailure)) return
    assert.strictEqual(error.code, "ERR_INVALID_PROTOCOL")
    assert.isFalse(error.mayHaveReachedServer)
  })

  it("a socket destroyed mid-body fails the read (the request reached the server)", async () => {
    let socket: Socket | undefined
    const server = await serve((req, res) => {
      req.resume()
      res.writeHead(200, { "content-type": "application/json", "content-length": "100" })
      res.write("{", () => {
        socket = req.socket
        socket.destroy()
      })
    })
    const exit = await send(server.tokenUrl)
    if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
    const error = (exit.cause.reasons[0] as { readonly error: unknown }).error
    assert.instanceOf(error, HttpTransportFailure)
    if (error instanceof HttpTransportFailure) assert.isTrue(error.mayHaveReachedServer)
    assert.isDefined(socket)
  })
})
