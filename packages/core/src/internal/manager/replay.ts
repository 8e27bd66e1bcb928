/**
 * How the Promise client's `fetch` adds the token and replays a request once after a 401.
 *
 * A request can be sent twice only if its body can be read twice: no body, a string, bytes, a
 * Blob, URLSearchParams or FormData can; a stream (`ReadableStream`, an async iterable, a Node
 * stream) cannot. A `Request` with a body is cloned before the first send (the clone tees and
 * buffers the body).
 *
 * @internal
 */

type Input = string | URL | Request

/** The input for the first send, and for the replay when one is possible. */
export interface ReplayPlan {
  readonly first: Input
  readonly replay: Input | undefined
}

const isReplayableBody = (body: unknown): boolean =>
  body === undefined ||
  body === null ||
  typeof body === "string" ||
  body instanceof URLSearchParams ||
  body instanceof Blob ||
  body instanceof ArrayBuffer ||
  ArrayBuffer.isView(body) ||
  body instanceof FormData

export const replayPlan = (input: Input, init: RequestInit | undefined): ReplayPlan => {
  if (init !== undefined && "body" in init && init.body !== undefined) {
    return { first: input, replay: isReplayableBody(init.body) ? input : undefined }
  }
  if (input instanceof Request && input.body !== null) {
    return input.bodyUsed ? { first: input, replay: undefined } : { first: input, replay: input.clone() }
  }
  return { first: input, replay: input }
}

/** `fetch` arguments with `Authorization: Bearer <token>` set (over any given one). */
export const authorize = (
  input: Input,
  init: RequestInit | undefined,
  token: string,
): [Input, RequestInit] => {
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : undefined))
  headers.set("authorization", `Bearer ${token}`)
  return [input, { ...init, headers }]
}
