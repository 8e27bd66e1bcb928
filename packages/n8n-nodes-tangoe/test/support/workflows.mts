/**
 * Workflows and credentials in the shapes `n8n import:workflow` and `n8n import:credentials` take.
 * Each workflow starts with a Manual Trigger; nodes refer to the credential by id and name.
 */
import { PACKAGE_NAME } from "./n8n.mts"

/** The credential type's name. */
export const CREDENTIAL_TYPE = "tangoeApi"

/** A credential reference as nodes hold it. */
export interface CredentialRef {
  readonly id: string
  readonly name: string
}

/**
 * The `import:credentials` entry of a credential on the simulator: the custom environment, the
 * documented query placement, no access token yet (so the first use refreshes).
 */
export function simulatorCredential(
  credential: CredentialRef,
  sim: { readonly tokenUrl: string; readonly apiUrl: string },
  client: {
    readonly clientId: string
    readonly clientSecret: string
    readonly scope: string
    readonly refreshToken: string
    readonly tenant?: string
  },
  apiBaseUrl: string = sim.apiUrl,
): object {
  return {
    id: credential.id,
    name: credential.name,
    type: CREDENTIAL_TYPE,
    data: {
      environment: "custom",
      tokenUrl: sim.tokenUrl,
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      scope: client.scope,
      refreshToken: client.refreshToken,
      ...(client.tenant === undefined ? {} : { tenant: client.tenant }),
      placement: "query",
      // The simulator protects one path: make it the base, so the credential test's GET hits it.
      apiBaseUrl,
      accessToken: "",
      expiresAt: "",
    },
  }
}

/**
 * The `import:credentials` entry of a credential that uses a service account on the simulator: like
 * {@link simulatorCredential}, with `authentication: "serviceAccount"` and the given refresh token
 * (default none: the first use takes the first grant).
 */
export function serviceAccountCredential(
  credential: CredentialRef,
  sim: { readonly tokenUrl: string; readonly apiUrl: string },
  client: { readonly clientId: string; readonly clientSecret: string; readonly scope: string },
  account: { readonly username: string; readonly password: string },
  refreshToken = "",
): object {
  const entry = simulatorCredential(credential, sim, { ...client, refreshToken }) as {
    data: Record<string, unknown>
  }
  return {
    ...entry,
    data: {
      ...entry.data,
      authentication: "serviceAccount",
      username: account.username,
      password: account.password,
    },
  }
}

/** A node of a workflow (position and id filled in by {@link workflow}). */
export interface NodeSpec {
  readonly name: string
  readonly type: string
  readonly typeVersion: number
  readonly parameters: Record<string, unknown>
  readonly credentials?: Record<string, CredentialRef>
  /** n8n's node setting "Retry On Fail", with its tries and the pause between them (ms). */
  readonly retryOnFail?: boolean
  readonly maxTries?: number
  readonly waitBetweenTries?: number
}

/** A linear workflow: Manual Trigger → nodes[0] → nodes[1] → … */
export function workflow(id: string, name: string, nodes: readonly NodeSpec[]): object {
  const all: NodeSpec[] = [
    { name: "Start", type: "n8n-nodes-base.manualTrigger", typeVersion: 1, parameters: {} },
    ...nodes,
  ]
  const connections: Record<string, unknown> = {}
  for (let i = 0; i + 1 < all.length; i++) {
    const from = all[i]
    const to = all[i + 1]
    if (from !== undefined && to !== undefined) {
      connections[from.name] = { main: [[{ node: to.name, type: "main", index: 0 }]] }
    }
  }
  return {
    id,
    name,
    active: false,
    nodes: all.map((node, index) => ({
      id: `${id}-node-${index}`,
      position: [index * 220, 0],
      ...node,
    })),
    connections,
    settings: { executionOrder: "v1" },
    pinData: {},
  }
}

/** The Tangoe node, "API Request" operation. */
export function tangoeApiRequest(credential: CredentialRef, url: string, options: object = {}): NodeSpec {
  return {
    name: "Tangoe",
    type: `${PACKAGE_NAME}.tangoe`,
    typeVersion: 1,
    parameters: { operation: "apiRequest", method: "GET", url, options },
    credentials: { [CREDENTIAL_TYPE]: credential },
  }
}

/** The Tangoe node, "API Request" operation with any parameters (GET by default). */
export function tangoeNode(credential: CredentialRef, parameters: Record<string, unknown>): NodeSpec {
  return {
    name: "Tangoe",
    type: `${PACKAGE_NAME}.tangoe`,
    typeVersion: 1,
    parameters: { operation: "apiRequest", method: "GET", options: {}, ...parameters },
    credentials: { [CREDENTIAL_TYPE]: credential },
  }
}

/** A list of name/value pairs as the Tangoe node's query and header parameters hold them. */
export const pairs = (record: Record<string, string>) => ({
  parameters: Object.entries(record).map(([name, value]) => ({ name, value })),
})

/** The Tangoe node, "Get Access Token" operation. */
export function tangoeGetAccessToken(credential: CredentialRef, minValidity: number): NodeSpec {
  return {
    name: "Tangoe",
    type: `${PACKAGE_NAME}.tangoe`,
    typeVersion: 1,
    parameters: { operation: "getAccessToken", minValidity, includeAccessToken: false },
    credentials: { [CREDENTIAL_TYPE]: credential },
  }
}

/** n8n's Debug Helper generating `count` items. */
export function generateItems(count: number): NodeSpec {
  return {
    name: "Items",
    type: "n8n-nodes-base.debugHelper",
    typeVersion: 1,
    parameters: { category: "randomData", randomDataType: "nanoid", randomDataCount: count },
  }
}

/** n8n's stock HTTP Request node with "Predefined Credential Type" = the Tangoe credential. */
export function httpRequestWithTangoe(credential: CredentialRef, url: string): NodeSpec {
  return {
    name: "HTTP Request",
    type: "n8n-nodes-base.httpRequest",
    typeVersion: 4.2,
    parameters: {
      method: "GET",
      url,
      authentication: "predefinedCredentialType",
      nodeCredentialType: CREDENTIAL_TYPE,
      options: {},
    },
    credentials: { [CREDENTIAL_TYPE]: credential },
  }
}
