/**
 * @tangoe-token/core: keeps a valid Tangoe API access token in hand.
 *
 * @since 0.1.0
 */
export {}
