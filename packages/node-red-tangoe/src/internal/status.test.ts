import { describe, expect, it } from "vitest"
import catalog from "../locales/en-US/tangoe.json" with { type: "json" }
import type { NodeAPI } from "./red.ts"
import { actionOf, errorStatus } from "./status.ts"

/** `RED._` over the real catalog, with `__name__` substitutions, as the runtime does. */
const RED = {
  _: (key: string, values: Record<string, string> = {}) => {
    let node: unknown = catalog
    for (const part of key.split(".")) node = (node as Record<string, unknown> | undefined)?.[part]
    const text = typeof node === "string" ? node : key
    return text.replace(/__(\w+)__/g, (_, name: string) => values[name] ?? "")
  },
} as unknown as NodeAPI

describe("the status of a settings problem names the field to fix", () => {
  it("by its label in the credentials node", () => {
    const status = errorStatus(RED, { _tag: "NotConfigured", field: "clientSecret", message: "…" })
    expect(status).toMatchObject({
      fill: "red",
      text: "not configured: fix “Client secret” in the credentials",
    })
    expect(actionOf(RED, { _tag: "InvalidConfig", field: "tokenUrl", message: "…" })).toBe(
      "fix “Token URL” in the credentials",
    )
  })

  it("keeps the catalog's action for other problems and unknown fields", () => {
    expect(actionOf(RED, { _tag: "InvalidGrant", message: "…" })).toBe("paste a new refresh token")
    expect(actionOf(RED, { _tag: "NotConfigured", field: "account", message: "…" })).toBe(
      "complete the Tangoe credentials",
    )
  })
})
