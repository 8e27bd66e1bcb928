import { describe, expect, it } from "vitest"
import { authorizationOf, messageToken, withAuthorization } from "./tokenMessage.ts"

const token = {
  accessToken: "at-123",
  tokenType: "bearer",
  expiresAt: new Date(10_000_000),
  scope: "MOBPROC",
}

describe("what the token node writes into a message", () => {
  it("merges Authorization into the headers, dropping any other casing of it", () => {
    expect(
      withAuthorization({ Accept: "x", authorization: "Basic a", AUTHORIZATION: "b" }, "Bearer t"),
    ).toEqual({
      Accept: "x",
      Authorization: "Bearer t",
    })
    expect(withAuthorization(undefined, "Bearer t")).toEqual({ Authorization: "Bearer t" })
    expect(withAuthorization("not headers", "Bearer t")).toEqual({ Authorization: "Bearer t" })
  })

  it("writes Bearer with a capital B whatever the server's casing", () => {
    expect(authorizationOf(token)).toBe("Bearer at-123")
  })

  it("describes the token without the token itself unless asked", () => {
    expect(messageToken(token, false, 9_000_000)).toEqual({
      tokenType: "Bearer",
      expiresAt: new Date(10_000_000).toISOString(),
      expiresIn: 1000,
      scope: "MOBPROC",
    })
    expect(messageToken(token, true, 9_000_000).accessToken).toBe("at-123")
  })
})
