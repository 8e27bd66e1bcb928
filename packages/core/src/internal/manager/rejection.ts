/**
 * Rejected access tokens stay rejected across processes: when an API refused an access token
 * (`invalidate`), the store's record drops that token and records its fingerprint (never the token),
 * so no process re-adopts it from the store. Adopting a record merges its fingerprints into the
 * manager's own (`state.ts`), and every rotation saved carries them on.
 *
 * @internal
 */
import * as Effect from "effect/Effect"
import * as Redacted from "effect/Redacted"
import { secretFingerprint } from "../../HostRefresh.ts"
import type { StoredTokenInput } from "../../TokenStore.ts"
import { sameToken } from "../store/record.ts"
import type { EngineContext } from "./context.ts"
import { mergedRejected } from "./fence.ts"
import { heldOf } from "./state.ts"

/**
 * Records the rejection of the access token with `fingerprint` in the store, when the store holds that
 * token: compare-and-set on the stored refresh token (a record that changed meanwhile holds another
 * access token already). Best effort: a store failure is logged, never raised.
 */
export const recordRejection = (ctx: EngineContext, fingerprint: string): Effect.Effect<void> =>
  Effect.gen(function* () {
    const { store } = ctx.config
    const current = yield* store.load
    if (current?.accessToken === undefined) return
    if (secretFingerprint(Redacted.value(current.accessToken)) !== fingerprint) return
    const record: StoredTokenInput = {
      refreshToken: current.refreshToken,
      origin: current.origin,
      rejected: mergedRejected(current, [fingerprint]),
    }
    const written = yield* store.save(record, current.refreshToken)
    // Our own record, re-saved without its access token: follow its generation (no re-adoption).
    ctx.update((state) => {
      const held = heldOf(state)
      return state.token._tag === "Held" &&
        held !== undefined &&
        held.generation === current.generation &&
        sameToken(held.refreshToken, current.refreshToken)
        ? { ...state, token: { _tag: "Held", held: { ...held, generation: written.generation } } }
        : state
    })
  }).pipe(
    Effect.catchTag("StoreConflict", () => Effect.void),
    Effect.catch((error) =>
      Effect.logWarning(`could not record a rejected access token in the store: ${error.message}`),
    ),
  )
