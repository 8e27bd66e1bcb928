/**
 * Checks that a loopback port is free before anything is started on it, so a port in use is one
 * clear message (which port, who wanted it, which flag moves it) instead of a runtime's stack trace.
 *
 * @internal
 */
import { createServer } from "node:net"
import { OptionsError } from "./options.ts"

/** The only address the playground listens on. */
export const LOOPBACK = "127.0.0.1"

/**
 * Resolves when `port` can be bound on 127.0.0.1 (it is released again at once).
 *
 * @throws OptionsError naming `what` and the flag and variable that choose another port
 */
export const ensurePortFree = (port: number, what: string, flag: string, variable: string): Promise<void> =>
  new Promise((resolve, reject) => {
    const probe = createServer()
    probe.once("error", (error: NodeJS.ErrnoException) =>
      reject(
        new OptionsError(
          `${what} cannot listen on ${LOOPBACK}:${port} (${error.code ?? error.message}): stop what uses that port, or pick another with ${flag} <n> (or ${variable}).`,
        ),
      ),
    )
    probe.listen(port, LOOPBACK, () => probe.close(() => resolve()))
  })
