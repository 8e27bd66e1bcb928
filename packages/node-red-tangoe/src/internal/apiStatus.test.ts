import { describe, expect, it } from "vitest"
import catalog from "../locales/en-US/tangoe.json" with { type: "json" }
import { API_REASON_TAGS } from "./apiProblem.ts"
import { apiActionOf, apiErrorStatus, apiOkStatus, callingStatus } from "./apiStatus.ts"
import type { NodeAPI } from "./red.ts"

/** `RED._` over the real catalog, with `__name__` substitutions, as the runtime does. */
const RED = {
  _: (key: string, values: Record<string, string> = {}) => {
    let node: unknown = catalog
    for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part]
    const text = typeof node === "string" ? node : key
    return text.replace(/__(\w+)__/g, (_, name: string) => values[name] ?? "")
  },
} as unknown as NodeAPI

const at = new Date(2026, 0, 2, 9, 5)

describe("the tangoe api node's status says what happened, from the catalog", () => {
  it("calling, one call, pages", () => {
    expect(callingStatus(RED)).toEqual({ fill: "blue", shape: "ring", text: "calling" })
    expect(apiOkStatus(RED, "none", { pages: 0, items: 0 }, at).text).toBe("OK at 09:05")
    expect(apiOkStatus(RED, "pages", { pages: 3, items: 24 }, at).text).toBe("24 items, 3 pages at 09:05")
  })

  it("an API error: its label, Tangoe's error code and what to do", () => {
    const status = apiErrorStatus(RED, {
      _tag: "BadRequest",
      message: "…",
      status: 400,
      errorCode: "400-missing-required-header",
    })
    expect(status).toEqual({
      fill: "red",
      shape: "dot",
      text: "400 400-missing-required-header: set the Tenant in the credentials",
    })
    expect(
      apiErrorStatus(RED, { _tag: "Forbidden", message: "…", errorCode: "403-tenant-forbidden" }).text,
    ).toBe("forbidden 403-tenant-forbidden: check the tenant and client; ask Tangoe for access")
  })

  it("a token problem keeps the token node's words; a settings problem names the field", () => {
    expect(apiErrorStatus(RED, { _tag: "InvalidGrant", message: "…" }).text).toBe(
      "refresh token rejected: paste a new refresh token",
    )
    expect(apiActionOf(RED, { _tag: "NotConfigured", field: "apiBase", message: "…" })).toBe(
      "fix “API base URL” in the credentials",
    )
    expect(apiActionOf(RED, { _tag: "InvalidRequest", field: "url", message: "…" })).toBe(
      "fix “URL” in this node",
    )
  })

  it("has a label and an action for every reason of core's TangoeApiError", () => {
    for (const tag of API_REASON_TAGS) {
      expect(RED._(`tangoe-api.errors.${tag}.label`)).not.toContain("tangoe-api")
      expect(RED._(`tangoe-api.errors.${tag}.action`)).not.toContain("tangoe-api")
    }
  })
})
