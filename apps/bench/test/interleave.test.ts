/** The order of interleaved rounds: a Williams design, balanced in positions and in neighbours. */
import { assert, describe, it } from "vitest"
import { balancedOrder, interleave } from "../src/interleave.ts"

const cycleOf = (n: number) => (n % 2 === 0 ? n : 2 * n)

/** How often each key was counted over one cycle of `n` contenders. */
const counts = (n: number, keysOf: (order: ReadonlyArray<number>) => ReadonlyArray<string>) => {
  const seen = new Map<string, number>()
  for (let round = 0; round < cycleOf(n); round++)
    for (const key of keysOf(balancedOrder(n, round))) seen.set(key, (seen.get(key) ?? 0) + 1)
  return seen
}

describe("balancedOrder", () => {
  for (let n = 1; n <= 9; n++) {
    it(`${n} contenders: every round is a permutation`, () => {
      for (let round = 0; round < 3 * cycleOf(n); round++)
        assert.sameMembers([...balancedOrder(n, round)], [...Array(n).keys()])
    })

    it(`${n} contenders: each takes each position equally often over a cycle`, () => {
      const positions = counts(n, (order) => order.map((c, i) => `${c}@${i}`))
      assert.strictEqual(positions.size, n * n)
      assert.strictEqual(new Set(positions.values()).size, 1)
    })

    it(`${n} contenders: each follows each other one equally often over a cycle`, () => {
      const pairs = counts(n, (order) => order.slice(1).map((c, i) => `${order[i]}>${c}`))
      assert.strictEqual(pairs.size, n * (n - 1))
      if (n > 1) assert.strictEqual(new Set(pairs.values()).size, 1)
    })
  }
})

describe("interleave", () => {
  it("runs every contender warmup + rounds times and keeps the last rounds' samples", async () => {
    const runs: string[] = []
    const contenders = ["a", "b", "c"].map((name) => ({ name }))
    const samples = await interleave(contenders, { warmup: 2, rounds: 5 }, async (c) => {
      runs.push(c.name)
      return runs.length
    })
    assert.strictEqual(runs.length, 21)
    for (const c of contenders) assert.strictEqual(samples.get(c.name)?.length, 5)
    // the third round (the first kept) starts where the design's third row does
    assert.strictEqual(runs[6], contenders[balancedOrder(3, 2)[0] as number]?.name)
  })
})
