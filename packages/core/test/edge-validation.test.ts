/**
 * Validation at the edge (issue 18, problems 4, 5 and 6): every option of the Promise client, the
 * token manager, the one-shot refresh and the file store is checked before anything is read, sent or
 * stored. A bad one ends in one `InvalidConfig` naming the option; a missing refresh token ends in
 * `NotProvisioned`; in both cases no request is sent.
 */
import { mkdtempSync, readFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import * as Layer from "effect/Layer"
import * as Redacted from "effect/Redacted"
import { assert, describe, it } from "vitest"
import { fileStore } from "../src/FileStore.ts"
import { HttpTransport } from "../src/HttpTransport.ts"
import { InvalidConfig } from "../src/InvalidConfig.ts"
import { memoryStore } from "../src/MemoryStore.ts"
import { refreshWithRetry } from "../src/RetryPolicy.ts"
import { refresh } from "../src/refresh.ts"
import { refreshTokenSet } from "../src/refreshTokenSet.ts"
import { createTokenClient, type TokenClientOptions } from "../src/TokenClient.ts"
import { TokenManager, type TokenManagerOptions } from "../src/TokenManager.ts"
import { NotProvisioned } from "../src/TokenManagerError.ts"
import { TokenStore } from "../src/TokenStore.ts"
import { fakeTransport, ok } from "./support/fakeTransport.ts"
import { CLIENT_SECRET, REFRESH_TOKEN, request } from "./support/request.ts"

const base = {
  environment: "qa",
  clientId: "client",
  clientSecret: CLIENT_SECRET,
  scope: "MOBPROC",
} as const

/** The first token call of a client made with `options` (plus a counting transport): its error. */
const firstError = async (options: Record<string, unknown>) => {
  const fake = fakeTransport(ok())
  const client = createTokenClient({ transport: fake.transport, ...options } as unknown as TokenClientOptions)
  try {
    const error = await client.getAccessToken().then(
      () => assert.fail("expected the first call to fail"),
      (e: unknown) => e,
    )
    return { error, calls: fake.calls() }
  } finally {
    await client.close()
  }
}

const assertInvalid = (error: unknown, field: string): InvalidConfig => {
  assert.instanceOf(error, InvalidConfig, String(error))
  const e = error as InvalidConfig
  assert.strictEqual(e.field, field, e.message)
  assert.include(e.message, `\`${field}\``)
  assert.include(e.message, "must be")
  return e
}

describe("problem 4: no refresh token never sends a placeholder", () => {
  for (const [name, value] of [
    ["null", null],
    ["undefined", undefined],
  ] as const) {
    it(`refreshToken: ${name} with an empty store is NotProvisioned, and nothing is sent`, async () => {
      const { error, calls } = await firstError({ ...base, refreshToken: value, store: memoryStore() })
      assert.instanceOf(error, NotProvisioned)
      assert.include((error as NotProvisioned).message, "no refresh token")
      assert.strictEqual(calls, 0)
    })
  }

  it("refreshToken: null uses the stored token, never a placeholder", async () => {
    const store = memoryStore()
    await Effect.runPromise(store.save({ refreshToken: Redacted.make(REFRESH_TOKEN) }, undefined))
    const fake = fakeTransport(ok())
    const client = createTokenClient({
      ...base,
      refreshToken: null,
      store,
      transport: fake.transport,
    })
    try {
      assert.strictEqual(await client.getAccessToken(), "access-1")
      assert.strictEqual(fake.calls(), 1)
      assert.include(fake.requests[0]?.url ?? "", `refresh_token=${REFRESH_TOKEN}`)
      assert.notInclude(fake.requests[0]?.url ?? "", "not-provisioned")
    } finally {
      await client.close()
    }
  })

  for (const [name, value] of [
    ["empty", ""],
    ["whitespace-only", "   \t "],
    ["a Redacted whitespace-only", Redacted.make("  ")],
  ] as const) {
    it(`refreshToken ${name} is an InvalidConfig naming it, and nothing is sent`, async () => {
      const { error, calls } = await firstError({ ...base, refreshToken: value, store: memoryStore() })
      assertInvalid(error, "refreshToken")
      assert.strictEqual(calls, 0)
    })
  }
})

describe("problem 5: a time limit under 100 ms is refused", () => {
  for (const value of [1, 99, "1 millis", 0.1]) {
    it(`timeout ${JSON.stringify(value)}: InvalidConfig from the client and from refresh, nothing sent`, async () => {
      const { error, calls } = await firstError({ ...base, refreshToken: REFRESH_TOKEN, timeout: value })
      const e = assertInvalid(error, "timeout")
      assert.include(e.expected, "100ms")
      assert.strictEqual(calls, 0)
      const fake = fakeTransport(ok())
      const exit = await Effect.runPromiseExit(
        refresh(request({ timeout: value as number })).pipe(
          Effect.provideService(HttpTransport, fake.transport),
        ),
      )
      assert.isTrue(Exit.isFailure(exit))
      if (Exit.isFailure(exit))
        assertInvalid(
          exit.cause.reasons[0]?._tag === "Fail" ? exit.cause.reasons[0].error : undefined,
          "timeout",
        )
      assert.strictEqual(fake.calls(), 0)
    })
  }

  it("100 ms is accepted, and so is the longest delay a Node timer takes; one more is refused", async () => {
    const fake = fakeTransport(ok())
    for (const timeout of [100, 2_147_483_647]) {
      const tokens = await refreshTokenSet(request({ timeout }), { transport: fake.transport, retry: false })
      assert.strictEqual(Redacted.value(tokens.accessToken), "access-1")
    }
    const error = await refreshTokenSet(request({ timeout: 2_147_483_648 }), {
      transport: fake.transport,
    }).catch((e: unknown) => e)
    assertInvalid(error, "timeout")
    assert.strictEqual(fake.calls(), 2)
  })
})

describe("problem 6: options accepted and broken later are refused at once", () => {
  const cases: ReadonlyArray<readonly [string, Record<string, unknown>, string]> = [
    ["rotationGracePeriod 'abc'", { rotationGracePeriod: "abc" }, "rotationGracePeriod"],
    [
      "retry.rotationGracePeriod 'abc'",
      { retry: { rotationGracePeriod: "abc" } },
      "retry.rotationGracePeriod",
    ],
    ["retry.schedule 'fast'", { retry: { schedule: "fast" } }, "retry.schedule"],
    ["retry 'yes'", { retry: "yes" }, "retry"],
    ["store as a path string", { store: "/var/lib/app/token.json" }, "store"],
    ["store as a number", { store: 42 }, "store"],
    ["transport without send", { transport: { post: () => undefined } }, "transport"],
    ["whitespace-only clientId", { clientId: "   " }, "clientId"],
    ["whitespace-only clientSecret", { clientSecret: " \t" }, "clientSecret"],
    ["whitespace-only Redacted clientSecret", { clientSecret: Redacted.make("  ") }, "clientSecret"],
  ]
  for (const [name, options, field] of cases) {
    it(`${name}: InvalidConfig naming ${field}, nothing sent`, async () => {
      const { error, calls } = await firstError({
        ...base,
        refreshToken: REFRESH_TOKEN,
        store: memoryStore(),
        ...options,
      })
      assertInvalid(error, field)
      assert.strictEqual(calls, 0)
    })
  }

  it("store as a path string tells to use fileStore(path)", async () => {
    const { error } = await firstError({ ...base, refreshToken: REFRESH_TOKEN, store: "/tmp/token.json" })
    assert.include(assertInvalid(error, "store").message, "fileStore(path)")
  })

  for (const [name, options, field] of [
    ["saveRetry 3", { saveRetry: 3 }, "saveRetry"],
    ["request a string", { request: "qa" }, "request"],
    ["refreshToken a number", { refreshToken: 42 }, "refreshToken"],
    [
      "rotationGracePeriod Infinity",
      { rotationGracePeriod: Number.POSITIVE_INFINITY },
      "rotationGracePeriod",
    ],
  ] as const) {
    it(`TokenManager ${name}: InvalidConfig naming ${field}, nothing sent`, async () => {
      const fake = fakeTransport(ok())
      const error = await Effect.runPromise(
        Effect.scoped(
          Effect.flatMap(
            TokenManager.make({
              request: base,
              refreshToken: REFRESH_TOKEN,
              ...options,
            } as unknown as TokenManagerOptions),
            (manager) => Effect.flip(manager.get),
          ),
        ).pipe(
          Effect.provide(Layer.succeed(TokenStore)(memoryStore())),
          Effect.provideService(HttpTransport, fake.transport),
        ),
      )
      assertInvalid(error, field)
      assert.strictEqual(fake.calls(), 0)
    })
  }

  it("refreshWithRetry and refreshTokenSet check their retry options before sending", async () => {
    const fake = fakeTransport(ok())
    const exit = await Effect.runPromiseExit(
      refreshWithRetry(request(), { rotationGracePeriod: "abc" as never }).pipe(
        Effect.provideService(HttpTransport, fake.transport),
      ),
    )
    assert.isTrue(Exit.isFailure(exit))
    const error = await refreshTokenSet(request(), {
      transport: fake.transport,
      rotationGracePeriod: "abc" as never,
    }).catch((e: unknown) => e)
    assertInvalid(error, "options.rotationGracePeriod")
    const badTransport = await refreshTokenSet(request(), { transport: "fetch" as never }).catch(
      (e: unknown) => e,
    )
    assertInvalid(badTransport, "transport")
    assert.strictEqual(fake.calls(), 0)
  })
})

describe("problem 6: file store options", () => {
  const path = () => join(mkdtempSync(join(tmpdir(), "edge-")), "token.json")
  const storeError = (options: Record<string, unknown>) =>
    Effect.runPromise(Effect.flip(fileStore(path(), options as never)))

  for (const [name, options, field] of [
    ["lockTimeout 'abc'", { lockTimeout: "abc" }, "lockTimeout"],
    ["lockLease 'abc'", { lockLease: "abc" }, "lockLease"],
    ["lockLease 0 (would turn the lock off)", { lockLease: 0 }, "lockLease"],
    ["lockLease negative", { lockLease: -1000 }, "lockLease"],
    ["lockLease of a day (a dead holder's lock kept for a day)", { lockLease: "1 day" }, "lockLease"],
    ["lockTimeout of a year", { lockTimeout: "365 days" }, "lockTimeout"],
    ["lockTimeout 0", { lockTimeout: 0 }, "lockTimeout"],
    ["encryptionKey a number", { encryptionKey: 12345 }, "encryptionKey"],
    ["encryptionKey a Redacted number", { encryptionKey: Redacted.make(12345) }, "encryptionKey"],
    ["allowReadableByOthers 'yes'", { allowReadableByOthers: "yes" }, "allowReadableByOthers"],
  ] as const) {
    it(`${name}: InvalidConfig naming ${field}, before the file is touched`, async () => {
      assertInvalid(await storeError(options), field)
    })
  }

  it("an encryptionKey given as a plain string is taken as a passphrase (wrapped at once)", async () => {
    const file = path()
    const store = await Effect.runPromise(fileStore(file, { encryptionKey: "correct horse battery staple" }))
    await Effect.runPromise(store.save({ refreshToken: Redacted.make(REFRESH_TOKEN) }, undefined))
    const text = readFileSync(file, "utf8")
    assert.notInclude(text, REFRESH_TOKEN)
    assert.include(text, "encrypted")
    const again = await Effect.runPromise(
      fileStore(file, { encryptionKey: Redacted.make("correct horse battery staple") }),
    )
    const record = await Effect.runPromise(again.load)
    assert.strictEqual(record === undefined ? undefined : Redacted.value(record.refreshToken), REFRESH_TOKEN)
  })

  it("a client whose store Effect fails with InvalidConfig rejects with it, nothing sent", async () => {
    const { error, calls } = await firstError({
      ...base,
      refreshToken: REFRESH_TOKEN,
      store: fileStore(path(), { lockLease: 0 }),
    })
    assertInvalid(error, "lockLease")
    assert.strictEqual(calls, 0)
  })
})
