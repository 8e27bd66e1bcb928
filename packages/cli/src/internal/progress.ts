/**
 * Progress of a token operation on stderr, from core's events: while core retries (the server is
 * unreachable, 503, 429…), what failed, when the next try is and when core gives up; after the last
 * try, how many attempts it took; and a warning when a refresh failed but the cached access token
 * was still valid and was used. stdout stays the command's result alone.
 *
 * - On a terminal (and without `--json`), the spinner line shows it, updated in place, with a
 *   countdown to the next try.
 * - Otherwise (a pipe, a log file, `--json`), one line per retry: the first, any whose failure
 *   differs from the previous one, and at most one every 15 s besides. Logs stay short during a
 *   two-minute outage and still show that something is happening.
 *
 * Every line is built from dates, counts and core's secret-free reason fields; never a token.
 *
 * @internal
 */
import type { RefreshError, RetryScheduledEvent, TokenClient } from "@tangoe-token/core"
import { messageOf } from "./errors.ts"
import type { Output } from "./output.ts"
import { spinnerAllowed, withSpinner } from "./spinner.ts"

/** Between two progress lines of the same failure on a non-terminal, at least this long. */
export const LINE_INTERVAL_MS = 15_000

const pad = (n: number): string => String(n).padStart(2, "0")

/** `HH:MM:SS`, local time. */
export const clock = (at: Date): string =>
  `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`

/** `42 s`, `1m 58s`. */
export const span = (millis: number): string => {
  const seconds = Math.max(0, Math.ceil(millis / 1000))
  return seconds < 60 ? `${seconds} s` : `${Math.floor(seconds / 60)}m ${pad(seconds % 60)}s`
}

/** What failed, in a few words, from the reason's fields (never its full advice, never a secret). */
export const whatFailed = (error: RefreshError): string => {
  const reason = error.reason
  switch (reason._tag) {
    case "Transport":
      return reason.mayHaveReachedServer
        ? `the connection failed (${reason.code})`
        : `the server could not be reached (${reason.code})`
    case "ServerError":
      return `the server answered HTTP ${reason.status}${reason.status === 503 ? " (unavailable)" : ""}`
    case "RateLimited":
      return `the server answered HTTP ${reason.status} (rate limited)`
    case "Timeout":
      return "no answer in time"
    case "MalformedResponse":
      return `the answer was unusable (HTTP ${reason.status})`
    default:
      return `the server refused it (${reason._tag})`
  }
}

/** "token request attempt 2 failed: …; next try at 05:01:02 (in 3 s), giving up at 05:03:00" */
export const retryText = (event: RetryScheduledEvent, now: number): string => {
  const next = event.nextAttemptAt
  const giveUp = event.giveUpAt === undefined ? "" : `, giving up at ${clock(event.giveUpAt)}`
  return `token request attempt ${event.attempt} failed: ${whatFailed(event.error)}; next try at ${clock(next)} (in ${span(next.getTime() - now)})${giveUp}`
}

/**
 * Runs `operation` (one token operation of `client`) with a spinner labelled `label` on a terminal,
 * and the retry progress and warnings described in the module's header.
 */
export const withProgress = async <A>(
  client: TokenClient,
  out: Output,
  label: string,
  operation: () => Promise<A>,
): Promise<A> => {
  const tty = spinnerAllowed(out.json)
  let relabel: ((text: () => string) => void) | undefined
  let first: Date | undefined
  let lastAttempt = 0
  let printed: { readonly what: string; readonly at: number } | undefined
  const offRetry = client.on("retryScheduled", (event) => {
    first ??= event.at
    lastAttempt = event.attempt
    if (tty) {
      relabel?.(() => `${label} ${retryText(event, Date.now())}`)
      return
    }
    const what = whatFailed(event.error)
    const at = event.at.getTime()
    if (printed !== undefined && printed.what === what && at - printed.at < LINE_INTERVAL_MS) return
    printed = { what, at }
    out.warn(`tangoe-token: ${retryText(event, at)}`)
  })
  const offFailed = client.on("refreshFailed", (event) => {
    if (!event.servedPrevious) return
    const until = client.status().validUntil
    out.warn(
      `tangoe-token: warning: the refresh failed, so the cached access token was used${until === undefined ? "" : ` (valid until ${until.toISOString()})`} — ${messageOf(event.error)}`,
    )
  })
  try {
    return await withSpinner(tty, label, (spinner) => {
      relabel = spinner.relabel
      return operation()
    })
  } catch (error) {
    if (first !== undefined) {
      out.warn(
        `tangoe-token: no more tries: ${lastAttempt + 1} token request attempts in ${span(Date.now() - first.getTime())}`,
      )
    }
    throw error
  } finally {
    offRetry()
    offFailed()
  }
}
