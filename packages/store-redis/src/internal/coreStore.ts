/**
 * The pieces of @tangoe-token/core's store internals that this package reuses, in one place:
 * the token record rules (validation, next generation) and the file store's format and
 * encryption at rest (AES-256-GCM, raw key or scrypt passphrase), so that a Redis value is
 * exactly a token file's text.
 *
 * Core does not export them yet, so they are imported from its sources by relative path and
 * bundled into this package's build (they depend on nothing but `node:crypto` and
 * `effect/Redacted`). When core exports a store codec, only this file changes.
 *
 * @internal
 */
export {
  defaultScrypt,
  deriveKey,
  type KeyMaterial,
  keyMaterial,
  newSalt,
  open,
  seal,
} from "../../../core/src/internal/store/crypto.ts"
export {
  type EncryptedHeader,
  encryptedFile,
  headerAad,
  parseFile,
  plainFile,
  recordFromJson,
  recordToJson,
} from "../../../core/src/internal/store/fileFormat.ts"
export { invalidInputField, nextRecord } from "../../../core/src/internal/store/record.ts"
