/**
 * The node status texts, from the message catalog: green "valid until HH:MM", yellow
 * "refreshing", red "<error>: <what to do>". None ever contains a secret: they are built from
 * the catalog, a time and an error tag only.
 *
 * @internal
 */
import { KNOWN_TAGS, type TokenProblem } from "./problem.ts"
import type { NodeAPI, NodeStatus } from "./red.ts"

const pad = (n: number): string => String(n).padStart(2, "0")

/** `HH:MM` in the runtime's local time. */
export const clockTime = (at: Date): string => `${pad(at.getHours())}:${pad(at.getMinutes())}`

/** Green: the token is valid until `expiresAt`. */
export const validStatus = (RED: NodeAPI, expiresAt: Date): NodeStatus => ({
  fill: "green",
  shape: "dot",
  text: RED._("tangoe-token.status.valid", { time: clockTime(expiresAt) }),
})

/**
 * Green, after the service account got a new chain: valid until `expiresAt`, and when the chain was
 * started (`bootstrap`: the first grant) or re-established (`deadChain`: a heal).
 */
export const healedStatus = (
  RED: NodeAPI,
  expiresAt: Date,
  heal: { readonly at: Date; readonly reason: "bootstrap" | "deadChain" },
): NodeStatus => ({
  fill: "green",
  shape: "dot",
  text: RED._(`tangoe-token.status.${heal.reason === "deadChain" ? "healed" : "bootstrapped"}`, {
    time: clockTime(expiresAt),
    at: clockTime(heal.at),
  }),
})

/** Yellow: a refresh is under way. */
export const refreshingStatus = (RED: NodeAPI): NodeStatus => ({
  fill: "yellow",
  shape: "ring",
  text: RED._("tangoe-token.status.refreshing"),
})

const catalogTag = (problem: TokenProblem): string =>
  KNOWN_TAGS.has(problem._tag) ? problem._tag : "Unexpected"

/** The credentials node's fields, by the names problems give them (their labels are in the catalog). */
const CREDENTIAL_FIELDS: ReadonlySet<string> = new Set([
  "environment",
  "tokenUrl",
  "clientId",
  "clientSecret",
  "scope",
  "refreshToken",
  "placement",
  "clientAuth",
  "refreshAhead",
  "redisUrl",
  "tenant",
  "apiBase",
])

/**
 * The short action to take for a problem, from the catalog (e.g. "paste a new refresh token"); for a
 * setting at fault, the field to fix, by its label in the credentials node (e.g. "fix Client secret
 * in the credentials").
 */
export const actionOf = (RED: NodeAPI, problem: TokenProblem): string =>
  (problem._tag === "NotConfigured" || problem._tag === "InvalidConfig") &&
  problem.field !== undefined &&
  CREDENTIAL_FIELDS.has(problem.field)
    ? RED._("tangoe-token.status.fixField", {
        field: RED._(`tangoe-credentials.label.${problem.field}`),
      })
    : RED._(`tangoe-token.errors.${catalogTag(problem)}.action`)

/** Red: the short error label and the action to take, both from the catalog. */
export const errorStatus = (RED: NodeAPI, problem: TokenProblem): NodeStatus => ({
  fill: "red",
  shape: "dot",
  text: RED._("tangoe-token.status.error", {
    error: RED._(`tangoe-token.errors.${catalogTag(problem)}.label`),
    action: actionOf(RED, problem),
  }),
})
