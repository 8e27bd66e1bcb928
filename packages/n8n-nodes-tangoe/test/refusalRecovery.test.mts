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

/** `withRefusalRecovery` over stored tokens; `failure(n)` is what the n-th send throws (`undefined`: it succeeds). */
const recover = (refreshTokens: string[], failure: (send: number) => unknown) => {
  const fake = contextWith(refreshTokens)
  let sends = 0
  const result = withRefusalRecovery(
    fake.context,
    0,
    async () => {
      const error = failure(++sends)
      if (error !== undefined) throw error
      return "ok"
    },
    quick,
  )
  return { result, sends: () => sends, reads: fake.credentialReads }
}

describe("withRefusalRecovery", () => {
  it("finds the refusal through n8n's error wrapping and re-reads n8n's stored credential", async () => {
    const run = recover(["rt-old", "rt-old", "rt-new"], (send) =>
      send === 1 ? refusedFor("rt-old") : undefined,
    )
    expect(await run.result).toBe("ok")
    expect(run.sends()).toBe(2)
    expect(run.reads()).toBe(3)
  })

  it("a refusal that stands is an n8n error: n8n's own as it is, core's marker error wrapped", async () => {
    const wrapped = refusedFor("rt-old")
    const stands = recover(["rt-old"], () => wrapped)
    await expect(stands.result).rejects.toBe(wrapped)
    expect(stands.sends()).toBe(1)
    const bare = new TangoeAuthError("Tangoe token refresh failed", {
      reason: "InvalidGrant",
      refreshTokenFingerprint: fingerprint("rt-old"),
    })
    const wraps = recover(["rt-old"], () => bare)
    const error = await wraps.result.then(
      () => undefined,
      (e: unknown) => e,
    )
    expect(error).toBeInstanceOf(NodeApiError)
    expect((error as NodeApiError).cause).toBe(bare)
  })

  it("re-reads nothing for a marker of another failure", async () => {
    const run = recover(["rt-new"], () => refusedFor("rt-old", "InvalidClient"))
    await expect(run.result).rejects.toBeInstanceOf(NodeApiError)
    expect(run.sends()).toBe(1)
    expect(run.reads()).toBe(0)
  })

  it("waits only while another holder may still deliver: a token a wait already proved dead is reported at once (issue 18)", async () => {
    // The first refusal of this token waits (polls n8n's stored credential) for another execution's rotation.
    const first = recover(["rt-dead-node"], () => refusedFor("rt-dead-node"))
    await expect(first.result).rejects.toBeInstanceOf(NodeApiError)
    expect(first.reads()).toBeGreaterThan(3)
    // The next execution refused with the same token: one read, no wait (nobody can deliver).
    const again = recover(["rt-dead-node"], () => refusedFor("rt-dead-node"))
    await expect(again.result).rejects.toBeInstanceOf(NodeApiError)
    expect(again.reads()).toBe(1)
    expect(again.sends()).toBe(1)
  })
})
