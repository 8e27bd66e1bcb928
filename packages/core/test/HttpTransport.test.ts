/**
 * Core's two transports (the default on Node's HTTP client, and fetch) against real local HTTP servers,
 * held to the same behaviour; what only the default does; and failure classification.
 */
import { createServer, type RequestListener } from "node:http"
import type { AddressInfo } from "node:net"
import { gzipSync } from "node:zlib"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Schedule from "effect/Schedule"
import { assert, describe, it } from "vitest"
import {
  classifyFailure,
  fetchTransport,
  fromPromise,
  HttpTransport,
  HttpTransportFailure,
  nodeHttpTransport,
} from "../src/HttpTransport.ts"
import { MalformedResponse, Transport } from "../src/RefreshError.ts"
import { defaultRetrySchedule, refreshWithRetry } from "../src/RetryPolicy.ts"
import { refresh } from "../src/refresh.ts"
import { exitOf, reasonOf, successOf } from "./support/exits.ts"
import { exchange, useLocalServers } from "./support/localServers.ts"
import { request } from "./support/request.ts"

const local = useLocalServers()
const serve = async (handler: RequestListener): Promise<string> => (await local.serve(handler)).tokenUrl

for (const [name, transport] of [
  ["nodeHttpTransport (the default)", nodeHttpTransport],
  ["fetchTransport", fetchTransport],
] as const) {
  /** A refresh through this transport. */
  const refreshOver = (req: Parameters<typeof refresh>[0]) =>
    refresh(req).pipe(Effect.provideService(HttpTransport, transport))

  describe(name, () => {
    it("does not follow a redirect: refresh reports it and nothing reaches the target", async () => {
      let targetHits = 0
      const target = await serve((_req, res) => {
        targetHits++
        res.end("{}")
      })
      const url = await serve((_req, res) => {
        res.writeHead(307, { location: target })
        res.end()
      })
      const error = reasonOf(await exitOf(refreshOver(request({ environment: { tokenUrl: url } }))))
      assert.instanceOf(error, MalformedResponse)
      if (error instanceof MalformedResponse) assert.strictEqual(error.kind, "redirect")
      assert.strictEqual(targetHits, 0)
    })

    it("stops reading a chunked body past the cap", async () => {
      let written = 0
      const url = await serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        const chunk = "x".repeat(16 * 1024)
        const timer = setInterval(() => {
          if (res.destroyed || written > 10 * 1024 * 1024) {
            clearInterval(timer)
            res.end()
            return
          }
          written += chunk.length
          res.write(chunk)
        }, 1)
      })
      const exit = await exchange(transport, url, { maxBodyBytes: 64 * 1024 })
      if (Exit.isFailure(exit)) return assert.fail(String(exit.cause))
      assert.isTrue(exit.value.bodyTruncated)
      assert.isAtMost(exit.value.body.length, 64 * 1024)
      assert.isBelow(written, 10 * 1024 * 1024)
    })

    it("refuses a declared Content-Length past the cap without reading", async () => {
      const url = await serve((_req, res) => {
        res.writeHead(200, { "content-type": "application/json", "content-length": String(1024 * 1024) })
        res.write("{")
      })
      const exit = await exchange(transport, url, { maxBodyBytes: 1024 })
      if (Exit.isFailure(exit)) return assert.fail(String(exit.cause))
      assert.isTrue(exit.value.bodyTruncated)
    })

    it("reads a body within its declared Content-Length whole", async () => {
      const body = JSON.stringify({ access_token: "a", token_type: "Bearer", expires_in: 60 })
      const url = await serve((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-length": String(Buffer.byteLength(body)),
        })
        res.end(body)
      })
      const exit = await exchange(transport, url, { maxBodyBytes: 1024 })
      if (Exit.isFailure(exit)) return assert.fail(String(exit.cause))
      assert.strictEqual(exit.value.body, body)
      assert.isFalse(exit.value.bodyTruncated)
    })

    it("counts a compressed body as it decompresses, whatever its declared length", async () => {
      const zipped = gzipSync(Buffer.alloc(1024 * 1024, "a"))
      const url = await serve((_req, res) => {
        res.writeHead(200, {
          "content-type": "application/json",
          "content-encoding": "gzip",
          "content-length": String(zipped.byteLength),
        })
        res.end(zipped)
      })
      assert.isBelow(zipped.byteLength, 64 * 1024)
      const exit = await exchange(transport, url, { maxBodyBytes: 64 * 1024 })
      if (Exit.isFailure(exit)) return assert.fail(String(exit.cause))
      assert.isTrue(exit.value.bodyTruncated)
      assert.isAtMost(exit.value.body.length, 64 * 1024)
    })

    it("a refused connection never left and is retried", async () => {
      const probe = createServer()
      await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve))
      const port = (probe.address() as AddressInfo).port
      await new Promise<void>((resolve) => probe.close(() => resolve()))
      const url = `http://127.0.0.1:${port}/as/token.oauth2`
      const exit = await exchange(transport, url)
      if (Exit.isSuccess(exit)) return assert.fail("expected a failure")
      const error = reasonOf(await exitOf(refreshOver(request({ environment: { tokenUrl: url } }))))
      assert.instanceOf(error, Transport)
      if (!(error instanceof Transport)) return
      assert.strictEqual(error.code, "ECONNREFUSED")
      assert.isFalse(error.mayHaveReachedServer)
      assert.isTrue(error.retryable)
      // a server appears on that port once the refusal has been seen (the default schedule's first
      // decision opens it, before its delay): the retrying refresh gets through
      const late = createServer((_req, res) => {
        res.writeHead(200, { "content-type": "application/json" })
        res.end(
          JSON.stringify({ token_type: "Bearer", expires_in: 60, access_token: "a", refresh_token: "b" }),
        )
      })
      local.track(late)
      let decisions = 0
      const opensLate = defaultRetrySchedule.pipe(
        Schedule.tap(() =>
          decisions++ === 0
            ? Effect.promise(() => new Promise<void>((resolve) => late.listen(port, "127.0.0.1", resolve)))
            : Effect.void,
        ),
      )
      successOf(
        await exitOf(
          refreshWithRetry(request({ environment: { tokenUrl: url } }), { schedule: opensLate }).pipe(
            Effect.provideService(HttpTransport, transport),
          ),
        ),
      )
      assert.strictEqual(decisions, 1)
    })

    it("a connection closed before any response may have reached the server", async () => {
      const url = await serve((req) => {
        req.socket.destroy()
      })
      const error = reasonOf(await exitOf(refreshOver(request({ environment: { tokenUrl: url } }))))
      assert.instanceOf(error, Transport)
      if (error instanceof Transport) assert.isTrue(error.mayHaveReachedServer)
    })

    it("sends the query form as a POST without a body", async () => {
      let seen: { method?: string | undefined; url?: string | undefined; length?: string | undefined } = {}
      const url = await serve((req, res) => {
        seen = { method: req.method, url: req.url, length: req.headers["content-length"] }
        res.writeHead(200, { "content-type": "application/json" })
        res.end(JSON.stringify({ token_type: "Bearer", expires_in: 60, access_token: "a" }))
      })
      successOf(await exitOf(refreshOver(request({ environment: { tokenUrl: url } }))))
      assert.strictEqual(seen.method, "POST")
      assert.match(seen.url ?? "", /^\/as\/token\.oauth2\?grant_type=refresh_token&client_id=/)
      assert.strictEqual(seen.length, "0")
    })
  })
}

describe("classifyFailure", () => {
  const fetchError = (code: string) =>
    Object.assign(new TypeError("fetch failed"), {
      cause: Object.assign(new Error(`connect ${code} https://x/?client_secret=s`), { code }),
    })

  it("keeps only the code of a fetch TypeError's cause", () => {
    const failure = classifyFailure(fetchError("ECONNREFUSED"))
    assert.strictEqual(failure.code, "ECONNREFUSED")
    assert.isFalse(failure.mayHaveReachedServer)
    assert.notInclude(JSON.stringify(failure), "client_secret")
    assert.isUndefined((failure as { cause?: unknown }).cause)
  })

  for (const code of [
    "ENOTFOUND",
    "EAI_AGAIN",
    "EHOSTUNREACH",
    "UND_ERR_CONNECT_TIMEOUT",
    "CERT_HAS_EXPIRED",
  ]) {
    it(`${code} never left`, () => {
      assert.isFalse(classifyFailure(fetchError(code)).mayHaveReachedServer)
    })
  }

  for (const code of ["ECONNRESET", "UND_ERR_SOCKET", "EPIPE"]) {
    it(`${code} may have reached the server`, () => {
      assert.isTrue(classifyFailure(fetchError(code)).mayHaveReachedServer)
    })
  }

  it("an AggregateError of connection attempts uses its members' code", () => {
    const aggregate = new AggregateError(
      [Object.assign(new Error("x"), { code: "ECONNREFUSED" })],
      "all failed",
    )
    assert.strictEqual(
      classifyFailure(new TypeError("fetch failed", { cause: aggregate })).code,
      "ECONNREFUSED",
    )
  })

  it("anything unknown may have reached the server, and odd codes are not kept", () => {
    const failure = classifyFailure(
      Object.assign(new Error("boom https://h/?refresh_token=x"), { code: "a b c" }),
    )
    assert.strictEqual(failure.code, "UNKNOWN")
    assert.isTrue(failure.mayHaveReachedServer)
    assert.isTrue(classifyFailure("a string").mayHaveReachedServer)
  })
})

describe("fromPromise", () => {
  it("routes the refresh through a Promise-based client and classifies what it throws", async () => {
    const seen: Array<string> = []
    const transport = fromPromise(async (req) => {
      seen.push(req.method)
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token_type: "Bearer", expires_in: 60, access_token: "a" }),
      }
    })
    successOf(await exitOf(refresh(request()).pipe(Effect.provideService(HttpTransport, transport))))
    assert.deepStrictEqual(seen, ["POST"])

    const throwing = fromPromise(async () => {
      throw Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" })
    })
    const error = reasonOf(
      await exitOf(refresh(request()).pipe(Effect.provideService(HttpTransport, throwing))),
    )
    assert.instanceOf(error, Transport)
    if (error instanceof Transport) assert.isFalse(error.mayHaveReachedServer)

    const explicit = fromPromise(async () => {
      throw new HttpTransportFailure({ code: "MY_CODE", mayHaveReachedServer: false })
    })
    const mine = reasonOf(
      await exitOf(refresh(request()).pipe(Effect.provideService(HttpTransport, explicit))),
    )
    assert.strictEqual((mine as Transport).code, "MY_CODE")
  })
})
