import * as Duration from "effect/Duration"
import * as Effect from "effect/Effect"
import { assert, describe, it } from "vitest"
import * as E from "../src/RefreshError.ts"

const oauth = { environment: "production", status: 400, error: "x", error_description: "why" }

const table: ReadonlyArray<readonly [E.RefreshError, boolean, boolean, string]> = [
  [new E.InvalidGrant(oauth), false, false, "re-provision"],
  [new E.InvalidClient({ ...oauth, status: 401 }), false, false, "ONE environment"],
  [new E.InvalidScope({ ...oauth, scope: "MOBPROC" }), false, false, "MOBPROC"],
  [new E.InvalidRequest(oauth), false, false, "placement"],
  [new E.UnsupportedGrantType(oauth), false, false, "token URL"],
  [new E.UnauthorizedClient(oauth), false, false, "allowed grant types"],
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
  [new E.MalformedResponse({ environment: "qa", status: 200, reason: "notJson" }), false, true, "JSON"],
  [
    new E.MalformedResponse({ environment: "qa", status: 404, reason: "unexpectedStatus" }),
    false,
    false,
    "token URL",
  ],
  [
    new E.InvalidConfig({ field: "clientId", expected: "a string", received: "a number" }),
    false,
    false,
    "clientId",
  ],
]

describe("RefreshError", () => {
  for (const [error, retryable, ambiguous, hint] of table) {
    it(`${error._tag} (${"status" in error ? error.status : ""}) classifies and explains itself`, () => {
      assert.instanceOf(error, Error)
      assert.isTrue(E.isRefreshError(error))
      assert.strictEqual(error.name, error._tag)
      assert.strictEqual(E.isRetryable(error), retryable)
      assert.strictEqual(E.isAmbiguous(error), ambiguous)
      assert.include(error.message, hint)
      assert.strictEqual(String(error), `${error._tag}: ${error.message}`)
      assert.strictEqual(JSON.parse(JSON.stringify(error))._tag, error._tag)
    })
  }

  it("works with Effect.catchTag", async () => {
    const recovered = await Effect.runPromise(
      Effect.fail(new E.InvalidGrant(oauth)).pipe(
        Effect.catchTag("InvalidGrant", (e) => Effect.succeed(e.status)),
      ),
    )
    assert.strictEqual(recovered, 400)
  })

  it("names the environment a rejected client pair was used against", () => {
    const error = new E.InvalidClient({ environment: "qa", status: 401, error: "invalid_client" })
    assert.include(error.message, "went to qa")
    assert.include(error.message, "a QA pair fails in production")
  })

  it("withAfterAmbiguousAttempt keeps the fields and changes the explanation", () => {
    const marked = new E.InvalidGrant(oauth).withAfterAmbiguousAttempt()
    assert.isTrue(marked.afterAmbiguousAttempt)
    assert.strictEqual(marked.error_description, "why")
    assert.include(marked.message, "probably consumed")
  })

  it("the guard rejects look-alikes", () => {
    assert.isFalse(E.isRefreshError({ _tag: "InvalidGrant", message: "x" }))
    assert.isFalse(E.isRefreshError(new Error("x")))
  })
})
