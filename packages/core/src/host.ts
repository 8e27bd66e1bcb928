/**
 * `@tangoe-token/core/host`: the effect-free part of core for hosts that keep the refresh token
 * themselves (n8n's credential, a Node-RED context, the user's own database row): single flight,
 * late-caller hand-off, memory of refused tokens, recovery by re-reading the host's copy, and
 * Tangoe's token URLs. Small enough to bundle into a node file without effect.
 *
 * @since 0.1.0
 */

export * from "./HostPages.ts"
export * from "./HostRecovery.ts"
export * from "./HostRefresh.ts"
export * from "./TokenUrls.ts"
