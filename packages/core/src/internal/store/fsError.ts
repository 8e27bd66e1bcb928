/**
 * Turns a Node file system error into a `StoreError` whose reason a user can act on.
 *
 * @internal
 */
import { StoreError, type StoreErrorReason, type StoreOperation } from "../../StoreError.ts"

/** The errno code of a Node system error, if it has one. */
export const errnoCode = (cause: unknown): string | undefined =>
  typeof cause === "object" && cause !== null && "code" in cause && typeof cause.code === "string"
    ? cause.code
    : undefined

const notPermitted = new Set([
  "EACCES",
  "EPERM",
  "EROFS",
  "ENOTDIR",
  "EISDIR",
  "ENOENT",
  "EEXIST",
  "ENOTEMPTY",
])

/**
 * A `StoreError` for a failed file system call; `what` names the step in secret-free words and
 * `access` says whether the call read or wrote (permission errors become `NotReadable` /
 * `NotWritable`; anything else is `Io`).
 */
export const fsStoreError = (
  operation: StoreOperation,
  location: string,
  what: string,
  cause: unknown,
  access: "read" | "write" = "write",
): StoreError => {
  const code = errnoCode(cause)
  let reason: StoreErrorReason = "Io"
  if (code !== undefined && notPermitted.has(code)) {
    reason = access === "read" ? "NotReadable" : "NotWritable"
  }
  return new StoreError({ operation, location, reason, detail: `${what}: ${code ?? "unknown error"}`, cause })
}
