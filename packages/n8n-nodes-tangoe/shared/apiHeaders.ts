/**
 * The headers the Tangoe credential puts on every request made with it (the Tangoe node's and n8n's
 * HTTP Request node's, through the credential's `authenticate`): `Authorization: Bearer <token>`, and
 * the two headers Tangoe's API requires on every call (`concepts/headers`), `X-TNGO-TENANT` (when the
 * credential has a tenant) and `client_id`, a new `X-TNGO-CONTEXT-CORRELATIONID` (a UUID, which a
 * user can quote to Tangoe support), and the default context headers the credential names (the acting
 * end user: `X-TNGO-CONTEXT-COMPANYEMPLOYEEID`, `-EMPLOYEEID`, `-HIERARCHYID`). A tenant, client or correlation header the workflow set, in any
 * case, is kept as it is (n8n's replay after a refresh keeps the first request's).
 */
import { randomUUID } from "node:crypto"
import type { ICredentialDataDecryptedObject, IDataObject, IHttpRequestOptions } from "n8n-workflow"
import { readCredentialData } from "./credentialData"

/** Tangoe's header names (concepts/headers). */
export const TENANT_HEADER = "X-TNGO-TENANT"
export const CLIENT_ID_HEADER = "client_id"
export const CORRELATION_ID_HEADER = "X-TNGO-CONTEXT-CORRELATIONID"

/** The request with the credential's headers added. */
export async function authenticateTangoe(
  credentials: ICredentialDataDecryptedObject,
  requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
  const data = readCredentialData(credentials)
  const headers: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(requestOptions.headers ?? {})) {
    // The credential authenticates: any other casing of Authorization is dropped, so one is sent.
    if (name.toLowerCase() !== "authorization") headers[name] = value
  }
  headers.Authorization = `Bearer ${data.accessToken}`
  const present = new Set(Object.keys(headers).map((name) => name.toLowerCase()))
  if (data.tenant !== "" && !present.has(TENANT_HEADER.toLowerCase())) headers[TENANT_HEADER] = data.tenant
  if (data.clientId !== "" && !present.has(CLIENT_ID_HEADER)) headers[CLIENT_ID_HEADER] = data.clientId
  if (!present.has(CORRELATION_ID_HEADER.toLowerCase())) headers[CORRELATION_ID_HEADER] = randomUUID()
  for (const [name, value] of data.context) if (!present.has(name.toLowerCase())) headers[name] = value
  return { ...requestOptions, headers: headers as IDataObject }
}
