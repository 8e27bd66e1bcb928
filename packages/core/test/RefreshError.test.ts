import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { assert, describe, it } from "vitest"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import * as E from "../src/RefreshError.ts"

const oauth = { environment: "production", status: 400, error: "x", error_description: "why" }

const table: ReadonlyArray<readonly [E.RefreshErrorReason, boolean, boolean, string]> = [
  [new E.InvalidGrant({ ...oauth, afterAmbiguousAttempt: false }), false, false, "re-provision"],
  [new E.InvalidClient({ ...oauth, status: 401 }), false, false, "ONE environment"],
  [new E.InvalidScope({ ...oauth, scope: "MOBPROC" }), false, false, "MOBPROC"],
  [
    new E.InvalidRequest({ ...oauth, error_description: "Missing refresh_token parameter" }),
    false,
    false,
    "placement",
  ],
  [new E.UnsupportedGrantType(oauth), false, false, "token URL"],
  [new E.UnauthorizedClient(oauth), false, false, "allowed grant types"],
  [
    new E.ServiceAccountRejected({ ...oauth, error: "invalid_grant", locked: false }),
    false,
    false,
    "serviceAccount.password",
  ],
  [
    new E.RateLimited({ environment: "qa", status: 429, retryAfter: Duration.seconds(12) }),
    true,
    false,
    "wait 12 s",
  ],
  [new E.ServerError({ environment: "qa", status: 503 }), true, false, "retry later"],
  [new E.ServerError({ environment: "qa", status: 500 }), false, true, "grace period"],
  [new E.ServerError({ environment: "qa", status: 502 }), false, true, "grace period"],
  [new E.ServerError({ environment: "qa", status: 504 }), false, true, "grace period"],
  [new E.Timeout({ environment: "qa", timeout: Duration.seconds(30) }), false, true, "timeout"],
  [
    new E.Transport({ environment: "qa", mayHaveReachedServer: false, code: "ECONNREFUSED" }),
    true,
    false,
    "never left",
  ],
  [
    new E.Transport({ environment: "qa", mayHaveReachedServer: true, code: "ECONNRESET" }),
    false,
    true,
    "may have rotated",
  ],
  [new E.MalformedResponse({ environment: "qa", status: 200, kind: "notJson" }), false, true, "JSON"],
  [
    new E.MalformedResponse({ environment: "qa", status: 404, kind: "unexpectedStatus" }),
    false,
    false,
    "token URL",
  ],
]

describe("RefreshError", () => {
  for (const [reason, retryable, ambiguous, hint] of table) {
    it(`${reason._tag} (${"status" in reason ? reason.status : ""}) classifies and explains itself`, () => {
      const error = new E.RefreshError({ reason })
      assert.instanceOf(error, Error)
      assert.isTrue(E.isRefreshError(error))
      assert.strictEqual(error._tag, "RefreshError")
      assert.strictEqual(error.name, "RefreshError")
      assert.strictEqual(error.reason._tag, reason._tag)
      assert.strictEqual(reason.name, reason._tag)
      assert.strictEqual(error.retryable, retryable)
      assert.strictEqual(error.ambiguous, ambiguous)
      assert.strictEqual(reason.retryable, retryable)
      assert.strictEqual(reason.ambiguous, ambiguous)
      assert.include(error.message, hint)
      assert.strictEqual(error.message, reason.message)
      // The message says what failed, then what to do after a dash: the reason's advice.
      assert.isTrue(
        error.message.startsWith(
          reason._tag === "ServiceAccountRejected"
            ? "cannot get a token with the service account at "
            : "cannot refresh the access token at ",
        ),
      )
      assert.isTrue(error.message.endsWith(` — ${reason.advice}`))
      assert.strictEqual(error.cause, reason)
      assert.strictEqual(String(error), `RefreshError: ${error.message}`)
      const json = JSON.parse(JSON.stringify(error))
      assert.strictEqual(json._tag, "RefreshError")
      assert.strictEqual(json.reason._tag, reason._tag)
    })
  }

  it("carries the reason's retryAfter, and none when the reason has none", () => {
    const limited = new E.RefreshError({
      reason: new E.RateLimited({ environment: "qa", status: 429, retryAfter: Duration.seconds(12) }),
    })
    assert.deepStrictEqual(limited.retryAfter, Duration.seconds(12))
    const failed = new E.RefreshError({
      reason: new E.ServerError({ environment: "qa", status: 503, retryAfter: Duration.seconds(3) }),
    })
    assert.deepStrictEqual(failed.retryAfter, Duration.seconds(3))
    const timeout = new E.RefreshError({
      reason: new E.Timeout({ environment: "qa", timeout: Duration.seconds(30) }),
    })
    assert.isUndefined(timeout.retryAfter)
  })

  it("works with Effect.catchTag and Effect.catchReason", async () => {
    const failing = Effect.fail(
      new E.RefreshError({ reason: new E.InvalidGrant({ ...oauth, afterAmbiguousAttempt: false }) }),
    )
    const byTag = await Effect.runPromise(
      failing.pipe(
        Effect.catchTag("RefreshError", (e) =>
          Effect.succeed(e.reason._tag === "InvalidGrant" ? e.reason.status : 0),
        ),
      ),
    )
    assert.strictEqual(byTag, 400)
    const byReason = await Effect.runPromise(
      failing.pipe(
        Effect.catchReason("RefreshError", "InvalidGrant", (reason) => Effect.succeed(reason.status)),
      ),
    )
    assert.strictEqual(byReason, 400)
  })

  it("names the environment a rejected client pair was used against", () => {
    const reason = new E.InvalidClient({ environment: "qa", status: 401, error: "invalid_client" })
    assert.include(reason.message, "went to qa")
    assert.include(reason.message, "a QA pair fails in production")
  })

  it("withAfterAmbiguousAttempt keeps the fields and changes the explanation", () => {
    const marked = new E.InvalidGrant({ ...oauth, afterAmbiguousAttempt: false }).withAfterAmbiguousAttempt()
    assert.isTrue(marked.afterAmbiguousAttempt)
    assert.strictEqual(marked.error_description, "why")
    assert.include(marked.message, "probably consumed")
  })

  it("the guard rejects look-alikes, and accepts an error of another copy of the library", () => {
    assert.isFalse(E.isRefreshError({ _tag: "InvalidGrant", message: "x" }))
    assert.isFalse(E.isRefreshError({ _tag: "RefreshError", message: "x" }))
    assert.isFalse(E.isRefreshError(new Error("x")))
    const bundled = JSON.parse(
      JSON.stringify(new E.RefreshError({ reason: table[0]?.[0] as E.RefreshErrorReason })),
    )
    assert.isTrue(E.isRefreshError(bundled))
  })

  it("lists every reason tag once", () => {
    assert.sameMembers([...E.REFRESH_ERROR_REASON_TAGS], [...new Set(table.map(([reason]) => reason._tag))])
    assert.strictEqual(new Set(E.REFRESH_ERROR_REASON_TAGS).size, E.REFRESH_ERROR_REASON_TAGS.length)
  })
})

describe("InvalidConfig", () => {
  it("names the field, what was expected and given, and what to do", () => {
    const error = new InvalidConfig({ field: "clientId", expected: "a string", received: "a number" })
    assert.instanceOf(error, Error)
    assert.isFalse(E.isRefreshError(error))
    assert.strictEqual(error._tag, "InvalidConfig")
    assert.isFalse(error.retryable)
    assert.isFalse(error.ambiguous)
    assert.include(error.message, "clientId")
    assert.strictEqual(
      error.message,
      "invalid setting `clientId`: it must be a string, but got a number — fix `clientId`",
    )
    assert.strictEqual(String(error), `InvalidConfig: ${error.message}`)
    const hinted = new InvalidConfig({ field: "scope", expected: "x", received: "y", hint: "ask Tangoe" })
    assert.isTrue(hinted.message.endsWith("— ask Tangoe"))
  })
})
