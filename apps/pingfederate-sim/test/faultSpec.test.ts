import { describe, expect, it } from "vitest"
import { parseFaultSpec, SimulatorOptionsError } from "../src/index.ts"
import { parseCliArgs, parseClientSpec } from "../src/internal/cliArgs.ts"

describe("parseFaultSpec (the --fault grammar)", () => {
  it("reads status faults with Retry-After in seconds or as a date containing colons", () => {
    expect(parseFaultSpec("503:retry-after=5")).toEqual({ kind: "status", status: 503, retryAfter: 5 })
    expect(parseFaultSpec("429:retry-after=Wed, 21 Oct 2026 07:28:00 GMT:rotate")).toEqual({
      kind: "status",
      status: 429,
      retryAfter: new Date("2026-10-21T07:28:00Z"),
      rotate: true,
    })
    expect(parseFaultSpec("500:rotate:body=empty")).toEqual({
      kind: "status",
      status: 500,
      rotate: true,
      body: "empty",
    })
    expect(parseFaultSpec("504:retry-after=2026-10-21T07:28:00Z")).toMatchObject({
      retryAfter: new Date("2026-10-21T07:28:00Z"),
    })
  })

  it("reads every other kind, in kebab-case or camelCase, with key=value or bare values", () => {
    expect(parseFaultSpec("reset-after-rotation")).toEqual({ kind: "resetAfterRotation" })
    expect(parseFaultSpec("resetBeforeProcessing")).toEqual({ kind: "resetBeforeProcessing" })
    expect(parseFaultSpec("delay:ms=3000:phase=before-processing")).toEqual({
      kind: "delay",
      ms: 3000,
      phase: "beforeProcessing",
    })
    expect(parseFaultSpec("delay:250")).toEqual({ kind: "delay", ms: 250 })
    expect(parseFaultSpec("hold")).toEqual({ kind: "hold" })
    expect(parseFaultSpec("hold:2")).toEqual({ kind: "hold", until: 2 })
    expect(parseFaultSpec("hold:until=3:phase=before-processing")).toEqual({
      kind: "hold",
      until: 3,
      phase: "beforeProcessing",
    })
    expect(parseFaultSpec("stall-body:2000")).toEqual({ kind: "stallBody", ms: 2000 })
    expect(parseFaultSpec("html")).toEqual({ kind: "html" })
    expect(parseFaultSpec("html:504")).toEqual({ kind: "html", status: 504 })
    expect(parseFaultSpec("quoteRefreshToken")).toEqual({ kind: "quoteRefreshToken" })
    expect(parseFaultSpec("quoteRefreshToken:12")).toEqual({ kind: "quoteRefreshToken", chars: 12 })
    expect(parseFaultSpec("malformed-json")).toEqual({ kind: "malformedJson" })
    expect(parseFaultSpec("missing-field:refresh_token")).toEqual({
      kind: "missingField",
      field: "refresh_token",
    })
    expect(parseFaultSpec("wrong-token-type:token-type=mac")).toEqual({
      kind: "wrongTokenType",
      tokenType: "mac",
    })
    expect(parseFaultSpec("expires-in-string")).toEqual({ kind: "expiresInString" })
    expect(parseFaultSpec("expires-in:0")).toEqual({ kind: "expiresIn", value: 0 })
    expect(parseFaultSpec("expires-in:-5")).toEqual({ kind: "expiresIn", value: -5 })
    expect(parseFaultSpec("expires-in:1e308")).toEqual({ kind: "expiresIn", value: 1e308 })
    expect(parseFaultSpec("expires-in:soon")).toEqual({ kind: "expiresIn", value: "soon" })
    expect(parseFaultSpec("oversized-body:bytes=1048576")).toEqual({ kind: "oversizedBody", bytes: 1048576 })
  })

  it("names the flag and what was expected for a bad spec", () => {
    expect(() => parseFaultSpec("teapot")).toThrow(SimulatorOptionsError)
    expect(() => parseFaultSpec("teapot")).toThrow(/--fault: expected a fault spec/)
    expect(() => parseFaultSpec("418")).toThrow(/--fault\.status: expected one of 429, 500, 502, 503, 504/)
    expect(() => parseFaultSpec("503:retry-after=soon")).toThrow(/retryAfter: expected whole seconds/)
    expect(() => parseFaultSpec("delay:ms=fast")).toThrow(/ms: expected an integer/)
    expect(() => parseFaultSpec("hold:until=0")).toThrow(/until: expected an integer from 1 to 1000/)
    expect(() => parseFaultSpec("missing-field:scope")).toThrow(/field: expected one of access_token/)
    expect(() => parseFaultSpec("html:colour=red")).toThrow(/colour/)
  })
})

describe("parseCliArgs", () => {
  it("reads every flag into simulator options", () => {
    const command = parseCliArgs([
      "--port",
      "0",
      "--host",
      "::1",
      "--environment",
      "production",
      "--access-token-lifetime",
      "0.5",
      "--grace-period",
      "2",
      "--reuse-detection",
      "--rolling-interval",
      "60",
      "--omit-refresh-token",
      "--client",
      "abc:s3cret:MOBPROC,INVOICES",
      "--client",
      "::X",
      "--fault",
      "503:retry-after=5",
      "--fault",
      "reset-after-rotation",
      "--quiet",
    ])
    expect(command).toEqual({
      kind: "run",
      quiet: true,
      options: {
        port: 0,
        host: "::1",
        environment: "production",
        accessTokenLifetime: 0.5,
        gracePeriod: 2,
        reuseDetection: true,
        rollingInterval: 60,
        omitRefreshToken: true,
        clients: [
          { clientId: "abc", clientSecret: "s3cret", scopes: ["MOBPROC", "INVOICES"] },
          { scopes: ["X"] },
        ],
        faults: [{ kind: "status", status: 503, retryAfter: 5 }, { kind: "resetAfterRotation" }],
      },
    })
    expect(parseCliArgs([])).toMatchObject({ kind: "run", options: { port: 9031 } })
    expect(parseCliArgs(["--help"])).toEqual({ kind: "help" })
    expect(parseCliArgs(["--no-reuse-detection"])).toMatchObject({ options: { reuseDetection: false } })
  })

  it("reads client specs: a secret with a colon needs the scopes after the last colon", () => {
    expect(parseClientSpec("id:secret")).toEqual({ clientId: "id", clientSecret: "secret" })
    expect(parseClientSpec("id:se:cret:A")).toEqual({
      clientId: "id",
      clientSecret: "se:cret",
      scopes: ["A"],
    })
    expect(() => parseClientSpec("justanid")).toThrow(/--client/)
    expect(() => parseClientSpec("id:secret:")).toThrow(/at least one scope/)
  })

  it("names the flag and the expectation for a bad value", () => {
    expect(() => parseCliArgs(["--grace-period", "abc"])).toThrow(
      /--grace-period: expected a number of seconds/,
    )
    expect(() => parseCliArgs(["--port", "70000"])).toThrow(/--port: expected an integer from 0 to 65535/)
    expect(() => parseCliArgs(["--access-token-lifetime", "-1"])).toThrow(/--access-token-lifetime/)
    expect(() => parseCliArgs(["--colour"])).toThrow(
      /command line: expected the flags listed by --help.*--colour/,
    )
    expect(() => parseCliArgs(["--port"])).toThrow(/--port/)
  })
})
