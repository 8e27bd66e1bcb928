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
