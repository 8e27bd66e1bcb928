/** A token client's options for unit tests that bring their own transport (and store): nothing is sent anywhere. */
import type { TokenClientOptions } from "../../src/TokenClient.ts"

export const offlineClientOptions: Omit<TokenClientOptions, "transport" | "store"> = {
  environment: { tokenUrl: "https://127.0.0.1:9/as/token.oauth2" },
  clientId: "client-id",
  clientSecret: "client-secret-value",
  scope: "MOBPROC",
  refreshToken: "refresh-token-1",
  retry: false,
}
