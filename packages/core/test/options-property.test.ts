/**
 * Property (issue 18, "validation at the edge"): whatever wrong value (of type or range) any option of
 * the token client or the token manager gets, the first call ends in one `InvalidConfig` naming that
 * option, and no request reaches the token endpoint: a real HTTP server on 127.0.0.1 counts them.
 */
import { createServer, type Server } from "node:http"
import type { AddressInfo } from "node:net"
import * as Effect from "effect/Effect"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import fc from "fast-check"
import { afterAll, assert, beforeAll, describe, it } from "vitest"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import { createTokenClient, type TokenClientOptions } from "../src/TokenClient.ts"
import { TokenManager, type TokenManagerOptions } from "../src/TokenManager.ts"
import { TokenStore } from "../src/TokenStore.ts"

let server: Server
let requests = 0
let tokenUrl = ""

beforeAll(async () => {
  server = createServer((req, res) => {
    requests++
    req.resume()
    res.writeHead(200, { "content-type": "application/json" })
    res.end(
      JSON.stringify({ token_type: "Bearer", expires_in: 7200, access_token: "a", refresh_token: "r2" }),
    )
  })
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve))
  tokenUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/as/token.oauth2`
})

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())))

const RUNS = 100

/** A value and the option an `InvalidConfig` must name for it. */
type Case = readonly [value: unknown, field: string]

const named = (field: string) => (arb: fc.Arbitrary<unknown>) => arb.map((value): Case => [value, field])

/** Values that are never a string, a number, a boolean-free object… as each rule needs. */
const notString = fc.oneof(
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.anything(), { maxLength: 3 }),
  fc.object({ maxDepth: 1 }),
)
const blank = fc.stringMatching(/^[ \t\n\r]{0,6}$/)
const withControl = fc
  .tuple(fc.string(), fc.integer({ min: 0, max: 31 }), fc.string())
  .map(([a, c, b]) => `${a}x${String.fromCharCode(c)}${b}`)
const badText = fc.oneof(notString, blank, withControl)
const badSecret = fc.oneof(
  badText,
  badText.map((v) => Redacted.make(v)),
)
const badDuration = fc.oneof(
  fc.double({ max: -Number.MIN_VALUE }),
  fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
  fc.constantFrom("abc", "soon", "", "  ", "-5 seconds", "Infinity", "1 fortnight"),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { minLength: 0, maxLength: 1 }).filter((a) => a.length !== 2),
  fc.object({ maxDepth: 0 }).filter((o) => Object.keys(o).length > 0),
)
const notBoolean = fc.anything().filter((u) => u !== undefined && typeof u !== "boolean")

/** Every option of the client, with values it must refuse. */
const clientCases: ReadonlyArray<readonly [option: string, cases: fc.Arbitrary<Case>]> = [
  [
    "environment",
    fc.oneof(
      named("environment")(
        fc
          .oneof(
            notString.filter((u) => typeof u !== "object" || u === null || Array.isArray(u)),
            fc.string(),
          )
          .filter((u) => u !== "production" && u !== "qa"),
      ),
      named("environment.tokenUrl")(
        fc
          .oneof(
            notString,
            fc.string().filter((s) => !URL.canParse(s)),
            fc.constantFrom(
              "http://example.com/as/token.oauth2",
              "ftp://127.0.0.1/x",
              "https://user:pw@127.0.0.1/x",
              "http://127.0.0.1/x#fragment",
              "http://10.0.0.1/x",
            ),
          )
          .map((tokenUrl) => ({ tokenUrl })),
      ),
    ),
  ],
  ["clientId", named("clientId")(badText)],
  ["clientSecret", named("clientSecret")(badSecret)],
  [
    "refreshToken",
    named("refreshToken")(
      fc.oneof(
        notString.filter((u) => u !== null),
        blank,
        withControl,
        blank.map((v) => Redacted.make(v)),
      ),
    ),
  ],
  [
    "scope",
    named("scope")(
      fc.oneof(
        notString,
        fc.constantFrom("", " MOBPROC", "MOBPROC ", "a  b", 'q"', "back\\slash"),
        withControl,
      ),
    ),
  ],
  [
    "placement",
    named("placement")(fc.anything().filter((u) => u !== undefined && u !== "query" && u !== "body")),
  ],
  [
    "clientAuth",
    named("clientAuth")(fc.anything().filter((u) => u !== undefined && u !== "params" && u !== "basic")),
  ],
  [
    "timeout",
    named("timeout")(
      fc.oneof(
        badDuration,
        fc.double({ min: -1e9, max: 99.999, noNaN: true }),
        fc.double({ min: 2 ** 31, max: 1e300, noNaN: true }),
        fc.constantFrom("1 millis", "99 millis", "25 days"),
      ),
    ),
  ],
  ["refreshAhead", named("refreshAhead")(badDuration)],
  ["rotationGracePeriod", named("rotationGracePeriod")(badDuration)],
  ["keepWarm", named("keepWarm")(notBoolean)],
  [
    "retry",
    fc.oneof(
      named("retry")(
        fc.oneof(fc.integer(), fc.string(), fc.constant(true), fc.constant(null), fc.array(fc.integer())),
      ),
      named("retry.rotationGracePeriod")(badDuration.map((rotationGracePeriod) => ({ rotationGracePeriod }))),
      named("retry.schedule")(
        fc
          .oneof(fc.integer(), fc.string(), fc.constant(null), fc.object({ maxDepth: 0 }))
          .map((schedule) => ({
            schedule,
          })),
      ),
    ),
  ],
  [
    "store",
    named("store")(
      fc.oneof(
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.array(fc.anything(), { maxLength: 2 }),
        fc.object({ maxDepth: 1 }),
        fc.constant({ load: 1, save: "x" }),
      ),
    ),
  ],
  [
    "transport",
    named("transport")(
      fc.oneof(
        fc.string(),
        fc.integer(),
        fc.boolean(),
        fc.constant(null),
        fc.object({ maxDepth: 1 }).filter((o) => !("send" in o)),
      ),
    ),
  ],
]

const validClient = (): Record<string, unknown> => ({
  environment: { tokenUrl },
  clientId: "client-1",
  clientSecret: "cs-SECRET-property",
  refreshToken: "rt-SECRET-property",
  scope: "MOBPROC",
  store: memoryStore(),
  retry: false,
})

const checkError = (error: unknown, field: string): boolean =>
  error instanceof InvalidConfig && error.field === field && error.message.includes(`\`${field}\``)

describe("every option of the token client: a wrong value is one InvalidConfig naming it, 0 requests", () => {
  for (const [option, cases] of clientCases) {
    it(option, async () => {
      await fc.assert(
        fc.asyncProperty(cases, async ([value, field]) => {
          const before = requests
          const client = createTokenClient({
            ...validClient(),
            [option]: value,
          } as unknown as TokenClientOptions)
          const error = await client.getAccessToken().then(
            () => undefined,
            (e: unknown) => e,
          )
          await client.close()
          return checkError(error, field) && requests === before
        }),
        { numRuns: RUNS },
      )
      assert.strictEqual(requests, 0)
    })
  }

  it("the valid options do reach the server (the counter counts)", async () => {
    const client = createTokenClient(validClient() as unknown as TokenClientOptions)
    assert.strictEqual(await client.getAccessToken(), "a")
    await client.close()
    assert.strictEqual(requests, 1)
    requests = 0
  })
})

describe("every option of the token manager: the same, through TokenManager.make", () => {
  const managerCases: ReadonlyArray<readonly [option: string, cases: fc.Arbitrary<Case>]> = [
    ...clientCases.filter(([option]) =>
      ["refreshToken", "refreshAhead", "rotationGracePeriod", "keepWarm", "retry"].includes(option),
    ),
    [
      "saveRetry",
      named("saveRetry")(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object({ maxDepth: 0 }))),
    ],
    [
      "request",
      named("request")(fc.oneof(fc.string(), fc.integer(), fc.constant(null), fc.array(fc.integer()))),
    ],
  ]
  const request = () => ({
    environment: { tokenUrl },
    clientId: "client-1",
    clientSecret: "cs",
    scope: "MOBPROC",
  })
  for (const [option, cases] of managerCases) {
    it(option, async () => {
      await fc.assert(
        fc.asyncProperty(cases, async ([value, field]) => {
          const before = requests
          const options = { request: request(), refreshToken: "rt", retry: false, [option]: value }
          const error = await Effect.runPromise(
            Effect.scoped(
              Effect.flatMap(TokenManager.make(options as unknown as TokenManagerOptions), (m) =>
                Effect.flip(m.get),
              ),
            ).pipe(Effect.provide(Layer.succeed(TokenStore)(memoryStore()))),
          )
          return checkError(error, field) && requests === before
        }),
        { numRuns: RUNS },
      )
      assert.strictEqual(requests, 0)
    })
  }
})
