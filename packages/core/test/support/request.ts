/** A valid request for unit tests; secrets are recognisable so scans can find them. */
import type { RefreshRequest } from "../../src/RefreshRequest.ts"

export const CLIENT_SECRET = "cs-SECRET-5f1e2d3c4b5a69788796a5b4c3d2e1f0"
export const REFRESH_TOKEN = "rt-SECRET-a9AhNvcffquYkV4bSw0O6gt4gKZRvTUG"

export const request = (overrides: Partial<RefreshRequest> = {}): RefreshRequest => ({
  environment: "qa",
  clientId: "376af94124f4400e9227c89937c12354",
  clientSecret: CLIENT_SECRET,
  refreshToken: REFRESH_TOKEN,
  scope: "MOBPROC",
  ...overrides,
})
