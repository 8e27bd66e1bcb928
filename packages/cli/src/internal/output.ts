/**
 * Where the CLI writes: results on stdout (text, or one JSON document with `--json`), warnings,
 * progress and error messages on stderr. With `--json` a failure is a JSON document on stdout too
 * (`{"error":{…}}`), so a script reads one stream.
 *
 * @internal
 */
import { errorJson, exitCodeOf, messageOf } from "./errors.ts"
import { redactUrls } from "./redact.ts"

/** The output of one command run. */
export interface Output {
  /** `--json` was given. */
  readonly json: boolean
  /** Writes a line to stdout. */
  readonly line: (text: string) => void
  /** Writes a line to stderr (warnings, status lines). */
  readonly warn: (text: string) => void
  /** Writes a JSON document to stdout. */
  readonly document: (value: unknown) => void
  /** Reports a failure (text on stderr, or JSON on stdout) and returns its exit code. */
  readonly failure: (error: unknown) => number
}

/**
 * An `Output` on the process's stdout and stderr. Every line and document passes through
 * `redactUrls` (credentials in URLs are never shown).
 */
export const processOutput = (json: boolean): Output => {
  const line = (text: string) => {
    process.stdout.write(`${redactUrls(text)}\n`)
  }
  const warn = (text: string) => {
    process.stderr.write(`${redactUrls(text)}\n`)
  }
  const document = (value: unknown) => line(JSON.stringify(value))
  return {
    json,
    line,
    warn,
    document,
    failure: (error) => {
      if (json) document(errorJson(error))
      else warn(`tangoe-token: ${messageOf(error)}`)
      return exitCodeOf(error)
    },
  }
}
