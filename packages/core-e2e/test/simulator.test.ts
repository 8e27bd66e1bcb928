/**
 * `refresh` and `refreshWithRetry` against the real PingFederate simulator over HTTP: every OAuth
 * error it can produce, every fault it can inject, both placements and both client-auth modes.
 */

import { type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { assert, describe, it } from "vitest"
import { HttpTransport, type HttpTransportRequest, nodeHttpTransport } from "../../core/src/HttpTransport.ts"
import { DEFAULT_EXPIRES_IN, MAX_EXPIRES_IN } from "../../core/src/internal/tokenResponse.ts"
import {
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  MalformedResponse,
  RateLimited,
  ServerError,
  Timeout,
  Transport,
  UnauthorizedClient,
  UnsupportedGrantType,
} from "../../core/src/RefreshError.ts"
import { refreshWithRetry } from "../../core/src/RetryPolicy.ts"
import { refresh } from "../../core/src/refresh.ts"
import { exitOf, reasonOf, successOf } from "../../core/test/support/exits.ts"
import { requestFor, useSharedSimulator } from "./support/sim.ts"

let sim: Simulator
useSharedSimulator((started) => {
  sim = started
})

/** A transport that rewrites one query parameter before sending, to make the server see a bad request. */
const rewriting = (rewrite: (url: URL) => void): HttpTransport => ({
  send: (request: HttpTransportRequest) => {
    const url = new URL(request.url)
    rewrite(url)
    return nodeHttpTransport.send({ ...request, url: url.href })
  },
})

describe("successful refreshes", () => {
  for (const placement of ["query", "body"] as const) {
    for (const clientAuth of ["params", "basic"] as const) {
      it(`rotates the refresh token with placement=${placement}, clientAuth=${clientAuth}`, async () => {
        const client = sim.addClient()
        const tokens = successOf(await exitOf(refresh(requestFor(sim, client, { placement, clientAuth }))))
        const next = Redacted.value(tokens.refreshToken)
        assert.notStrictEqual(next, client.refreshToken)
        assert.isTrue(tokens.refreshTokenRotated)
        assert.isFalse(sim.isLive(client.refreshToken))
        assert.isTrue(sim.isLive(next))
        assert.isTrue(sim.isAccessTokenValid(Redacted.value(tokens.accessToken)))
        assert.strictEqual(tokens.expiresAt - tokens.issuedAt, tokens.expiresIn * 1000)
        const seen = sim.requests().at(-1)
        assert.strictEqual(seen?.placement, placement)
        assert.strictEqual(seen?.clientAuth, clientAuth)
        // the rotated token works for the next refresh
        const again = successOf(
          await exitOf(refresh(requestFor(sim, client, { placement, clientAuth, refreshToken: next }))),
        )
        assert.isTrue(again.refreshTokenRotated)
      })
    }
  }

  it("keeps the current refresh token when the server omits refresh_token", async () => {
    sim.configure({ omitRefreshToken: true })
    const client = sim.addClient()
    const tokens = successOf(await exitOf(refresh(requestFor(sim, client))))
    assert.strictEqual(Redacted.value(tokens.refreshToken), client.refreshToken)
    assert.isFalse(tokens.refreshTokenRotated)
    assert.isTrue(sim.isLive(client.refreshToken))
    successOf(await exitOf(refresh(requestFor(sim, client))))
  })

  it("accepts the same refresh token back within the rolling interval", async () => {
    sim.configure({ rollingInterval: 60 })
    const client = sim.addClient()
    const tokens = successOf(await exitOf(refresh(requestFor(sim, client))))
    assert.strictEqual(Redacted.value(tokens.refreshToken), client.refreshToken)
    assert.isFalse(tokens.refreshTokenRotated)
    assert.isTrue(sim.isLive(client.refreshToken))
  })

  it("accepts expires_in as a numeric string", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "expiresInString" })
    const tokens = successOf(await exitOf(refresh(requestFor(sim, client))))
    assert.strictEqual(typeof tokens.expiresIn, "number")
    assert.isAbove(tokens.expiresIn, 0)
  })

  it("a missing refresh_token in a rotated response keeps the current one (the server's bug, reported as not rotated)", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "missingField", field: "refresh_token" })
    const tokens = successOf(await exitOf(refresh(requestFor(sim, client))))
    assert.isFalse(tokens.refreshTokenRotated)
    assert.strictEqual(Redacted.value(tokens.refreshToken), client.refreshToken)
  })
})

describe("OAuth errors", () => {
  it("invalid_grant for an unknown refresh token", async () => {
    const client = sim.addClient()
    const error = reasonOf(
      await exitOf(refresh(requestFor(sim, client, { refreshToken: "not-a-live-token" }))),
    )
    assert.instanceOf(error, InvalidGrant)
    assert.strictEqual(error._tag, "InvalidGrant")
    if (!(error instanceof InvalidGrant)) return
    assert.strictEqual(error.status, 400)
    assert.strictEqual(error.error, "invalid_grant")
    assert.isFalse(error.afterAmbiguousAttempt)
    assert.include(error.message, "re-provision")
  })

  it("invalid_grant for a refresh token that already rotated", async () => {
    const client = sim.addClient()
    successOf(await exitOf(refresh(requestFor(sim, client))))
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, InvalidGrant)
  })

  for (const clientAuth of ["params", "basic"] as const) {
    it(`invalid_client for a wrong secret (clientAuth=${clientAuth}) names the environment used`, async () => {
      const client = sim.addClient()
      const error = reasonOf(
        await exitOf(refresh(requestFor(sim, client, { clientSecret: "wrong-secret", clientAuth }))),
      )
      assert.instanceOf(error, InvalidClient)
      if (!(error instanceof InvalidClient)) return
      assert.strictEqual(error.status, 401)
      assert.include(error.message, sim.tokenUrl)
      assert.include(error.message, "ONE environment")
      assert.isTrue(sim.isLive(client.refreshToken))
    })
  }

  it("invalid_client for a client of another environment, with a qa label", async () => {
    const other = await startSimulator({ environment: "production" })
    try {
      const client = other.addClient()
      const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
      assert.instanceOf(error, InvalidClient)
    } finally {
      await other.close()
    }
  })

  it("invalid_scope for a scope the client was not granted", async () => {
    const client = sim.addClient()
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client, { scope: "NOT_GRANTED" }))))
    assert.instanceOf(error, InvalidScope)
    assert.include(error.message, "NOT_GRANTED")
  })

  it("unauthorized_client for a client without the refresh_token grant", async () => {
    const client = sim.addClient({ grantTypes: ["client_credentials"] })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, UnauthorizedClient)
  })

  it("invalid_request when the server misses a parameter", async () => {
    const client = sim.addClient()
    const effect = refresh(requestFor(sim, client)).pipe(
      Effect.provideService(
        HttpTransport,
        rewriting((url) => url.searchParams.delete("refresh_token")),
      ),
    )
    const error = reasonOf(await exitOf(effect))
    assert.instanceOf(error, InvalidRequest)
    assert.strictEqual(error.retryable, false)
  })

  it("unsupported_grant_type when the server gets another grant type", async () => {
    const client = sim.addClient()
    const effect = refresh(requestFor(sim, client)).pipe(
      Effect.provideService(
        HttpTransport,
        rewriting((url) => url.searchParams.set("grant_type", "password")),
      ),
    )
    const error = reasonOf(await exitOf(effect))
    assert.instanceOf(error, UnsupportedGrantType)
  })
})

describe("faults", () => {
  it("429 with Retry-After in seconds is RateLimited with retryAfter, and retried", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "status", status: 429, retryAfter: 3 })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, RateLimited)
    if (error instanceof RateLimited) assert.strictEqual(error.retryAfter?.value._tag, "Millis")
    assert.isTrue(error.retryable)
    assert.isTrue(sim.isLive(client.refreshToken))
    sim.injectFaults({ kind: "status", status: 429, retryAfter: 1 })
    const started = Date.now()
    successOf(await exitOf(refreshWithRetry(requestFor(sim, client))))
    assert.isAtLeast(Date.now() - started, 900)
  })

  it("429 with Retry-After as an HTTP date is parsed", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "status", status: 429, retryAfter: new Date(Date.now() + 60_000) })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, RateLimited)
    if (!(error instanceof RateLimited) || error.retryAfter === undefined) return assert.fail("no retryAfter")
    const seconds =
      Number(error.retryAfter.value._tag === "Millis" ? error.retryAfter.value.millis : 0) / 1000
    assert.isAbove(seconds, 50)
    assert.isAtMost(seconds, 61)
  })

  it("503 (empty body) is retryable and retried", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "status", status: 503, body: "empty" }, { kind: "status", status: 503 })
    const tokens = successOf(await exitOf(refreshWithRetry(requestFor(sim, client))))
    assert.isTrue(tokens.refreshTokenRotated)
    assert.strictEqual(sim.stats().tokenRequests, sim.requests().length)
  })

  for (const status of [500, 502, 504] as const) {
    it(`${status} after rotation is ambiguous: not retried without a grace period, and the token is gone`, async () => {
      const client = sim.addClient()
      sim.injectFaults({ kind: "status", status, rotate: true })
      const before = sim.requests().length
      const error = reasonOf(await exitOf(refreshWithRetry(requestFor(sim, client))))
      assert.instanceOf(error, ServerError)
      assert.isTrue(error.ambiguous)
      assert.strictEqual(sim.requests().length - before, 1)
      assert.isFalse(sim.isLive(client.refreshToken))
    })

    it(`${status} after rotation is retried within the server's grace period and succeeds`, async () => {
      sim.configure({ gracePeriod: 10 })
      const client = sim.addClient()
      sim.injectFaults({ kind: "status", status, rotate: true })
      const tokens = successOf(
        await exitOf(refreshWithRetry(requestFor(sim, client), { rotationGracePeriod: "10 seconds" })),
      )
      assert.isTrue(tokens.refreshTokenRotated)
      assert.isTrue(sim.isLive(Redacted.value(tokens.refreshToken)))
    })
  }

  it("a declared grace period the server does not have ends in invalid_grant marked as after an ambiguous attempt", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "resetAfterRotation" })
    const error = reasonOf(
      await exitOf(refreshWithRetry(requestFor(sim, client), { rotationGracePeriod: "10 seconds" })),
    )
    assert.instanceOf(error, InvalidGrant)
    if (!(error instanceof InvalidGrant)) return
    assert.isTrue(error.afterAmbiguousAttempt)
    assert.include(error.message, "probably consumed")
  })

  it("a delay after rotation past the timeout is an ambiguous Timeout", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "delay", ms: 1500 })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client, { timeout: 300 }))))
    assert.instanceOf(error, Timeout)
    assert.isTrue(error.ambiguous)
    assert.isFalse(sim.isLive(client.refreshToken))
  })

  it("a delay before processing past the timeout is retried within the grace period", async () => {
    sim.configure({ gracePeriod: 10 })
    const client = sim.addClient()
    sim.injectFaults({ kind: "delay", ms: 1500, phase: "beforeProcessing" })
    const tokens = successOf(
      await exitOf(
        refreshWithRetry(requestFor(sim, client, { timeout: 300 }), { rotationGracePeriod: "10 seconds" }),
      ),
    )
    assert.isTrue(tokens.refreshTokenRotated)
  })

  it("a short delay within the timeout is just a slow success", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "delay", ms: 100 })
    successOf(await exitOf(refresh(requestFor(sim, client))))
  })

  it("a body stalled then cut is a Transport failure that may have reached the server", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "stallBody", ms: 100 })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, Transport)
    if (error instanceof Transport) assert.isTrue(error.mayHaveReachedServer)
  })

  it("a body stalled past the timeout is a Timeout", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "stallBody", ms: 2000 })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client, { timeout: 300 }))))
    assert.instanceOf(error, Timeout)
  })

  it("a reset before processing is ambiguous for the client (it cannot know), and the token is still live", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "resetBeforeProcessing" })
    const error = reasonOf(await exitOf(refreshWithRetry(requestFor(sim, client))))
    assert.instanceOf(error, Transport)
    if (error instanceof Transport) assert.isTrue(error.mayHaveReachedServer)
    assert.isTrue(sim.isLive(client.refreshToken))
  })

  it("a reset after rotation loses the new token: Transport, ambiguous", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "resetAfterRotation" })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, Transport)
    assert.isTrue(error.ambiguous)
    assert.isFalse(sim.isLive(client.refreshToken))
  })

  it("a reset after rotation is recovered within the server's grace period", async () => {
    sim.configure({ gracePeriod: 5 })
    const client = sim.addClient()
    sim.injectFaults({ kind: "resetAfterRotation" })
    const tokens = successOf(
      await exitOf(refreshWithRetry(requestFor(sim, client), { rotationGracePeriod: "5 seconds" })),
    )
    assert.isTrue(sim.isLive(Redacted.value(tokens.refreshToken)))
  })

  it("an HTML 502 from a gateway is a ServerError with the content type", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "html" })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, ServerError)
    if (error instanceof ServerError) {
      assert.strictEqual(error.status, 502)
      assert.include(error.contentType ?? "", "text/html")
    }
  })

  it("an HTML 503 is a retryable ServerError and is retried", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "html", status: 503 })
    successOf(await exitOf(refreshWithRetry(requestFor(sim, client))))
  })

  it("an HTML page with status 400 is a MalformedResponse (notJson) with an excerpt", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "html", status: 400 })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, MalformedResponse)
    if (error instanceof MalformedResponse) {
      assert.strictEqual(error.kind, "notJson")
      assert.include(error.message, "text/html")
      assert.include(error.excerpt ?? "", "html")
    }
  })

  it("broken JSON is a MalformedResponse and ambiguous (the server rotated)", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "malformedJson" })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, MalformedResponse)
    assert.isTrue(error.ambiguous)
    assert.isFalse(sim.isLive(client.refreshToken))
  })

  it("a missing expires_in gets the documented default lifetime (RFC 6749 §5.1 leaves it to the server)", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "missingField", field: "expires_in" })
    const sentAt = Date.now()
    const tokens = await Effect.runPromise(refresh(requestFor(sim, client)))
    assert.strictEqual(tokens.expiresIn, DEFAULT_EXPIRES_IN)
    assert.isAtLeast(tokens.expiresAt, sentAt + DEFAULT_EXPIRES_IN * 1000)
  })

  for (const [name, value] of [
    ["0", 0],
    ["negative", -5],
    ["fractional", 1.5],
    ["a word", "soon"],
  ] as const) {
    it(`an expires_in ${name} is a MalformedResponse naming it, carrying the rotated refresh token`, async () => {
      const client = sim.addClient()
      sim.injectFaults({ kind: "expiresIn", value })
      const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
      assert.instanceOf(error, MalformedResponse)
      if (error instanceof MalformedResponse) {
        assert.strictEqual(error.field, "expires_in")
        const rotated = Redacted.value(error.rotatedRefreshToken ?? Redacted.make(""))
        assert.isTrue(sim.isLive(rotated))
        assert.notInclude(error.message, rotated)
      }
    })
  }

  for (const value of [1e13, 1e308]) {
    it(`an absurd expires_in (${value}) is clamped to the documented maximum: expiresAt stays a valid date`, async () => {
      const client = sim.addClient()
      sim.injectFaults({ kind: "expiresIn", value })
      const tokens = await Effect.runPromise(refresh(requestFor(sim, client)))
      assert.strictEqual(tokens.expiresIn, MAX_EXPIRES_IN)
      assert.isFalse(Number.isNaN(new Date(tokens.expiresAt).getTime()))
      assert.strictEqual(tokens.expiresAt, tokens.issuedAt + MAX_EXPIRES_IN * 1000)
    })
  }

  for (const field of ["access_token", "token_type"] as const) {
    it(`a missing ${field} is a MalformedResponse naming it`, async () => {
      const client = sim.addClient()
      sim.injectFaults({ kind: "missingField", field })
      const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
      assert.instanceOf(error, MalformedResponse)
      if (error instanceof MalformedResponse) {
        assert.strictEqual(error.field, field)
        assert.include(error.message, field)
      }
    })
  }

  it("a wrong token_type is a MalformedResponse naming token_type", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "wrongTokenType" })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, MalformedResponse)
    if (error instanceof MalformedResponse) assert.strictEqual(error.field, "token_type")
  })

  it("an oversized body is cut at the cap: MalformedResponse tooLarge", async () => {
    const client = sim.addClient()
    sim.injectFaults({ kind: "oversizedBody" })
    const error = reasonOf(await exitOf(refresh(requestFor(sim, client))))
    assert.instanceOf(error, MalformedResponse)
    if (error instanceof MalformedResponse) assert.strictEqual(error.kind, "tooLarge")
  })
})
