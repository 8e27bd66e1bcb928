/**
 * Interleaved measurement: every round runs each contender once, so that a noisy neighbour or a GC
 * pause hits every contender alike. Warm-up rounds are discarded.
 *
 * The order of a round comes from a Williams design (`balancedOrder`): over a cycle of rounds every
 * contender runs in every position, and right after every other contender, equally often. Rotating one
 * order by the round balanced the positions only: each contender then always followed the same
 * neighbour, and what that neighbour left behind (warm or cold code paths of `fetch` or of Node's HTTP
 * client, caches) was measured with it. The same refresh measured 0.87x plain fetch after a contender on
 * Node's HTTP client and 1.10x after plain fetch (see README, "Order of the contenders").
 */
/** A contender of a throughput scenario: `run(n)` performs n sequential operations. */
export interface BatchContender {
  readonly name: string
  readonly run: (n: number) => Promise<void>
}

/** A contender of a latency scenario: `once()` performs one operation. */
export interface LatencyContender {
  readonly name: string
  readonly once: () => Promise<void>
}

/** How many rounds to discard, how many to keep. */
export interface RoundPlan {
  readonly warmup: number
  readonly rounds: number
}

/**
 * Round `round`'s order of `n` contenders (indexes), from a Williams design: the first row is
 * 0, 1, n-1, 2, n-2, …; row r adds r to each index (mod n); for an odd `n` the rows are followed by their
 * reverses. Over one cycle (`n` rounds, `2n` for an odd `n`) each index takes each position equally
 * often, and each ordered pair of different indexes is adjacent equally often (once, twice for odd `n`).
 */
export const balancedOrder = (n: number, round: number): ReadonlyArray<number> => {
  if (n <= 0) return []
  const first = Array.from({ length: n }, (_, i) => (i % 2 === 1 ? (i + 1) / 2 : (n - i / 2) % n))
  const cycle = n % 2 === 0 ? n : 2 * n
  const r = round % cycle
  const row = first.map((v) => (v + (r % n)) % n)
  return r < n ? row : row.reverse()
}

/** Runs contenders in balanced order for `warmup + rounds` rounds; returns the kept samples by name. */
export const interleave = async <C extends { readonly name: string }>(
  contenders: ReadonlyArray<C>,
  plan: RoundPlan,
  measure: (contender: C) => Promise<number>,
): Promise<Map<string, number[]>> => {
  const samples = new Map(contenders.map((c) => [c.name, [] as number[]]))
  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    for (const index of balancedOrder(contenders.length, round)) {
      const contender = contenders[index] as C
      const sample = await measure(contender)
      if (round >= plan.warmup) samples.get(contender.name)?.push(sample)
    }
  }
  return samples
}

/** Operations per second of batches of `batch` sequential operations. */
export const throughput = (
  contenders: ReadonlyArray<BatchContender>,
  plan: RoundPlan & { readonly batch: number },
): Promise<Map<string, number[]>> =>
  interleave(contenders, plan, async (c) => {
    const start = performance.now()
    await c.run(plan.batch)
    return (plan.batch / (performance.now() - start)) * 1000
  })

/** Milliseconds of one operation. */
export const latency = (
  contenders: ReadonlyArray<LatencyContender>,
  plan: RoundPlan,
): Promise<Map<string, number[]>> =>
  interleave(contenders, plan, async (c) => {
    const start = performance.now()
    await c.once()
    return performance.now() - start
  })
