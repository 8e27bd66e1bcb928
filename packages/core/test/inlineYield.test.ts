/**
 * `inlineYield`: the effect behind `TokenManager.get`, whose `yield*` takes a cached token inline.
 */
import { assert, describe, it } from "@effect/vitest"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { inlineYield } from "../src/internal/inlineYield.ts"

describe("inlineYield", () => {
  it.effect("asks the thunk at each yield*, not once when the effect is made", () =>
    Effect.gen(function* () {
      let calls = 0
      const effect = inlineYield(() => {
        calls++
        return Exit.succeed(calls)
      })
      assert.strictEqual(calls, 0)
      assert.strictEqual(yield* effect, 1)
      assert.strictEqual(yield* effect, 2)
      assert.strictEqual(calls, 2)
    }),
  )

  it.effect("runs an answer that is not an Exit (a refresh) as an ordinary effect", () =>
    Effect.gen(function* () {
      let ran = 0
      const effect = inlineYield(() =>
        Effect.sync(() => {
          ran++
          return "refreshed"
        }),
      )
      assert.strictEqual(yield* effect, "refreshed")
      assert.strictEqual(ran, 1)
    }),
  )

  it.effect("fails the generator with a failed Exit", () =>
    Effect.gen(function* () {
      const effect = inlineYield(() => Exit.fail("closed"))
      const result = yield* Effect.result(
        Effect.gen(function* () {
          return yield* effect
        }),
      )
      assert.deepStrictEqual(result._tag, "Failure")
    }),
  )

  it("is the same effect when run on its own, mapped or piped", () => {
    let calls = 0
    const effect = inlineYield(() => Exit.succeed(++calls))
    assert.strictEqual(Effect.runSync(effect), 1)
    assert.strictEqual(Effect.runSync(Effect.map(effect, (n) => n * 10)), 20)
    assert.strictEqual(Effect.runSync(effect.pipe(Effect.as("ok"))), "ok")
    assert.strictEqual(calls, 3)
  })
})
