/** The in-process single flight, with a controlled clock and scripted refreshes. */
import { describe, expect, it } from "vitest"
import {
  makeSingleFlightState,
  RECENT_TTL_MILLIS,
  REFUSED_TTL_MILLIS,
  type RefreshOutcome,
  singleFlight,
} from "../shared/singleFlight.ts"

const outcome = (n: number, expiresAt = 10_000_000): RefreshOutcome => ({
  accessToken: `at-${n}`,
  refreshToken: `rt-${n}`,
  expiresAt,
})

const setup = () => {
  const state = makeSingleFlightState()
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
      state,
      now: () => now,
      isRefusal: (error) => error === refusal,
      run: result,
    })
  return {
    state,
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
    expect(t.state.inFlight.size).toBe(0)
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

  it("remembers a refused token for a while and fails without running", async () => {
    const t = setup()
    let attempts = 0
    const refuse = async (): Promise<RefreshOutcome> => {
      attempts++
      throw t.refusal
    }
    await expect(t.flight("k", "", refuse)).rejects.toBe(t.refusal)
    await expect(t.flight("k", "", refuse)).rejects.toBe(t.refusal)
    expect(attempts).toBe(1)
    t.advance(REFUSED_TTL_MILLIS)
    await expect(t.flight("k", "", refuse)).rejects.toBe(t.refusal)
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
    expect(t.state.recent.size + t.state.refused.size + t.state.inFlight.size).toBe(0)
  })

  it("registers the flight before a refresh that throws at once, and clears it", async () => {
    const t = setup()
    const boom = (): Promise<RefreshOutcome> => {
      throw new Error("sync")
    }
    const both = Promise.allSettled([t.flight("k", "", boom), t.flight("k", "", boom)])
    expect(t.state.inFlight.size).toBe(1)
    const [a, b] = await both
    expect(a?.status).toBe("rejected")
    expect(b?.status).toBe("rejected")
    expect(t.state.inFlight.size).toBe(0)
  })

  it("keeps its maps bounded", async () => {
    const t = setup()
    for (let i = 0; i < 300; i++) await t.flight(`k${i}`)
    await t.flight("last")
    expect(t.state.recent.size).toBeLessThanOrEqual(257)
  })
})
