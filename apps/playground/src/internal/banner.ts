/**
 * What the playground prints: prefixed log lines from the simulator (rotations numbered) and
 * Node-RED, and the "ready" banner that says where to look. Nothing here ever holds a secret:
 * the simulator's log lines are masked at the source, and the banner is built from URLs,
 * numbers and paths.
 *
 * @internal
 */

/** The first line of the ready banner; tests wait for it. */
export const READY_LINE = "Tangoe playground is running (127.0.0.1 only)."

/** Prefixes the simulator's masked request lines and numbers the rotations. */
export const simulatorLogger = (write: (line: string) => void): ((line: string) => void) => {
  let rotations = 0
  return (line) => {
    if (/\brefreshed\b/.test(line)) {
      rotations++
      write(`[sim] ${line}  <- rotation #${rotations}: the refresh token rolled`)
    } else {
      write(`[sim] ${line}`)
    }
  }
}

/**
 * Seconds between two rotations in the playground's flow. The node refreshes on demand, at the first
 * call after the refresh point; for tokens this short the refresh point is half the lifetime (core
 * clamps `refreshAhead` to it). The calls come every `interval` s from the first one, which got the
 * token, so the call that finds it due is the first whole number of intervals past half the life:
 * with 20 s tokens and a call every 5 s, the 3rd call (15 s), not the 2nd (10 s, a hair early).
 */
export const rotationPeriod = (accessTokenLifetime: number, interval: number): number =>
  interval * (Math.floor(accessTokenLifetime / 2 / interval) + 1)

/** The banner printed once the flow is deployed. */
export const readyBanner = (facts: {
  readonly editorUrl: string
  readonly simUrl: string
  readonly adminUrl: string
  readonly accessTokenLifetime: number
  readonly interval: number
  /** The tenant the flow sends (`X-TNGO-TENANT`). */
  readonly tenant: string
  readonly userDir: string
  readonly userDirCreated: boolean
  readonly tabLabel: string
}): string => {
  const rotateEvery = rotationPeriod(facts.accessTokenLifetime, facts.interval)
  return [
    "",
    READY_LINE,
    `  Node-RED editor   ${facts.editorUrl}   (flow tab "${facts.tabLabel}")`,
    `  Simulator         ${facts.simUrl}   (state, no secrets: ${facts.adminUrl}/state)`,
    `  Every ${facts.interval} s the flow calls Tangoe's GET /mobileprocurement/v1/orders with X-TNGO-TENANT: ${facts.tenant}:`,
    "  page 1 through tangoe token + http request, all 3 pages through tangoe api (it follows _meta.hrefNext).",
    `  Access tokens live ${facts.accessTokenLifetime} s, so the refresh token rotates about every ${rotateEvery} s`,
    "  (at the first call after half a token's life).",
    "What to look at:",
    '  - the "tangoe token" node\'s status: green "valid until HH:MM" (yellow "refreshing" while it rotates);',
    '    the "tangoe api" node\'s: green "24 items, 3 pages at HH:MM"',
    '  - the debug sidebar (the bug icon in the sidebar\'s tab bar, bottom right): from "API response",',
    '    "200: 10 orders of 24, next page: limit=10&offset=10" (its status shows 200); from',
    '    "orders, page by page", "page 1: 10 orders of 24" … "page 3: 4 orders of 24 (last page)"',
    '  - the [sim] lines below: one masked line per request; "rotation #n" marks each rolled refresh token',
    `User dir: ${facts.userDir} (${facts.userDirCreated ? "new" : "reused; --fresh starts over"})`,
    "Ctrl-C stops the simulator and Node-RED.",
    "",
  ].join("\n")
}
