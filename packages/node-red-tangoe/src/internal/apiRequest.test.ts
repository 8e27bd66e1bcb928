import { describe, expect, it } from "vitest"
import { apiRequestOf } from "./apiRequest.ts"

describe("the request a tangoe api node makes of a message", () => {
  it("the node's path and method, else msg.url and msg.method; the flow's headers as given", () => {
    expect(apiRequestOf({ url: "orders", method: "GET" }, { url: "ignored", headers: { "X-A": 1 } })).toEqual(
      {
        url: "orders",
        method: "GET",
        paging: "none",
        init: { method: "GET", headers: { "X-A": "1" } },
      },
    )
    expect(apiRequestOf({ url: "", method: "use" }, { url: "orders/2", method: "delete" })).toMatchObject({
      url: "orders/2",
      method: "DELETE",
    })
  })

  it("an object payload of a POST is JSON; pages are read with GET only", () => {
    const request = apiRequestOf({ url: "orders", method: "POST", paging: "all" }, { payload: { a: 1 } })
    expect(request).toEqual({
      url: "orders",
      method: "POST",
      paging: "none",
      init: { method: "POST", headers: { "Content-Type": "application/json" }, body: '{"a":1}' },
    })
  })

  it("names the setting at fault", () => {
    expect(apiRequestOf({ url: "" }, {})).toMatchObject({ _tag: "InvalidRequest", field: "url" })
    expect(apiRequestOf({ url: "x", method: "use" }, { method: "TRACE" })).toMatchObject({ field: "method" })
    expect(apiRequestOf({ url: "x", paging: "pages", limit: "0" }, {})).toMatchObject({ field: "limit" })
    expect(apiRequestOf({ url: "x", paging: "pages", maxPages: "1.5" }, {})).toMatchObject({
      field: "maxPages",
    })
    expect(apiRequestOf({ url: "x", paging: "pages", limit: "100", maxPages: "3" }, {})).toMatchObject({
      paging: "pages",
      limit: 100,
      maxPages: 3,
    })
  })
})
