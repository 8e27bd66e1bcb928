/**
 * The headers of one Tangoe API call: ours are added only where the caller set none (names compare
 * case-insensitively, as `Headers` does).
 *
 * @internal
 */
import { TANGOE_HEADERS } from "../../TangoeApiUrls.ts"

/** What the API layer adds to a call. */
export interface AddedHeaders {
  readonly authorization: string | undefined
  readonly tenant: string | undefined
  readonly clientId: string
  readonly companyEmployeeId?: string | undefined
  readonly employeeId?: string | undefined
  readonly hierarchyId?: string | undefined
  readonly activityId?: string | undefined
  readonly correlationId: string
}

/** The call's headers, whether our token went into them, and the correlation id the call carries. */
export interface CallHeaders {
  readonly headers: Headers
  readonly usesOurToken: boolean
  readonly correlationId: string
}

/** `given` with each of `added` set where the caller set nothing under that name. */
export const callHeaders = (given: RequestInit["headers"], added: AddedHeaders): CallHeaders => {
  const headers = new Headers(given)
  const setIfAbsent = (name: string, value: string | undefined): boolean => {
    if (value === undefined || headers.has(name)) return false
    headers.set(name, value)
    return true
  }
  const usesOurToken = setIfAbsent("authorization", added.authorization)
  setIfAbsent(TANGOE_HEADERS.tenant, added.tenant)
  setIfAbsent(TANGOE_HEADERS.clientId, added.clientId)
  setIfAbsent(TANGOE_HEADERS.companyEmployeeId, added.companyEmployeeId)
  setIfAbsent(TANGOE_HEADERS.employeeId, added.employeeId)
  setIfAbsent(TANGOE_HEADERS.hierarchyId, added.hierarchyId)
  setIfAbsent(TANGOE_HEADERS.activityId, added.activityId)
  setIfAbsent(TANGOE_HEADERS.correlationId, added.correlationId)
  return {
    headers,
    usesOurToken,
    correlationId: headers.get(TANGOE_HEADERS.correlationId) ?? added.correlationId,
  }
}
