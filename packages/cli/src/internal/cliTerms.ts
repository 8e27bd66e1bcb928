/**
 * Core's messages in the CLI's own terms. Core and store-redis speak to programmers: they name
 * options (`refreshToken`, `placement`, `timeout`, `allowReadableByOthers: true`) and advise what a
 * library caller should do ("re-read the stored token first"). A person at a shell has flags,
 * environment variables and `tangoe-token init` instead. Every message the CLI shows passes through
 * `inCliTerms`: a small table of core's phrases and option names with what the CLI says instead.
 * Options the CLI does not offer (accepting a group-readable file, an evicting Redis) are dropped
 * from the advice rather than named.
 *
 * @internal
 */

/** Core's option names and the flag or variable that sets each in the CLI. */
export const CLI_NAMES: Readonly<Record<string, string>> = {
  clientId: "--client-id",
  clientSecret: "TANGOE_CLIENT_SECRET",
  refreshToken: "TANGOE_REFRESH_TOKEN",
  scope: "--scope",
  environment: "--env",
  "environment.tokenUrl": "--token-url",
  tokenUrl: "--token-url",
  timeout: "--timeout",
  placement: "--placement",
  clientAuth: "--client-auth",
  encryptionKey: "TANGOE_STORE_KEY",
  url: "--store (TANGOE_STORE)",
  database: "the database number of the --store URL",
  password: "TANGOE_REDIS_PASSWORD",
}

/** What to do after an attempt that may have been processed (timeout, 500/502/504, unreadable 2xx). */
const AMBIGUOUS =
  "run the command once more: it reads the stored token first (another process may have saved a newer one); if the server then refuses the refresh token (exit 3), run tangoe-token init with a new refresh token"

/** What to do after the connection broke once the request was sent. */
const CONSUMED =
  "the refresh token was probably consumed: the server may have rotated it and the new one was lost with the answer; run tangoe-token init with a new refresh token (to check first, run the command once more: it exits 3 if the server refuses the stored token)"

const REINIT = "run tangoe-token init with a new refresh token for this client"

/** Core's phrases, most specific first, and the CLI's wording. Plain strings: no pattern surprises. */
const PHRASES: ReadonlyArray<readonly [string, string]> = [
  // RefreshError advice.
  [
    "do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first, and re-provision if it is dead",
    AMBIGUOUS,
  ],
  [
    "do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first; if this repeats, check the network path or raise `timeout`",
    `${AMBIGUOUS}; if timeouts repeat, check the network path or raise --timeout (seconds)`,
  ],
  [
    "do not retry with the same refresh token unless the server has a rotation grace period; re-read the stored token first",
    CONSUMED,
  ],
  ["re-read the stored token first, and re-provision if it is dead", AMBIGUOUS],
  ["re-provision a new refresh token for this client and store it", REINIT],
  [
    'try the other `placement` ("query" or "body") or `clientAuth` ("params" or "basic")',
    "try the other --placement (query or body) or --client-auth (params or basic)",
  ],
  ["ask only for scopes this client was granted", "pass --scope with only scopes this client was granted"],
  ["or leave scope out to keep", "or leave --scope out to keep"],
  // StoreError / StoreConflict advice.
  [", or accept it with the option `allowReadableByOthers: true`", ""],
  [", or pass allowEvictingPolicy: true to accept the risk", ""],
  [
    "pass the encryption key it was written with",
    "set TANGOE_STORE_KEY to the passphrase it was written with",
  ],
  [
    "pass the encryptionKey it was written with",
    "set TANGOE_STORE_KEY to the passphrase it was written with",
  ],
  ["pass the original key,", "set TANGOE_STORE_KEY to the original passphrase,"],
  ["pass 32 random bytes or a non-empty passphrase", "set TANGOE_STORE_KEY to a non-empty passphrase"],
  ["and provision a new refresh token", `and ${REINIT}`],
  ["upgrade @tangoe-token/store-redis and @tangoe-token/core", "upgrade @tangoe-token/cli"],
  ["upgrade @tangoe-token/core", "upgrade @tangoe-token/cli"],
  ["load the store again and use its token", "run the command again: it uses the stored token"],
  [
    "the token just obtained must be kept in memory and saved again once the lock is free, or the store reloaded if it changed",
    "run the command again",
  ],
  ["fix the option and create the store again", "fix the token store URL (--store or TANGOE_STORE)"],
  ["create a new token client (or manager) to get tokens again", "run the command again"],
  // NotProvisioned.
  [
    "pass `refreshToken` (the one Tangoe issued for this client), or store one first (for example with `tangoe-token init`)",
    "run tangoe-token init with the refresh token Tangoe issued for this client (or give it in TANGOE_REFRESH_TOKEN)",
  ],
]

/** `` `name` `` for a core option name, anywhere a phrase above did not already cover it. */
const OPTION = /`([A-Za-z][A-Za-z.]*)`/g

/**
 * `text` in the CLI's terms: core's phrases replaced (see `PHRASES`), and any core option name
 * left in backquotes replaced by its flag or variable. Text that holds none is returned as is.
 */
export const inCliTerms = (text: string): string => {
  let out = text
  for (const [core, cli] of PHRASES) if (out.includes(core)) out = out.split(core).join(cli)
  return out.replace(OPTION, (whole, name: string) => CLI_NAMES[name] ?? whole)
}

/**
 * Words of core's vocabulary that no CLI output may hold (the tests scan every output for them):
 * option names in backquotes or as `name: true`, and library advice a shell user cannot act on.
 */
export const CORE_TERMS: ReadonlyArray<RegExp> = [
  /`(?:refreshToken|clientSecret|clientId|clientAuth|placement|timeout|scope|encryptionKey|environment(?:\.tokenUrl)?|url|password)`/,
  /allowReadableByOthers|allowEvictingPolicy|rotationGracePeriod|encryptionKey/,
  /re-provision|re-read the stored token|pass the original key|@tangoe-token\/core|token client \(or manager\)/,
  /\bpass `/,
]
