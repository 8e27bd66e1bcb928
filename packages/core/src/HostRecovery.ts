/**
 * Recovery after `invalid_grant` for hosts that keep the refresh token themselves (see `HostRefresh`):
 * when the server refuses a refresh token, another process may have won the race with the same token
 * and saved its rotation. Re-read the host's copy: if it now holds another refresh token, that one is
 * newer: use it (send the request once more). If it does not within a short wait, the refusal stands.
 *
 * Wait only when another holder may still deliver a newer token. Nobody can when the same refused token
 * was already waited for in this process and nothing came (it is remembered as dead, by fingerprint), or
 * when the host says it holds the only copy (`mayBeDelivered: false`): then the host's copy is read once
 * and the refusal is reported at once.
 * Effect-free (part of `@tangoe-token/core/host`); core's token manager applies the same rule.
 *
 * @since 0.1.0
 */
import { secretFingerprint } from "./HostRefresh.ts"

/**
 * Whether the host's copy of the refresh token (`stored`, read again after a refusal) is newer than the
 * refused one: it is set and is another token. The refused token is given by its
 * {@link secretFingerprint}, so a caller needs to keep nothing secret to apply the rule.
 *
 * @category host
 * @since 0.1.0
 */
export const isNewerRefreshToken = (refusedFingerprint: string, stored: string | undefined): boolean =>
  stored !== undefined && stored !== "" && secretFingerprint(stored) !== refusedFingerprint

/**
 * How long {@link awaitNewerRefreshToken} waits by default for another process to save its rotated
 * refresh token (10 s), and how often it re-reads meanwhile (250 ms).
 *
 * @category host
 * @since 0.1.0
 */
export const ROTATION_WAIT = { waitMillis: 10_000, pollMillis: 250 } as const

/** How many dead refresh tokens (fingerprints) a process remembers, the most recent. */
const MAX_DEAD = 256

/** Fingerprints of refresh tokens a whole wait proved dead in this process: nobody delivered a newer one. */
const provenDead = new Set<string>()

/**
 * Whether a wait after a refusal of this refresh token (by {@link secretFingerprint}) already ended in
 * this process with nothing newer: then no other holder is delivering, and a later refusal of the same
 * token is reported without waiting.
 *
 * @category host
 * @since 0.2.0
 */
export const isKnownDeadRefreshToken = (refusedFingerprint: string): boolean =>
  provenDead.has(refusedFingerprint)

/**
 * Remembers a refresh token (by {@link secretFingerprint}) as dead in this process (see
 * {@link isKnownDeadRefreshToken}). {@link awaitNewerRefreshToken} does it when its wait ends with nothing.
 *
 * @category host
 * @since 0.2.0
 */
export const rememberDeadRefreshToken = (refusedFingerprint: string): void => {
  provenDead.delete(refusedFingerprint)
  provenDead.add(refusedFingerprint)
  if (provenDead.size > MAX_DEAD) {
    const oldest = provenDead.values().next().value
    if (oldest !== undefined) provenDead.delete(oldest)
  }
}

/**
 * Options of {@link awaitNewerRefreshToken}.
 *
 * @category host
 * @since 0.1.0
 */
export interface AwaitNewerOptions {
  /** The {@link secretFingerprint} of the refresh token the server refused. */
  readonly refusedFingerprint: string
  /** Reads the host's copy of the refresh token again (e.g. from n8n's database). */
  readonly reread: () => Promise<string | undefined>
  /** Pauses between two reads (the host's own timer, e.g. n8n-workflow's `sleep`). */
  readonly sleep: (millis: number) => Promise<void>
  /** Default {@link ROTATION_WAIT}. */
  readonly waitMillis?: number | undefined
  readonly pollMillis?: number | undefined
  /**
   * `false` when no other holder can deliver a newer token (the host holds the only copy): the host's
   * copy is read once, with no wait. Default `true`.
   *
   * @since 0.2.0
   */
  readonly mayBeDelivered?: boolean | undefined
}

/**
 * Re-reads the host's copy until it holds a newer refresh token than the refused one (then resolves
 * with it) or the wait is over (then resolves with `undefined`: the refused token really is dead, and is
 * remembered so: see {@link isKnownDeadRefreshToken}). It does not wait at all when nobody can deliver:
 * the token is already known dead, or `mayBeDelivered` is `false`.
 *
 * @category host
 * @since 0.1.0
 */
export const awaitNewerRefreshToken = async (options: AwaitNewerOptions): Promise<string | undefined> => {
  const nobodyCanDeliver =
    options.mayBeDelivered === false || isKnownDeadRefreshToken(options.refusedFingerprint)
  const wait = nobodyCanDeliver ? 0 : (options.waitMillis ?? ROTATION_WAIT.waitMillis)
  const poll = options.pollMillis ?? ROTATION_WAIT.pollMillis
  for (let waited = 0; ; waited += poll) {
    const current = await options.reread()
    if (isNewerRefreshToken(options.refusedFingerprint, current)) return current
    if (waited >= wait) {
      rememberDeadRefreshToken(options.refusedFingerprint)
      return undefined
    }
    await options.sleep(poll)
  }
}

/**
 * Options of {@link retryAfterRefusal}.
 *
 * @category host
 * @since 0.1.0
 */
export interface RetryAfterRefusalOptions<A> extends Omit<AwaitNewerOptions, "refusedFingerprint"> {
  /** The work that uses the host's refresh token (a request that refreshes on 401, a refresh). */
  readonly send: () => Promise<A>
  /** The fingerprint of the refresh token `error` says the server refused, or `undefined`. */
  readonly refusedFingerprintOf: (error: unknown) => string | undefined
}

/**
 * Runs `send`; when it fails because the server refused the refresh token and the host's copy then
 * holds a newer one (another process won the race and saved it), runs `send` once more. Any other
 * failure, or a refusal with no newer token, rejects with `send`'s error.
 *
 * @category host
 * @since 0.1.0
 */
export const retryAfterRefusal = async <A>(options: RetryAfterRefusalOptions<A>): Promise<A> => {
  try {
    return await options.send()
  } catch (error) {
    const refusedFingerprint = options.refusedFingerprintOf(error)
    if (refusedFingerprint === undefined) throw error
    const newer = await awaitNewerRefreshToken({ ...options, refusedFingerprint })
    if (newer === undefined) throw error
    return await options.send()
  }
}
