/**
 * Reads a file of our own folder synchronously, the way core's file store reads its own: without
 * following a symbolic link (`O_NOFOLLOW`), without blocking on a FIFO, and only if it is a
 * regular file. Used while a config node starts, where the side store's key is decided.
 *
 * @internal
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from "node:fs"

/** The file's text, or `undefined` when it does not exist. Throws when it is not a regular file or cannot be read. */
export const readOwnFileSync = (path: string): string | undefined => {
  let fd: number
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK)
  } catch (cause) {
    if ((cause as NodeJS.ErrnoException).code === "ENOENT") return undefined
    throw cause
  }
  try {
    if (!fstatSync(fd).isFile()) {
      throw Object.assign(new Error(`${path} is not a regular file`), { code: "ENOTREG" })
    }
    return readFileSync(fd, "utf8")
  } finally {
    closeSync(fd)
  }
}
