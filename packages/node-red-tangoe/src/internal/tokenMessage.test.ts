import { describe, expect, it } from "vitest"
import { authorizationOf, messageToken, withAuthorization, withTangoeHeaders } from "./tokenMessage.ts"

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

describe("Tangoe's API headers on the message", () => {
  it("adds X-TNGO-TENANT, client_id and a correlation id where the flow set none", () => {
    expect(
      withTangoeHeaders(
        { Authorization: "Bearer x", accept: "application/json" },
        {
          tenant: "ACME",
          clientId: "c1",
          correlationId: "corr-1",
        },
      ),
    ).toEqual({
      Authorization: "Bearer x",
      accept: "application/json",
      "X-TNGO-TENANT": "ACME",
      client_id: "c1",
      "X-TNGO-CONTEXT-CORRELATIONID": "corr-1",
    })
  })

  it("never overwrites the flow's own, whatever their case, and adds no tenant when none is set", () => {
    expect(
      withTangoeHeaders(
        { "x-tngo-tenant": "OTHER", CLIENT_ID: "mine", "X-Tngo-Context-CorrelationId": "flow-1" },
        {
          tenant: "ACME",
          clientId: "c1",
          correlationId: "corr-1",
        },
      ),
    ).toEqual({ "x-tngo-tenant": "OTHER", CLIENT_ID: "mine", "X-Tngo-Context-CorrelationId": "flow-1" })
    expect(withTangoeHeaders({}, { clientId: "c1", correlationId: "corr-2" })).toEqual({
      client_id: "c1",
      "X-TNGO-CONTEXT-CORRELATIONID": "corr-2",
    })
  })
})
