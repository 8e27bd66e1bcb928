/**
 * Reads a non-2xx answer of a Tangoe API: its error body (`{ status, id, errorCode, message }`, the
 * docs' `concepts/errors`), masked, and the reason it stands for.
 *
 * @internal
 */
import {
  type ApiCallFields,
  ApiServerError,
  BadRequest,
  Forbidden,
  NotFound,
  type TangoeApiErrorReason,
  type TangoeErrorBody,
  TokenRejected,
  UnexpectedStatus,
} from "../../TangoeApiError.ts"
import { description, maskKnown } from "../sanitize.ts"

/** The most of an error body read. */
export const ERROR_BODY_LIMIT = 64 * 1024

const SHORT = /^[\x20-\x7E]{1,100}$/

/** A short printable field, masked; undefined otherwise. */
const shortField = (u: unknown, secrets: ReadonlyArray<string>): string | undefined =>
  typeof u === "string" && SHORT.test(u) ? maskKnown(u, secrets) : undefined

/** The Tangoe error body in `text`, when it is one (at least one of its four fields). */
export const decodeErrorBody = (
  text: string,
  secrets: ReadonlyArray<string>,
): TangoeErrorBody | undefined => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    return undefined
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return undefined
  const o = json as Record<string, unknown>
  const body: TangoeErrorBody = {
    status: typeof o.status === "number" && Number.isInteger(o.status) ? o.status : undefined,
    id: shortField(o.id, secrets),
    errorCode: shortField(o.errorCode, secrets),
    message:
      typeof o.message === "string" && o.message.length > 0 ? description(o.message, secrets) : undefined,
  }
  return Object.values(body).some((v) => v !== undefined) ? body : undefined
}

/** Reads at most `limit` bytes of a body as text (the rest is cancelled). */
export const readCapped = async (response: Response, limit: number): Promise<string> => {
  if (response.body === null) return ""
  const reader = response.body.getReader()
  const decoder = new TextDecoder()
  let text = ""
  let bytes = 0
  for (;;) {
    const chunk = await reader.read()
    if (chunk.done) return text + decoder.decode()
    bytes += chunk.value.byteLength
    if (bytes > limit) {
      await reader.cancel().catch(() => undefined)
      return text
    }
    text += decoder.decode(chunk.value, { stream: true })
  }
}

/** What a non-2xx answer means. `rejected`: the status is a token rejection that a fresh token did not cure. */
export const reasonOfStatus = (
  call: ApiCallFields,
  status: number,
  body: TangoeErrorBody | undefined,
  rejected: { readonly afterFreshToken: boolean } | undefined,
): TangoeApiErrorReason => {
  const fields = { ...call, status, body }
  if (status === 403) return new Forbidden({ ...fields, afterFreshToken: rejected?.afterFreshToken ?? false })
  if (rejected !== undefined)
    return new TokenRejected({ ...fields, afterFreshToken: rejected.afterFreshToken })
  if (status === 400) return new BadRequest(fields)
  if (status === 404) return new NotFound(fields)
  if (status >= 500) return new ApiServerError(fields)
  return new UnexpectedStatus(fields)
}
