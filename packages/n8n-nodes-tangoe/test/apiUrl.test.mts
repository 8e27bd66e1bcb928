/** Where the node may send the token: only at or below the credential's API base URL. */
import { describe, expect, it } from "vitest"
import { resolveApiUrl } from "../nodes/Tangoe/apiUrl.ts"

const ok = (base: string, target: string) => {
  const result = resolveApiUrl(base, target)
  if (!result.ok) throw new Error(result.reason)
  return result.url
}

const reason = (base: string, target: string) => {
  const result = resolveApiUrl(base, target)
  return result.ok ? "" : result.reason
}

describe("resolveApiUrl", () => {
  it("appends a path to the base, keeping the base's own path and the query", () => {
    expect(ok("https://api.example.com", "/v1/items")).toBe("https://api.example.com/v1/items")
    expect(ok("https://api.example.com/", "v1/items?x=1")).toBe("https://api.example.com/v1/items?x=1")
    expect(ok("https://api.example.com/tangoe/", "/v1/items")).toBe("https://api.example.com/tangoe/v1/items")
    expect(ok("https://api.example.com/tangoe", "")).toBe("https://api.example.com/tangoe")
  })

  it("accepts a full URL under the base", () => {
    expect(ok("https://api.example.com/tangoe", "https://api.example.com/tangoe/v1/x")).toBe(
      "https://api.example.com/tangoe/v1/x",
    )
  })

  it("refuses another host, scheme, port, a sibling path, or an escape with ..", () => {
    expect(reason("https://api.example.com", "https://evil.example.com/v1")).toMatch(/not under/)
    expect(reason("https://api.example.com", "http://api.example.com/v1")).toMatch(/not under/)
    expect(reason("https://api.example.com", "https://api.example.com:8443/v1")).toMatch(/not under/)
    expect(reason("https://api.example.com/tangoe", "https://api.example.com/tangoe-admin/x")).toMatch(
      /not under/,
    )
    expect(reason("https://api.example.com/tangoe", "../admin")).toMatch(/not under/)
    expect(reason("https://api.example.com", "https://user:pw@api.example.com/v1")).toMatch(/not under/)
  })

  it("never shows a query string (it may hold secrets) in its reasons", () => {
    expect(reason("https://api.example.com", "https://evil.example.com/v1?key=s3cr3t-value")).not.toContain(
      "s3cr3t",
    )
  })

  it("asks for a base URL when the credential has none", () => {
    expect(reason("", "/v1")).toMatch(/API Base URL/)
    expect(reason("ftp://files.example.com", "/v1")).toMatch(/API Base URL/)
  })
})
