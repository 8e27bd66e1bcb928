import { describe, expect, it } from "vitest"
import { ratio, summarize } from "../src/stats.ts"

describe("summarize", () => {
  it("gives the median of an odd and an even count, with the range", () => {
    expect(summarize([5, 1, 3])).toEqual({ median: 3, min: 1, max: 5, n: 3 })
    expect(summarize([4, 1, 3, 2])).toEqual({ median: 2.5, min: 1, max: 4, n: 4 })
  })

  it("gives NaN for no samples", () => {
    expect(summarize([]).n).toBe(0)
    expect(summarize([]).median).toBeNaN()
  })
})

describe("ratio", () => {
  it("divides finite numbers and refuses zero or NaN divisors", () => {
    expect(ratio(3, 2)).toBe(1.5)
    expect(ratio(1, 0)).toBeNull()
    expect(ratio(Number.NaN, 1)).toBeNull()
  })
})
