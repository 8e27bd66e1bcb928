/**
 * The base of an error, or of an error's reason, that waiting cannot fix and that cannot have
 * rotated the refresh token: the server processed and refused the request, or nothing was sent.
 * It is `Data.TaggedError` with `retryable` and `ambiguous` both `false`, written once.
 *
 * @internal
 */
import type * as Cause from "effect/Cause"
import * as Data from "effect/Data"

/** What a final error adds to its fields. */
export interface FinalError<Tag extends string> extends Cause.YieldableError {
  readonly _tag: Tag
  /** Never: retrying with the same refresh token cannot help. */
  readonly retryable: false
  /** No: the request was refused, or never sent, so the refresh token is unchanged. */
  readonly ambiguous: false
}

/** A `Data.TaggedError` class for `tag` whose instances are never retryable nor ambiguous. */
export const FinalError = <const Tag extends string>(
  tag: Tag,
): (new <A extends object>(
  args: { readonly [P in keyof A]: A[P] },
) => FinalError<Tag> & Readonly<A>) => {
  class Final extends Data.TaggedError(tag) {
    get retryable(): false {
      return false
    }
    get ambiguous(): false {
      return false
    }
  }
  return Final as never
}
