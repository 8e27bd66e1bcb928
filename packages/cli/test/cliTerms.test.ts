/**
 * Every message core and store-redis can give the CLI, in the CLI's terms: each reason of
 * `RefreshError` (both Tangoe and generic servers), each `StoreError` reason of a file and a Redis
 * store, `NotProvisioned`, `InvalidConfig` of each setting the CLI passes, `StoreConflict` and
 * `RedisStoreConfigError`. None may name a core option or give advice a shell user cannot follow.
 */
import {
  InvalidClient,
  InvalidConfig,
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  MalformedResponse,
  NotProvisioned,
  RateLimited,
  RefreshError,
  type RefreshErrorReason,
  ServerError,
  StoreConflict,
  StoreError,
  type StoreErrorReason,
  Timeout,
  TokenManagerClosed,
  Transport,
  UnauthorizedClient,
  UnsupportedGrantType,
} from "@tangoe-token/core"
import { RedisStoreConfigError } from "@tangoe-token/store-redis"
import * as Duration from "effect/Duration"
import { describe, expect, it } from "vitest"
import { CORE_TERMS, inCliTerms } from "../src/internal/cliTerms.ts"
import { ExitCode, exitCodeOf, messageOf } from "../src/internal/errors.ts"

const reasonsFor = (environment: string): Array<RefreshErrorReason> => {
  const oauth = (error: string, error_description?: string) => ({
    environment,
    status: 400,
    error,
    error_description,
  })
  return [
    new InvalidGrant({ ...oauth("invalid_grant"), afterAmbiguousAttempt: false }),
    new InvalidGrant({ ...oauth("invalid_grant"), afterAmbiguousAttempt: true }),
    new InvalidClient({ ...oauth("invalid_client"), status: 401 }),
    new InvalidScope({ ...oauth("invalid_scope"), scope: "MOBPROC" }),
    new InvalidRequest(oauth("invalid_request")),
    new InvalidRequest(oauth("invalid_request", "grant type not allowed for this client")),
    new UnsupportedGrantType(oauth("unsupported_grant_type")),
    new UnauthorizedClient(oauth("unauthorized_client")),
    new RateLimited({ environment, status: 429, retryAfter: Duration.seconds(3) }),
    new ServerError({ environment, status: 503 }),
    new ServerError({ environment, status: 500 }),
    new ServerError({ environment, status: 502 }),
    new Timeout({ environment, timeout: Duration.seconds(30) }),
    new Transport({ environment, mayHaveReachedServer: false, code: "ECONNREFUSED" }),
    new Transport({ environment, mayHaveReachedServer: true, code: "ECONNRESET" }),
    ...(["notJson", "invalidField", "tooLarge", "redirect", "unexpectedStatus"] as const).flatMap((kind) => [
      new MalformedResponse({ environment, status: 200, kind, field: "expires_in", expected: "a number" }),
      new MalformedResponse({ environment, status: 404, kind }),
    ]),
  ]
}

const STORE_REASONS: ReadonlyArray<StoreErrorReason> = [
  "NotWritable",
  "NotReadable",
  "Corrupt",
  "UnsupportedVersion",
  "KeyRequired",
  "WrongKey",
  "InvalidKey",
  "InvalidInput",
  "LockTimeout",
  "Io",
  "EvictionPolicy",
  "NotAFile",
  "ReadableByOthers",
]

const errors: Array<unknown> = [
  ...["qa", "production", "https://as.example.com/as/token.oauth2"].flatMap((environment) =>
    reasonsFor(environment).map((reason) => new RefreshError({ reason })),
  ),
  ...STORE_REASONS.flatMap((reason) =>
    (["file", "redis"] as const).flatMap((kind) =>
      (["load", "save", "lock"] as const).map(
        (operation) =>
          new StoreError({ operation, location: "/state/token.json", kind, reason, detail: "x" }),
      ),
    ),
  ),
  new StoreError({
    operation: "save",
    location: "redis://h:6379",
    kind: "redis",
    reason: "LockTimeout",
    detail: "lease lost",
  }),
  new StoreConflict({
    location: "/state/token.json",
    expected: "token",
    found: "other-token",
    generation: 3,
  }),
  new NotProvisioned({ location: "/state/token.json" }),
  new TokenManagerClosed(),
  ...[
    "clientId",
    "clientSecret",
    "refreshToken",
    "scope",
    "environment",
    "environment.tokenUrl",
    "timeout",
    "placement",
    "clientAuth",
  ].map((field) => new InvalidConfig({ field, expected: "something else", received: "a wrong value" })),
  ...["url", "password", "encryptionKey", "database"].map(
    (field) => new RedisStoreConfigError({ field, expected: "something else" }),
  ),
]

describe("core's messages in the CLI's terms", () => {
  it("no message the CLI shows names a core option or gives library advice", () => {
    expect(errors.length).toBeGreaterThan(100)
    for (const error of errors) {
      const message = messageOf(error)
      for (const term of CORE_TERMS) expect(message, message).not.toMatch(term)
      // Every message still ends with what to do.
      expect(message).toMatch(/ — \S/)
    }
  })

  it("maps each setting to its flag or variable", () => {
    const names = (field: string) =>
      messageOf(new InvalidConfig({ field, expected: "a positive number", received: "0" }))
    expect(names("timeout")).toBe(
      "invalid setting --timeout: it must be a positive number, but got 0 — fix --timeout",
    )
    expect(names("clientSecret")).toContain("invalid setting TANGOE_CLIENT_SECRET:")
    expect(names("environment.tokenUrl")).toContain("invalid setting --token-url:")
    expect(names("placement")).toContain("fix --placement")
  })

  it("tells the user to run init where core says re-provision, and for a token probably consumed", () => {
    const grant = new RefreshError({ reason: reasonsFor("qa")[0] as RefreshErrorReason })
    expect(messageOf(grant)).toContain("run tangoe-token init with a new refresh token for this client")
    const reset = new RefreshError({
      reason: new Transport({ environment: "qa", mayHaveReachedServer: true, code: "ECONNRESET" }),
    })
    expect(messageOf(reset)).toMatch(/probably consumed.*run tangoe-token init/)
    expect(exitCodeOf(reset)).toBe(ExitCode.consumed)
    const refused = new RefreshError({
      reason: new Transport({ environment: "qa", mayHaveReachedServer: false, code: "ECONNREFUSED" }),
    })
    expect(exitCodeOf(refused)).toBe(ExitCode.unavailable)
    expect(messageOf(new NotProvisioned({ location: "/s/token.json" }))).toMatch(
      /^no refresh token: token store \/s\/token.json is empty .* — run tangoe-token init with the refresh token/,
    )
  })

  it("leaves text without core terms unchanged", () => {
    const text =
      "cannot reach https://api.example (ECONNREFUSED) — check the URL and your network, then retry"
    expect(inCliTerms(text)).toBe(text)
    expect(inCliTerms("a `literal` in quotes")).toBe("a `literal` in quotes")
  })
})
