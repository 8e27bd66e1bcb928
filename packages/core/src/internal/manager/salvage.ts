/**
 * Salvage of a readable rotation: a 2xx answer whose new refresh token is well-formed while another
 * field is not. The server has rotated, so that refresh token is the only live one: it is saved
 * write-ahead like any rotation before the malformed answer is reported.
 *
 * @internal
 */
import * as Clock from "effect/Clock"
import * as Effect from "effect/Effect"
import type * as Redacted from "effect/Redacted"
import type { RefreshError } from "../../RefreshError.ts"
import type { StoreError } from "../../StoreError.ts"
import { sameToken } from "../store/record.ts"
import type { EngineContext } from "./context.ts"
import type { Plan } from "./plan.ts"
import { type HeldAccess, heldOf } from "./state.ts"
import { flushUnsaved, holdRotation } from "./writeAhead.ts"

/**
 * A 2xx answer whose new refresh token is well-formed while another field is not (`MalformedResponse`
 * with `rotatedRefreshToken`): the server rotated, so the new refresh token is saved write-ahead (it is
 * the only live one), the malformed answer is reported (`refreshFailed`), and the access token is asked
 * for once more with the saved token. A second unusable answer is saved the same way and then fails.
 */
export const salvageRotation = (
  ctx: EngineContext,
  plan: Plan,
  error: RefreshError,
  rotatedRefreshToken: Redacted.Redacted<string>,
  /** Asks for the access token once more with the saved token; `undefined`: do not (a second salvage). */
  retryWith: ((next: Plan) => Effect.Effect<HeldAccess, RefreshError | StoreError>) | undefined,
) =>
  Effect.gen(function* () {
    const now = yield* Clock.currentTimeMillis
    holdRotation(ctx, { refreshToken: rotatedRefreshToken }, undefined, plan, now)
    yield* flushUnsaved(ctx, false)
    ctx.config.emit({ type: "refreshFailed", at: new Date(now), error, servedPrevious: false })
    const after = heldOf(ctx.read())
    if (retryWith === undefined || after === undefined || !sameToken(after.refreshToken, rotatedRefreshToken))
      return yield* error
    const next: Plan = {
      use: rotatedRefreshToken,
      expected: rotatedRefreshToken,
      origin: plan.origin,
      baseGeneration: after.generation,
    }
    return yield* retryWith(next)
  })
