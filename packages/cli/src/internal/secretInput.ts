/**
 * How `init` receives secrets without putting them on the command line: from standard input
 * (`--stdin`), or typed at a hidden prompt when standard input is a terminal.
 *
 * Standard input holds either a JSON object `{"clientSecret": "…", "refreshToken": "…", "password": "…"}`,
 * or lines `TANGOE_CLIENT_SECRET=…` / `TANGOE_REFRESH_TOKEN=…` / `TANGOE_PASSWORD=…` (an env file;
 * `export ` and quotes are allowed), or one bare line: the refresh token. With `--password-stdin`, all
 * of standard input (without its final line break) is the service account's password.
 *
 * @internal
 */
import { UsageError } from "./errors.ts"

/** Secrets read from standard input. */
export interface StdinSecrets {
  readonly clientSecret?: string | undefined
  readonly refreshToken?: string | undefined
  /** The service account's password. */
  readonly password?: string | undefined
}

const KEYED = /^(?:export\s+)?(TANGOE_CLIENT_SECRET|TANGOE_REFRESH_TOKEN|TANGOE_PASSWORD)\s*=\s*(.*)$/

const unquote = (value: string): string => {
  const v = value.trim()
  return v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.at(-1) === v[0] ? v.slice(1, -1) : v
}

const fromJson = (text: string): StdinSecrets => {
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch {
    throw new UsageError({ message: "standard input starts with { but is not valid JSON" })
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw new UsageError({
      message: "standard input must be a JSON object with clientSecret, refreshToken and/or password",
    })
  }
  const o = json as Record<string, unknown>
  const out: { clientSecret?: string; refreshToken?: string; password?: string } = {}
  for (const key of ["clientSecret", "refreshToken", "password"] as const) {
    const value = o[key]
    if (value === undefined) continue
    if (typeof value !== "string") {
      throw new UsageError({ message: `standard input: "${key}" must be a string` })
    }
    out[key] = value
  }
  return out
}

/** Parses what `init --stdin` read. Errors name the line or field, never a value. */
export const parseStdinSecrets = (text: string): StdinSecrets => {
  const trimmed = text.trim()
  if (trimmed.startsWith("{")) return fromJson(trimmed)
  const lines = trimmed.split(/\r?\n/).map((l) => l.trim())
  const nonEmpty = lines.filter((l) => l.length > 0 && !l.startsWith("#"))
  if (nonEmpty.length === 1 && !KEYED.test(nonEmpty[0] as string)) return { refreshToken: nonEmpty[0] }
  const out: { clientSecret?: string; refreshToken?: string; password?: string } = {}
  lines.forEach((line, index) => {
    if (line.length === 0 || line.startsWith("#")) return
    const match = KEYED.exec(line)
    if (match === null) {
      throw new UsageError({
        message: `standard input, line ${index + 1}: expected TANGOE_CLIENT_SECRET=…, TANGOE_REFRESH_TOKEN=… or TANGOE_PASSWORD=…`,
      })
    }
    const value = unquote(match[2] as string)
    if (match[1] === "TANGOE_CLIENT_SECRET") out.clientSecret = value
    else if (match[1] === "TANGOE_PASSWORD") out.password = value
    else out.refreshToken = value
  })
  return out
}

/** The password `--password-stdin` read: all of standard input without its final line break. */
export const parseStdinPassword = (text: string): StdinSecrets => {
  const password = text.replace(/\r?\n$/, "")
  if (password.trim() === "") {
    throw new UsageError({
      message: "--password-stdin: standard input is empty — pipe the service account's password",
    })
  }
  return { password }
}

/** Reads all of standard input as text. */
export const readStdin = async (): Promise<string> => {
  const chunks: Array<Buffer> = []
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer)
  return Buffer.concat(chunks).toString("utf8")
}

/**
 * Asks for a secret on the terminal without echoing it (the prompt goes to stderr). Ctrl-C or
 * Ctrl-D abandons with a `UsageError`.
 */
export const promptHidden = (question: string): Promise<string> =>
  new Promise((resolve, reject) => {
    const stdin = process.stdin
    // Raw mode (no echo) before the prompt shows, so an answer typed at once is not echoed.
    stdin.setRawMode(true)
    process.stderr.write(question)
    stdin.resume()
    let answer = ""
    const done = (error?: UsageError) => {
      stdin.off("data", onData)
      stdin.setRawMode(false)
      stdin.pause()
      process.stderr.write("\n")
      if (error === undefined) resolve(answer)
      else reject(error)
    }
    const onData = (data: Buffer) => {
      for (const char of data.toString("utf8")) {
        if (char === "\r" || char === "\n") return done()
        if (char === "\u0003" || char === "\u0004") {
          return done(new UsageError({ message: "cancelled: nothing was saved" }))
        }
        if (char === "\u007f" || char === "\b") answer = answer.slice(0, -1)
        else answer += char
      }
    }
    stdin.on("data", onData)
  })
