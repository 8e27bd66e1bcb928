/**
 * The faults the simulator can inject into its next token requests: what a gateway, a flaky network
 * or a misbehaving server does to a refresh call. Queue them with `Simulator.injectFaults`, the admin
 * endpoint (`POST /__admin/faults`) or the CLI (`--fault`); each token request takes the next one.
 *
 * Faults marked "rotated" let the server process the request first: when it was valid, the refresh
 * token has rolled and the old one is retired, so the client losing that response has lost the new token.
 *
 * @since 0.1.0
 */

/**
 * One injected fault.
 *
 * - `status`: answer 429/500/502/503/504 with a JSON error body (`body: "empty"` for none), optionally
 *   with `Retry-After` (seconds, or a `Date` sent as an HTTP date). `rotate: true` processes the request
 *   first (an ambiguous 5xx: the token rolled); otherwise nothing rotated.
 * - `delay`: wait `ms` before sending headers. `afterRotation` (default) processes first, so a client that
 *   times out lost a rotated token; `beforeProcessing` waits first and processes only if the client is
 *   still connected.
 * - `hold`: park the request until `until` requests are held (a barrier; this one included), or until a
 *   test releases it (`Simulator.releaseHeld`, `POST /__admin/release`); held requests are released
 *   oldest first. `afterRotation` (default) processes first and holds the answer; `beforeProcessing`
 *   holds first and processes only if the client is still connected. Use it to force an interleaving
 *   (two clients' refreshes both reach the server before either is answered) without a delay.
 * - `stallBody`: process (rotated), send the headers and half the body, stall `ms`, destroy the socket.
 * - `resetBeforeProcessing`: reset the connection without processing (nothing rotated).
 * - `resetAfterRotation`: process (rotated), then reset the connection: the client never sees the new token.
 * - `html`: an HTML error page as a gateway sends (default status 502); nothing rotated.
 * - `malformedJson`: 200 with `application/json` that does not parse (rotated).
 * - `missingField`: 200 without the named field (rotated).
 * - `wrongTokenType`: 200 with `token_type` set to `tokenType` (default `"mac"`) (rotated).
 * - `expiresInString`: 200 with `expires_in` as a string such as `"7200"` (rotated; lenient clients accept it).
 * - `expiresIn`: 200 with `expires_in` set to `value`, a number or a string sent as given (`0`, `-5`,
 *   `1e308`, `7200.5`, `"soon"`) (rotated).
 * - `oversizedBody`: 200 with a valid but huge JSON body (default 5 MiB) (rotated).
 * - `quoteRefreshToken`: 400 `invalid_grant` whose `error_description` quotes the first `chars` (default
 *   30) characters of the refresh token the request sent, as a careless server does; nothing rotated.
 *
 * The body-changing faults (`malformedJson`, `missingField`, `wrongTokenType`, `expiresInString`, `expiresIn`,
 * `oversizedBody`) change only a success response; an OAuth error is sent as it is.
 *
 * @category faults
 * @since 0.1.0
 */
export type Fault =
  | {
      readonly kind: "status"
      readonly status: 429 | 500 | 502 | 503 | 504
      readonly retryAfter?: number | Date
      readonly rotate?: boolean
      readonly body?: "json" | "empty"
    }
  | { readonly kind: "delay"; readonly ms: number; readonly phase?: "afterRotation" | "beforeProcessing" }
  | {
      readonly kind: "hold"
      readonly until?: number
      readonly phase?: "afterRotation" | "beforeProcessing"
    }
  | { readonly kind: "stallBody"; readonly ms: number }
  | { readonly kind: "resetBeforeProcessing" }
  | { readonly kind: "resetAfterRotation" }
  | { readonly kind: "html"; readonly status?: number }
  | { readonly kind: "malformedJson" }
  | {
      readonly kind: "missingField"
      readonly field: "access_token" | "token_type" | "expires_in" | "refresh_token"
    }
  | { readonly kind: "wrongTokenType"; readonly tokenType?: string }
  | { readonly kind: "expiresInString" }
  | { readonly kind: "expiresIn"; readonly value: number | string }
  | { readonly kind: "oversizedBody"; readonly bytes?: number }
  | { readonly kind: "quoteRefreshToken"; readonly chars?: number }

/**
 * The name of a fault kind, e.g. `"resetAfterRotation"`.
 *
 * @category faults
 * @since 0.1.0
 */
export type FaultKind = Fault["kind"]
