/** `sealSecret` / `openSealedSecret`: a short secret sealed under a passphrase, bound to a label. */
import * as Redacted from "effect/Redacted"
import { describe, expect, it } from "vitest"
import { isSealedSecret, openSealedSecret, sealSecret } from "../src/StoreHelpers.ts"

const key = Redacted.make("a passphrase")

describe("sealed secrets", () => {
  it("opens with the passphrase and label it was sealed with, and shows nothing of the secret", async () => {
    const secret = 'pä"ss w&rd=+'
    const sealed = await sealSecret(key, secret, "serviceAccount.password")
    expect(isSealedSecret(sealed)).toBe(true)
    expect(sealed).not.toContain(secret)
    expect(sealed).not.toContain(Buffer.from(secret).toString("base64url"))
    expect(await openSealedSecret(key, sealed, "serviceAccount.password")).toBe(secret)
    // Two seals of the same secret differ (random salt and iv).
    expect(await sealSecret(key, secret, "serviceAccount.password")).not.toBe(sealed)
  })

  it("does not open with another passphrase, another label, or an altered value", async () => {
    const sealed = await sealSecret(key, "secret", "serviceAccount.password")
    expect(
      await openSealedSecret(Redacted.make("another"), sealed, "serviceAccount.password"),
    ).toBeUndefined()
    expect(await openSealedSecret(key, sealed, "clientSecret")).toBeUndefined()
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith("A") ? "B" : "A"}A`
    expect(await openSealedSecret(key, altered, "serviceAccount.password")).toBeUndefined()
    expect(await openSealedSecret(key, "not sealed", "serviceAccount.password")).toBeUndefined()
    expect(isSealedSecret("plain password")).toBe(false)
  })
})
