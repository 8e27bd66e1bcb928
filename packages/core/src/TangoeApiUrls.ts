/**
 * Where Tangoe's Mobile Procurement API lives, as its public documentation shows it (GitHub
 * `Tangoe/Mobile-Procurement-API-Documentation`, branch `gh-pages`). The documentation names no API
 * host for QA and has shown more than one host over the years, so every preset names its source: check
 * it against what Tangoe gave you, and give your own `baseUrl` whenever it differs. Effect-free.
 *
 * @since 0.1.0
 */

/**
 * The API base URLs of Tangoe's documentation examples.
 *
 * - `production`: `https://tngo-mobproc.cloudhub.io/mobproc/v1`, the host of every example since
 *   commit 281f6d7 (2016-04-04, "Update URLs in example code to match current structure"):
 *   `concepts/pagination`, `concepts/metadata`, `tutorials/orders/*`.
 * - `legacy`: `https://api.tangoe.com/mobileprocurement/v1`, the host of the earlier examples
 *   (`concepts/pagination` before 2016-04-04, `tutorials/move`). The documentation writes it with
 *   `http://`; a token is only ever sent over https, so the preset is https.
 *
 * There is no `qa` preset: the documentation shows QA token endpoints
 * (`https://oauthqa.tangoe.com/as/token.oauth2`) but no QA API host; give `baseUrl` for QA.
 *
 * @category constants
 * @since 0.1.0
 */
export const API_BASE_URLS = {
  production: "https://tngo-mobproc.cloudhub.io/mobproc/v1",
  legacy: "https://api.tangoe.com/mobileprocurement/v1",
} as const

/**
 * Where each {@link API_BASE_URLS} preset comes from, for a user who wants to check it.
 *
 * @category constants
 * @since 0.1.0
 */
export const API_BASE_URL_SOURCES: { readonly [K in keyof typeof API_BASE_URLS]: string } = {
  production:
    "Tangoe/Mobile-Procurement-API-Documentation (gh-pages): concepts/pagination/index.md and concepts/metadata/index.md examples, since commit 281f6d7 (2016-04-04)",
  legacy:
    "Tangoe/Mobile-Procurement-API-Documentation (gh-pages): concepts/pagination/index.md before commit 281f6d7 (2016-04-04) and tutorials/move/index.md, written there as http://api.tangoe.com/mobileprocurement/v1",
}

/**
 * The headers Tangoe's API documents (`concepts/headers`).
 *
 * @category constants
 * @since 0.1.0
 */
export const TANGOE_HEADERS = {
  /** Required: the customer's tenant code. */
  tenant: "X-TNGO-TENANT",
  /** Required: the client id of the calling application. */
  clientId: "client_id",
  /** Optional: the tenant-assigned employee id of the acting end user. */
  companyEmployeeId: "X-TNGO-CONTEXT-COMPANYEMPLOYEEID",
  /** Optional: the Tangoe-assigned employee id of the acting end user (wins over the company one). */
  employeeId: "X-TNGO-CONTEXT-EMPLOYEEID",
  /** Optional: the organizational hierarchy to use. */
  hierarchyId: "X-TNGO-CONTEXT-HIERARCHYID",
  /** Optional: groups related calls. */
  activityId: "X-TNGO-CONTEXT-ACTIVITYID",
  /** Optional: unique per call (the API layer sends a fresh one on every call). */
  correlationId: "X-TNGO-CONTEXT-CORRELATIONID",
} as const

/**
 * The grant type of PingFederate's token validation (`concepts/security/access_tokens/validate_token`).
 *
 * @category constants
 * @since 0.1.0
 */
export const VALIDATE_BEARER_GRANT = "urn:pingidentity.com:oauth2:grant_type:validate_bearer"
