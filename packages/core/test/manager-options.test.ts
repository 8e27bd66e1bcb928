/**
 * The manager's own options are validated before any network call: an invalid
 * `refreshAhead`, `rotationGracePeriod` or `keepWarm` fails the first token request with an
 * `InvalidConfig` that names the option and what was expected; nothing is sent.
 */
import * as Duration from "effect/Duration"
import * as Result from "effect/Result"
import { assert, describe, it } from "vitest"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import { resolveManagerSettings } from "../src/internal/manager/options.ts"
import { DEFAULT_REFRESH_AHEAD_MILLIS } from "../src/internal/manager/timing.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import { createTokenClient } from "../src/TokenClient.ts"
import { fakeTransport, ok } from "./support/fakeTransport.ts"

const invalidCases: ReadonlyArray<readonly [string, unknown, string]> = [
  ["refreshAhead", -5, "number"],
  ["refreshAhead", "soon", '"soon"'],
  ["refreshAhead", Number.POSITIVE_INFINITY, "number"],
  ["refreshAhead", Duration.infinity, "object"],
  ["rotationGracePeriod", -1, "number"],
  ["rotationGracePeriod", "later", '"later"'],
  ["keepWarm", "yes", '"yes"'],
  ["keepWarm", 1, "number"],
]

describe("manager options", () => {
  for (const [field, value, received] of invalidCases) {
    it(`${field} = ${String(value)} fails naming ${field}, before any request`, async () => {
      const fake = fakeTransport(ok())
      const client = createTokenClient({
        environment: "qa",
        clientId: "client",
        clientSecret: "secret",
        refreshToken: "refresh-token",
        store: memoryStore(),
        transport: fake.transport,
        [field]: value,
      } as Parameters<typeof createTokenClient>[0])
      try {
        const error = await client.getAccessToken().then(
          () => assert.fail("expected InvalidConfig"),
          (e: unknown) => e,
        )
        assert.instanceOf(error, InvalidConfig)
        assert.strictEqual((error as InvalidConfig).field, field)
        assert.strictEqual((error as InvalidConfig).received, received)
        assert.include((error as InvalidConfig).message, `\`${field}\``)
        assert.include((error as InvalidConfig).message, "must be")
        assert.strictEqual(fake.calls(), 0)
      } finally {
        await client.close()
      }
    })
  }

  it("applies the refresh-ahead default and accepts durations, numbers and booleans", () => {
    const defaults = resolveManagerSettings({})
    assert.isTrue(Result.isSuccess(defaults))
    assert.strictEqual(Result.getOrThrow(defaults).refreshAheadMillis, DEFAULT_REFRESH_AHEAD_MILLIS)
    const given = resolveManagerSettings({
      refreshAhead: "2 minutes",
      rotationGracePeriod: 0,
      keepWarm: true,
    })
    assert.strictEqual(Result.getOrThrow(given).refreshAheadMillis, 120_000)
    assert.strictEqual(Result.getOrThrow(resolveManagerSettings({ refreshAhead: 0 })).refreshAheadMillis, 0)
  })
})
