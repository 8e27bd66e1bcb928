import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Fiber from "effect/Fiber"
import * as Redacted from "effect/Redacted"
import { TestClock } from "effect/testing"
import { fromPromise, HttpTransport } from "../src/HttpTransport.ts"
import { isRefreshError, MalformedResponse, type RefreshErrorReason } from "../src/RefreshError.ts"
import { TOKEN_URLS } from "../src/RefreshRequest.ts"
import { refresh } from "../src/refresh.ts"
import type { TokenSet } from "../src/TokenSet.ts"
import { fakeTransport, hang, json, type Outcome, ok, provideTransport } from "./support/fakeTransport.ts"
import { CLIENT_SECRET, REFRESH_TOKEN, request } from "./support/request.ts"

const run = (outcome: Outcome, overrides: Parameters<typeof request>[0] = {}) =>
  Effect.gen(function* () {
    const fake = fakeTransport(outcome)
    const exit = yield* refresh(request(overrides)).pipe(provideTransport(fake), Effect.exit)
    return { exit, fake }
  })

const success = <E>(exit: Exit.Exit<TokenSet, E>): TokenSet => {
  if (Exit.isFailure(exit)) throw new Error(`expected success, got ${String(exit.cause)}`)
  return exit.value
}

/** The reason of the `RefreshError` the refresh failed with. */
const failure = (exit: Exit.Exit<TokenSet, unknown>): RefreshErrorReason => {
  if (Exit.isSuccess(exit)) throw new Error("expected a failure")
  const reason = exit.cause.reasons[0]
  if (reason?._tag !== "Fail") throw new Error("expected a typed failure")
  if (!isRefreshError(reason.error)) throw new Error(`expected a RefreshError, got ${String(reason.error)}`)
  return reason.error.reason
}

describe("the request on the wire", () => {
  it.effect("query placement and params auth (the documented form) put everything in the query string", () =>
    Effect.gen(function* () {
      const { fake } = yield* run(ok())
      const sent = fake.requests[0]
      assert.isDefined(sent)
      if (sent === undefined) return
      const url = new URL(sent.url)
      assert.strictEqual(`${url.origin}${url.pathname}`, TOKEN_URLS.qa)
      assert.deepStrictEqual(
        [...url.searchParams.keys()],
        ["grant_type", "client_id", "client_secret", "scope", "refresh_token"],
      )
      assert.strictEqual(url.searchParams.get("client_secret"), CLIENT_SECRET)
      assert.strictEqual(url.searchParams.get("refresh_token"), REFRESH_TOKEN)
      assert.strictEqual(sent.method, "POST")
      assert.isUndefined(sent.body)
      assert.isUndefined(sent.headers.authorization)
      assert.strictEqual(sent.timeoutMillis, 30_000)
    }),
  )

  it.effect("body placement sends an RFC 6749 form body and a clean URL", () =>
    Effect.gen(function* () {
      const { fake } = yield* run(ok(), { placement: "body", environment: "production" })
      const sent = fake.requests[0]
      if (sent === undefined) return assert.fail("no request")
      assert.strictEqual(sent.url, TOKEN_URLS.production)
      assert.strictEqual(sent.headers["content-type"], "application/x-www-form-urlencoded")
      const form = new URLSearchParams(sent.body)
      assert.strictEqual(form.get("grant_type"), "refresh_token")
      assert.strictEqual(form.get("client_secret"), CLIENT_SECRET)
      assert.strictEqual(form.get("refresh_token"), REFRESH_TOKEN)
    }),
  )

  it.effect("basic auth form-encodes id and secret before base64 (RFC 6749 Appendix B)", () =>
    Effect.gen(function* () {
      const { fake } = yield* run(ok(), {
        clientAuth: "basic",
        clientId: "id with:colon",
        clientSecret: "s e+c/r%t",
      })
      const sent = fake.requests[0]
      if (sent === undefined) return assert.fail("no request")
      const encoded = sent.headers.authorization?.replace(/^Basic /, "") ?? ""
      assert.strictEqual(Buffer.from(encoded, "base64").toString(), "id+with%3Acolon:s+e%2Bc%2Fr%25t")
      const url = new URL(sent.url)
      assert.isNull(url.searchParams.get("client_id"))
      assert.isNull(url.searchParams.get("client_secret"))
    }),
  )

  it.effect("a custom loopback token URL over http is allowed, and scope can be left out", () =>
    Effect.gen(function* () {
      const { fake, exit } = yield* run(ok(), {
        environment: { tokenUrl: "http://127.0.0.1:9/as/token.oauth2" },
        scope: undefined,
      })
      assert.isTrue(Exit.isSuccess(exit))
      const url = new URL(fake.requests[0]?.url ?? "")
      assert.strictEqual(url.host, "127.0.0.1:9")
      assert.isFalse(url.searchParams.has("scope"))
    }),
  )

  it.effect("a Redacted secret is accepted as is", () =>
    Effect.gen(function* () {
      const { fake } = yield* run(ok(), { clientSecret: Redacted.make(CLIENT_SECRET) })
      assert.strictEqual(
        new URL(fake.requests[0]?.url ?? "").searchParams.get("client_secret"),
        CLIENT_SECRET,
      )
    }),
  )
})

describe("the token set", () => {
  it.effect(
    "carries both tokens Redacted, the expiry from the time the request was sent, and the extra fields",
    () =>
      Effect.gen(function* () {
        yield* TestClock.setTime(1_000_000)
        const { exit } = yield* run(ok({ scope: "MOBPROC", id_token: "idt", foo: 1 }))
        const tokens = success(exit)
        assert.isTrue(Redacted.isRedacted(tokens.accessToken))
        assert.strictEqual(Redacted.value(tokens.accessToken), "access-1")
        assert.strictEqual(Redacted.value(tokens.refreshToken), "refresh-2")
        assert.isTrue(tokens.refreshTokenRotated)
        assert.strictEqual(tokens.tokenType, "Bearer")
        assert.strictEqual(tokens.expiresIn, 7200)
        assert.strictEqual(tokens.issuedAt, 1_000_000)
        assert.strictEqual(tokens.expiresAt, 1_000_000 + 7_200_000)
        assert.strictEqual(tokens.scope, "MOBPROC")
        assert.strictEqual(tokens.additionalFields.foo, 1)
        assert.isTrue(Redacted.isRedacted(tokens.additionalFields.id_token))
        assert.notInclude(JSON.stringify(tokens), "access-1")
      }),
  )

  it.effect("without refresh_token in the response the current one stays", () =>
    Effect.gen(function* () {
      const { exit } = yield* run(json(200, { token_type: "Bearer", expires_in: 60, access_token: "a" }))
      const tokens = success(exit)
      assert.strictEqual(Redacted.value(tokens.refreshToken), REFRESH_TOKEN)
      assert.isFalse(tokens.refreshTokenRotated)
    }),
  )

  it.effect("the same refresh token coming back is fine and not a rotation", () =>
    Effect.gen(function* () {
      const { exit } = yield* run(ok({ refresh_token: REFRESH_TOKEN }))
      const tokens = success(exit)
      assert.isFalse(tokens.refreshTokenRotated)
      assert.strictEqual(Redacted.value(tokens.refreshToken), REFRESH_TOKEN)
    }),
  )

  it.effect("token_type in any case and expires_in as a numeric string are accepted", () =>
    Effect.gen(function* () {
      const { exit } = yield* run(ok({ token_type: "bEaReR", expires_in: "3600" }))
      const tokens = success(exit)
      assert.strictEqual(tokens.tokenType, "Bearer")
      assert.strictEqual(tokens.expiresIn, 3600)
    }),
  )
})

describe("responses that cannot be used", () => {
  const cases: ReadonlyArray<readonly [string, Outcome, Partial<MalformedResponse>]> = [
    [
      "an HTML 200",
      json(200, "<html><body>Gateway</body></html>", { "content-type": "text/html" }),
      { kind: "notJson" },
    ],
    ["broken JSON", json(200, '{"access_token": "abc'), { kind: "notJson" }],
    ["a JSON array", json(200, "[1,2]"), { kind: "notJson" }],
    ["an empty body", json(200, ""), { kind: "notJson" }],
    ["missing access_token", json(200, { token_type: "Bearer", expires_in: 1 }), { field: "access_token" }],
    ["an empty access_token", ok({ access_token: "" }), { field: "access_token" }],
    ["token_type mac", ok({ token_type: "mac" }), { field: "token_type" }],
    ["missing token_type", json(200, { access_token: "a", expires_in: 1 }), { field: "token_type" }],
    ["expires_in 0", ok({ expires_in: 0 }), { field: "expires_in" }],
    ["expires_in negative", ok({ expires_in: -5 }), { field: "expires_in" }],
    ["expires_in fractional", ok({ expires_in: 1.5 }), { field: "expires_in" }],
    ["expires_in a non-numeric string", ok({ expires_in: "soon" }), { field: "expires_in" }],
    ["expires_in null", ok({ expires_in: null }), { field: "expires_in" }],
    ["an empty refresh_token", ok({ refresh_token: "" }), { field: "refresh_token" }],
    ["a numeric refresh_token", ok({ refresh_token: 42 }), { field: "refresh_token" }],
    ["a numeric scope", ok({ scope: 7 }), { field: "scope" }],
    ["expires_in a string with a sign", ok({ expires_in: "+5" }), { field: "expires_in" }],
    ["a redirect", json(302, "", { location: "https://elsewhere.example/" }), { kind: "redirect" }],
    ["a 404 page", json(404, "<h1>Not Found</h1>", { "content-type": "text/html" }), { kind: "notJson" }],
    ["a 400 without an OAuth error", json(400, { message: "nope" }), { kind: "unexpectedStatus" }],
    [
      "a body past the cap",
      { respond: { status: 200, headers: {}, body: "{", bodyTruncated: true } },
      { kind: "tooLarge" },
    ],
  ]
  for (const [name, outcome, expected] of cases) {
    it.effect(`${name} is a MalformedResponse`, () =>
      Effect.gen(function* () {
        const { exit } = yield* run(outcome)
        const error = failure(exit)
        assert.instanceOf(error, MalformedResponse)
        for (const [key, value] of Object.entries(expected)) {
          assert.strictEqual((error as unknown as Record<string, unknown>)[key], value, key)
        }
        const malformed = error as MalformedResponse
        if (malformed.field !== undefined) assert.include(error.message, `"${malformed.field}"`)
        assert.include(error.message, `HTTP ${malformed.status}`)
        assert.strictEqual(error.ambiguous, malformed.status >= 200 && malformed.status < 300)
      }),
    )
  }

  it.effect("a MalformedResponse names the content type and masks tokens in the excerpt", () =>
    Effect.gen(function* () {
      const { exit } = yield* run(
        json(200, {
          token_type: "mac",
          access_token: "AT-brand-new-0123456789",
          refresh_token: "RT-new-9876543210",
        }),
      )
      const error = failure(exit) as MalformedResponse
      assert.strictEqual(error.contentType, "application/json")
      assert.include(error.message, "application/json")
      assert.isDefined(error.excerpt)
      assert.notInclude(error.message, "AT-brand-new")
      assert.notInclude(error.message, "RT-new")
    }),
  )
})

describe("timeout", () => {
  it.effect("no answer within the timeout is a Timeout naming the limit", () =>
    Effect.gen(function* () {
      const fake = fakeTransport(hang)
      const fiber = yield* refresh(request({ timeout: "5 seconds" })).pipe(
        provideTransport(fake),
        Effect.exit,
        Effect.forkChild,
      )
      yield* TestClock.adjust("5 seconds")
      const error = failure(yield* Fiber.join(fiber))
      assert.strictEqual(error._tag, "Timeout")
      assert.include(error.message, "5s")
    }),
  )
})

describe("timeout with core's own transports and the real clock", () => {
  it("the deadline aborts the request and fails with a Timeout", async () => {
    let aborted: (() => void) | undefined
    const abortSeen = new Promise<void>((resolve) => {
      aborted = resolve
    })
    const hanging = fromPromise(
      (_request, signal) =>
        new Promise((_, reject) => {
          signal.addEventListener("abort", () => {
            aborted?.()
            reject(new Error("aborted"))
          })
        }),
    )
    const exit = await Effect.runPromise(
      refresh(request({ timeout: "100 millis" })).pipe(
        Effect.provideService(HttpTransport, hanging),
        Effect.exit,
      ),
    )
    await abortSeen
    const error = failure(exit)
    assert.strictEqual(error._tag, "Timeout")
    assert.include(error.message, "100ms")
  })

  it("a caller that gives up aborts the request", async () => {
    let started: (() => void) | undefined
    const startedSeen = new Promise<void>((resolve) => {
      started = resolve
    })
    let signalOf: AbortSignal | undefined
    const hanging = fromPromise((_request, signal) => {
      signalOf = signal
      started?.()
      return new Promise(() => undefined)
    })
    const fiber = Effect.runFork(
      refresh(request({ timeout: "1 hour" })).pipe(Effect.provideService(HttpTransport, hanging)),
    )
    await startedSeen
    await Effect.runPromise(Fiber.interrupt(fiber))
    assert.isTrue(signalOf?.aborted)
  })
})

describe("advice that fits the server", () => {
  const CUSTOM = { tokenUrl: "https://idp.example.com/oauth2/token" }
  const TANGOE_QA_URL = { tokenUrl: TOKEN_URLS.qa }
  const TANGOE_HINTS = [/QA pair/, /PingFederate/, /Tangoe/, /MOBPROC/]
  const answer = (status: number, error: string, description: string) =>
    json(status, { error, error_description: description })
  const cases: ReadonlyArray<readonly [string, Outcome]> = [
    ["invalid_client", answer(401, "invalid_client", "Client authentication failed")],
    ["unauthorized_client", answer(400, "unauthorized_client", "refresh_token grant not allowed")],
    ["unsupported_grant_type", answer(400, "unsupported_grant_type", "no such grant")],
    ["invalid_scope", answer(400, "invalid_scope", "scope not granted")],
    ["malformed 2xx", ok({ token_type: "mac" })],
    [
      "not json",
      { respond: { status: 200, headers: { "content-type": "text/html" }, body: "<html>hi</html>" } },
    ],
  ]
  for (const [label, outcome] of cases) {
    it.effect(
      `${label}: a custom token URL gets generic advice; "qa" and Tangoe's own URL get Tangoe's`,
      () =>
        Effect.gen(function* () {
          const custom = failure((yield* run(outcome, { environment: CUSTOM })).exit)
          // the message may quote the user's own scope; the advice names nothing of Tangoe's
          for (const hint of TANGOE_HINTS) assert.notMatch(custom.advice, hint, `${label}: ${custom.advice}`)
          for (const hint of TANGOE_HINTS.slice(0, 3)) {
            assert.notMatch(custom.message, hint, `${label}: ${custom.message}`)
          }
          if ("error_description" in custom && custom.error_description !== undefined) {
            assert.include(custom.message, `("${custom.error_description}")`)
          }
          const qa = failure((yield* run(outcome, { environment: "qa" })).exit)
          const byUrl = failure((yield* run(outcome, { environment: TANGOE_QA_URL })).exit)
          assert.match(qa.message, /Tangoe|PingFederate|MOBPROC/, `${label}: ${qa.message}`)
          assert.match(byUrl.advice, /Tangoe|PingFederate|MOBPROC/, `${label}: ${byUrl.advice}`)
          assert.notStrictEqual(qa.advice, custom.advice)
        }),
    )
  }

  it.effect('invalid_request "grant type not allowed" is not told to try the other placement', () =>
    Effect.gen(function* () {
      for (const environment of [CUSTOM, "qa"] as const) {
        const reason = failure(
          (yield* run(answer(400, "invalid_request", "grant type not allowed for this client"), {
            environment,
          })).exit,
        )
        assert.strictEqual(reason._tag, "InvalidRequest")
        assert.notInclude(reason.message, "placement")
        assert.include(reason.message, '("grant type not allowed for this client")')
      }
      // a description about parameters (or none) still gets the placement advice
      const params = failure(
        (yield* run(answer(400, "invalid_request", "Missing refresh_token parameter"), {
          environment: CUSTOM,
        })).exit,
      )
      assert.include(params.message, "placement")
      const none = failure(
        (yield* run(json(400, { error: "invalid_request" }), { environment: CUSTOM })).exit,
      )
      assert.include(none.message, "placement")
    }),
  )

  it.effect("the response excerpt shows a wrong token_type, and masks the token values", () =>
    Effect.gen(function* () {
      const reason = failure(
        (yield* run(
          ok({ token_type: "mac", access_token: "access-without-digits", refresh_token: REFRESH_TOKEN }),
        )).exit,
      )
      assert.strictEqual(reason._tag, "MalformedResponse")
      if (reason._tag !== "MalformedResponse") return
      assert.strictEqual(reason.field, "token_type")
      assert.include(reason.excerpt, '"token_type":"mac"')
      assert.include(reason.excerpt, '"access_token":"***"')
      assert.notInclude(reason.message, "access-without-digits")
      assert.notInclude(reason.message, REFRESH_TOKEN.slice(0, 16))
    }),
  )
})
