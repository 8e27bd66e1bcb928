/**
 * Token rules for hosts that keep the refresh token themselves and cannot give core a
 * compare-and-set store: n8n's credential hook (it can only return fields for n8n to persist), a
 * Node-RED context, a row in the user's own database. Effect-free (it is the `@tangoe-token/core/host`
 * entry, small enough to bundle into an adapter's node file). The rules:
 *
 * - **one refresh in flight per credential**: callers with the same {@link refreshKey} share it;
 * - **late callers get the result**: a caller that arrives shortly after a refresh finished, still
 *   holding the refresh token it just rotated away, gets that refresh's result instead of sending a
 *   dead token (unless its own access token is the one that refresh produced: then it needs a new one);
 * - **refused tokens are remembered**: a refresh token the server refused (`invalid_grant`) is not sent
 *   again for a while: another send could only fail, and reuse detection could revoke the family;
 * - **recovery after `invalid_grant` by re-reading the host's copy**: see `HostRecovery`.
 *
 * Everything is keyed by fingerprints (SHA-256): no secret is kept in clear in any key. Core's token
 * manager follows the same rules with the same functions ({@link decideFlight} and friends).
 *
 * @since 0.1.0
 */
import * as fingerprints from "./internal/fingerprint.ts"

/**
 * A one-way fingerprint of a secret: 32 hex characters of its SHA-256. It identifies a refresh token in
 * a key, a marker or a log without revealing it.
 *
 * @category host
 * @since 0.1.0
 */
export const secretFingerprint = (secret: string): string => fingerprints.secretFingerprint(secret)

/**
 * The identity of one refresh: the SHA-256 of token URL, client id and refresh token. Two refreshes with
 * the same key would send the same refresh token, so only one of them may go out.
 *
 * @category host
 * @since 0.1.0
 */
export const refreshKey = (credential: {
  readonly tokenUrl: string
  readonly clientId: string
  readonly refreshToken: string
}): string => fingerprints.refreshKeyOf(credential.tokenUrl, credential.clientId, credential.refreshToken)

/**
 * Whether an access token that expires at `expiresAt` (epoch ms; `undefined`: unknown or none) must be
 * refreshed at `now` for it to stay valid for at least `minValidityMillis`.
 *
 * @category host
 * @since 0.1.0
 */
export const isExpiring = (expiresAt: number | undefined, now: number, minValidityMillis: number): boolean =>
  expiresAt === undefined || expiresAt - minValidityMillis <= now

/**
 * How long a finished refresh is handed to late callers that still hold the old refresh token (30 s).
 *
 * @category host
 * @since 0.1.0
 */
export const RECENT_TTL_MILLIS = 30_000

/**
 * How long a refused refresh token is remembered: for good. A refresh token the server refused
 * (`invalid_grant`) is dead — rotation never revives it — so this process never sends it again; a new
 * token (a rotation saved by another holder, a re-provisioned one, a service account's grant) has
 * another key. The 256 most recent refusals are kept.
 *
 * @category host
 * @since 0.1.0
 */
export const REFUSED_TTL_MILLIS = Number.POSITIVE_INFINITY

/** Bound on each map, so a busy process cannot grow them without end. */
const MAX_ENTRIES = 256

/**
 * A value remembered until an instant (epoch ms).
 *
 * @category host
 * @since 0.1.0
 */
export interface Remembered<A> {
  readonly value: A
  readonly until: number
}

/**
 * The memory of the single flight: refreshes running (`inFlight`, a pending handle per key: a
 * `Promise` here, a `Deferred` in the token manager), refreshes just finished (`recent`) and refresh
 * tokens just refused (`refused`). One per process (see {@link processFlights}), or one per test.
 *
 * @category host
 * @since 0.1.0
 */
export interface FlightTable<Pending, A> {
  readonly inFlight: Map<string, Pending>
  readonly recent: Map<string, Remembered<A>>
  readonly refused: Map<string, Remembered<unknown>>
}

/**
 * A fresh, empty {@link FlightTable}.
 *
 * @category host
 * @since 0.1.0
 */
export const makeFlightTable = <Pending, A>(): FlightTable<Pending, A> => ({
  inFlight: new Map(),
  recent: new Map(),
  refused: new Map(),
})

/**
 * What a caller with a key must do, by {@link decideFlight}: fail as the refused token did, take a
 * recent result, join the running refresh, or start one.
 *
 * @category host
 * @since 0.1.0
 */
export type FlightDecision<Pending, A> =
  | { readonly _tag: "Refused"; readonly error: unknown }
  | { readonly _tag: "Recent"; readonly value: A }
  | { readonly _tag: "Join"; readonly pending: Pending }
  | { readonly _tag: "Start" }

const prune = <A>(map: Map<string, Remembered<A>>, now: number): void => {
  if (map.size === 0) return
  for (const [key, entry] of map) if (entry.until <= now) map.delete(key)
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next()
    if (oldest.done === true) break
    map.delete(oldest.value)
  }
}

/**
 * The single-flight rule for a caller with `key` at `now`. A recent result is handed over only when
 * `usable(result)` (the n8n credential: unless it holds the very access token that result produced).
 * Expired memories are dropped first. Take the decision and act on it without yielding in between.
 *
 * @category host
 * @since 0.1.0
 */
export const decideFlight = <Pending, A>(
  table: FlightTable<Pending, A>,
  key: string,
  now: number,
  usable: (recent: A) => boolean = () => true,
): FlightDecision<Pending, A> => {
  prune(table.recent, now)
  prune(table.refused, now)
  const refused = table.refused.get(key)
  if (refused !== undefined) return { _tag: "Refused", error: refused.value }
  const recent = table.recent.get(key)
  if (recent !== undefined && usable(recent.value)) return { _tag: "Recent", value: recent.value }
  const running = table.inFlight.get(key)
  if (running !== undefined) return { _tag: "Join", pending: running }
  return { _tag: "Start" }
}

/**
 * Records `pending` as the refresh running for `key` (after a `Start` decision).
 *
 * @category host
 * @since 0.1.0
 */
export const beginFlight = <Pending, A>(
  table: FlightTable<Pending, A>,
  key: string,
  pending: Pending,
): void => {
  table.inFlight.set(key, pending)
}

/**
 * Ends the refresh `pending` for `key`, remembering what late callers need: a result (until `until`),
 * or a refusal (for {@link REFUSED_TTL_MILLIS}). `outcome` `undefined`: forget it (any other failure).
 *
 * @category host
 * @since 0.1.0
 */
export const endFlight = <Pending, A>(
  table: FlightTable<Pending, A>,
  key: string,
  pending: Pending,
  outcome?:
    | { readonly _tag: "Success"; readonly value: A; readonly until: number }
    | { readonly _tag: "Refused"; readonly error: unknown; readonly now: number },
): void => {
  if (outcome?._tag === "Success") table.recent.set(key, { value: outcome.value, until: outcome.until })
  if (outcome?._tag === "Refused") {
    table.refused.set(key, { value: outcome.error, until: outcome.now + REFUSED_TTL_MILLIS })
  }
  if (table.inFlight.get(key) === pending) table.inFlight.delete(key)
}

/**
 * What a successful refresh gives back to a host: the values to persist.
 *
 * @category host
 * @since 0.1.0
 */
export interface RefreshOutcome {
  readonly accessToken: string
  readonly refreshToken: string
  /** Epoch milliseconds. */
  readonly expiresAt: number
}

/**
 * The single-flight memory of a host's refreshes (Promise form).
 *
 * @category host
 * @since 0.1.0
 */
export type RefreshFlights = FlightTable<Promise<RefreshOutcome>, RefreshOutcome>

/**
 * The memory shared by every {@link singleFlight} of this process (of this copy of core).
 *
 * @category host
 * @since 0.1.0
 */
export const processFlights: RefreshFlights = makeFlightTable()

/**
 * Options of {@link singleFlight}.
 *
 * @category host
 * @since 0.1.0
 */
export interface SingleFlightOptions {
  /** The refresh's identity (see {@link refreshKey}). */
  readonly key: string
  /** The access token the caller holds (the one that got the 401), or `""`. */
  readonly heldAccessToken: string
  /** Performs the refresh. */
  readonly run: () => Promise<RefreshOutcome>
  /** Whether a failure means the refresh token is dead (so it is not sent again for a while). */
  readonly isRefusal: (error: unknown) => boolean
  /** The clock (epoch milliseconds); default `Date.now`. */
  readonly now?: (() => number) | undefined
  /** Default {@link processFlights}. */
  readonly flights?: RefreshFlights | undefined
}

/**
 * Runs `run` unless an equivalent refresh is running (then awaits it), has just finished (then
 * resolves with its result, for at most {@link RECENT_TTL_MILLIS} and never past its access token's
 * expiry) or has just been refused (then rejects with the same error, sending nothing).
 *
 * @example
 * ```ts
 * import { refreshKey, singleFlight } from "@tangoe-token/core/host"
 *
 * const outcome = await singleFlight({
 *   key: refreshKey({ tokenUrl, clientId, refreshToken }),
 *   heldAccessToken: stored.accessToken,
 *   isRefusal: (error) => error instanceof InvalidGrant,
 *   run: () => refreshAndReturnTheValuesToPersist(),
 * })
 * ```
 *
 * @category host
 * @since 0.1.0
 */
export const singleFlight = (options: SingleFlightOptions): Promise<RefreshOutcome> => {
  const flights = options.flights ?? processFlights
  const now = options.now ?? Date.now
  const decision = decideFlight(
    flights,
    options.key,
    now(),
    (recent) => recent.accessToken !== options.heldAccessToken,
  )
  switch (decision._tag) {
    case "Refused":
      return Promise.reject(decision.error)
    case "Recent":
      return Promise.resolve(decision.value)
    case "Join":
      return decision.pending
  }
  // `run` starts on a later tick, after the flight is registered: even a `run` that throws at once
  // is seen by callers arriving meanwhile, and its entry is removed.
  const flight: Promise<RefreshOutcome> = Promise.resolve()
    .then(options.run)
    .then(
      (value) => {
        const until = Math.min(now() + RECENT_TTL_MILLIS, value.expiresAt)
        endFlight(flights, options.key, flight, { _tag: "Success", value, until })
        return value
      },
      (error: unknown) => {
        endFlight(
          flights,
          options.key,
          flight,
          options.isRefusal(error) ? { _tag: "Refused", error, now: now() } : undefined,
        )
        throw error
      },
    )
  beginFlight(flights, options.key, flight)
  return flight
}
