/**
 * Atomic replacement of a file, and removal of what crashed writers leave behind.
 *
 * `writeAtomic`: write a temp file in the same folder (created `O_EXCL`, mode 0600), fsync it,
 * rename it over the target, then fsync the folder so the rename itself is durable. Readers see
 * the old file or the new one, never a mix; a crash leaves the old file plus a stray temp file
 * named `<file>.<pid>.<random>.tmp`, which `load` never reads and `sweepStrays` removes later.
 *
 * @internal
 */
import { randomBytes } from "node:crypto"
import { open, readdir, rename, rm, stat, unlink } from "node:fs/promises"
import { basename, dirname, join } from "node:path"
import { assertRegularOrMissing } from "./ownFile.ts"
import { liveness, selfIdentity } from "./process.ts"

/**
 * A failed step of an atomic write: which step (secret-free words naming the file), and the file
 * system error (see `errnoCode`).
 *
 * @category errors
 * @since 0.2.0
 */
export class WriteStepError {
  /** The step that failed, e.g. `cannot rename the temp file onto <path>`. */
  readonly step: string
  /** The file system error. */
  readonly cause: unknown
  constructor(step: string, cause: unknown) {
    this.step = step
    this.cause = cause
  }
}

const step = async <A>(name: string, run: () => Promise<A>): Promise<A> => {
  try {
    return await run()
  } catch (e) {
    throw new WriteStepError(name, e)
  }
}

/**
 * Replaces `path` with `content` atomically and durably (mode 0600). A `path` that exists and is
 * not a regular file (a link, folder, FIFO, device) is refused before anything is written: the
 * `WriteStepError`'s cause is then a `NotARegularFile`.
 */
export const writeAtomic = async (path: string, content: string): Promise<void> => {
  const dir = dirname(path)
  await step(`${path} is not a regular file`, () => assertRegularOrMissing(path))
  const tmp = join(dir, `${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`)
  const handle = await step(`cannot create a temp file in ${dir}`, () => open(tmp, "wx", 0o600))
  try {
    await step(`cannot write temp file ${tmp}`, async () => {
      await handle.writeFile(content, "utf8")
      await handle.sync()
    })
  } catch (e) {
    await handle.close().catch(() => undefined)
    await rm(tmp, { force: true }).catch(() => undefined)
    throw e
  }
  await handle.close()
  await step(`cannot rename the temp file onto ${path}`, () => rename(tmp, path)).catch(async (e) => {
    await rm(tmp, { force: true }).catch(() => undefined)
    throw e
  })
  await fsyncDirectory(dir)
}

/**
 * Makes a rename in `dir` durable. Best effort: some platforms (Windows) and file systems
 * cannot fsync a folder; the rename has happened either way.
 */
const fsyncDirectory = async (dir: string): Promise<void> => {
  try {
    const handle = await open(dir, "r")
    try {
      await handle.sync()
    } finally {
      await handle.close()
    }
  } catch {
    // not supported here
  }
}

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")

/**
 * Removes stray files of crashed writers next to `path`: temp files (`<file>[.lock|.write.lock]
 * .<pid>.<hex>.tmp`) whose writer is dead, or which are older than 10 minutes, and leftovers of
 * lock takeovers (`.steal.` / `.gone.`) older than a minute. Files younger than 2 s are kept (a
 * live writer on another host may own them). Best effort; never fails.
 */
export const sweepStrays = async (path: string): Promise<void> => {
  const dir = dirname(path)
  const base = escapeRegExp(basename(path))
  const temp = new RegExp(`^${base}(?:\\.lock|\\.write\\.lock)?\\.(\\d+)\\.[0-9a-f]+\\.tmp$`)
  const takeover = new RegExp(`^${base}(?:\\.lock|\\.write\\.lock)\\.(?:steal|gone)\\.`)
  const me = selfIdentity()
  let names: Array<string>
  try {
    names = await readdir(dir)
  } catch {
    return
  }
  const now = Date.now()
  for (const name of names) {
    const match = temp.exec(name)
    if (match === null && !takeover.test(name)) continue
    const file = join(dir, name)
    try {
      const age = now - (await stat(file)).mtimeMs
      const writerDead =
        match !== null &&
        liveness({ pid: Number(match[1]), hostname: me.hostname, pidNamespace: me.pidNamespace }) === "dead"
      const remove = match !== null ? age > 2_000 && (writerDead || age > 600_000) : age > 60_000
      if (remove) await unlink(file)
    } catch {
      // gone already, or not ours to remove
    }
  }
}
