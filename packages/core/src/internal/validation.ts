/**
 * Input validation with Schema, reported the way a user can act on: each check carries what it
 * reports when it fails (a `rule`), and `validate` finds the first failed rule of a decode and the
 * path of the field it failed on. Used for the token file record (a `Corrupt` detail). Not used on
 * the refresh path (the request, the manager options): there it would put Schema into the n8n
 * credential bundle, about 37-41 kB minified.
 *
 * Values are checked as `unknown` on purpose: input from JavaScript callers, JSON files and
 * adapters can be anything, and every check must describe what it got without throwing.
 *
 * @internal
 */
import * as Result from "effect/Result"
import * as Schema from "effect/Schema"
import type * as SchemaAST from "effect/SchemaAST"
import type * as SchemaIssue from "effect/SchemaIssue"

/** A check on an unknown value that reports `rule` when `ok` is false. */
export const rule = <R>(ok: (u: unknown) => boolean, report: R) =>
  Schema.makeFilter<unknown>((u) => ok(u), { rule: report })

/** An unknown value checked by `checks`, in order; the first that fails is reported. */
export const checked = (first: SchemaAST.Check<unknown>, ...rest: Array<SchemaAST.Check<unknown>>) =>
  Schema.Unknown.check(first, ...rest)

/** The first failed rule of a decode, and the field path it failed on. */
export interface Violation<R> {
  readonly path: ReadonlyArray<string>
  readonly rule: R
}

const findRule = <R>(
  issue: SchemaIssue.Issue,
  path: ReadonlyArray<string>,
  depth: number,
): Violation<R> | undefined => {
  if (depth > 16) return undefined
  switch (issue._tag) {
    case "Pointer":
      return findRule(issue.issue, [...path, ...issue.path.map(String)], depth + 1)
    case "Composite":
    case "AnyOf":
      return issue.issues[0] === undefined ? undefined : findRule(issue.issues[0], path, depth + 1)
    case "Filter": {
      const report = issue.filter.annotations?.rule
      return report === undefined ? findRule(issue.issue, path, depth + 1) : { path, rule: report as R }
    }
    case "Encoding":
      return findRule(issue.issue, path, depth + 1)
    default:
      return undefined
  }
}

type Decoder = (input: unknown) => Result.Result<unknown, Schema.SchemaError>

/** One decoder per schema builder, made on first use. */
const decoders = new WeakMap<() => Schema.Top, Decoder>()

/**
 * Decodes `input` with the schema `make` returns: the value, or the first violated rule
 * (`undefined` rule when the failure came from a check without one, which the schemas here do
 * not have).
 *
 * The schema is built on the first call, not when a module loads, and callers wrap this in a
 * plain function: core is bundled into adapters as one file, where a schema built (or a validator
 * made) at load time could not be tree-shaken away when unused.
 */
export const validate = <S extends Schema.Top & { readonly DecodingServices: never }, R>(
  make: () => S,
  input: unknown,
): Result.Result<S["Type"], Violation<R | undefined>> => {
  let decode = decoders.get(make)
  if (decode === undefined) {
    decode = Schema.decodeUnknownResult(make() as never) as Decoder
    decoders.set(make, decode)
  }
  return Result.mapError(
    decode(input),
    (error) => findRule<R>(error.issue, [], 0) ?? { path: [], rule: undefined },
  )
}
