/**
 * One refresh per refresh token inside this process.
 *
 * n8n calls the credential's refresh hook from every request that got a 401, with no lock: three
 * parallel requests after expiry would send the same refresh token three times, and a rotating server
 * accepts only the first. Here:
 * - callers with the same key (token URL + client + refresh-token fingerprint) while a refresh runs
 *   share it (`inFlight`);
 * - callers that arrive shortly AFTER it finished, still holding the old refresh token (they read the
 *   credential before n8n saved the new one), get the same result (`recent`) instead of sending a
 *   token that is now dead. Only when the access token they hold differs from the one that refresh
 *   produced: a caller whose 401 came with that very token needs a new refresh;
 * - a refresh token the server has just refused (`invalid_grant`) is not sent again for a while
 *   (`refused`): another send could only fail too, and with reuse detection it would revoke the
 *   token family.
 * Everything is keyed by fingerprints; values live only in memory, for at most a few minutes.
 */

/** What a successful refresh gives back to n8n. */
export interface RefreshOutcome {
  readonly accessToken: string
  readonly refreshToken: string
  /** Epoch milliseconds. */
  readonly expiresAt: number
}

/** How long a finished refresh is handed to late callers with the old refresh token. */
export const RECENT_TTL_MILLIS = 30_000

/** How long a refused refresh token is remembered. */
export const REFUSED_TTL_MILLIS = 60_000

/** Bound on each map, so a busy process cannot grow them without end. */
const MAX_ENTRIES = 256

interface Remembered<A> {
  readonly value: A
  readonly until: number
}

/** The state of the single-flight: one per process (module scope), or one per test. */
export interface SingleFlightState {
  readonly inFlight: Map<string, Promise<RefreshOutcome>>
  readonly recent: Map<string, Remembered<RefreshOutcome>>
  readonly refused: Map<string, Remembered<unknown>>
}

/** A fresh, empty state. */
export function makeSingleFlightState(): SingleFlightState {
  return { inFlight: new Map(), recent: new Map(), refused: new Map() }
}

/** The state shared by every refresh in this process. */
export const processState: SingleFlightState = makeSingleFlightState()

const prune = <A>(map: Map<string, Remembered<A>>, now: number): void => {
  for (const [key, entry] of map) if (entry.until <= now) map.delete(key)
  while (map.size > MAX_ENTRIES) {
    const oldest = map.keys().next()
    if (oldest.done === true) break
    map.delete(oldest.value)
  }
}

/** Options of {@link singleFlight}. */
export interface SingleFlightOptions {
  /** The refresh's identity (see `refreshKey`). */
  readonly key: string
  /** The access token the caller holds (the one that got the 401), or `""`. */
  readonly heldAccessToken: string
  /** Performs the refresh. */
  readonly run: () => Promise<RefreshOutcome>
  /** Whether a failure means the refresh token is dead (so it is not sent again for a while). */
  readonly isRefusal: (error: unknown) => boolean
  /** The clock (epoch milliseconds). */
  readonly now?: () => number
  /** Defaults to {@link processState}. */
  readonly state?: SingleFlightState
}

/**
 * Runs `run` unless an equivalent refresh is running (then awaits it), has just finished (then
 * returns its result) or has just been refused (then fails with the same error, sending nothing).
 */
export function singleFlight(options: SingleFlightOptions): Promise<RefreshOutcome> {
  const state = options.state ?? processState
  const now = options.now ?? Date.now
  const at = now()
  prune(state.recent, at)
  prune(state.refused, at)

  const refused = state.refused.get(options.key)
  if (refused !== undefined) return Promise.reject(refused.value)

  const recent = state.recent.get(options.key)
  if (recent !== undefined && recent.value.accessToken !== options.heldAccessToken) {
    return Promise.resolve(recent.value)
  }

  const running = state.inFlight.get(options.key)
  if (running !== undefined) return running

  // `run` starts on a later tick, after the flight is registered: even a `run` that throws at once
  // is seen by callers arriving meanwhile, and its entry is removed.
  const flight: Promise<RefreshOutcome> = Promise.resolve()
    .then(options.run)
    .then(
      (outcome) => {
        state.recent.set(options.key, {
          value: outcome,
          until: Math.min(now() + RECENT_TTL_MILLIS, outcome.expiresAt),
        })
        return outcome
      },
      (error: unknown) => {
        if (options.isRefusal(error)) {
          state.refused.set(options.key, { value: error, until: now() + REFUSED_TTL_MILLIS })
        }
        throw error
      },
    )
    .finally(() => {
      if (state.inFlight.get(options.key) === flight) state.inFlight.delete(options.key)
    })
  state.inFlight.set(options.key, flight)
  return flight
}
