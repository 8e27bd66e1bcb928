/**
 * Tangoe's token endpoints. Effect-free, so that the `@tangoe-token/core/host` entry can offer them too.
 *
 * @since 0.1.0
 */

/**
 * The token endpoints Tangoe documents, by environment.
 *
 * @category constants
 * @since 0.1.0
 */
export const TOKEN_URLS = {
  production: "https://oauth.tangoe.com/as/token.oauth2",
  qa: "https://oauthqa.tangoe.com/as/token.oauth2",
} as const
