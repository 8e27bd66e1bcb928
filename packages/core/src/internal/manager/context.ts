/**
 * What every part of the engine shares: its validated configuration and the one cell that holds the
 * manager's state. The cell changes only through the pure transitions of `state.ts`, applied whole,
 * and republishes the Promise client's snapshot after each change.
 *
 * @internal
 */

import * as Duration from "effect/Duration"
import * as MutableRef from "effect/MutableRef"
import type * as Redacted from "effect/Redacted"
import * as Ref from "effect/Ref"
import type * as Result from "effect/Result"
import type * as Schedule from "effect/Schedule"
import type { HttpTransport } from "../../HttpTransport.ts"
import type { InvalidConfig } from "../../InvalidConfig.ts"
import type { ResolvedServiceAccount } from "../../PasswordGrant.ts"
import type { RequestSettings } from "../../RefreshRequest.ts"
import { DEFAULT_RETRY, type RetryOptions, type ScheduledRetry } from "../../RetryPolicy.ts"
import type { StoreError } from "../../StoreError.ts"
import type { TokenEvent } from "../../TokenEvents.ts"
import type { TokenStoreShape } from "../../TokenStore.ts"
import { callerAwareRetrySchedule } from "../callerAwareRetry.ts"
import type { Provisioning } from "./plan.ts"
import { handable, type Snapshot, snapshotOfAccess } from "./serve.ts"
import { type HeldAccess, initialState, type ManagerState } from "./state.ts"

/** What the engine needs, already validated. */
export interface EngineConfig {
  /** The validated request (its refresh token is replaced on every call), or why it is invalid. */
  readonly request: Result.Result<RequestSettings, InvalidConfig>
  /** The provisioned refresh token, if any. */
  readonly provisioned: Redacted.Redacted<string> | undefined
  readonly refreshAheadMillis: number
  /** `false`: one attempt per refresh. */
  readonly retry: RetryOptions | false
  readonly saveRetry: Schedule.Schedule<unknown, StoreError>
  /** The service account, validated, when one is configured. */
  readonly serviceAccount: ResolvedServiceAccount | undefined
  /** Whether the service account heals a dead chain (not only the first grant). */
  readonly selfHeal: boolean
  readonly store: TokenStoreShape
  readonly transport: HttpTransport
  readonly emit: (event: TokenEvent) => void
  /** Whether `emit` has any listener; absent: assume so. The success path builds no event nobody hears. */
  readonly listening?: (() => boolean) | undefined
  /** Called whenever the token that may be handed out changes (`undefined`: none may be). */
  readonly onSnapshot?: ((snapshot: Snapshot | undefined) => void) | undefined
}

/** The engine's shared parts. */
export interface EngineContext {
  readonly config: EngineConfig
  readonly provisioning: Provisioning
  readonly state: Ref.Ref<ManagerState>
  /** The current state (a value: it does not change under the caller). */
  readonly read: () => ManagerState
  /** Applies a transition, then republishes the snapshot. */
  readonly update: (transition: (state: ManagerState) => ManagerState) => void
  /** Applies a transition that also answers something, then republishes the snapshot. */
  readonly modify: <B>(transition: (state: ManagerState) => readonly [B, ManagerState]) => B
  /** How many callers are waiting for a refresh now (keep-warm does not count). */
  readonly waiters: { count: number }
  /** The retry options of a refresh: the configured ones, with the caller-aware default schedule. */
  readonly retry: RetryOptions | false
  /** Reports a retry the policy decided on as a `retryScheduled` event. */
  readonly retryScheduled: (retry: ScheduledRetry) => void
}

export const makeContext = (config: EngineConfig, provisioning: Provisioning): EngineContext => {
  const state = Ref.makeUnsafe(initialState(config.provisioned !== undefined))
  // Republished only when the token that may be handed out changes (states are immutable values, so
  // the same access object is the same snapshot): a refresh goes through several transitions.
  let published: HeldAccess | undefined | null = null
  const publish = (next: ManagerState) => {
    if (config.onSnapshot === undefined) return
    const access = handable(next)
    if (access === published) return
    published = access
    config.onSnapshot(snapshotOfAccess(access))
  }
  const modify = <B>(transition: (state: ManagerState) => readonly [B, ManagerState]): B => {
    // Indexed, not destructured (no iterator per state change, even before the JIT optimizes this).
    const answered = transition(MutableRef.get(state.ref))
    const next = answered[1]
    MutableRef.set(state.ref, next)
    publish(next)
    return answered[0]
  }
  const waiters = { count: 0 }
  const retry =
    config.retry === false || config.retry.schedule !== undefined
      ? config.retry
      : { ...config.retry, schedule: callerAwareRetrySchedule(() => waiters.count > 0) }
  // Only core's default schedule has a budget core knows: `maxElapsed` from the first failure.
  const budget =
    config.retry !== false && config.retry.schedule === undefined
      ? Duration.toMillis(DEFAULT_RETRY.maxElapsed)
      : undefined
  const retryScheduled = ({ error, attempt, now, elapsed, delay }: ScheduledRetry) =>
    config.emit({
      type: "retryScheduled",
      at: new Date(now),
      error,
      attempt,
      nextAttemptAt: new Date(now + delay),
      giveUpAt: budget === undefined ? undefined : new Date(now - elapsed + budget),
    })
  return {
    config,
    provisioning,
    waiters,
    retry,
    retryScheduled,
    state,
    read: () => MutableRef.get(state.ref),
    update: (transition) => modify((s) => [undefined, transition(s)]),
    modify,
  }
}
