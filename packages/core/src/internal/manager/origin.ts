/**
 * The `origin` fingerprint of a provisioned refresh token (see `internal/fingerprint.ts`).
 *
 * @internal
 */
import * as Redacted from "effect/Redacted"
import { originFingerprint } from "../fingerprint.ts"

/** `o1.` + 22 base64url characters. */
export const fingerprint = (token: Redacted.Redacted<string>): string =>
  originFingerprint(Redacted.value(token))
