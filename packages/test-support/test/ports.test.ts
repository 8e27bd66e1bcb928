/** `freePort`: a port on 127.0.0.1 that a listener can bind right after. */
import { createServer } from "node:net"
import { describe, expect, it } from "vitest"
import { freePort } from "../src/ports.ts"

describe("freePort", () => {
  it("returns a port in the unprivileged range that a loopback listener can bind at once", async () => {
    const port = await freePort()
    expect(port).toBeGreaterThan(1023)
    expect(port).toBeLessThan(65536)
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject)
      server.listen(port, "127.0.0.1", resolve)
    })
    expect(server.address()).toMatchObject({ address: "127.0.0.1", port })
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
})
