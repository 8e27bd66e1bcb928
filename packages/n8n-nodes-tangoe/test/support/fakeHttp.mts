/**
 * A fake of n8n's `this.helpers.httpRequest` for the credential's refresh: it records each call's
 * options and answers from a script (a full response, or a thrown error), like n8n does with
 * `returnFullResponse` and `ignoreHttpStatusErrors`.
 */
import { randomBytes } from "node:crypto"
import type { IHttpRequestOptions } from "n8n-workflow"

/** One scripted answer: a response, an error to throw, or a function of the request. */
export type Answer =
  | { readonly statusCode: number; readonly headers?: Record<string, unknown>; readonly body?: unknown }
  | { readonly throws: unknown }
  | ((options: IHttpRequestOptions) => Answer | Promise<Answer>)

/** A recording fake of `httpRequest`. */
export interface FakeHttp {
  readonly httpRequest: (options: IHttpRequestOptions) => Promise<unknown>
  readonly calls: IHttpRequestOptions[]
}

/** A fake that answers call n with `answers[n]` (the last one repeats). */
export function fakeHttp(...answers: Answer[]): FakeHttp {
  const calls: IHttpRequestOptions[] = []
  const httpRequest = async (options: IHttpRequestOptions): Promise<unknown> => {
    calls.push(options)
    let answer: Answer | undefined = answers[Math.min(calls.length, answers.length) - 1]
    while (typeof answer === "function") answer = await answer(options)
    if (answer === undefined) throw new Error("fakeHttp: no answer scripted")
    if ("throws" in answer) throw answer.throws
    return {
      statusCode: answer.statusCode,
      headers: answer.headers ?? {},
      body: answer.body ?? "",
      statusMessage: "",
    }
  }
  return { httpRequest, calls }
}

/** A random token-like secret. */
export function secret(prefix: string): string {
  return `${prefix}${randomBytes(18).toString("base64url")}`
}

/** A JSON token response as PingFederate sends it. */
export function tokenResponse(fields: Record<string, unknown>): Answer {
  return {
    statusCode: 200,
    headers: { "content-type": "application/json;charset=UTF-8", "cache-control": "no-store" },
    body: JSON.stringify(fields),
  }
}

/** An RFC 6749 §5.2 error response. */
export function oauthError(statusCode: number, error: string, description?: string): Answer {
  return {
    statusCode,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(description === undefined ? { error } : { error, error_description: description }),
  }
}

/** An error like the ones n8n's HTTP client throws (axios), with the URL (and so the secrets) in it. */
export function networkError(code: string, url: string): Error {
  return Object.assign(new Error(`request to ${url} failed, reason: ${code}`), {
    code,
    config: { url, method: "post" },
    request: { path: url },
  })
}
