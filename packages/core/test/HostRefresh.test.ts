/**
 * The rules for hosts without compare-and-set (`@tangoe-token/core/host`): the single flight with a
 * controlled clock and scripted refreshes, the keys and fingerprints, and the recovery after a refusal
 * by re-reading the host's copy. (The n8n package used to carry its own copies of these tests.)
 */
import { describe, expect, it } from "vitest"
import {
  awaitNewerRefreshToken,
  decideFlight,
  isExpiring,
  isKnownDeadRefreshToken,
  isNewerRefreshToken,
  makeFlightTable,
  RECENT_TTL_MILLIS,
  REFUSED_TTL_MILLIS,
  type RefreshFlights,
  type RefreshOutcome,
  refreshKey,
  retryAfterRefusal,
  secretFingerprint,
  singleFlight,
} from "../src/host.ts"
import { TOKEN_URLS } from "../src/RefreshRequest.ts"

const outcome = (n: number, expiresAt = 10_000_000): RefreshOutcome => ({
  accessToken: `at-${n}`,
  refreshToken: `rt-${n}`,
  expiresAt,
})

const setup = () => {
  const flights: RefreshFlights = makeFlightTable()
  let now = 1_000
  let runs = 0
  const refusal = new Error("refused")
  const flight = (
    key: string,
    heldAccessToken = "",
    result: () => Promise<RefreshOutcome> = async () => outcome(++runs),
  ) =>
    singleFlight({
      key,
      heldAccessToken,
      flights,
      now: () => now,
      isRefusal: (error) => error === refusal,
      run: result,
    })
  return {
    flights,
    flight,
    refusal,
    advance: (ms: number) => {
      now += ms
    },
    runs: () => runs,
  }
}

describe("singleFlight", () => {
  it("runs one refresh for concurrent callers with the same key", async () => {
    const t = setup()
    const results = await Promise.all([t.flight("k"), t.flight("k"), t.flight("k")])
    expect(t.runs()).toBe(1)
    expect(new Set(results).size).toBe(1)
    expect(t.flights.inFlight.size).toBe(0)
  })

  it("runs separately for different keys", async () => {
    const t = setup()
    await Promise.all([t.flight("a"), t.flight("b")])
    expect(t.runs()).toBe(2)
  })

  it("hands a recent result to a late caller holding another access token, until the TTL", async () => {
    const t = setup()
    const first = await t.flight("k", "old")
    expect(await t.flight("k", "old")).toBe(first)
    t.advance(RECENT_TTL_MILLIS)
    await t.flight("k", "old")
    expect(t.runs()).toBe(2)
  })

  it("never hands a recent result past the access token's expiry", async () => {
    const t = setup()
    await t.flight("k", "", async () => outcome(0, 1_500))
    t.advance(600)
    const next = await t.flight("k", "")
    expect(next.accessToken).toBe("at-1")
    expect(t.runs()).toBe(1)
  })

  it("refreshes anew for a caller whose 401 came with the recent result's token", async () => {
    const t = setup()
    const first = await t.flight("k")
    const second = await t.flight("k", first.accessToken)
    expect(second).not.toBe(first)
    expect(t.runs()).toBe(2)
  })

  it("remembers a refused token for good (it is dead) and fails without running", async () => {
    const t = setup()
    let attempts = 0
    const refuse = async (): Promise<RefreshOutcome> => {
      attempts++
      throw t.refusal
    }
    await expect(t.flight("k", "", refuse)).rejects.toBe(t.refusal)
    await expect(t.flight("k", "", refuse)).rejects.toBe(t.refusal)
    expect(attempts).toBe(1)
    // A day later (and far past the old 60 s memory) the dead token is still not sent.
    t.advance(24 * 60 * 60_000)
    await expect(t.flight("k", "", refuse)).rejects.toBe(t.refusal)
    expect(attempts).toBe(1)
    expect(REFUSED_TTL_MILLIS).toBe(Number.POSITIVE_INFINITY)
    // Another refresh token (another key) is sent.
    await expect(t.flight("k2", "", refuse)).rejects.toBe(t.refusal)
    expect(attempts).toBe(2)
  })

  it("does not remember other failures", async () => {
    const t = setup()
    let attempts = 0
    const fail = async (): Promise<RefreshOutcome> => {
      attempts++
      throw new Error("timeout")
    }
    await expect(t.flight("k", "", fail)).rejects.toThrow("timeout")
    await expect(t.flight("k", "", fail)).rejects.toThrow("timeout")
    expect(attempts).toBe(2)
    expect(t.flights.recent.size + t.flights.refused.size + t.flights.inFlight.size).toBe(0)
  })

  it("registers the flight before a refresh that throws at once, and clears it", async () => {
    const t = setup()
    const boom = (): Promise<RefreshOutcome> => {
      throw new Error("sync")
    }
    const both = Promise.allSettled([t.flight("k", "", boom), t.flight("k", "", boom)])
    expect(t.flights.inFlight.size).toBe(1)
    const [a, b] = await both
    expect(a?.status).toBe("rejected")
    expect(b?.status).toBe("rejected")
    expect(t.flights.inFlight.size).toBe(0)
  })

  it("keeps its maps bounded", async () => {
    const t = setup()
    for (let i = 0; i < 300; i++) await t.flight(`k${i}`)
    await t.flight("last")
    expect(t.flights.recent.size).toBeLessThanOrEqual(257)
  })
})

describe("decideFlight", () => {
  it("refused before recent before join before start", () => {
    const table = makeFlightTable<string, number>()
    expect(decideFlight(table, "k", 0)).toEqual({ _tag: "Start" })
    table.inFlight.set("k", "pending")
    expect(decideFlight(table, "k", 0)).toEqual({ _tag: "Join", pending: "pending" })
    table.recent.set("k", { value: 1, until: 10 })
    expect(decideFlight(table, "k", 0)).toEqual({ _tag: "Recent", value: 1 })
    expect(decideFlight(table, "k", 0, () => false)).toEqual({ _tag: "Join", pending: "pending" })
    table.refused.set("k", { value: "no", until: 10 })
    expect(decideFlight(table, "k", 0)).toEqual({ _tag: "Refused", error: "no" })
    // Memories end at their `until`.
    expect(decideFlight(table, "k", 10)).toEqual({ _tag: "Join", pending: "pending" })
  })
})

describe("keys and fingerprints", () => {
  it("never contain the secret, and tell tokens apart", () => {
    const token = "rt-secret-value"
    const key = refreshKey({ tokenUrl: TOKEN_URLS.qa, clientId: "client", refreshToken: token })
    expect(key).not.toContain(token)
    expect(key).not.toContain("client")
    expect(secretFingerprint(token)).not.toContain(token)
    expect(secretFingerprint(token)).toMatch(/^[0-9a-f]{32}$/)
    expect(secretFingerprint(token)).toBe(secretFingerprint(token))
    expect(secretFingerprint(token)).not.toBe(secretFingerprint(`${token}x`))
    expect(key).not.toBe(
      refreshKey({ tokenUrl: TOKEN_URLS.production, clientId: "client", refreshToken: token }),
    )
    expect(key).not.toBe(refreshKey({ tokenUrl: TOKEN_URLS.qa, clientId: "other", refreshToken: token }))
    expect(key).not.toBe(refreshKey({ tokenUrl: TOKEN_URLS.qa, clientId: "client", refreshToken: "rt-2" }))
  })

  it("a newer host copy is a set, different token", () => {
    const refused = secretFingerprint("rt-old")
    expect(isNewerRefreshToken(refused, "rt-new")).toBe(true)
    expect(isNewerRefreshToken(refused, "rt-old")).toBe(false)
    expect(isNewerRefreshToken(refused, "")).toBe(false)
    expect(isNewerRefreshToken(refused, undefined)).toBe(false)
  })

  it("an access token is expiring when it has less than the minimum validity left, or is unknown", () => {
    expect(isExpiring(undefined, 0, 0)).toBe(true)
    expect(isExpiring(10_000, 0, 5_000)).toBe(false)
    expect(isExpiring(10_000, 5_000, 5_000)).toBe(true)
    expect(isExpiring(10_000, 10_000, 0)).toBe(true)
  })
})

/** The host's copy: each read returns the next value, the last one repeating. */
const hostCopy = (refreshTokens: string[]) => {
  let reads = 0
  return {
    reread: async () => refreshTokens[Math.min(reads++, refreshTokens.length - 1)],
    reads: () => reads,
  }
}

// The pause only yields: the waits are counted in polls, not in elapsed time.
const quick = { waitMillis: 200, pollMillis: 20, sleep: () => Promise.resolve() }

class Refused extends Error {
  constructor(
    readonly fingerprint: string,
    readonly reason = "InvalidGrant",
  ) {
    super("refused")
  }
}
const refusedFor = (refreshToken: string, reason = "InvalidGrant") =>
  new Refused(secretFingerprint(refreshToken), reason)
const refusedFingerprintOf = (error: unknown) =>
  error instanceof Refused && error.reason === "InvalidGrant" ? error.fingerprint : undefined

/** `retryAfterRefusal` over a host copy; `failure(n)` is what the n-th send throws (`undefined`: it succeeds). */
const recover = (refreshTokens: string[], failure: (send: number) => unknown) => {
  const host = hostCopy(refreshTokens)
  let sends = 0
  const result = retryAfterRefusal({
    ...quick,
    reread: host.reread,
    refusedFingerprintOf,
    send: async () => {
      const error = failure(++sends)
      if (error !== undefined) throw error
      return "ok"
    },
  })
  return { result, sends: () => sends, reads: host.reads }
}

describe("retryAfterRefusal", () => {
  it("sends once more when the host's refresh token changed after invalid_grant", async () => {
    const run = recover(["rt-old", "rt-old", "rt-new"], (send) =>
      send === 1 ? refusedFor("rt-old") : undefined,
    )
    expect(await run.result).toBe("ok")
    expect(run.sends()).toBe(2)
  })

  it("gives up with the original error when the refused token stays stored (it is dead)", async () => {
    // A token of its own: once a wait proved it dead, this process never waits for it again (below).
    const refused = refusedFor("rt-stays")
    const run = recover(["rt-stays"], () => refused)
    await expect(run.result).rejects.toBe(refused)
    expect(run.sends()).toBe(1)
    expect(run.reads()).toBeGreaterThan(3)
  })

  it("retries at most once", async () => {
    const run = recover(["rt-new"], () => refusedFor("rt-old"))
    await expect(run.result).rejects.toBeInstanceOf(Refused)
    expect(run.sends()).toBe(2)
  })

  it("does not retry other failures", async () => {
    const run = recover(["rt-new"], () => refusedFor("rt-old", "InvalidClient"))
    await expect(run.result).rejects.toThrow()
    expect(run.sends()).toBe(1)
    expect(run.reads()).toBe(0)
  })

  it("awaitNewerRefreshToken ignores an empty stored token", async () => {
    const host = hostCopy([""])
    expect(
      await awaitNewerRefreshToken({
        ...quick,
        reread: host.reread,
        refusedFingerprint: secretFingerprint("rt-old"),
      }),
    ).toBe(undefined)
  })

  it("awaitNewerRefreshToken resolves with the newer token", async () => {
    // A refused token never waited for before (rt-old was, above: a token proven dead is not waited for).
    const host = hostCopy(["rt-pending", "rt-new"])
    expect(
      await awaitNewerRefreshToken({
        ...quick,
        reread: host.reread,
        refusedFingerprint: secretFingerprint("rt-pending"),
      }),
    ).toBe("rt-new")
    expect(host.reads()).toBe(2)
  })

  it("does not wait when nobody can deliver: a token a wait already proved dead, or a host with the only copy", async () => {
    // The first refusal waits: another holder may still save its rotation.
    const first = recover(["rt-dead-once"], () => refusedFor("rt-dead-once"))
    await expect(first.result).rejects.toBeInstanceOf(Refused)
    expect(first.reads()).toBeGreaterThan(3)
    expect(isKnownDeadRefreshToken(secretFingerprint("rt-dead-once"))).toBe(true)
    // The same token refused again (another execution in this process): one read, no pause.
    let pauses = 0
    const again = awaitNewerRefreshToken({
      ...quick,
      sleep: () => {
        pauses++
        return Promise.resolve()
      },
      reread: hostCopy(["rt-dead-once"]).reread,
      refusedFingerprint: secretFingerprint("rt-dead-once"),
    })
    expect(await again).toBe(undefined)
    expect(pauses).toBe(0)
    // A newer token stored meanwhile is still found (the read comes first).
    expect(
      await awaitNewerRefreshToken({
        ...quick,
        reread: hostCopy(["rt-after-dead"]).reread,
        refusedFingerprint: secretFingerprint("rt-dead-once"),
      }),
    ).toBe("rt-after-dead")
    // A host that holds the only copy: no wait for a token never seen before either.
    const single = hostCopy(["rt-single"])
    expect(
      await awaitNewerRefreshToken({
        ...quick,
        mayBeDelivered: false,
        sleep: () => {
          pauses++
          return Promise.resolve()
        },
        reread: single.reread,
        refusedFingerprint: secretFingerprint("rt-single"),
      }),
    ).toBe(undefined)
    expect(single.reads()).toBe(1)
    expect(pauses).toBe(0)
  })
})
