/**
 * The fields of the Tangoe credential as n8n hands them to the credential's hooks and to the node,
 * read into a typed shape. Names here are the credential's property names: n8n stores the values
 * under them, so renaming one breaks saved credentials.
 */
import { TOKEN_URLS } from "@tangoe-token/core/host"
import type { ICredentialDataDecryptedObject } from "n8n-workflow"

/** The credential type's name, as nodes and workflows refer to it. */
export const CREDENTIAL_NAME = "tangoeApi"

/** Which token endpoint the credential uses. */
export type EnvironmentChoice = "production" | "qa" | "custom"

/** Where the refresh parameters go: the query string (Tangoe's documented form) or a form body. */
export type PlacementChoice = "query" | "body"

/**
 * How the credential gets its tokens: from a refresh token the user pasted (`refreshToken`), or from a
 * Tangoe service account (`serviceAccount`: the first grant, then refreshes, and a new grant when the
 * chain dies).
 */
export type AuthenticationChoice = "refreshToken" | "serviceAccount"

/** The credential's fields, typed. */
export interface TangoeCredentialData {
  readonly authentication: AuthenticationChoice
  /** Only for `authentication: "serviceAccount"`: `command://name`, `rivermine://name`, or a bare name. */
  readonly username: string
  /** Only for `authentication: "serviceAccount"`. */
  readonly password: string
  readonly environment: EnvironmentChoice
  /** Only for `environment: "custom"`. */
  readonly tokenUrl: string
  readonly clientId: string
  readonly clientSecret: string
  /** Empty: no scope parameter is sent. */
  readonly scope: string
  readonly refreshToken: string
  readonly placement: PlacementChoice
  /** The Tangoe API's base URL, for the node's relative paths and the credential test. */
  readonly apiBaseUrl: string
  /** The customer's tenant code for `X-TNGO-TENANT`; empty: none sent. */
  readonly tenant: string
  /**
   * The default context headers (the acting end user, `concepts/headers`): header name and value, the
   * empty ones left out.
   */
  readonly context: ReadonlyArray<readonly [string, string]>
  /** The current access token (hidden; empty until the first refresh). */
  readonly accessToken: string
  /** When the access token expires, ISO 8601 (hidden; empty until the first refresh). */
  readonly expiresAt: string
}

const text = (value: unknown): string => (typeof value === "string" ? value : "")

/** The credential's context fields and the header each one fills (Tangoe's `concepts/headers`). */
export const CONTEXT_FIELDS: ReadonlyArray<readonly [string, string]> = [
  ["companyEmployeeId", "X-TNGO-CONTEXT-COMPANYEMPLOYEEID"],
  ["employeeId", "X-TNGO-CONTEXT-EMPLOYEEID"],
  ["hierarchyId", "X-TNGO-CONTEXT-HIERARCHYID"],
]

/** Reads the credential's fields; anything missing or of the wrong type becomes an empty string. */
export function readCredentialData(data: ICredentialDataDecryptedObject): TangoeCredentialData {
  const environment = text(data.environment)
  return {
    authentication: text(data.authentication) === "serviceAccount" ? "serviceAccount" : "refreshToken",
    username: text(data.username).trim(),
    password: text(data.password),
    environment: environment === "qa" || environment === "custom" ? environment : "production",
    tokenUrl: text(data.tokenUrl).trim(),
    clientId: text(data.clientId).trim(),
    clientSecret: text(data.clientSecret),
    scope: text(data.scope).trim(),
    refreshToken: text(data.refreshToken).trim(),
    placement: text(data.placement) === "body" ? "body" : "query",
    apiBaseUrl: text(data.apiBaseUrl).trim(),
    tenant: text(data.tenant).trim(),
    context: CONTEXT_FIELDS.flatMap(([field, header]) => {
      const value = text(data[field]).trim()
      return value === "" ? [] : [[header, value] as const]
    }),
    accessToken: text(data.accessToken),
    expiresAt: text(data.expiresAt),
  }
}

/** The token URL the credential's environment stands for. */
export function tokenUrlOf(data: TangoeCredentialData): string {
  return data.environment === "custom" ? data.tokenUrl : TOKEN_URLS[data.environment]
}

/**
 * When the stored access token expires, in epoch milliseconds, or `undefined` when unknown (never
 * refreshed, or an unreadable value).
 */
export function expiresAtMillis(data: TangoeCredentialData): number | undefined {
  if (data.accessToken === "" || data.expiresAt === "") return undefined
  const millis = Date.parse(data.expiresAt)
  return Number.isFinite(millis) ? millis : undefined
}
