/**
 * A fake of the `this` n8n gives a node's `execute`: parameters, the credential (read anew on every
 * `getCredentials`, like n8n reads its database), `httpRequestWithAuthentication`, `continueOnFail`.
 */
import type {
  IAdditionalCredentialOptions,
  ICredentialDataDecryptedObject,
  IExecuteFunctions,
  IHttpRequestOptions,
  INode,
  INodeExecutionData,
} from "n8n-workflow"

/** One call of `httpRequestWithAuthentication`. */
export interface AuthCall {
  readonly credentialType: string
  readonly options: IHttpRequestOptions
  readonly additional: IAdditionalCredentialOptions | undefined
}

/** What the fake is made of. */
export interface FakeContextOptions {
  readonly parameters: Record<string, unknown>
  readonly credential: () => ICredentialDataDecryptedObject
  readonly request: (call: AuthCall) => Promise<unknown>
  readonly items?: INodeExecutionData[]
  readonly continueOnFail?: boolean
}

/** The node the fake runs as, with a saved credential. */
export const fakeNode: INode = {
  id: "node-1",
  name: "Tangoe",
  type: "@tangoe-token/n8n-nodes-tangoe.tangoe",
  typeVersion: 1,
  position: [0, 0],
  parameters: {},
  credentials: { tangoeApi: { id: "cred-1", name: "Tangoe" } },
}

const lookup = (parameters: Record<string, unknown>, path: string): unknown =>
  path
    .split(".")
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], parameters)

/** A fake execute context and the calls it saw. */
export function fakeContext(options: FakeContextOptions): {
  readonly context: IExecuteFunctions
  readonly calls: AuthCall[]
  readonly credentialReads: () => number
} {
  const calls: AuthCall[] = []
  let reads = 0
  const context = {
    getInputData: () => options.items ?? [{ json: {} }],
    getNode: () => fakeNode,
    continueOnFail: () => options.continueOnFail === true,
    getNodeParameter: (name: string, _itemIndex: number, fallback?: unknown) => {
      const value = lookup(options.parameters, name)
      return value === undefined ? fallback : value
    },
    getCredentials: async () => {
      reads++
      return { ...options.credential() }
    },
    helpers: {
      httpRequestWithAuthentication: async (
        credentialType: string,
        requestOptions: IHttpRequestOptions,
        additional?: IAdditionalCredentialOptions,
      ) => {
        const call = { credentialType, options: requestOptions, additional }
        calls.push(call)
        return await options.request(call)
      },
    },
  }
  return { context: context as unknown as IExecuteFunctions, calls, credentialReads: () => reads }
}
