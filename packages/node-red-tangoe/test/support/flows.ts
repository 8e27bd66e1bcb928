/** Flow pieces the suites share. */

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
