/** Flow pieces the suites share. */
import type { SeededClient } from "@tangoe-token/pingfederate-sim"

/** A simulator client's credentials, as a `tangoe-credentials` node takes them. */
export interface Client {
  clientId: string
  clientSecret: string
  refreshToken: string
}

/** The credentials of a seeded simulator client. */
export const credentialsOf = (seeded: SeededClient): Client => ({
  clientId: seeded.clientId,
  clientSecret: seeded.clientSecret,
  refreshToken: seeded.refreshToken,
})

/** A `tangoe-credentials` node for the simulator at `tokenUrl` (custom environment, defaults). */
export const simulatorCredentialsNode = (id: string, tokenUrl: string, overrides: object = {}) => ({
  id,
  type: "tangoe-credentials",
  name: "simulator",
  environment: "custom",
  tokenUrl,
  scope: "MOBPROC",
  placement: "query",
  clientAuth: "params",
  refreshAhead: 5,
  ...overrides,
})

/** A function node on tab `f1` that runs `func` and wires its output to `next`. */
export const functionNode = (id: string, func: string, next: string) => ({
  id,
  z: "f1",
  type: "function",
  func,
  outputs: 1,
  wires: [[next]],
})

/** An inject node on tab `f1` that sends an empty `msg.payload` (and `props` besides) to `next`. */
export const injectNode = (id: string, next: string, props: object[] = []) => ({
  id,
  z: "f1",
  type: "inject",
  props: [{ p: "payload" }, ...props],
  payload: "",
  payloadType: "str",
  wires: [[next]],
})

/** An `http request` node on tab `f1` that POSTs `msg.payload` to `url` (e.g. a test collector). */
export const postNode = (id: string, url: string) => ({
  id,
  z: "f1",
  type: "http request",
  method: "POST",
  ret: "txt",
  url,
  wires: [[]],
})

/** What {@link tokenApiFlow} builds on: the simulator, where to report, and how. */
export interface TokenApiFlowOptions {
  readonly label: string
  readonly tokenUrl: string
  readonly apiUrl: string
  /** The credentials of the config node `cfg` (omitted: none are deployed with the flow). */
  readonly credentials?: object | undefined
  /** Where the API result is POSTed (a collector URL) and the function body that shapes it. */
  readonly resultUrl: string
  readonly resultPayload: string
  /** Where a caught token or API error is POSTed and the function body that shapes it. */
  readonly errorUrl: string
  readonly errorPayload: string
}

/**
 * The end-to-end flow on tab `f1`: inject `go` -> `tangoe token` (config `cfg`) -> GET the protected
 * API -> POST the result; a catch on the token and API nodes POSTs errors. Append nodes (more
 * injects wired to `tok`, status watchers) as a test needs.
 */
export const tokenApiFlow = (o: TokenApiFlowOptions): object[] => [
  { id: "f1", type: "tab", label: o.label },
  simulatorCredentialsNode("cfg", o.tokenUrl, o.credentials ? { credentials: o.credentials } : {}),
  injectNode("go", "tok"),
  { id: "tok", z: "f1", type: "tangoe token", account: "cfg", wires: [["api"]] },
  { id: "api", z: "f1", type: "http request", method: "GET", ret: "obj", url: o.apiUrl, wires: [["report"]] },
  functionNode("report", o.resultPayload, "post-result"),
  postNode("post-result", o.resultUrl),
  {
    id: "catcher",
    z: "f1",
    type: "catch",
    scope: ["tok", "api"],
    uncaught: false,
    wires: [["report-error"]],
  },
  functionNode("report-error", o.errorPayload, "post-error"),
  postNode("post-error", o.errorUrl),
]

/** A helper node `out` and, for errors anywhere on tab `f1`, a catch wired to a helper `caught`. */
export const outAndCaughtHelpers = (): object[] => [
  { id: "out", z: "f1", type: "helper" },
  { id: "catcher", z: "f1", type: "catch", scope: null, uncaught: false, wires: [["caught"]] },
  { id: "caught", z: "f1", type: "helper" },
]
