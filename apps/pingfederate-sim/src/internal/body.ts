/**
 * Reading a request body with a size cap, so one huge request cannot exhaust the simulator's memory.
 */
import type { IncomingMessage } from "node:http"

/** The largest token request body accepted (64 KiB: a refresh request is a few hundred bytes). */
export const MAX_TOKEN_BODY_BYTES = 64 * 1024
/** The largest admin request body accepted (1 MiB). */
export const MAX_ADMIN_BODY_BYTES = 1024 * 1024

/** A body read in full, or the news that it was larger than the cap. */
export type BodyResult =
  | { readonly ok: true; readonly body: Buffer }
  | { readonly ok: false; readonly tooLarge: true }

/**
 * Reads the whole body of `req`, or stops at `cap` bytes (checking `Content-Length` first). After a
 * `tooLarge` result the rest of the body is left to Node, which discards it.
 */
export const readBody = (req: IncomingMessage, cap: number): Promise<BodyResult> => {
  const declared = Number(req.headers["content-length"])
  if (Number.isFinite(declared) && declared > cap) return Promise.resolve({ ok: false, tooLarge: true })
  return new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    const onData = (chunk: Buffer) => {
      size += chunk.length
      if (size > cap) {
        req.off("data", onData)
        req.off("end", onEnd)
        resolve({ ok: false, tooLarge: true })
        return
      }
      chunks.push(chunk)
    }
    const onEnd = () => resolve({ ok: true, body: Buffer.concat(chunks) })
    req.on("data", onData)
    req.on("end", onEnd)
    req.on("error", reject)
  })
}
