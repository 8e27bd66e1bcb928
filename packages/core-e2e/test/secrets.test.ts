/**
 * Drives every error path and scans everything a user could print for the real secret values (and
 * their URL-encoded, form-encoded and base64 forms): the message, String(error), util.inspect,
 * JSON.stringify, the cause chain, the stack, Cause.pretty, Effect logs and spans, promise rejections.
 */
import * as util from "node:util"
import { type Fault, type Simulator, startSimulator } from "@tangoe-token/pingfederate-sim"
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Logger from "effect/Logger"
import * as Redacted from "effect/Redacted"
import * as References from "effect/References"
import * as Schedule from "effect/Schedule"
import * as Tracer from "effect/Tracer"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import {
  fetchTransport,
  fromPromise,
  HttpTransport,
  nodeHttpTransport,
} from "../../core/src/HttpTransport.ts"
import { InvalidConfig } from "../../core/src/InvalidConfig.ts"
import {
  type PasswordGrantRequest,
  passwordGrant,
  passwordGrantTokenSet,
} from "../../core/src/PasswordGrant.ts"
import {
  isRefreshError,
  REFRESH_ERROR_REASON_TAGS,
  type RefreshError,
  type RefreshErrorReason,
} from "../../core/src/RefreshError.ts"
import type { RefreshRequest } from "../../core/src/RefreshRequest.ts"
import { refreshWithRetry } from "../../core/src/RetryPolicy.ts"
import { refresh } from "../../core/src/refresh.ts"
import { refreshTokenSet } from "../../core/src/refreshTokenSet.ts"
import type { TokenSet } from "../../core/src/TokenSet.ts"

// Characters that change under URL and form encoding, so every encoded form differs from the raw one.
const CLIENT_SECRET = "cs/Se+cr&et=Val ue?9f8e7d6c5b4a"
const CLIENT_ID = "client id:5f1e2d3c"

const forms = (secret: string): Array<string> => [
  secret,
  encodeURIComponent(secret),
  new URLSearchParams([["", secret]]).toString().slice(1),
  Buffer.from(secret).toString("base64"),
  Buffer.from(secret).toString("base64url"),
  // JSON-escaped, as a server quoting it in a JSON body writes it (only differs for quotes, backslashes…)
  JSON.stringify(secret).slice(1, -1),
]

/** Every secret seen so far: ours, and every token the server sent in any response. */
const secrets = new Set<string>([CLIENT_SECRET])
const addSecret = (s: string) => {
  if (s.length >= 8) secrets.add(s)
}
const formEncode = (s: string) => new URLSearchParams([["", s]]).toString().slice(1)
addSecret(`${formEncode(CLIENT_ID)}:${formEncode(CLIENT_SECRET)}`)

/** `base`, recording every token in every response body before it hands the response on. */
const recordingOver = (base: HttpTransport): HttpTransport => ({
  send: (request) =>
    base.send(request).pipe(
      Effect.tap((response) =>
        Effect.sync(() => {
          for (const match of response.body.matchAll(/"(?:access_token|refresh_token)"\s*:\s*"([^"]+)"/g)) {
            if (match[1] !== undefined) addSecret(match[1])
          }
        }),
      ),
    ),
})

/** The default transport, recording. */
const recording = recordingOver(nodeHttpTransport)

interface Captured {
  readonly exit: Exit.Exit<TokenSet, RefreshError | InvalidConfig>
  readonly logs: Array<string>
  readonly spans: Array<Tracer.NativeSpan>
}

const capture = async (
  effect: Effect.Effect<TokenSet, RefreshError | InvalidConfig>,
  transport = recording,
): Promise<Captured> => {
  const logs: Array<string> = []
  const spans: Array<Tracer.NativeSpan> = []
  const logger = Logger.make((options) => {
    logs.push(util.inspect(options.message, { depth: 10 }), Cause.pretty(options.cause))
  })
  const tracer = Tracer.make({
    span(options) {
      const span = new Tracer.NativeSpan(options)
      spans.push(span)
      return span
    },
  })
  const exit = await Effect.runPromise(
    effect.pipe(
      Effect.provideService(HttpTransport, transport),
      Effect.provideService(Tracer.Tracer, tracer),
      Effect.provideService(References.MinimumLogLevel, "All"),
      Effect.provide(Logger.layer([logger])),
      Effect.exit,
    ),
  )
  return { exit, logs, spans }
}

/** Everything a user could print about an error. */
const outputs = (error: unknown): Array<string> => {
  const out: Array<string> = []
  let current: unknown = error
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    out.push(
      String(current),
      util.inspect(current, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      util.format("%o", current),
      JSON.stringify(current) ?? "",
    )
    if (current instanceof Error) {
      out.push(current.message, current.stack ?? "")
      current = current.cause
    } else current = undefined
  }
  return out
}

const spanOutputs = (spans: ReadonlyArray<Tracer.NativeSpan>): Array<string> =>
  spans.map((span) =>
    util.inspect(
      {
        name: span.name,
        attributes: [...span.attributes],
        events: (span as unknown as { readonly _events?: unknown })._events,
        status: span.status,
      },
      { depth: Number.POSITIVE_INFINITY, showHidden: true },
    ),
  )

/** A run this long taken from a secret counts as a leak (a server quoting a token's first characters). */
const RUN = 16

const assertClean = (label: string, texts: ReadonlyArray<string>) => {
  for (const secret of secrets) {
    for (const form of forms(secret)) {
      for (const text of texts) {
        if (text.includes(form))
          assert.fail(
            `${label}: a secret (in the form ${forms(secret).indexOf(form)}) leaked in: ${text.slice(0, 300)}`,
          )
        for (let i = 0; i + RUN <= form.length; i++) {
          const run = form.slice(i, i + RUN)
          if (text.includes(run))
            assert.fail(
              `${label}: ${RUN} characters of a secret (${JSON.stringify(run)}) leaked in: ${text.slice(0, 300)}`,
            )
        }
      }
    }
  }
}

/** Scans a failure, and the reason of a `RefreshError` on its own too; returns the reason (or the `InvalidConfig`). */
const scan = (label: string, captured: Captured): RefreshErrorReason | InvalidConfig => {
  if (Exit.isSuccess(captured.exit)) return assert.fail(`${label}: expected a failure`)
  const error = Cause.squash(captured.exit.cause)
  assert.isTrue(
    isRefreshError(error) || error instanceof InvalidConfig,
    `${label}: not a RefreshError or InvalidConfig: ${String(error)}`,
  )
  assertClean(label, [
    ...outputs(error),
    ...(isRefreshError(error) ? outputs(error.reason) : []),
    Cause.pretty(captured.exit.cause),
    util.inspect(captured.exit, { depth: Number.POSITIVE_INFINITY }),
    ...captured.logs,
    ...spanOutputs(captured.spans),
  ])
  if (isRefreshError(error)) {
    assert.isAbove(captured.logs.length, 0, `${label}: no log observed`)
    assert.isAbove(captured.spans.length, 0, `${label}: no span observed`)
    return error.reason
  }
  return error as InvalidConfig
}

let sim: Simulator
const seen = new Set<string>()

beforeAll(async () => {
  sim = await startSimulator({ environment: "qa" })
})
afterAll(async () => {
  await sim?.close()
  // every kind of error was driven through the scan at least once
  assert.includeMembers(
    [...seen],
    [
      "InvalidGrant",
      "InvalidClient",
      "InvalidScope",
      "InvalidRequest",
      "UnsupportedGrantType",
      "UnauthorizedClient",
      "RateLimited",
      "ServerError",
      "Timeout",
      "Transport",
      "MalformedResponse",
      "InvalidConfig",
    ],
  )
  // every reason core has, including any added later
  assert.includeMembers([...seen], [...REFRESH_ERROR_REASON_TAGS])
})

const fresh = (overrides: Partial<RefreshRequest> = {}): RefreshRequest => {
  const client = sim.addClient({
    clientId: `${CLIENT_ID}-${seen.size}-${Math.random()}`,
    clientSecret: CLIENT_SECRET,
  })
  addSecret(client.refreshToken)
  return {
    environment: { tokenUrl: sim.tokenUrl },
    clientId: client.clientId,
    clientSecret: CLIENT_SECRET,
    refreshToken: client.refreshToken,
    scope: client.scope,
    // Generous: a loaded machine must not turn a server's answer into a Timeout. The faults that
    // are about time (delays, stalled bodies) set their own short timeout.
    timeout: 10_000,
    ...overrides,
  }
}

const drive = async (
  label: string,
  request: RefreshRequest,
  faults: ReadonlyArray<Fault> = [],
  retry = false,
  transport = recording,
) => {
  sim.clearFaults()
  if (faults.length > 0) sim.injectFaults(...faults)
  const captured = await capture(
    retry ? refreshWithRetry(request, { rotationGracePeriod: "2 seconds" }) : refresh(request),
    transport,
  )
  const error = scan(label, captured)
  seen.add(error._tag)
  // the Promise facade rejects with the same, equally clean, error
  sim.clearFaults()
  if (faults.length > 0) sim.injectFaults(...faults)
  const rejected = await refreshTokenSet(request, { retry: false, transport }).then(
    () => undefined,
    (e: unknown) => e,
  )
  if (rejected !== undefined) {
    assertClean(`${label} (promise)`, [
      ...outputs(rejected),
      ...(isRefreshError(rejected) ? outputs(rejected.reason) : []),
    ])
  }
  return error
}

/** Every fault of the simulator that ends a refresh in an error. */
const FAULTS: ReadonlyArray<readonly [string, Fault]> = [
  ["429", { kind: "status", status: 429, retryAfter: 1 }],
  ["500", { kind: "status", status: 500, rotate: true }],
  ["502", { kind: "status", status: 502 }],
  ["503", { kind: "status", status: 503, body: "empty" }],
  ["504", { kind: "status", status: 504, rotate: true }],
  ["delay", { kind: "delay", ms: 1000 }],
  ["delay before", { kind: "delay", ms: 1000, phase: "beforeProcessing" }],
  ["stallBody", { kind: "stallBody", ms: 50 }],
  ["stallBody long", { kind: "stallBody", ms: 1000 }],
  ["resetBeforeProcessing", { kind: "resetBeforeProcessing" }],
  ["resetAfterRotation", { kind: "resetAfterRotation" }],
  ["html", { kind: "html" }],
  ["html 400", { kind: "html", status: 400 }],
  ["malformedJson", { kind: "malformedJson" }],
  ["missing access_token", { kind: "missingField", field: "access_token" }],
  ["missing token_type", { kind: "missingField", field: "token_type" }],
  // A missing expires_in now gets the default lifetime (no error path): an unusable one has one.
  ["expires_in 0", { kind: "expiresIn", value: 0 }],
  ["expires_in a word", { kind: "expiresIn", value: "soon" }],
  ["wrongTokenType", { kind: "wrongTokenType" }],
  ["oversizedBody", { kind: "oversizedBody", bytes: 200_000 }],
]

/** The faults about time (delays, stalled bodies), which get a short timeout. */
const TIMED = new Set(["delay", "delay before", "stallBody", "stallBody long"])

/** A fresh client's request for fault `name`. */
const faulted = (name: string, overrides: Partial<RefreshRequest>) =>
  fresh({ ...overrides, ...(TIMED.has(name) ? { timeout: 400 } : {}) })

describe("no secret leaks from any error path (real simulator over HTTP)", () => {
  for (const placement of ["query", "body"] as const) {
    for (const clientAuth of ["params", "basic"] as const) {
      const opts = { placement, clientAuth }
      const tag = `${placement}/${clientAuth}`
      it(`OAuth errors (${tag})`, async () => {
        await drive(`invalid_grant ${tag}`, fresh({ ...opts, refreshToken: "rt-unknown-0123456789abcdef" }))
        await drive(`invalid_client ${tag}`, fresh({ ...opts, clientSecret: `${CLIENT_SECRET}-wrong` }))
        await drive(`invalid_scope ${tag}`, fresh({ ...opts, scope: "NOT_GRANTED" }))
      })

      it(`faults (${tag})`, { timeout: 180_000 }, async () => {
        for (const [name, fault] of FAULTS) await drive(`${name} ${tag}`, faulted(name, opts), [fault])
      })
    }
  }

  it("faults over fetchTransport (query/params)", { timeout: 180_000 }, async () => {
    const overFetch = recordingOver(fetchTransport)
    for (const [name, fault] of FAULTS)
      await drive(`${name} (fetch)`, faulted(name, {}), [fault], false, overFetch)
  })

  it("a server quoting the first 30 characters of the refresh token in error_description", {
    timeout: 60_000,
  }, async () => {
    const request = fresh()
    assert.isAbove(request.refreshToken.toString().length, 30)
    const error = await drive("quoteRefreshToken", request, [{ kind: "quoteRefreshToken", chars: 30 }])
    assert.strictEqual(error._tag, "InvalidGrant")
    assert.include(String((error as { error_description?: string }).error_description), "***")
    const short = await drive("quoteRefreshToken 16", fresh(), [{ kind: "quoteRefreshToken", chars: 16 }])
    assert.strictEqual(short._tag, "InvalidGrant")
  })

  it("retry paths, including invalid_grant after an ambiguous attempt", async () => {
    const error = await drive("ambiguous then invalid_grant", fresh(), [{ kind: "resetAfterRotation" }], true)
    assert.strictEqual(error._tag, "InvalidGrant")
    await drive("503 retried until the budget ends is not needed: 500 without grace", fresh(), [
      { kind: "status", status: 500, rotate: true },
    ])
  })

  it("server-side unauthorized_client, invalid_request and unsupported_grant_type", async () => {
    const client = sim.addClient({ grantTypes: ["client_credentials"], clientSecret: CLIENT_SECRET })
    addSecret(client.refreshToken)
    await drive("unauthorized_client", {
      ...fresh(),
      clientId: client.clientId,
      refreshToken: client.refreshToken,
    })
    const rewriting = (f: (url: URL) => void): HttpTransport => ({
      send: (request) => {
        const url = new URL(request.url)
        f(url)
        return recording.send({ ...request, url: url.href })
      },
    })
    for (const [label, f] of [
      ["invalid_request", (url: URL) => url.searchParams.delete("grant_type")],
      ["unsupported_grant_type", (url: URL) => url.searchParams.set("grant_type", "password")],
    ] as const) {
      const captured = await capture(refresh(fresh()), rewriting(f))
      seen.add(scan(label, captured)._tag)
    }
  })
})

describe("no secret of a service account leaks from the password grant's error paths", () => {
  // URL-unsafe, non-ASCII, with a quote and a backslash: every encoded form differs from the raw one.
  const USERNAME = "command://svc.sécret+ü&x=y"
  const PASSWORD = 'sa "pä\\ss"&w=rd+?'
  const grantRequest = (overrides: Partial<PasswordGrantRequest> = {}): PasswordGrantRequest => {
    const client = sim.addClient({
      clientId: `${CLIENT_ID}-sa-${Math.random()}`,
      clientSecret: CLIENT_SECRET,
    })
    return {
      environment: { tokenUrl: sim.tokenUrl },
      clientId: client.clientId,
      clientSecret: CLIENT_SECRET,
      scope: client.scope,
      serviceAccount: { username: USERNAME, password: PASSWORD },
      timeout: 10_000,
      ...overrides,
    }
  }
  const driveGrant = async (
    label: string,
    request: PasswordGrantRequest,
    faults: ReadonlyArray<Fault> = [],
  ) => {
    sim.clearFaults()
    if (faults.length > 0) sim.injectFaults(...faults)
    const error = scan(label, await capture(passwordGrant(request, { retry: {} })))
    seen.add(error._tag)
    sim.clearFaults()
    if (faults.length > 0) sim.injectFaults(...faults)
    const rejected = await passwordGrantTokenSet(request, { transport: recording }).then(
      () => undefined,
      (e: unknown) => e,
    )
    if (rejected !== undefined) assertClean(`${label} (promise)`, outputs(rejected))
    return error
  }

  beforeAll(() => {
    sim.addServiceAccount({ username: USERNAME, password: PASSWORD })
    secrets.add(USERNAME)
    secrets.add(PASSWORD)
  })

  for (const placement of ["query", "body"] as const) {
    for (const clientAuth of ["params", "basic"] as const) {
      const tag = `${placement}/${clientAuth}`
      it(`refused accounts, a client not allowed the grant, and faults (${tag})`, {
        timeout: 60_000,
      }, async () => {
        const opts = { placement, clientAuth }
        const wrong = await driveGrant(
          `wrong password ${tag}`,
          grantRequest({ ...opts, serviceAccount: { username: USERNAME, password: `${PASSWORD}x` } }),
        )
        assert.strictEqual(wrong._tag, "ServiceAccountRejected")
        const unknown = await driveGrant(
          `unknown account ${tag}`,
          grantRequest({ ...opts, serviceAccount: { username: `${USERNAME}x`, password: PASSWORD } }),
        )
        assert.strictEqual(unknown._tag, "ServiceAccountRejected")
        const other = sim.addClient({ grantTypes: ["refresh_token"], clientSecret: CLIENT_SECRET })
        const notAllowed = await driveGrant(`unauthorized_client ${tag}`, {
          ...grantRequest(opts),
          clientId: other.clientId,
        })
        assert.strictEqual(notAllowed._tag, "UnauthorizedClient")
        const faults: ReadonlyArray<readonly [string, Fault]> = [
          ["500", { kind: "status", status: 500 }],
          ["html", { kind: "html" }],
          ["malformedJson", { kind: "malformedJson" }],
          ["missing access_token", { kind: "missingField", field: "access_token" }],
          ["resetAfterRotation", { kind: "resetAfterRotation" }],
          ["delay", { kind: "delay", ms: 1000 }],
        ]
        for (const [name, fault] of faults) {
          await driveGrant(
            `${name} ${tag}`,
            grantRequest({ ...opts, ...(name === "delay" ? { timeout: 400 } : {}) }),
            [fault],
          )
        }
      })
    }
  }

  it("invalid service accounts: InvalidConfig names the field and shows no value", async () => {
    for (const serviceAccount of [
      { username: USERNAME, password: "" },
      { username: `ldap://${PASSWORD}`, password: PASSWORD },
      { username: "", password: PASSWORD },
    ]) {
      const error = await driveGrant("invalid service account", grantRequest({ serviceAccount }))
      assert.instanceOf(error, InvalidConfig)
    }
  })
})

describe("no secret leaks when the server or the HTTP client echoes them", () => {
  const REFRESH = "rt-echo/Se+cr&et=0123456789"
  addSecret(REFRESH)
  const base: RefreshRequest = {
    environment: { tokenUrl: "https://127.0.0.1:1/as/token.oauth2" },
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    refreshToken: REFRESH,
    timeout: 400,
  }
  const echoing = (status: number, body: (url: string) => string, headers: Record<string, string> = {}) =>
    fromPromise(async (request) => ({
      status,
      headers: { "content-type": "application/json", ...headers },
      body: body(request.url),
    }))

  const echoes: ReadonlyArray<readonly [string, HttpTransport]> = [
    [
      "error_description echoing the URL and secrets",
      echoing(400, (url) =>
        JSON.stringify({
          error: "invalid_grant",
          error_description: `bad token ${REFRESH} ${CLIENT_SECRET} at ${url} ${encodeURIComponent(REFRESH)} ${Buffer.from(CLIENT_SECRET).toString("base64")}`,
        }),
      ),
    ],
    ["an error code that is a secret", echoing(400, () => JSON.stringify({ error: REFRESH }))],
    [
      "a 500 echoing the request",
      echoing(500, (url) => JSON.stringify({ error: "server_error", error_description: url })),
    ],
    [
      "a 429 echoing the request",
      echoing(429, (url) => JSON.stringify({ error: "slow_down", error_description: url })),
    ],
    [
      "an HTML page echoing the URL",
      echoing(404, (url) => `<html><body>No route for ${url} (${REFRESH})</body></html>`, {
        "content-type": "text/html",
      }),
    ],
    [
      "a 200 missing a field, echoing",
      echoing(200, () =>
        JSON.stringify({ token_type: "Bearer", refresh_token: REFRESH, note: CLIENT_SECRET }),
      ),
    ],
    ["a broken 200 echoing", echoing(200, (url) => `{"access_token":"${REFRESH}", "url": "${url}`)],
    ["a redirect to a URL with secrets", echoing(302, (url) => url, { location: `https://h/?x=${REFRESH}` })],
    [
      "a transport error carrying the URL in its message and cause",
      fromPromise(async (request) => {
        throw Object.assign(new TypeError(`fetch failed for ${request.url}`), {
          cause: Object.assign(new Error(`connect ECONNREFUSED ${request.url}`), {
            code: "ECONNREFUSED",
            url: request.url,
          }),
        })
      }),
    ],
    [
      "a transport error with the URL as its code",
      fromPromise(async (request) => {
        throw Object.assign(new Error("x"), { code: request.url })
      }),
    ],
  ]
  for (const [label, transport] of echoes) {
    it(label, async () => {
      scan(label, await capture(refresh(base), transport))
      scan(
        `${label} (retrying)`,
        await capture(refreshWithRetry(base, { schedule: Schedule.recurs(2) }), transport),
      )
      const rejected = await refreshTokenSet(base, { retry: false, transport }).catch((e: unknown) => e)
      assertClean(`${label} (promise)`, outputs(rejected))
    })
  }

  it("a timeout", async () => {
    const hanging = fromPromise(
      (_request, signal) =>
        new Promise((_, reject) =>
          signal.addEventListener("abort", () => reject(new Error(`aborted ${_request.url}`))),
        ),
    )
    const error = scan("timeout", await capture(refresh(base), hanging))
    assert.strictEqual(error._tag, "Timeout")
  })

  it("invalid input, including invalid secrets", async () => {
    const bad: ReadonlyArray<Partial<RefreshRequest> & Record<string, unknown>> = [
      { environment: { tokenUrl: `http://example.com/?secret=${CLIENT_SECRET}` } },
      { environment: { tokenUrl: `https://user:${encodeURIComponent(CLIENT_SECRET)}@h/` } },
      { environment: { tokenUrl: `not a url ${CLIENT_SECRET}` } },
      { environment: CLIENT_SECRET as never },
      { clientSecret: `${CLIENT_SECRET}\n` },
      { refreshToken: `${REFRESH}\u0000` },
      { clientSecret: Redacted.make(42 as never) },
      { scope: `bad"scope ${CLIENT_SECRET}`.slice(0, 10) },
      { clientId: "" },
      { timeout: -1 },
      { placement: "header" as never },
    ]
    for (const overrides of bad) {
      const error = scan(
        `invalid ${Object.keys(overrides)[0]}`,
        await capture(refresh({ ...base, ...overrides })),
      )
      seen.add(error._tag)
      assert.strictEqual(error._tag, "InvalidConfig")
    }
  })

  it("a TokenSet prints no token", async () => {
    const transport = echoing(200, () =>
      JSON.stringify({
        token_type: "Bearer",
        expires_in: 60,
        access_token: "AT-0123456789-secret",
        refresh_token: "RT-9876543210-secret",
        id_token: "IDT-0123456789-secret",
      }),
    )
    addSecret("AT-0123456789-secret")
    addSecret("RT-9876543210-secret")
    addSecret("IDT-0123456789-secret")
    const { exit } = await capture(refresh(base), transport)
    if (Exit.isFailure(exit)) return assert.fail(String(exit.cause))
    assertClean("token set", [
      String(exit.value),
      util.inspect(exit.value, { depth: 10 }),
      JSON.stringify(exit.value),
    ])
  })
})

describe("secrets of any length or alphabet are masked, whole or in part", () => {
  // short, digit-free, URL-unsafe and non-ASCII: none of them looks like a token to a pattern.
  const SHORT = "k7#Q"
  const DIGIT_FREE = "correcthorsebatterystaplezebra"
  const URL_UNSAFE = "a b&c=d/e+f?g%h#i;j"
  const NON_ASCII = "pässwörd-日本語-ключ-секрет-ümlaut"
  const RECEIVED = "AccessTokenWithoutAnyDigitsÄtAll"
  const cases: ReadonlyArray<readonly [string, string, string]> = [
    ["short secret, digit-free refresh token", SHORT, DIGIT_FREE],
    ["URL-unsafe secret, non-ASCII refresh token", URL_UNSAFE, NON_ASCII],
    ["non-ASCII secret, URL-unsafe refresh token", NON_ASCII, URL_UNSAFE],
    ["digit-free secret, short refresh token", DIGIT_FREE, SHORT],
  ]
  for (const secret of [SHORT, DIGIT_FREE, URL_UNSAFE, NON_ASCII, RECEIVED]) secrets.add(secret)

  const echoing = (status: number, body: string) =>
    fromPromise(async () => ({ status, headers: { "content-type": "application/json" }, body }))

  for (const [label, clientSecret, refreshToken] of cases) {
    const request: RefreshRequest = {
      environment: { tokenUrl: "https://127.0.0.1:1/as/token.oauth2" },
      clientId: "plain-client",
      clientSecret,
      refreshToken,
      timeout: 400,
    }
    const quoted = (text: string) =>
      `${text} | starts ${text.slice(0, 20)} | ends ${text.slice(-17)} | encoded ${encodeURIComponent(text)}`
    it(`${label}: quoted whole and in part in error_description`, async () => {
      const body = JSON.stringify({
        error: "invalid_grant",
        error_description: `secret ${quoted(clientSecret)}; token ${quoted(refreshToken)}`,
      })
      const error = scan(label, await capture(refresh(request), echoing(400, body)))
      assert.strictEqual(error._tag, "InvalidGrant")
      assert.include(error.message, "***")
    })
    it(`${label}: a token we received, quoted again in a broken 2xx`, async () => {
      const body = JSON.stringify({
        token_type: "mac",
        access_token: RECEIVED,
        note: `${RECEIVED.slice(2, 24)} and ${clientSecret} and ${refreshToken.slice(0, 18)}`,
      })
      const error = scan(`${label} (2xx)`, await capture(refresh(request), echoing(200, body)))
      assert.strictEqual(error._tag, "MalformedResponse")
    })
  }
})
