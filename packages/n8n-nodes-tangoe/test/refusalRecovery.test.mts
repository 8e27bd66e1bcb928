/**
 * The node's translation of core's recovery after a refresh race lost to another process: the marker
 * read through n8n's error wrapping, the credential re-read from n8n, n8n errors out. (The rule itself
 * is tested in core's HostRefresh tests.)
 */

import { secretFingerprint as fingerprint } from "@tangoe-token/core/host"
import { NodeApiError } from "n8n-workflow"
import { describe, expect, it } from "vitest"
import { withRefusalRecovery } from "../nodes/Tangoe/refusalRecovery.ts"
import { TangoeAuthError } from "../shared/TangoeAuthError.ts"
import { fakeContext, fakeNode } from "./support/fakeContext.mts"

const quick = { waitMillis: 200, pollMillis: 20 }

const refusedFor = (refreshToken: string, reason = "InvalidGrant") =>
  new NodeApiError(
    fakeNode,
    new TangoeAuthError("Tangoe token refresh failed", {
      reason,
      refreshTokenFingerprint: fingerprint(refreshToken),
    }) as never,
  )

const contextWith = (refreshTokens: string[]) => {
  let read = 0
  return fakeContext({
    parameters: {},
    credential: () => ({ refreshToken: refreshTokens[Math.min(read++, refreshTokens.length - 1)] ?? "" }),
    request: async () => ({}),
  })
}

describe("withRefusalRecovery", () => {
  it("sends once more when the stored refresh token changed after invalid_grant", async () => {
    const { context } = contextWith(["rt-old", "rt-old", "rt-new"])
    let sends = 0
    const result = await withRefusalRecovery(
      context,
      0,
      async () => {
        sends++
        if (sends === 1) throw refusedFor("rt-old")
        return "ok"
      },
      quick,
    )
    expect(result).toBe("ok")
    expect(sends).toBe(2)
  })

  it("gives up with the original error when the refused token stays stored (it is dead)", async () => {
    const fake = contextWith(["rt-old"])
    const refused = refusedFor("rt-old")
    let sends = 0
    await expect(
      withRefusalRecovery(
        fake.context,
        0,
        async () => {
          sends++
          throw refused
        },
        quick,
      ),
    ).rejects.toBe(refused)
    expect(sends).toBe(1)
    expect(fake.credentialReads()).toBeGreaterThan(3)
  })

  it("retries at most once", async () => {
    const { context } = contextWith(["rt-new"])
    let sends = 0
    await expect(
      withRefusalRecovery(
        context,
        0,
        async () => {
          sends++
          throw refusedFor("rt-old")
        },
        quick,
      ),
    ).rejects.toBeInstanceOf(NodeApiError)
    expect(sends).toBe(2)
  })

  it("does not retry other failures", async () => {
    const fake = contextWith(["rt-new"])
    let sends = 0
    await expect(
      withRefusalRecovery(
        fake.context,
        0,
        async () => {
          sends++
          throw refusedFor("rt-old", "InvalidClient")
        },
        quick,
      ),
    ).rejects.toThrow()
    expect(sends).toBe(1)
    expect(fake.credentialReads()).toBe(0)
  })

  it("does not take an empty stored token for a newer one", async () => {
    const fake = contextWith([""])
    const refused = refusedFor("rt-old")
    let sends = 0
    await expect(
      withRefusalRecovery(
        fake.context,
        0,
        async () => {
          sends++
          throw refused
        },
        quick,
      ),
    ).rejects.toBe(refused)
    expect(sends).toBe(1)
  })
})
