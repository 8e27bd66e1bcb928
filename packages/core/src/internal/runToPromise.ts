/**
 * Runs a one-shot token Effect (a refresh, a password grant) for a Promise API: with the caller's HTTP
 * transport when given, abortable with the caller's signal (the promise then rejects with the signal's
 * reason), and failing with the typed error itself, not a wrapper.
 *
 * @internal
 */
import * as Cause from "effect/Cause"
import * as Effect from "effect/Effect"
import * as Exit from "effect/Exit"
import { HttpTransport } from "../HttpTransport.ts"

export const runToPromise = async <A, E>(
  program: Effect.Effect<A, E>,
  options: { readonly transport?: HttpTransport | undefined; readonly signal?: AbortSignal | undefined },
): Promise<A> => {
  const exit = await Effect.runPromiseExit(
    options.transport === undefined
      ? program
      : Effect.provideService(program, HttpTransport, options.transport),
    options.signal === undefined ? undefined : { signal: options.signal },
  )
  if (Exit.isSuccess(exit)) return exit.value
  if (Cause.hasInterruptsOnly(exit.cause) && options.signal?.aborted === true) throw options.signal.reason
  throw Cause.squash(exit.cause)
}
