import {
  InvalidClient,
  InvalidGrant,
  InvalidRequest,
  RateLimited,
  REFRESH_ERROR_REASON_TAGS,
  RefreshError,
  type RefreshErrorReason,
  ServerError,
  Timeout,
  Transport,
} from "@tangoe-token/core"
import * as Duration from "effect/Duration"
import { describe, expect, it } from "vitest"
import { inCliTerms } from "../src/internal/cliTerms.ts"
import { errorJson, exitCodeOf, messageOf, tagOf } from "../src/internal/errors.ts"

const oauth = { environment: "qa", status: 400, error: "x" }

import { fastInvocation } from "../src/internal/fastPath.ts"
import { parseStdinPassword, parseStdinSecrets } from "../src/internal/secretInput.ts"

describe("parseStdinSecrets", () => {
  it("reads one bare line as the refresh token", () => {
    expect(parseStdinSecrets("rt-123==\n")).toEqual({ refreshToken: "rt-123==" })
  })

  it("reads env-file lines, with export and quotes", () => {
    expect(
      parseStdinSecrets('# secrets\nexport TANGOE_CLIENT_SECRET="s e"\nTANGOE_REFRESH_TOKEN=rt=1\n'),
    ).toEqual({ clientSecret: "s e", refreshToken: "rt=1" })
  })

  it("reads a JSON object", () => {
    expect(parseStdinSecrets('{"clientSecret":"s","refreshToken":"r"}')).toEqual({
      clientSecret: "s",
      refreshToken: "r",
    })
  })

  it("reads a service account's password: TANGOE_PASSWORD lines, a JSON password, or --password-stdin", () => {
    expect(parseStdinSecrets("TANGOE_CLIENT_SECRET=s\nTANGOE_PASSWORD='p w=1'\n")).toEqual({
      clientSecret: "s",
      password: "p w=1",
    })
    expect(parseStdinSecrets('{"password":"p"}')).toEqual({ password: "p" })
    // --password-stdin: everything but the final line break, spaces and all.
    expect(parseStdinPassword(" pa ss=\n")).toEqual({ password: " pa ss=" })
    expect(() => parseStdinPassword("\n")).toThrow(/empty/)
  })

  it("names the bad line without echoing it", () => {
    expect(() => parseStdinSecrets("TANGOE_REFRESH_TOKEN=a\nhunter2")).toThrow(/line 2/)
    try {
      parseStdinSecrets("TANGOE_REFRESH_TOKEN=a\nhunter2")
    } catch (e) {
      expect(String((e as Error).message)).not.toContain("hunter2")
    }
    expect(() => parseStdinSecrets('{"refreshToken": 1}')).toThrow(/refreshToken/)
  })
})

describe("fastInvocation", () => {
  it("accepts token/header with --json, --store and --config only", () => {
    expect(fastInvocation(["token"])).toEqual({
      command: "token",
      options: { json: false, store: undefined, config: undefined },
    })
    expect(fastInvocation(["header", "--json", "--store", "/s.json", "--config=/c.json"])).toEqual({
      command: "header",
      options: { json: true, store: "/s.json", config: "/c.json" },
    })
  })

  it("leaves everything else to the full parser", () => {
    for (const argv of [
      [],
      ["status"],
      ["token", "--help"],
      ["token", "--scope", "X"],
      ["token", "--store"],
      ["token", "--store", "--json"],
      ["token", "--store", "a", "--store", "b"],
      ["token", "extra"],
    ]) {
      expect(fastInvocation(argv)).toBeUndefined()
    }
  })
})

describe("exit codes", () => {
  it("maps each error class to its documented code", () => {
    const cases: Array<[string, number]> = [
      ["UsageError", 2],
      ["InvalidConfig", 2],
      ["NotProvisioned", 3],
      ["StoreError", 5],
    ]
    for (const [tag, code] of cases) expect(exitCodeOf({ _tag: tag, message: "m" })).toBe(code)
    const reasons: Array<[RefreshErrorReason, number]> = [
      [new InvalidGrant({ ...oauth, afterAmbiguousAttempt: false }), 3],
      [new InvalidClient(oauth), 3],
      [new Transport({ environment: "qa", mayHaveReachedServer: false, code: "ECONNREFUSED" }), 4],
      [new Timeout({ environment: "qa", timeout: Duration.seconds(1) }), 4],
      [new ServerError({ environment: "qa", status: 502 }), 4],
      [new RateLimited({ environment: "qa", status: 429 }), 4],
      [new InvalidRequest(oauth), 1],
    ]
    for (const [reason, code] of reasons) {
      const error = new RefreshError({ reason })
      expect(exitCodeOf(error)).toBe(code)
      expect(errorJson(error).error.type).toBe(reason._tag)
    }
    // A look-alike of core's error is not trusted: its message could hold anything.
    expect(exitCodeOf({ _tag: "RefreshError", message: "m" })).toBe(1)
  })

  it("has a code for every reason core's RefreshError can have", () => {
    for (const tag of REFRESH_ERROR_REASON_TAGS) expect(tagOf({ _tag: tag, message: "m" }), tag).toBe(tag)
  })

  it("never shows the message or stack of an unknown error", () => {
    const error = new Error("token=abc123 leaked")
    expect(exitCodeOf(error)).toBe(1)
    expect(messageOf(error)).not.toContain("abc123")
    expect(JSON.stringify(errorJson(error))).not.toContain("abc123")
    const refused = new RefreshError({ reason: new InvalidGrant({ ...oauth, afterAmbiguousAttempt: false }) })
    expect(errorJson(refused)).toEqual({
      // Core's message, in the CLI's terms (issue 18: `tangoe-token init`, not "re-provision").
      error: { type: "InvalidGrant", message: inCliTerms(refused.message), exitCode: 3 },
    })
  })
})
