/**
 * The Tangoe API credential: a PingFederate client (id, secret, scope) and a refresh token, or a Tangoe
 * service account that gets the first refresh token and replaces a dead one. The credential refreshes
 * its own access token through n8n's `preAuthentication` hook and hands n8n the ROTATED refresh token
 * with it (or a new grant's), which n8n saves before the access token is used.
 */
import { TOKEN_URLS } from "@tangoe-token/core/host"
import type {
  IAuthenticate,
  ICredentialDataDecryptedObject,
  ICredentialTestRequest,
  ICredentialType,
  Icon,
  IDataObject,
  IHttpRequestHelper,
  IHttpRequestOptions,
  INodeProperties,
} from "n8n-workflow"
import { authenticateCredential } from "../shared/credentialAuthenticate"
import { CREDENTIAL_NAME } from "../shared/credentialData"
import { TANGOE_CREDENTIAL_TEST } from "../shared/credentialTestRequest"
import { tangoePreAuthentication } from "../shared/preAuthentication"

/** The Tangoe API credential type (`tangoeApi`). */
export class TangoeApi implements ICredentialType {
  name = CREDENTIAL_NAME

  displayName = "Tangoe API"

  documentationUrl =
    "https://github.com/tangoe-token/tangoe-token/tree/main/packages/n8n-nodes-tangoe#credential"

  icon: Icon = { light: "file:../icons/tangoe.svg", dark: "file:../icons/tangoe.dark.svg" }

  properties: INodeProperties[] = [
    {
      displayName: "Environment",
      name: "environment",
      type: "options",
      options: [
        { name: "Production", value: "production", description: TOKEN_URLS.production },
        { name: "QA", value: "qa", description: TOKEN_URLS.qa },
        { name: "Custom Token URL", value: "custom", description: "Another PingFederate token endpoint" },
      ],
      default: "production",
      description:
        "The Tangoe environment. A client ID/secret pair is issued for ONE environment: a QA pair fails in production.",
    },
    {
      displayName: "Token URL",
      name: "tokenUrl",
      type: "string",
      default: "",
      required: true,
      placeholder: "https://oauth.example.com/as/token.oauth2",
      description: "The PingFederate token endpoint. HTTPS, or HTTP only on this machine (loopback).",
      displayOptions: { show: { environment: ["custom"] } },
    },
    {
      displayName: "Client ID",
      name: "clientId",
      type: "string",
      default: "",
      required: true,
    },
    {
      displayName: "Client Secret",
      name: "clientSecret",
      type: "string",
      typeOptions: { password: true },
      default: "",
      required: true,
    },
    {
      displayName: "Scope",
      name: "scope",
      type: "string",
      default: "MOBPROC",
      description:
        "The OAuth scope of the API to call, e.g. MOBPROC. Leave empty to keep the scope of the grant.",
    },
    {
      displayName: "Authentication",
      name: "authentication",
      type: "options",
      options: [
        {
          name: "Service Account",
          value: "serviceAccount",
          description:
            "Username and password of a Tangoe service account: the credential gets its own tokens",
        },
        { name: "Refresh Token", value: "refreshToken", description: "A refresh token you provisioned" },
      ],
      default: "refreshToken",
      description:
        "With a service account the first use gets the first grant, and a dead refresh token is replaced by a new grant on the next execution (n8n keeps the password)",
    },
    {
      displayName: "Username",
      name: "username",
      type: "string",
      default: "",
      required: true,
      placeholder: "command://svc.integration",
      description:
        "The service account: command://name or rivermine://name, or a bare name for a Tangoe-platform user",
      displayOptions: { show: { authentication: ["serviceAccount"] } },
    },
    {
      displayName: "Password",
      name: "password",
      type: "string",
      typeOptions: { password: true },
      default: "",
      required: true,
      displayOptions: { show: { authentication: ["serviceAccount"] } },
    },
    {
      displayName: "Refresh Token",
      name: "refreshToken",
      type: "string",
      typeOptions: { password: true },
      default: "",
      description:
        "Leave empty: filled in by the first grant, then replaced on every refresh. Clear it to start a new chain.",
      displayOptions: { show: { authentication: ["serviceAccount"] } },
    },
    {
      displayName: "Refresh Token",
      name: "refreshToken",
      type: "string",
      typeOptions: { password: true },
      default: "",
      required: true,
      description:
        "The current refresh token. Tangoe replaces it on every refresh: n8n stores the new one here automatically, so paste a token only when you provision a new one.",
      displayOptions: { show: { authentication: ["refreshToken"] } },
    },
    {
      displayName: "Parameter Placement",
      name: "placement",
      type: "options",
      options: [
        {
          name: "Query String (Tangoe Default)",
          value: "query",
          description: "As Tangoe documents it: the parameters in the URL of the POST",
        },
        {
          name: "Form Body",
          value: "body",
          description: "RFC 6749: the parameters in an application/x-www-form-urlencoded body",
        },
      ],
      default: "query",
      description: "Where the refresh request carries its parameters",
    },
    {
      displayName: "API Base URL",
      name: "apiBaseUrl",
      type: "string",
      default: "",
      required: true,
      placeholder: "https://api.example.com",
      description:
        "The Tangoe API's base URL. The Tangoe node sends paths below it. The credential test validates the stored token and calls this URL with the tenant: 401, 403 and 400 fail.",
    },
    {
      displayName: "Tenant",
      name: "tenant",
      type: "string",
      default: "",
      placeholder: "ACME",
      description:
        "The customer's tenant code Tangoe assigned. Every request made with this credential carries it as X-TNGO-TENANT, with the client ID as client_id (Tangoe's API requires both), unless the request sets them itself.",
    },
    {
      displayName: "Context: Company Employee ID",
      name: "companyEmployeeId",
      type: "string",
      default: "",
      description:
        "Optional: the end user the calls act for, sent as X-TNGO-CONTEXT-COMPANYEMPLOYEEID unless a request sets it.",
    },
    {
      displayName: "Context: Employee ID",
      name: "employeeId",
      type: "string",
      default: "",
      description: "Optional: sent as X-TNGO-CONTEXT-EMPLOYEEID unless a request sets it.",
    },
    {
      displayName: "Context: Hierarchy ID",
      name: "hierarchyId",
      type: "string",
      default: "",
      description: "Optional: sent as X-TNGO-CONTEXT-HIERARCHYID unless a request sets it.",
    },
    {
      displayName: "Access Token",
      name: "accessToken",
      type: "hidden",
      typeOptions: { expirable: true, password: true },
      default: "",
    },
    {
      displayName: "Access Token Expires At",
      name: "expiresAt",
      type: "hidden",
      default: "",
    },
    {
      displayName: "Service Account Grant At",
      name: "healedAt",
      type: "hidden",
      default: "",
    },
  ]

  /**
   * Refreshes the access token (with a service account: takes the first grant, or a new one when the
   * refresh token was refused), or keeps a held token that Tangoe's validation finds valid (a credential
   * test): `shared/preAuthentication.ts`. n8n calls this when the stored access token is empty and after
   * a failed request; it saves every returned field, the rotated refresh token included, before the
   * request is sent, and nothing when the access token is not among them.
   */
  async preAuthentication(
    this: IHttpRequestHelper,
    credentials: ICredentialDataDecryptedObject,
  ): Promise<IDataObject> {
    return await tangoePreAuthentication(this.helpers.httpRequest, credentials)
  }

  /**
   * `Authorization: Bearer …`, and Tangoe's `X-TNGO-TENANT` and `client_id` unless the request set them;
   * for the credential test's request, first the token check (`shared/credentialAuthenticate.ts`).
   */
  authenticate: IAuthenticate = async (
    credentials: ICredentialDataDecryptedObject,
    requestOptions: IHttpRequestOptions,
  ): Promise<IHttpRequestOptions> => await authenticateCredential(credentials, requestOptions)

  /**
   * The Test button: the held token checked (`validate_bearer`) and refreshed when it must be, which n8n
   * saves, then one GET on the API Base URL with the credential's headers; 401, 403, 400 and other
   * errors fail, 2xx and 404 pass (`shared/credentialTestRequest.ts`).
   */
  test: ICredentialTestRequest = TANGOE_CREDENTIAL_TEST
}
