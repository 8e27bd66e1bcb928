/**
 * Where the next refresh token comes from (pure, no I/O): the provisioned token (from the options),
 * the store's record, or the token held in memory, and which one is newer.
 *
 * Rules, in order:
 * 1. Until the provisioned-vs-stored rule has been applied once, a provisioned token is used when the
 *    store is empty, and also when the store holds a family that does not descend from it (the user
 *    re-provisioned on purpose: the new token replaces the stored family). A stored record descends
 *    from it when it has no origin, the same origin, or is the provisioned token itself.
 * 2. An empty store (first run without provisioning, or a wiped store): the token held in memory;
 *    nothing held is `NotProvisioned`.
 * 3. Otherwise the store's record is adopted (unless it is the one already held) and used, with the
 *    store expected to still hold it when the rotation is saved.
 * After `invalid_grant`: the store is read again; another token there is newer (core's host rule,
 * `isNewerRefreshToken`) and is used instead.
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { isNewerRefreshToken } from "../../HostRecovery.ts"
import { secretFingerprint } from "../../HostRefresh.ts"
import { NotProvisioned } from "../../TokenManagerError.ts"
import type { StoredToken } from "../../TokenStore.ts"
import { sameToken } from "../store/record.ts"
import { type Held, heldOf, type ManagerState } from "./state.ts"

/** Which refresh token a refresh uses, what the store must still hold to save over it, and its origin. */
export interface Plan {
  readonly use: Redacted.Redacted<string>
  readonly expected: Redacted.Redacted<string> | undefined
  readonly origin: string | undefined
  /** The generation of the record `use` comes from, when known (write-back after a rollback). */
  readonly baseGeneration?: number | undefined
  /** When a service account last healed this family (carried on by the rotation's record). */
  readonly healedAt?: number | undefined
}

/** The token from the options, and its origin fingerprint. */
export interface Provisioning {
  readonly token: Redacted.Redacted<string> | undefined
  readonly origin: string | undefined
}

/** The plan, the stored record to adopt (if any), and whether the provisioning rule is now settled. */
export interface PlanDecision {
  readonly plan: Plan
  readonly adopt: StoredToken | undefined
  readonly provisionSettled: boolean
}

/** Whether `stored` is the token already held (same generation, same refresh token). */
export const isHeld = (held: Held | undefined, stored: StoredToken): boolean =>
  held !== undefined &&
  held.generation === stored.generation &&
  sameToken(held.refreshToken, stored.refreshToken)

/** Whether a stored record belongs to the provisioned token's family. */
const descendsFrom = (stored: StoredToken, provisioning: Provisioning, token: Redacted.Redacted<string>) =>
  stored.origin === undefined ||
  stored.origin === provisioning.origin ||
  sameToken(stored.refreshToken, token)

/** The plan for a refresh, given the state and what the store holds (`undefined`: nothing). */
export const planRefresh = (
  state: ManagerState,
  stored: StoredToken | undefined,
  provisioning: Provisioning,
  location: string,
): Result.Result<PlanDecision, NotProvisioned> => {
  const provisioned = provisioning.token
  let settled = false
  if (state.provisionPending && provisioned !== undefined) {
    if (stored === undefined) {
      return Result.succeed({
        plan: { use: provisioned, expected: undefined, origin: provisioning.origin },
        adopt: undefined,
        provisionSettled: false,
      })
    }
    if (!descendsFrom(stored, provisioning, provisioned)) {
      return Result.succeed({
        plan: { use: provisioned, expected: stored.refreshToken, origin: provisioning.origin },
        adopt: undefined,
        provisionSettled: false,
      })
    }
    settled = true
  }
  if (stored === undefined) {
    const held = heldOf(state)
    if (held === undefined) return Result.fail(new NotProvisioned({ location }))
    return Result.succeed({
      plan: {
        use: held.refreshToken,
        expected: undefined,
        origin: held.origin,
        baseGeneration: held.generation,
      },
      adopt: undefined,
      provisionSettled: settled,
    })
  }
  // A record without origin that holds the provisioned token itself descends from it.
  const origin =
    stored.origin ??
    (provisioned !== undefined && sameToken(stored.refreshToken, provisioned)
      ? provisioning.origin
      : undefined)
  return Result.succeed({
    plan: {
      use: stored.refreshToken,
      expected: stored.refreshToken,
      origin,
      baseGeneration: stored.generation,
      healedAt: stored.healedAt,
    },
    adopt: isHeld(heldOf(state), stored) ? undefined : stored,
    provisionSettled: settled,
  })
}

/**
 * After the server refused `plan.use` (`invalid_grant`) and the store was read again: the plan with
 * the store's newer token, or `undefined` when the store holds nothing newer (the refusal stands).
 */
export const planAfterRefusal = (plan: Plan, again: StoredToken | undefined): Plan | undefined =>
  again !== undefined &&
  isNewerRefreshToken(secretFingerprint(Redacted.value(plan.use)), Redacted.value(again.refreshToken))
    ? {
        use: again.refreshToken,
        expected: again.refreshToken,
        origin: again.origin,
        baseGeneration: again.generation,
        healedAt: again.healedAt,
      }
    : undefined
