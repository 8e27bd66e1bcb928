/**
 * Free loopback ports for tests that start a real server or child process: the operating system
 * picks an unused port on 127.0.0.1, which is released again at once for the caller to bind.
 */
import { createServer } from "node:net"

/**
 * A TCP port that was free on 127.0.0.1 a moment ago (the OS chose it for a listener on port 0,
 * which is closed before this resolves). Rejects if the port cannot be read.
 */
export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("the probe listener on 127.0.0.1 reported no port")),
      )
    })
  })
