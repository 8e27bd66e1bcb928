/** The Tangoe node's parameters, per operation. */
import type { INodeProperties } from "n8n-workflow"

/** The operations' values. */
export const OPERATION = { apiRequest: "apiRequest", getAccessToken: "getAccessToken" } as const

const showFor = (operation: string) => ({ show: { operation: [operation] } })

/** Default number of API requests the node sends at once. */
export const DEFAULT_CONCURRENCY = 5

/** Default number of items "Tangoe Collection" returns without "Return All". */
export const DEFAULT_LIMIT = 50

/** Default minimum validity, in seconds, of a token handed out by "Get Access Token". */
export const DEFAULT_MIN_VALIDITY_SECONDS = 300

export const operationProperty: INodeProperties = {
  displayName: "Operation",
  name: "operation",
  type: "options",
  noDataExpression: true,
  options: [
    {
      name: "API Request",
      value: OPERATION.apiRequest,
      description:
        "Call the Tangoe API with the access token, refreshing it once when the API rejects it (401 or 403)",
      action: "Send an API request",
    },
    {
      name: "Get Access Token",
      value: OPERATION.getAccessToken,
      description: "Output a valid Authorization header and its expiry, for use in other nodes",
      action: "Get an access token",
    },
  ],
  default: "apiRequest",
}

/** A list of name/value pairs (query parameters, headers), shown when its switch is on. */
function nameValueList(displayName: string, name: string, itemName: string, toggle: string): INodeProperties {
  return {
    displayName,
    name,
    type: "fixedCollection",
    typeOptions: { multipleValues: true },
    placeholder: `Add ${itemName}`,
    default: { parameters: [] },
    displayOptions: { show: { operation: [OPERATION.apiRequest], [toggle]: [true] } },
    options: [
      {
        name: "parameters",
        displayName: itemName,
        values: [
          { displayName: "Name", name: "name", type: "string", default: "" },
          { displayName: "Value", name: "value", type: "string", default: "" },
        ],
      },
    ],
  }
}

export const apiRequestProperties: INodeProperties[] = [
  {
    displayName: "Method",
    name: "method",
    type: "options",
    options: [
      { name: "DELETE", value: "DELETE" },
      { name: "GET", value: "GET" },
      { name: "HEAD", value: "HEAD" },
      { name: "PATCH", value: "PATCH" },
      { name: "POST", value: "POST" },
      { name: "PUT", value: "PUT" },
    ],
    default: "GET",
    description: "The HTTP method",
    displayOptions: showFor(OPERATION.apiRequest),
  },
  {
    displayName: "URL",
    name: "url",
    type: "string",
    default: "",
    required: true,
    placeholder: "/v1/resources",
    description:
      "A path below the credential's API Base URL, or a full URL under it. The token is never sent anywhere else.",
    displayOptions: showFor(OPERATION.apiRequest),
  },
  {
    displayName: "Tangoe Collection",
    name: "collection",
    type: "boolean",
    default: false,
    description:
      "Whether the URL is a Tangoe collection: output one item per element, following the pages (_meta.hrefNext) as needed",
    displayOptions: { show: { operation: [OPERATION.apiRequest], method: ["GET"] } },
  },
  {
    displayName: "Return All",
    name: "returnAll",
    type: "boolean",
    default: false,
    description: "Whether to return all results or only up to a given limit",
    displayOptions: { show: { operation: [OPERATION.apiRequest], method: ["GET"], collection: [true] } },
  },
  {
    displayName: "Limit",
    name: "limit",
    type: "number",
    typeOptions: { minValue: 1 },
    default: 50,
    description: "Max number of results to return",
    displayOptions: {
      show: { operation: [OPERATION.apiRequest], method: ["GET"], collection: [true], returnAll: [false] },
    },
  },
  {
    displayName: "Send Query Parameters",
    name: "sendQuery",
    type: "boolean",
    default: false,
    description: "Whether to send query parameters",
    displayOptions: showFor(OPERATION.apiRequest),
  },
  nameValueList("Query Parameters", "queryParameters", "Parameter", "sendQuery"),
  {
    displayName: "Send Headers",
    name: "sendHeaders",
    type: "boolean",
    default: false,
    description: "Whether to send extra headers (the Authorization header is set by the credential)",
    displayOptions: showFor(OPERATION.apiRequest),
  },
  nameValueList("Headers", "headerParameters", "Header", "sendHeaders"),
  {
    displayName: "Send Body",
    name: "sendBody",
    type: "boolean",
    default: false,
    description: "Whether to send a JSON body",
    displayOptions: {
      show: { operation: [OPERATION.apiRequest], method: ["PATCH", "POST", "PUT", "DELETE"] },
    },
  },
  {
    displayName: "Body (JSON)",
    name: "body",
    type: "json",
    default: "{}",
    description: "The JSON body to send",
    displayOptions: {
      show: {
        operation: [OPERATION.apiRequest],
        method: ["PATCH", "POST", "PUT", "DELETE"],
        sendBody: [true],
      },
    },
  },
  {
    displayName: "Options",
    name: "options",
    type: "collection",
    placeholder: "Add Option",
    default: {},
    displayOptions: showFor(OPERATION.apiRequest),
    options: [
      {
        displayName: "Include Response Status and Headers",
        name: "fullResponse",
        type: "boolean",
        default: false,
        description: "Whether to output the status code and headers with the body",
      },
      {
        displayName: "Max Pages",
        name: "maxPages",
        type: "number",
        typeOptions: { minValue: 1 },
        default: 500,
        description: "With Tangoe Collection: the most pages one item follows; more fails",
      },
      {
        displayName: "Max Parallel Requests",
        name: "concurrency",
        type: "number",
        typeOptions: { minValue: 1 },
        default: DEFAULT_CONCURRENCY,
        description: "How many items' requests are sent at the same time",
      },
      {
        displayName: "Never Error",
        name: "neverError",
        type: "boolean",
        default: false,
        description: "Whether to succeed whatever status the API answers (after one refresh on 401/403)",
      },
      {
        displayName: "Timeout",
        name: "timeout",
        type: "number",
        typeOptions: { minValue: 1 },
        default: 30000,
        description: "Time in ms to wait for the API to answer",
      },
    ],
  },
]

export const getAccessTokenProperties: INodeProperties[] = [
  {
    displayName: "Minimum Validity (Seconds)",
    name: "minValidity",
    type: "number",
    typeOptions: { minValue: 0 },
    default: DEFAULT_MIN_VALIDITY_SECONDS,
    description:
      "Refresh first when the stored token expires sooner than this. A refresh makes one authenticated GET on the API Base URL (its answer is ignored) so that n8n saves the new tokens.",
    displayOptions: showFor(OPERATION.getAccessToken),
  },
  {
    displayName: "Include Access Token",
    name: "includeAccessToken",
    type: "boolean",
    default: false,
    description:
      "Whether to also output the bare access token (as accessToken). The Authorization header value is always output.",
    displayOptions: showFor(OPERATION.getAccessToken),
  },
]
