/** Property tests: validation and response decoding never throw and always end in a typed result. */
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import fc from "fast-check"
import { assert, describe, it } from "vitest"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import { interpretResponse } from "../src/internal/tokenResponse.ts"
import { isRefreshError, REFRESH_ERROR_REASON_TAGS } from "../src/RefreshError.ts"
import { resolveRefreshRequest } from "../src/RefreshRequest.ts"
import { refresh } from "../src/refresh.ts"
import { fakeTransport, provideTransport } from "./support/fakeTransport.ts"
import { request } from "./support/request.ts"

const FIELDS = [
  "request",
  "environment",
  "environment.tokenUrl",
  "clientId",
  "clientSecret",
  "refreshToken",
  "scope",
  "placement",
  "clientAuth",
  "timeout",
]

/** Values that are sometimes valid and often not. */
const loose = <A>(valid: fc.Arbitrary<A>): fc.Arbitrary<unknown> =>
  fc.oneof(valid, fc.anything(), fc.string(), fc.constant(undefined))

const requestLike = fc.record(
  {
    environment: loose(
      fc.oneof(
        fc.constantFrom("production", "qa"),
        fc.record({ tokenUrl: fc.oneof(fc.webUrl(), fc.string(), fc.constant("http://127.0.0.1:1/x")) }),
      ),
    ),
    clientId: loose(fc.string({ minLength: 1 })),
    clientSecret: loose(
      fc.oneof(
        fc.string({ minLength: 1 }),
        fc.string().map((s) => Redacted.make(s)),
      ),
    ),
    refreshToken: loose(fc.string({ minLength: 1 })),
    scope: loose(fc.constantFrom("MOBPROC", "a b", "", " x", 'q"')),
    placement: loose(fc.constantFrom("query", "body")),
    clientAuth: loose(fc.constantFrom("params", "basic")),
    timeout: loose(fc.oneof(fc.integer(), fc.double(), fc.constantFrom("30 seconds", "1 minute", "soon"))),
  },
  { requiredKeys: [] },
)

describe("request validation", () => {
  it("never throws and ends in a resolved request or an InvalidConfig naming a known field", () => {
    fc.assert(
      fc.property(fc.oneof(requestLike, fc.anything()), (input) => {
        const result = resolveRefreshRequest(input)
        if (Result.isFailure(result)) {
          assert.instanceOf(result.failure, InvalidConfig)
          assert.include(FIELDS, result.failure.field)
          assert.include(result.failure.message, result.failure.field)
        } else {
          assert.isTrue(Redacted.isRedacted(result.success.clientSecret))
          assert.isTrue(Redacted.isRedacted(result.success.refreshToken))
        }
      }),
      { numRuns: 500 },
    )
  })
})

const tokenishJson = fc.record(
  {
    access_token: loose(fc.string()),
    token_type: loose(fc.constantFrom("Bearer", "bearer", "BEARER", "mac", "")),
    expires_in: loose(fc.oneof(fc.integer(), fc.constantFrom("7200", "0", "-1", "1e3", " 60"))),
    refresh_token: loose(fc.string()),
    scope: loose(fc.string()),
    error: loose(fc.constantFrom("invalid_grant", "invalid_client", "invalid_scope", "x")),
    error_description: loose(fc.string()),
  },
  { requiredKeys: [] },
)

const body = fc.oneof(
  fc.string(),
  fc.json(),
  tokenishJson.map((o) => JSON.stringify(o) ?? ""),
  tokenishJson.map((o) => (JSON.stringify(o) ?? "").slice(0, 20)),
)

const response = fc.record({
  status: fc.oneof(fc.integer({ min: 100, max: 599 }), fc.constantFrom(200, 400, 401, 429, 500, 503)),
  headers: fc.record(
    {
      "content-type": fc.constantFrom("application/json", "text/html", "application/json;charset=UTF-8"),
      "retry-after": fc.oneof(
        fc.string(),
        fc.nat().map(String),
        fc.date({ noInvalidDate: true }).map((d) => d.toUTCString()),
      ),
    },
    { requiredKeys: [] },
  ),
  body,
  bodyTruncated: fc.boolean(),
})

describe("response decoding", () => {
  it("never throws and ends in a TokenSet or a RefreshError", () => {
    fc.assert(
      fc.property(response, (res) => {
        const result = interpretResponse(
          res,
          {
            environment: "qa",
            scope: undefined,
            refreshToken: Redacted.make("current"),
            sentAt: 0,
            secrets: () => ["current"],
          },
          0,
        )
        if (Result.isFailure(result)) {
          assert.isTrue(isRefreshError(result.failure))
          assert.include(REFRESH_ERROR_REASON_TAGS, result.failure.reason._tag)
          assert.isString(result.failure.message)
        } else {
          assert.isTrue(res.status >= 200 && res.status < 300)
          assert.isAbove(result.success.expiresIn, 0)
          assert.isTrue(Number.isSafeInteger(result.success.expiresIn))
          assert.isAbove(Redacted.value(result.success.accessToken).length, 0)
          assert.isAbove(Redacted.value(result.success.refreshToken).length, 0)
        }
      }),
      { numRuns: 1000 },
    )
  })

  it("through refresh: every response ends in success or a typed failure, never a defect", async () => {
    await fc.assert(
      fc.asyncProperty(response, async (res) => {
        const fake = fakeTransport({ respond: res })
        const exit = await Effect.runPromise(Effect.exit(refresh(request()).pipe(provideTransport(fake))))
        if (Exit.isFailure(exit)) {
          const reasons = exit.cause.reasons
          assert.isTrue(
            reasons.length > 0 && reasons.every((r) => r._tag === "Fail" && isRefreshError(r.error)),
          )
        }
      }),
      { numRuns: 300 },
    )
  })
})
