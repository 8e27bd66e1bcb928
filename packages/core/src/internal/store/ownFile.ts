/**
 * Reading a file the store owns, and nothing else: a path that is a symbolic link, a folder, a
 * FIFO, a socket or a device is refused before anything is opened or changed. The check is made
 * with `lstat` (which never follows a link) and again on the opened descriptor, which is opened
 * with `O_NOFOLLOW` and `O_NONBLOCK` (a FIFO swapped in between cannot block the read).
 *
 * @internal
 */
import { constants, lstatSync, type Stats } from "node:fs"
import { lstat, open } from "node:fs/promises"
import { errnoCode } from "./fsError.ts"

/**
 * A path that is not a regular file. `found` says what it is instead, in words for a message:
 * `a symbolic link`, `a folder`, `a FIFO`, `a device`, `a socket`.
 */
export class NotARegularFile {
  readonly path: string
  readonly found: string
  constructor(path: string, found: string) {
    this.path = path
    this.found = found
  }
}

/** What `stats` describe, when it is not a regular file; `undefined` for a regular file. */
export const notRegular = (stats: Stats): string | undefined => {
  if (stats.isFile()) return undefined
  if (stats.isSymbolicLink()) return "a symbolic link"
  if (stats.isDirectory()) return "a folder"
  if (stats.isFIFO()) return "a FIFO"
  if (stats.isCharacterDevice() || stats.isBlockDevice()) return "a device"
  if (stats.isSocket()) return "a socket"
  return "not a regular file"
}

/** Whether group or others may read or write a file of mode `mode`. */
export const openToOthers = (mode: number): boolean => (mode & 0o077) !== 0

/**
 * Reads `path` if it is a regular file: its text and permission bits, or `undefined` when it does
 * not exist. Throws `NotARegularFile` for anything else, and the file system error otherwise.
 * Never follows a symbolic link, never blocks on a FIFO, never changes anything.
 */
export const readOwnFile = async (path: string): Promise<{ text: string; mode: number } | undefined> => {
  try {
    const found = notRegular(await lstat(path))
    if (found !== undefined) throw new NotARegularFile(path, found)
  } catch (e) {
    if (errnoCode(e) === "ENOENT") return undefined
    throw e
  }
  let handle: Awaited<ReturnType<typeof open>>
  try {
    // The flags are read here, not at module level, so a bundle that never reads a file drops the module.
    handle = await open(path, constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0))
  } catch (e) {
    const code = errnoCode(e)
    if (code === "ENOENT") return undefined
    // O_NOFOLLOW on a link swapped in after the lstat.
    if (code === "ELOOP" || code === "EMLINK") throw new NotARegularFile(path, "a symbolic link")
    throw e
  }
  try {
    const stats = await handle.stat()
    const found = notRegular(stats)
    if (found !== undefined) throw new NotARegularFile(path, found)
    return { text: await handle.readFile("utf8"), mode: stats.mode & 0o777 }
  } finally {
    await handle.close()
  }
}

/** Throws `NotARegularFile` when `path` exists and is not a regular file (never follows a link). */
export const assertRegularOrMissing = async (path: string): Promise<void> => {
  try {
    const found = notRegular(await lstat(path))
    if (found !== undefined) throw new NotARegularFile(path, found)
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e
  }
}

/** `assertRegularOrMissing`, synchronously (for the lock files). */
export const assertRegularOrMissingSync = (path: string): void => {
  try {
    const found = notRegular(lstatSync(path))
    if (found !== undefined) throw new NotARegularFile(path, found)
  } catch (e) {
    if (errnoCode(e) !== "ENOENT") throw e
  }
}
