import { readFileSync } from "node:fs"
import { join } from "node:path"
import {
  InvalidGrant,
  REFRESH_ERROR_REASON_TAGS,
  RefreshError,
  StoreError,
  Timeout,
} from "@tangoe-token/core"
import * as Duration from "effect/Duration"
import { describe, expect, it } from "vitest"
import { KNOWN_TAGS, toProblem } from "./problem.ts"

const catalog = JSON.parse(
  readFileSync(join(import.meta.dirname, "../locales/en-US/tangoe.json"), "utf8"),
) as {
  "tangoe-token": { errors: Record<string, { label?: unknown; action?: unknown }> }
}

describe("what a failed token request looks like to a flow", () => {
  it("names a RefreshError by its reason, and core's other errors by their tag", () => {
    const refused = new RefreshError({
      reason: new InvalidGrant({
        environment: "qa",
        status: 400,
        error: "invalid_grant",
        afterAmbiguousAttempt: false,
      }),
    })
    expect(toProblem(refused, [])).toEqual({ _tag: "InvalidGrant", message: refused.message })
    const slow = new RefreshError({
      reason: new Timeout({ environment: "qa", timeout: Duration.seconds(3) }),
    })
    expect(toProblem(slow, [])._tag).toBe("Timeout")
    const store = new StoreError({ operation: "save", location: "/x", reason: "Io" })
    expect(toProblem(store, [])._tag).toBe("StoreError")
    expect(toProblem(new Error("boom"), [])._tag).toBe("Unexpected")
  })

  it("scrubs the secrets it is given from the message", () => {
    expect(toProblem({ _tag: "X", message: "secret-value here" }, ["secret-value"]).message).toBe(
      "[redacted] here",
    )
  })

  it("knows every reason of core's RefreshError, and the catalog has a label and action for each known tag", () => {
    for (const tag of REFRESH_ERROR_REASON_TAGS) expect(KNOWN_TAGS.has(tag), tag).toBe(true)
    const entries = catalog["tangoe-token"].errors
    for (const tag of KNOWN_TAGS) {
      expect(typeof entries[tag]?.label, tag).toBe("string")
      expect(typeof entries[tag]?.action, tag).toBe("string")
    }
    expect(new Set(Object.keys(entries))).toEqual(new Set(KNOWN_TAGS))
  })
})
