/**
 * The token manager's pure parts, without I/O: the state transitions (`state.ts`), what may be served
 * and the status (`serve.ts`), and the plan of where the refresh token comes from (`plan.ts`).
 */
import * as Redacted from "effect/Redacted"
import * as Result from "effect/Result"
import { assert, describe, it } from "vitest"
import { secretFingerprint } from "../src/HostRefresh.ts"
import { fingerprint } from "../src/internal/manager/origin.ts"
import { type Provisioning, planAfterRefusal, planRefresh } from "../src/internal/manager/plan.ts"
import { previousServable, servable, snapshotOf, statusOf } from "../src/internal/manager/serve.ts"
import {
  abandoned,
  accessKept,
  accessRejected,
  adopted,
  closed,
  flightFailed,
  flightSucceeded,
  type Held,
  type HeldAccess,
  heldFromStored,
  heldOf,
  initialState,
  MAX_REJECTED,
  type ManagerState,
  markedAmbiguous,
  provisionSettled,
  refreshDeferred,
  rotated,
  saved,
  unsavedOf,
} from "../src/internal/manager/state.ts"
import { NotProvisioned } from "../src/TokenManagerError.ts"
import type { StoredToken } from "../src/TokenStore.ts"

const secret = (value: string) => Redacted.make(value)

const access = (token: string, expiresAt = 10_000, refreshAt = 8_000): HeldAccess => ({
  token: secret(token),
  tokenType: "Bearer",
  expiresAt,
  issuedAt: 0,
  scope: undefined,
  refreshAt,
})

const held = (refreshToken: string, generation: number | undefined, a?: HeldAccess): Held => ({
  refreshToken: secret(refreshToken),
  origin: undefined,
  generation,
  access: a,
})

const stored = (refreshToken: string, generation: number, extra: Partial<StoredToken> = {}): StoredToken => ({
  refreshToken: secret(refreshToken),
  generation,
  updatedAt: 0,
  ...extra,
})

const holding = (h: Held): ManagerState => adopted(initialState(false), h)

const rotation = (refreshToken: string, expected?: string) => ({
  record: { refreshToken: secret(refreshToken) },
  expected: expected === undefined ? undefined : secret(expected),
})

describe("state transitions", () => {
  it("a rotation is held at once, unsaved, and counted; saving it records the generation", () => {
    const before = markedAmbiguous(initialState(true), secret("rt-0"))
    const after = rotated(before, held("rt-1", undefined, access("at-1")), rotation("rt-1", "rt-0"), 500)
    assert.strictEqual(after.token._tag, "Unsaved")
    assert.strictEqual(Redacted.value(heldOf(after)?.refreshToken ?? secret("")), "rt-1")
    assert.strictEqual(after.refreshCount, 1)
    assert.strictEqual(after.lastRefreshAt, 500)
    assert.strictEqual(after.ambiguousToken, undefined)
    assert.isFalse(after.provisionPending)
    const done = saved(after, 7)
    assert.strictEqual(done.token._tag, "Held")
    assert.strictEqual(heldOf(done)?.generation, 7)
    assert.strictEqual(unsavedOf(done), undefined)
    // The value before is unchanged: transitions never mutate.
    assert.strictEqual(before.token._tag, "Empty")
    assert.strictEqual(after.token._tag, "Unsaved")
  })

  it("an abandoned rotation keeps the held token until the store's is adopted; our access is kept", () => {
    const unsaved = rotated(initialState(false), held("rt-1", undefined, access("at-1")), rotation("rt-1"), 0)
    const dropped = abandoned(unsaved)
    assert.strictEqual(dropped.token._tag, "Held")
    const theirs = adopted(dropped, heldFromStored(stored("rt-9", 9), 0))
    assert.strictEqual(heldOf(theirs)?.access, undefined)
    const kept = accessKept(theirs, access("at-1"))
    assert.strictEqual(Redacted.value(heldOf(kept)?.access?.token ?? secret("")), "at-1")
    assert.strictEqual(Redacted.value(heldOf(kept)?.refreshToken ?? secret("")), "rt-9")
    // A record that carries its own access token keeps it.
    const own = adopted(
      dropped,
      heldFromStored(stored("rt-9", 9, { accessToken: secret("at-9"), expiresAt: 5 }), 4),
    )
    assert.strictEqual(
      Redacted.value(heldOf(accessKept(own, access("at-1")))?.access?.token ?? secret("")),
      "at-9",
    )
  })

  it("saving or abandoning without a pending rotation changes nothing", () => {
    const state = holding(held("rt-1", 1))
    assert.strictEqual(saved(state, 2), state)
    assert.strictEqual(abandoned(state), state)
  })

  it("a stored record becomes a held token with its access token only when it has one", () => {
    const bare = heldFromStored(stored("rt-1", 3, { origin: "o1.x" }), 99)
    assert.strictEqual(bare.access, undefined)
    assert.strictEqual(bare.origin, "o1.x")
    assert.strictEqual(bare.generation, 3)
    const full = heldFromStored(stored("rt-1", 3, { accessToken: secret("at"), expiresAt: 1_000 }), 800)
    assert.deepStrictEqual(
      {
        tokenType: full.access?.tokenType,
        expiresAt: full.access?.expiresAt,
        refreshAt: full.access?.refreshAt,
      },
      { tokenType: "Bearer", expiresAt: 1_000, refreshAt: 800 },
    )
  })

  it("remembers at most MAX_REJECTED rejected access tokens, each once", () => {
    let state = initialState(false)
    for (let i = 0; i < MAX_REJECTED + 4; i++) state = accessRejected(state, `f${i}`)
    state = accessRejected(state, `f${MAX_REJECTED + 3}`)
    assert.strictEqual(state.rejected.length, MAX_REJECTED)
    assert.strictEqual(state.rejected[0], "f4")
  })

  it("errors, provisioning, deferral and close", () => {
    const failed = flightFailed(initialState(true), new NotProvisioned({ location: "memory" }))
    assert.strictEqual(failed.lastError?._tag, "NotProvisioned")
    assert.strictEqual(flightSucceeded(failed).lastError, undefined)
    assert.isFalse(provisionSettled(failed).provisionPending)
    const deferred = refreshDeferred(holding(held("rt", 1, access("at", 10_000, 8_000))), 9_000)
    assert.strictEqual(heldOf(deferred)?.access?.refreshAt, 9_000)
    assert.strictEqual(refreshDeferred(initialState(false), 1).token._tag, "Empty")
    assert.isTrue(closed(initialState(false)).closed)
  })
})

describe("what may be served", () => {
  const state = holding(held("rt", 1, access("at", 10_000, 8_000)))

  it("the held access token until its refresh point", () => {
    assert.strictEqual(servable(state, 7_999)?.expiresAt, 10_000)
    assert.strictEqual(servable(state, 8_000), undefined)
    assert.strictEqual(snapshotOf(state)?.token, "at")
  })

  it("nothing while a rotation is unsaved (write-ahead), after close, or once rejected", () => {
    const unsaved = rotated(state, held("rt-2", undefined, access("at-2")), rotation("rt-2", "rt"), 0)
    assert.strictEqual(servable(unsaved, 0), undefined)
    assert.strictEqual(snapshotOf(unsaved), undefined)
    assert.strictEqual(servable(closed(state), 0), undefined)
    assert.strictEqual(snapshotOf(closed(state)), undefined)
    const rejected = accessRejected(state, secretFingerprint("at"))
    assert.strictEqual(servable(rejected, 0), undefined)
    assert.strictEqual(snapshotOf(rejected), undefined)
    assert.strictEqual(servable(accessRejected(state, secretFingerprint("other")), 0)?.expiresAt, 10_000)
  })

  it("the previous token after a failed refresh: not when forced, unsaved, rejected, or nearly expired", () => {
    assert.strictEqual(previousServable(state, 8_500, false)?.expiresAt, 10_000)
    assert.strictEqual(previousServable(state, 8_500, true), undefined)
    assert.strictEqual(previousServable(state, 9_001, false), undefined)
    assert.strictEqual(previousServable(accessRejected(state, secretFingerprint("at")), 0, false), undefined)
    const unsaved = rotated(state, held("rt-2", undefined, access("at-2")), rotation("rt-2"), 0)
    assert.strictEqual(previousServable(unsaved, 0, false), undefined)
  })

  it("the status follows the state", () => {
    assert.strictEqual(statusOf(initialState(false), 0, false).state, "empty")
    assert.strictEqual(statusOf(state, 0, true).state, "refreshing")
    assert.strictEqual(statusOf(state, 0, false).state, "valid")
    assert.strictEqual(statusOf(state, 9_000, false).state, "expiring")
    assert.strictEqual(statusOf(state, 10_000, false).state, "empty")
    const failed = flightFailed(state, new NotProvisioned({ location: "memory" }))
    assert.strictEqual(statusOf(failed, 10_000, false).state, "error")
    const unsaved = rotated(state, held("rt-2", undefined, access("at-2")), rotation("rt-2"), 5)
    const status = statusOf(unsaved, 0, false)
    assert.strictEqual(status.state, "error")
    assert.isTrue(status.unsavedRotation)
    assert.strictEqual(status.refreshCount, 1)
    assert.strictEqual(status.lastRefreshAt?.getTime(), 5)
  })
})

describe("the plan: where the refresh token comes from", () => {
  const provisioned = secret("rt-typed")
  const provisioning: Provisioning = { token: provisioned, origin: fingerprint(provisioned) }
  const none: Provisioning = { token: undefined, origin: undefined }
  const plan = (state: ManagerState, record: StoredToken | undefined, p = provisioning) => {
    const result = planRefresh(state, record, p, "memory")
    if (Result.isFailure(result)) throw result.failure
    return result.success
  }
  const value = (token: Redacted.Redacted<string> | undefined) =>
    token === undefined ? undefined : Redacted.value(token)

  it("the provisioned token when the store is empty, the rule still pending", () => {
    const decision = plan(initialState(true), undefined)
    assert.strictEqual(value(decision.plan.use), "rt-typed")
    assert.strictEqual(decision.plan.expected, undefined)
    assert.strictEqual(decision.plan.origin, provisioning.origin)
    assert.isFalse(decision.provisionSettled)
  })

  it("the provisioned token over a stored family it does not start (a re-provisioning)", () => {
    const decision = plan(initialState(true), stored("rt-old-family", 4, { origin: "o1.someone-else" }))
    assert.strictEqual(value(decision.plan.use), "rt-typed")
    assert.strictEqual(value(decision.plan.expected), "rt-old-family")
    assert.strictEqual(decision.adopt, undefined)
  })

  it("the stored token when it descends from the provisioned one (same origin, no origin, or itself)", () => {
    for (const record of [
      stored("rt-rotated", 2, { origin: provisioning.origin }),
      stored("rt-rotated", 2),
      stored("rt-typed", 2, { origin: "o1.other" }),
    ]) {
      const decision = plan(initialState(true), record)
      assert.strictEqual(value(decision.plan.use), value(record.refreshToken))
      assert.strictEqual(value(decision.plan.expected), value(record.refreshToken))
      assert.strictEqual(decision.adopt, record)
      assert.isTrue(decision.provisionSettled)
    }
    // A record without origin that IS the provisioned token gets the provisioned origin.
    assert.strictEqual(plan(initialState(true), stored("rt-typed", 1)).plan.origin, provisioning.origin)
  })

  it("once settled, the store wins over the provisioned token", () => {
    const decision = plan(initialState(false), stored("rt-other", 3, { origin: "o1.other" }))
    assert.strictEqual(value(decision.plan.use), "rt-other")
    assert.strictEqual(decision.plan.origin, "o1.other")
  })

  it("the held token when the store is empty; nothing held is NotProvisioned", () => {
    const decision = plan(holding({ ...held("rt-mem", 5), origin: "o1.mem" }), undefined, none)
    assert.strictEqual(value(decision.plan.use), "rt-mem")
    assert.strictEqual(decision.plan.expected, undefined)
    assert.strictEqual(decision.plan.origin, "o1.mem")
    const empty = planRefresh(initialState(false), undefined, none, "memory")
    assert.isTrue(Result.isFailure(empty) && empty.failure instanceof NotProvisioned)
  })

  it("does not adopt the record already held", () => {
    const state = holding(held("rt-1", 3))
    assert.strictEqual(plan(state, stored("rt-1", 3), none).adopt, undefined)
    assert.isDefined(plan(state, stored("rt-1", 4), none).adopt)
    assert.isDefined(plan(state, stored("rt-2", 3), none).adopt)
  })

  it("after invalid_grant, only another stored token is newer", () => {
    const refused = { use: secret("rt-1"), expected: secret("rt-1"), origin: undefined }
    assert.strictEqual(planAfterRefusal(refused, undefined), undefined)
    assert.strictEqual(planAfterRefusal(refused, stored("rt-1", 9)), undefined)
    const newer = planAfterRefusal(refused, stored("rt-2", 9, { origin: "o1.x" }))
    assert.strictEqual(value(newer?.use), "rt-2")
    assert.strictEqual(value(newer?.expected), "rt-2")
    assert.strictEqual(newer?.origin, "o1.x")
  })
})
