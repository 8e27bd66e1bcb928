import { mkdtemp, readFile, rm, stat } from "node:fs/promises"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { credentialSecretOf, deriveSideStoreKey, sideStoreKey, sideStorePath } from "./sideStore.ts"

let dir: string
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "tangoe-side-"))
})
afterEach(async () => {
  await rm(dir, { recursive: true, force: true })
})

describe("side store path and key", () => {
  it("puts one file per config node under <userDir>/tangoe-token, with a safe name", () => {
    expect(sideStorePath("/u", "a1b2.c3")).toBe("/u/tangoe-token/a1b2.c3.json")
    expect(sideStorePath("/u", "../x/y")).toBe("/u/tangoe-token/.._x_y.json")
  })

  it("uses settings.js credentialSecret first, then the generated _credentialSecret", () => {
    const get = (name: string) => (name === "_credentialSecret" ? "generated" : undefined)
    expect(credentialSecretOf({ credentialSecret: "configured", get })).toBe("configured")
    expect(credentialSecretOf({ get })).toBe("generated")
    expect(credentialSecretOf({ credentialSecret: false, get })).toBeUndefined()
    expect(
      credentialSecretOf({
        get: () => {
          throw new Error("settings not available")
        },
      }),
    ).toBeUndefined()
  })

  it("derives a stable 32-byte key that differs per secret", () => {
    const key = deriveSideStoreKey("secret")
    expect(key).toHaveLength(32)
    expect(deriveSideStoreKey("secret").equals(key)).toBe(true)
    expect(deriveSideStoreKey("other").equals(key)).toBe(false)
  })

  it("without a credential secret, keeps a random key file (mode 0600) and reuses it", async () => {
    const first = sideStoreKey({ credentialSecret: false }, dir)
    const second = sideStoreKey({ credentialSecret: false }, dir)
    expect(second.equals(first)).toBe(true)
    const file = join(dir, "tangoe-token", ".key")
    expect((await stat(file)).mode & 0o777).toBe(0o600)
    expect((await readFile(file, "utf8")).length).toBeGreaterThan(40)
  })
})
