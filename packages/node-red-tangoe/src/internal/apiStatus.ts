/**
 * The `tangoe api` node's status texts, from the message catalog: blue "calling", green "200 at HH:MM"
 * or "24 items, 3 pages at HH:MM", red "<error> <errorCode>: <what to do>". Built from the catalog, a
 * time, counts, an HTTP status and Tangoe's error code only: never a secret.
 *
 * @internal
 */
import { API_REASON_TAGS, type ApiProblem } from "./apiProblem.ts"
import type { Paging } from "./apiRequest.ts"
import type { NodeAPI, NodeStatus } from "./red.ts"
import { actionOf, clockTime, errorStatus } from "./status.ts"

/** Blue: the call (or the pages) under way. */
export const callingStatus = (RED: NodeAPI): NodeStatus => ({
  fill: "blue",
  shape: "ring",
  text: RED._("tangoe-api.status.calling"),
})

/** Green: what was sent on, at `at`. */
export const apiOkStatus = (
  RED: NodeAPI,
  paging: Paging,
  sent: { readonly pages: number; readonly items: number },
  at: Date,
): NodeStatus => ({
  fill: "green",
  shape: "dot",
  text:
    paging === "none"
      ? RED._("tangoe-api.status.ok", { time: clockTime(at) })
      : RED._("tangoe-api.status.paged", {
          items: String(sent.items),
          pages: String(sent.pages),
          time: clockTime(at),
        }),
})

const isApiReason = (problem: ApiProblem): boolean =>
  API_REASON_TAGS.has(problem._tag) || problem._tag === "InvalidRequest"

/** What to do: the API catalog's action for an API reason, the token node's for a token problem. */
export const apiActionOf = (RED: NodeAPI, problem: ApiProblem): string => {
  if (problem._tag === "BadRequest" && problem.errorCode === "400-missing-required-header") {
    return RED._("tangoe-api.errors.BadRequest.missingHeader")
  }
  if (problem._tag === "InvalidRequest") {
    return RED._("tangoe-api.status.fixField", { field: RED._(`tangoe-api.label.${problem.field ?? "url"}`) })
  }
  if (problem._tag === "NotConfigured" && problem.field === "apiBase") {
    return RED._("tangoe-token.status.fixField", { field: RED._("tangoe-credentials.label.apiBase") })
  }
  return isApiReason(problem) ? RED._(`tangoe-api.errors.${problem._tag}.action`) : actionOf(RED, problem)
}

/** Red: the short error label (with Tangoe's error code when it sent one) and the action. */
export const apiErrorStatus = (RED: NodeAPI, problem: ApiProblem): NodeStatus => {
  if (!isApiReason(problem) && !(problem._tag === "NotConfigured" && problem.field === "apiBase")) {
    return errorStatus(RED, problem)
  }
  const label =
    problem._tag === "NotConfigured"
      ? RED._("tangoe-token.errors.NotConfigured.label")
      : RED._(`tangoe-api.errors.${problem._tag}.label`)
  return {
    fill: "red",
    shape: "dot",
    text: RED._("tangoe-token.status.error", {
      error: problem.errorCode === undefined ? label : `${label} ${problem.errorCode}`,
      action: apiActionOf(RED, problem),
    }),
  }
}
