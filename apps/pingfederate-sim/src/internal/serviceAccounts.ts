/**
 * Tangoe service accounts for the password grant (Resource Owner Password Credentials). Tangoe's
 * public docs (`Tangoe/Mobile-Procurement-API-Documentation`, page
 * `concepts/security/access_tokens/request_token_password`) say the username is
 * `<source_system>://<username>` with source system `command` or `rivermine`, or the bare name for a
 * user of the Tangoe platform. This module keeps the accounts, checks a username and password
 * (passwords compared in constant time), counts grants and failures per account, and locks an account
 * after too many failures in a row when a lockout threshold is set. No I/O; no secret leaves it except
 * through `seeded`, which exists to hand credentials to the test that asked for them.
 */
import { randomAlphanumeric } from "./random.ts"
import { type OAuthError, oauthError } from "./responses.ts"
import { type Subject, sameSecret } from "./tokens.ts"
import { fail, text } from "./validate.ts"

/** The source systems a username may name (`command://…`, `rivermine://…`). */
export const SOURCE_SYSTEMS: ReadonlyArray<string> = ["command", "rivermine"]

/** The platform `validate_bearer` reports for a bare username (a Tangoe-platform user). */
export const TANGOE_PLATFORM = "tangoe"

/** A name: printable, no spaces, no slashes or colons (those belong to the `source://` prefix). */
const NAME = /^[^\s/:\p{Cc}]+$/u

/**
 * Reads a username in one of the documented forms into its platform and name; undefined when it has
 * another shape (an unknown source system, an empty name, spaces, control characters…).
 */
export const parseUsername = (username: string): Subject | undefined => {
  const separator = username.indexOf("://")
  if (separator < 0) {
    return NAME.test(username) ? { platform: TANGOE_PLATFORM, identifier: username, username } : undefined
  }
  const source = username.slice(0, separator)
  const name = username.slice(separator + 3)
  return SOURCE_SYSTEMS.includes(source) && NAME.test(name)
    ? { platform: source, identifier: name, username }
    : undefined
}

/** A service account to register; a missing password is random (24 alphanumeric characters). */
export interface ServiceAccountInput {
  readonly username?: unknown
  readonly password?: unknown
}

/** A registered account, with its password: what the API, admin endpoint and CLI hand back. */
export interface SeededAccount {
  readonly username: string
  readonly password: string
}

/** An account's counts and lock state, without its password. */
export interface AccountStatus {
  readonly username: string
  /** Successful password grants. */
  readonly passwordGrants: number
  /** Password grants refused for this account (wrong password, or while locked). */
  readonly failedPasswords: number
  /** Wrong passwords since the last success or unlock: what the lockout counts. */
  readonly consecutiveFailures: number
  readonly locked: boolean
}

interface Account {
  readonly username: string
  readonly password: string
  passwordGrants: number
  failedPasswords: number
  consecutiveFailures: number
  locked: boolean
}

/** The outcome of checking a username and password. */
export type AuthenticateResult =
  | { readonly ok: true; readonly subject: Subject }
  | { readonly ok: false; readonly error: OAuthError }

/**
 * One description for an unknown account and a wrong password, as a real server gives (it must not
 * tell which usernames exist).
 */
const BAD_CREDENTIALS = "Invalid username or password"

/** The service accounts of one simulator. */
export class ServiceAccounts {
  readonly #accounts = new Map<string, Account>()

  /** Registers an account; throws `SimulatorOptionsError` for a malformed or duplicate username or a bad password. */
  add(input: ServiceAccountInput, option = "serviceAccount"): SeededAccount {
    const username = text(`${option}.username`, input.username)
    if (parseUsername(username) === undefined) {
      fail(
        `${option}.username`,
        "command://name, rivermine://name or a bare name (no spaces, slashes or colons in the name)",
        username,
      )
    }
    if (this.#accounts.has(username)) fail(`${option}.username`, "a username not registered yet", username)
    if (
      input.password !== undefined &&
      (typeof input.password !== "string" || input.password === "" || /\p{Cc}/u.test(input.password))
    ) {
      // Never the value: it is a password.
      fail(`${option}.password`, "a non-empty string without control characters", "another value")
    }
    const password = (input.password as string | undefined) ?? randomAlphanumeric(24)
    this.#accounts.set(username, {
      username,
      password,
      passwordGrants: 0,
      failedPasswords: 0,
      consecutiveFailures: 0,
      locked: false,
    })
    return { username, password }
  }

  /** Whether any account exists: a server without one does not offer the password grant. */
  get any(): boolean {
    return this.#accounts.size > 0
  }

  /** Every account with its password, in registration order. */
  get seeded(): ReadonlyArray<SeededAccount> {
    return [...this.#accounts.values()].map(({ username, password }) => ({ username, password }))
  }

  /**
   * Checks a username and password. A malformed or unknown username and a wrong password all get
   * `invalid_grant` (RFC 6749 §5.2: "the provided authorization grant (e.g. … resource owner
   * credentials) is invalid"); a locked account gets `invalid_grant` saying it is locked, even with
   * the right password. With `lockoutThreshold` > 0, that many wrong passwords in a row lock it.
   */
  authenticate(username: string, password: string, lockoutThreshold: number): AuthenticateResult {
    const subject = parseUsername(username)
    if (subject === undefined) {
      return {
        ok: false,
        error: oauthError(
          "invalid_grant",
          "Malformed username: use command://<name>, rivermine://<name>, or the bare name of a Tangoe-platform user",
        ),
      }
    }
    const account = this.#accounts.get(username)
    if (account === undefined) return { ok: false, error: oauthError("invalid_grant", BAD_CREDENTIALS) }
    if (account.locked) {
      account.failedPasswords++
      return {
        ok: false,
        error: oauthError(
          "invalid_grant",
          "The account is locked after too many failed sign-ins; ask the Tangoe administrator to unlock it",
        ),
      }
    }
    if (!sameSecret(account.password, password)) {
      account.failedPasswords++
      account.consecutiveFailures++
      if (lockoutThreshold > 0 && account.consecutiveFailures >= lockoutThreshold) account.locked = true
      return { ok: false, error: oauthError("invalid_grant", BAD_CREDENTIALS) }
    }
    account.consecutiveFailures = 0
    return { ok: true, subject }
  }

  /** Counts a successful grant for the account. */
  granted(username: string): void {
    const account = this.#accounts.get(username)
    if (account !== undefined) account.passwordGrants++
  }

  /** Unlocks one account (or all) and clears its run of failures; returns how many were locked. */
  unlock(username?: string): number {
    let unlocked = 0
    for (const account of this.#accounts.values()) {
      if (username !== undefined && account.username !== username) continue
      if (account.locked) unlocked++
      account.locked = false
      account.consecutiveFailures = 0
    }
    return unlocked
  }

  /** Whether an account with this username exists. */
  has(username: string): boolean {
    return this.#accounts.has(username)
  }

  /** The counts and lock state of every account (no password). */
  status(): Array<AccountStatus> {
    return [...this.#accounts.values()].map((a) => ({
      username: a.username,
      passwordGrants: a.passwordGrants,
      failedPasswords: a.failedPasswords,
      consecutiveFailures: a.consecutiveFailures,
      locked: a.locked,
    }))
  }

  /** Clears the grant and failure counts (not the lock state: unlock does that). */
  resetCounts(): void {
    for (const account of this.#accounts.values()) {
      account.passwordGrants = 0
      account.failedPasswords = 0
    }
  }
}
