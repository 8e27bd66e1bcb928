/**
 * The README quick starts, run as a user would run them. A package's README marks each program
 * the release check runs with an HTML comment right before its code fence:
 *
 *     <!-- release-check: core-promise -->
 *     ```ts
 *     …
 *     ```
 *
 * The program is taken from the README inside the published tarball, word for word, with two
 * substitutions that point it at the local simulator instead of Tangoe: every
 * `environment: "qa" | "production"` becomes `{ tokenUrl: process.env.CHECK_TOKEN_URL! }`, and
 * every `fetch("https://…"` of an API URL becomes `fetch(process.env.CHECK_API_URL!`. Everything
 * else (client id, secret, refresh token, Redis URL) comes from the environment variables the
 * README names. A program that would still reach a real host after the substitutions is refused
 * before it runs.
 */

/** The code of the block marked `<!-- release-check: name -->` in `readme`. */
export const markedProgram = (readme: string, name: string): string => {
  const marker = `<!-- release-check: ${name} -->`
  const at = readme.indexOf(marker)
  if (at < 0) throw new Error(`README has no program marked "${marker}"`)
  const fence = /^```(?:ts|typescript|js|javascript|sh|bash)\n([\s\S]*?)^```$/m.exec(
    readme.slice(at + marker.length),
  )
  if (fence?.[1] === undefined) throw new Error(`README: no code fence follows "${marker}"`)
  return fence[1]
}

/** Every place a quick start names a Tangoe environment or an API URL, and what replaces it. */
const SUBSTITUTIONS: ReadonlyArray<readonly [RegExp, string]> = [
  [/environment: "(?:qa|production)"/g, "environment: { tokenUrl: process.env.CHECK_TOKEN_URL! }"],
  [/fetch\("https:\/\/[^"]*"/g, "fetch(process.env.CHECK_API_URL!"],
]

/**
 * The program pointed at the simulator. Throws when, after the substitutions, it still names a
 * Tangoe environment or an https URL it would call (the README changed shape: update the
 * substitutions, never let a test reach a real host).
 */
export const pointAtSimulator = (program: string): string => {
  let code = program
  for (const [pattern, replacement] of SUBSTITUTIONS) code = code.replace(pattern, replacement)
  const stray = /environment: "(?:qa|production)"|fetch\("https?:/.exec(code)
  if (stray !== null) {
    throw new Error(`the quick start still targets a real host after substitution (${stray[0]}):\n${code}`)
  }
  return code
}
