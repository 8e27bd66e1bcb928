/** The one redaction step for URLs with credentials (issue 18, problem 7). */
import { describe, expect, it } from "vitest"
import { redactUrls } from "../src/internal/redact.ts"

describe("redactUrls", () => {
  it.each([
    ["https://user:pa55@as.example/as/token.oauth2", "https://***@as.example/as/token.oauth2"],
    ["redis://:s3cret@10.0.0.1:6379/0", "redis://***@10.0.0.1:6379/0"],
    ["rediss://app:p%40ss@cache:6380", "rediss://***@cache:6380"],
    ["redis://:p@ss@cache:6379", "redis://***@cache:6379"],
    [
      '{"store":"redis://:x@h","environment":"http://u@h/t"}',
      '{"store":"redis://***@h","environment":"http://***@h/t"}',
    ],
    [
      "cannot reach https://a:b@h/t (ECONNREFUSED) — check it",
      "cannot reach https://***@h/t (ECONNREFUSED) — check it",
    ],
  ])("%s", (text, expected) => {
    expect(redactUrls(text)).toBe(expected)
  })

  it("leaves URLs without userinfo, e-mail addresses and plain text as they are", () => {
    for (const text of [
      "https://as.example/as/token.oauth2?x=1",
      "mail ops@example.com",
      "redis://cache:6379",
      "no url",
    ]) {
      expect(redactUrls(text)).toBe(text)
    }
  })
})
