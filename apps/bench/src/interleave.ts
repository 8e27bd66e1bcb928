/**
 * Interleaved measurement: every round runs each contender once, in an order rotated by the round,
 * so that a noisy neighbour or a GC pause hits every contender alike. Warm-up rounds are discarded.
 */
import { performance } from "node:perf_hooks"

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

const rotated = <A>(items: ReadonlyArray<A>, by: number): ReadonlyArray<A> => {
  const k = items.length === 0 ? 0 : by % items.length
  return [...items.slice(k), ...items.slice(0, k)]
}

/** Runs contenders in rotated order for `warmup + rounds` rounds; returns the kept samples by name. */
export const interleave = async <C extends { readonly name: string }>(
  contenders: ReadonlyArray<C>,
  plan: RoundPlan,
  measure: (contender: C) => Promise<number>,
): Promise<Map<string, number[]>> => {
  const samples = new Map(contenders.map((c) => [c.name, [] as number[]]))
  for (let round = 0; round < plan.warmup + plan.rounds; round++) {
    for (const contender of rotated(contenders, round)) {
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
