/**
 * The token state of one simulated environment: registered clients, refresh-token families with
 * rolling (rotation), grace periods, reuse detection and rolling intervals, and access tokens with
 * their expiry. All time comes from a clock function (milliseconds), so tests can move time instead
 * of sleeping. Nothing here does I/O; the HTTP layer maps outcomes to responses.
 */
import { createHash, timingSafeEqual } from "node:crypto"
import { ACCESS_TOKEN_LENGTH, REFRESH_TOKEN_LENGTH, randomAlphanumeric, randomHex } from "./random.ts"
import { type OAuthError, oauthError } from "./responses.ts"
import { fail, text } from "./validate.ts"

/** Milliseconds since the epoch, like `Date.now`. */
export type Clock = () => number

/** The token behaviour a simulator is configured with (all durations in seconds). */
export interface TokenPolicy {
  readonly accessTokenLifetime: number
  readonly gracePeriod: number
  readonly reuseDetection: boolean
  readonly rollingInterval: number
  readonly omitRefreshToken: boolean
  /** A refresh token unused for this long dies (`invalid_grant`); 0 = never. */
  readonly refreshTokenIdleTimeout: number
}

/** A registered client. */
export interface Client {
  readonly clientId: string
  readonly clientSecret: string
  readonly scopes: ReadonlyArray<string>
  readonly grantTypes: ReadonlyArray<string>
  /** The tenant code `validate_bearer` answers for this client's tokens, and the sample API expects. */
  readonly tenant: string
}

/** What a client registration may say; missing ids and secrets are random. */
export interface ClientInput {
  readonly clientId?: string | undefined
  readonly clientSecret?: string | undefined
  readonly scopes?: ReadonlyArray<string> | undefined
  readonly grantTypes?: ReadonlyArray<string> | undefined
  readonly tenant?: string | undefined
}

/**
 * Whom a token family was granted to: the source system (`command`, `rivermine`, or `tangoe` for a
 * Tangoe-platform user) and the name, as `validate_bearer` reports them; `username` is the service
 * account's full username when the family came from a password grant.
 */
export interface Subject {
  readonly platform: string
  readonly identifier: string
  readonly username?: string | undefined
}

/** The subject of families issued by the API, the admin endpoint or the CLI (no service account). */
export const SEEDED_SUBJECT: Subject = { platform: "command", identifier: "api.account.sim" }

interface Family {
  readonly id: number
  readonly clientId: string
  readonly subject: Subject
  /** The scope originally granted: a refresh may narrow it, never widen it (RFC 6749 §6). */
  readonly scopes: ReadonlyArray<string>
  current: string
  revoked: boolean
}

interface RefreshRecord {
  readonly family: Family
  readonly issuedAt: number
  /** Issue or last use: the idle timeout counts from here (the admin's "age" moves it back). */
  activeAt: number
  /** When a newer token replaced it; its grace period starts here. */
  retiredAt: number | undefined
}

interface AccessRecord {
  readonly clientId: string
  readonly scope: string
  readonly family: Family
  expiresAt: number
}

/** A successful refresh: what the token endpoint sends back. */
export interface Refreshed {
  readonly accessToken: string
  /** The new (or, within a rolling interval, the same) refresh token; undefined when it is omitted. */
  readonly refreshToken: string | undefined
  /** The access token lifetime in seconds, possibly fractional. */
  readonly lifetime: number
  readonly scope: string
}

/** The outcome of a refresh: a token set, or the OAuth error (with whether it revoked the family). */
export type RefreshOutcome =
  | ({ readonly ok: true } & Refreshed)
  | { readonly ok: false; readonly error: OAuthError; readonly revokedFamily: boolean }

/** Which families `revoke` kills: a refresh token's, a client's, or a service account's. */
export type RevokeTarget =
  | { readonly refreshToken: string }
  | { readonly clientId: string }
  | { readonly username: string }

/** Why an access token is not accepted, or the client and scope it belongs to. */
export type AccessCheck =
  | {
      readonly ok: true
      readonly clientId: string
      readonly scope: string
      /** When it expires, by the registry's clock (milliseconds). */
      readonly expiresAt: number
      readonly subject: Subject
    }
  | { readonly ok: false; readonly reason: string }

/** The default scope of a client registered without one. */
export const DEFAULT_SCOPES: ReadonlyArray<string> = ["MOBPROC"]
/** PingFederate's grant type for access token validation (docs: concepts/security/access_tokens/validate_token). */
export const VALIDATE_BEARER = "urn:pingidentity.com:oauth2:grant_type:validate_bearer"
/** The grant types a client is registered with by default. */
export const DEFAULT_GRANT_TYPES: ReadonlyArray<string> = ["refresh_token", "password", VALIDATE_BEARER]
/** The default tenant code of a client (Tangoe assigns one per customer). */
export const DEFAULT_TENANT = "ACME"

/** Above this many stored refresh tokens, records that can only ever answer `invalid_grant` are dropped. */
const REFRESH_SWEEP_AT = 100_000
/** Above this many stored access tokens, expired ones are dropped. */
const ACCESS_SWEEP_AT = 50_000

const SCOPE_TOKEN = /^[\x21\x23-\x5b\x5d-\x7e]+$/

/** Splits a space-delimited scope string (RFC 6749 §3.3) into its distinct scope tokens. */
export const splitScope = (scope: string): Array<string> => [
  ...new Set(scope.split(" ").filter((s) => s !== "")),
]

const digest = (value: string): Buffer => createHash("sha256").update(value).digest()

/** Compares secrets in constant time (over their digests, so lengths do not leak either). */
export const sameSecret = (a: string, b: string): boolean => timingSafeEqual(digest(a), digest(b))

/** The token state of one environment. */
export class TokenRegistry {
  readonly #clock: Clock
  readonly #policy: () => TokenPolicy
  readonly #clients = new Map<string, Client>()
  readonly #refresh = new Map<string, RefreshRecord>()
  readonly #access = new Map<string, AccessRecord>()
  #nextFamily = 1
  #refreshSweepAt = REFRESH_SWEEP_AT
  #accessSweepAt = ACCESS_SWEEP_AT

  constructor(clock: Clock, policy: () => TokenPolicy) {
    this.#clock = clock
    this.#policy = policy
  }

  /** Registers a client; throws `SimulatorOptionsError` for a bad or duplicate spec. */
  addClient(input: ClientInput, option = "client"): Client {
    const clientId = input.clientId === undefined ? randomHex(32) : text(`${option}.clientId`, input.clientId)
    if (this.#clients.has(clientId)) fail(`${option}.clientId`, "an id not registered yet", clientId)
    if (
      input.clientSecret !== undefined &&
      (typeof input.clientSecret !== "string" || input.clientSecret === "")
    ) {
      fail(`${option}.clientSecret`, "a non-empty string", "an empty or non-string secret")
    }
    const scopes = [...(input.scopes ?? DEFAULT_SCOPES)]
    for (const scope of scopes) {
      if (typeof scope !== "string" || !SCOPE_TOKEN.test(scope)) {
        fail(
          `${option}.scopes`,
          "scope tokens (printable ASCII without spaces, quotes or backslashes)",
          scope,
        )
      }
    }
    if (scopes.length === 0) fail(`${option}.scopes`, "at least one scope", "an empty list")
    const grantTypes = [...(input.grantTypes ?? DEFAULT_GRANT_TYPES)].map((g, i) =>
      text(`${option}.grantTypes[${i}]`, g),
    )
    const tenant = input.tenant === undefined ? DEFAULT_TENANT : text(`${option}.tenant`, input.tenant)
    const client: Client = {
      clientId,
      clientSecret: input.clientSecret ?? randomHex(32),
      scopes,
      grantTypes,
      tenant,
    }
    this.#clients.set(clientId, client)
    return client
  }

  /** The registered clients, in registration order. */
  get clients(): ReadonlyArray<Client> {
    return [...this.#clients.values()]
  }

  /** The registered client with this id, if any. */
  client(clientId: string): Client | undefined {
    return this.#clients.get(clientId)
  }

  /** The client with this id and secret, or undefined (unknown id or wrong secret). */
  authenticate(clientId: string, clientSecret: string): Client | undefined {
    const client = this.#clients.get(clientId)
    return client !== undefined && sameSecret(client.clientSecret, clientSecret) ? client : undefined
  }

  /** Starts a new token family for a client and returns its first refresh token. */
  issueRefreshToken(clientId: string, scope?: string): string {
    const client = this.#clients.get(clientId)
    if (client === undefined) return fail("clientId", "the id of a registered client", clientId)
    const scopes = scope === undefined ? client.scopes : splitScope(scope)
    const outside = scopes.find((s) => !client.scopes.includes(s))
    if (scopes.length === 0 || outside !== undefined) {
      fail("scope", `scopes of client ${clientId} (${client.scopes.join(" ")})`, scope)
    }
    return this.#newFamily(clientId, scopes, SEEDED_SUBJECT).current
  }

  /**
   * A new grant for an authenticated client and subject (the password grant): checks the requested
   * scope against the client's, starts a new token family and issues its first refresh and access
   * tokens. Without `scope`, every scope of the client is granted.
   */
  grant(client: Client, requestedScope: string | undefined, subject: Subject): RefreshOutcome {
    const policy = this.#policy()
    const requested = requestedScope === undefined ? undefined : splitScope(requestedScope)
    const notAllowed = requested?.find((s) => !client.scopes.includes(s))
    if (notAllowed !== undefined) {
      return this.#failure(oauthError("invalid_scope", `The client is not allowed the scope ${notAllowed}`))
    }
    const scopes = requested ?? client.scopes
    const family = this.#newFamily(client.clientId, scopes, subject)
    const scope = scopes.join(" ")
    const accessToken = this.#newAccessToken(
      client.clientId,
      scope,
      family,
      this.#clock() + policy.accessTokenLifetime * 1000,
    )
    return {
      ok: true,
      accessToken,
      refreshToken: family.current,
      lifetime: policy.accessTokenLifetime,
      scope,
    }
  }

  /**
   * Revokes token families: the one a refresh token (current or retired) belongs to, every family of a
   * client, or every family granted to a service account. Their refresh and access tokens stop
   * working at once. Returns how many live families were revoked.
   */
  revoke(target: RevokeTarget): number {
    const families = new Set<Family>()
    if ("refreshToken" in target) {
      const record = this.#refresh.get(target.refreshToken)
      if (record !== undefined) families.add(record.family)
    } else {
      for (const record of this.#refresh.values()) {
        const { family } = record
        if (
          "clientId" in target
            ? family.clientId === target.clientId
            : family.subject.username === target.username
        )
          families.add(family)
      }
    }
    let revoked = 0
    for (const family of families) {
      if (!family.revoked) revoked++
      this.#revoke(family)
    }
    return revoked
  }

  /**
   * Moves the last use of every stored refresh token (optionally only a client's) `seconds` into the
   * past, as if nobody had used them for that long; with an idle timeout set they may now be dead.
   * Returns how many live tokens were aged.
   */
  ageRefreshTokens(seconds: number, clientId?: string): number {
    const now = this.#clock()
    const policy = this.#policy()
    let aged = 0
    for (const record of this.#refresh.values()) {
      if (clientId !== undefined && record.family.clientId !== clientId) continue
      if (this.#accepts(record, now, policy)) aged++
      record.activeAt -= seconds * 1000
    }
    return aged
  }

  /**
   * Refreshes with `token` for an authenticated `client`: checks the token (unknown, another client's,
   * revoked, retired beyond its grace period — which revokes the family under reuse detection) and the
   * scope (RFC 6749 §6), then rolls the token as the policy says and issues an access token.
   */
  refresh(client: Client, token: string, requestedScope: string | undefined): RefreshOutcome {
    const policy = this.#policy()
    const now = this.#clock()
    const requested = requestedScope === undefined ? undefined : splitScope(requestedScope)
    const notAllowed = requested?.find((s) => !client.scopes.includes(s))
    if (notAllowed !== undefined) {
      return this.#failure(oauthError("invalid_scope", `The client is not allowed the scope ${notAllowed}`))
    }

    const record = this.#refresh.get(token)
    if (record === undefined) {
      return this.#failure(oauthError("invalid_grant", "unknown, invalid, or expired refresh token"))
    }
    const { family } = record
    if (family.clientId !== client.clientId) {
      return this.#failure(oauthError("invalid_grant", "The refresh token was issued to another client"))
    }
    if (family.revoked) {
      return this.#failure(oauthError("invalid_grant", "The refresh token has been revoked"))
    }
    if (this.#idle(record, now, policy)) {
      return this.#failure(
        oauthError(
          "invalid_grant",
          `The refresh token expired: unused for longer than ${policy.refreshTokenIdleTimeout} s`,
        ),
      )
    }
    if (!this.#withinGrace(record, now, policy)) {
      if (policy.reuseDetection) {
        this.#revoke(family)
        return this.#failure(
          oauthError(
            "invalid_grant",
            "The refresh token was already used; reuse detected, so every token of its grant has been revoked",
          ),
          true,
        )
      }
      return this.#failure(
        oauthError("invalid_grant", "The refresh token was already used and has been replaced"),
      )
    }
    const wider = requested?.find((s) => !family.scopes.includes(s))
    if (wider !== undefined) {
      return this.#failure(
        oauthError("invalid_scope", `The scope ${wider} is broader than the scope originally granted`),
      )
    }

    const scope = (requested ?? family.scopes).join(" ")
    let refreshToken: string | undefined
    if (policy.omitRefreshToken) {
      refreshToken = undefined
    } else if (
      record.retiredAt === undefined &&
      policy.rollingInterval > 0 &&
      now - record.issuedAt < policy.rollingInterval * 1000
    ) {
      refreshToken = token
      record.activeAt = now
    } else {
      const previous = this.#refresh.get(family.current)
      if (previous !== undefined && previous.retiredAt === undefined) previous.retiredAt = now
      family.current = this.#newRefreshToken(family)
      refreshToken = family.current
    }
    const accessToken = this.#newAccessToken(
      client.clientId,
      scope,
      family,
      now + policy.accessTokenLifetime * 1000,
    )
    return { ok: true, accessToken, refreshToken, lifetime: policy.accessTokenLifetime, scope }
  }

  /** Whether the token endpoint would accept this refresh token right now (scope and client aside). */
  isLive(token: string): boolean {
    const record = this.#refresh.get(token)
    return record !== undefined && this.#accepts(record, this.#clock(), this.#policy())
  }

  /** Every refresh token that would be accepted right now, optionally only a client's. */
  liveRefreshTokens(clientId?: string): Array<string> {
    const now = this.#clock()
    const policy = this.#policy()
    const live: Array<string> = []
    for (const [token, record] of this.#refresh) {
      if (clientId !== undefined && record.family.clientId !== clientId) continue
      if (this.#accepts(record, now, policy)) live.push(token)
    }
    return live
  }

  /** Checks an access token: live, or why not. */
  checkAccessToken(token: string): AccessCheck {
    const record = this.#access.get(token)
    if (record === undefined) return { ok: false, reason: "The access token is unknown" }
    if (record.family.revoked) return { ok: false, reason: "The access token has been revoked" }
    if (this.#clock() >= record.expiresAt) return { ok: false, reason: "The access token expired" }
    return {
      ok: true,
      clientId: record.clientId,
      scope: record.scope,
      expiresAt: record.expiresAt,
      subject: record.family.subject,
    }
  }

  /** Expires every access token issued so far; returns how many were still valid. */
  expireAccessTokens(): number {
    const now = this.#clock()
    let expired = 0
    for (const record of this.#access.values()) {
      if (record.expiresAt > now && !record.family.revoked) expired++
      record.expiresAt = Math.min(record.expiresAt, now)
    }
    return expired
  }

  /** Counts for the admin state: stored refresh tokens, live ones, families, access tokens. */
  summary(): {
    readonly liveRefreshTokens: number
    readonly families: number
    readonly accessTokens: number
  } {
    const families = new Set<number>()
    for (const record of this.#refresh.values()) families.add(record.family.id)
    return {
      liveRefreshTokens: this.liveRefreshTokens().length,
      families: families.size,
      accessTokens: [...this.#access.keys()].filter((t) => this.checkAccessToken(t).ok).length,
    }
  }

  /** Not revoked, not idle past the timeout, and current or within its grace period. */
  #accepts(record: RefreshRecord, now: number, policy: TokenPolicy): boolean {
    return (
      !record.family.revoked && !this.#idle(record, now, policy) && this.#withinGrace(record, now, policy)
    )
  }

  #idle(record: RefreshRecord, now: number, policy: TokenPolicy): boolean {
    return (
      policy.refreshTokenIdleTimeout > 0 && now >= record.activeAt + policy.refreshTokenIdleTimeout * 1000
    )
  }

  #newFamily(clientId: string, scopes: ReadonlyArray<string>, subject: Subject): Family {
    const family: Family = { id: this.#nextFamily++, clientId, scopes, subject, current: "", revoked: false }
    family.current = this.#newRefreshToken(family)
    return family
  }

  #withinGrace(record: RefreshRecord, now: number, policy: TokenPolicy): boolean {
    return record.retiredAt === undefined || now < record.retiredAt + policy.gracePeriod * 1000
  }

  #failure(error: OAuthError, revokedFamily = false): RefreshOutcome {
    return { ok: false, error, revokedFamily }
  }

  #revoke(family: Family): void {
    family.revoked = true
  }

  #newRefreshToken(family: Family): string {
    if (this.#refresh.size >= this.#refreshSweepAt) this.#sweepRefreshTokens()
    const token = randomAlphanumeric(REFRESH_TOKEN_LENGTH)
    const now = this.#clock()
    this.#refresh.set(token, { family, issuedAt: now, activeAt: now, retiredAt: undefined })
    return token
  }

  #newAccessToken(clientId: string, scope: string, family: Family, expiresAt: number): string {
    if (this.#access.size >= this.#accessSweepAt) this.#sweepAccessTokens()
    const token = randomAlphanumeric(ACCESS_TOKEN_LENGTH)
    this.#access.set(token, { clientId, scope, family, expiresAt })
    return token
  }

  /**
   * Drops refresh tokens of revoked families and retired ones past their grace period when reuse
   * detection is off (both can only ever get `invalid_grant`, "unknown" or not); keeps memory bounded
   * in long benchmarks. Under reuse detection retired tokens are kept so their reuse is still caught.
   */
  #sweepRefreshTokens(): void {
    const now = this.#clock()
    const policy = this.#policy()
    for (const [token, record] of this.#refresh) {
      const dead =
        record.family.revoked || (!policy.reuseDetection && !this.#withinGrace(record, now, policy))
      if (dead) this.#refresh.delete(token)
    }
    this.#refreshSweepAt = Math.max(REFRESH_SWEEP_AT, this.#refresh.size * 2)
  }

  #sweepAccessTokens(): void {
    const now = this.#clock()
    for (const [token, record] of this.#access) {
      if (record.expiresAt <= now || record.family.revoked) this.#access.delete(token)
    }
    this.#accessSweepAt = Math.max(ACCESS_SWEEP_AT, this.#access.size * 2)
  }
}
