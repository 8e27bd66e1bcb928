/** The effect-free page rules adapters bundle: which items a page holds, where the next page is. */
import { describe, expect, it } from "vitest"
import { DEFAULT_MAX_PAGES, nextPageHref, pageItems } from "../src/host.ts"

describe("pageItems", () => {
  it("takes the body when it is an array, else its items, else its only other array", () => {
    expect(pageItems([1, 2])).toEqual([1, 2])
    expect(pageItems({ items: [3], other: [4], _meta: {} })).toEqual([3])
    expect(pageItems({ orders: [5, 6], _meta: { hrefNext: "x" } })).toEqual([5, 6])
  })

  it("gives nothing for a body it cannot read as one collection", () => {
    expect(pageItems({ a: [1], b: [2] })).toEqual([])
    expect(pageItems("text")).toEqual([])
    expect(pageItems(null)).toEqual([])
    expect(pageItems({ _meta: { totalCount: 0 } })).toEqual([])
  })
})

describe("nextPageHref", () => {
  it("is _meta.hrefNext while another page follows, undefined at the end", () => {
    expect(nextPageHref({ _meta: { hrefNext: "https://api.example.com/v1/orders?offset=10" } })).toBe(
      "https://api.example.com/v1/orders?offset=10",
    )
    expect(nextPageHref({ _meta: { totalCount: 3 } })).toBeUndefined()
    expect(nextPageHref({ _meta: { hrefNext: "" } })).toBeUndefined()
    expect(nextPageHref({ _meta: { hrefNext: 42 } })).toBeUndefined()
    expect(nextPageHref([{ _meta: { hrefNext: "x" } }])).toBeUndefined()
    expect(nextPageHref(undefined)).toBeUndefined()
  })

  it("caps a listing at 500 pages by default", () => {
    expect(DEFAULT_MAX_PAGES).toBe(500)
  })
})
