/**
 * The catalogue of error codes. Every error the product reports to a user carries one of these
 * stable codes; the API turns them into HTTP responses in exactly one place (api/error-handler).
 */

export const ERROR_CATALOGUE = {
  VALIDATION_FAILED: { status: 400, message: "The request is not valid." },
  CONFIG_INVALID: { status: 400, message: "The configuration is not valid." },
  INVALID_ID: { status: 400, message: "The id is not valid." },
  UNAUTHORIZED: { status: 401, message: "A valid API token is required." },
  TOKEN_EXPIRED: { status: 401, message: "The API token has expired." },
  FORBIDDEN: { status: 403, message: "This token's role does not allow the request." },
  HOST_NOT_ALLOWED: { status: 403, message: "The Host header is not one this daemon serves." },
  ORIGIN_NOT_ALLOWED: { status: 403, message: "Requests from this Origin are refused." },
  NOT_FOUND: { status: 404, message: "Nothing is here." },
  SERVER_NOT_FOUND: { status: 404, message: "No MCP server has this id." },
  ALERT_NOT_FOUND: { status: 404, message: "No alert has this id." },
  RULE_NOT_FOUND: { status: 404, message: "No alert rule has this id." },
  SILENCE_NOT_FOUND: { status: 404, message: "No alert silence has this id." },
  TOKEN_NOT_FOUND: { status: 404, message: "No active token has this id." },
  TOOL_NOT_FOUND: { status: 404, message: "The server has no tool of this name." },
  AGENT_NOT_FOUND: { status: 404, message: "No agent has this id." },
  RUN_NOT_FOUND: { status: 404, message: "The agent has no run with this id." },
  AGENT_STATE: { status: 409, message: "The agent's state does not allow this action." },
  SERVER_EXISTS: { status: 409, message: "An MCP server with this id already exists." },
  SERVER_CONFIG_MANAGED: {
    status: 409,
    message: "This server is defined in the config file; edit the file to change it.",
  },
  SERVER_NOT_RUNNING: { status: 409, message: "The MCP server is not running." },
  TOOL_HELD: { status: 409, message: "The tool's definition changed or looks suspicious; it is held until an admin approves it." },
  DEFINITION_CHANGED: { status: 409, message: "The tool's definition changed since it was shown; review it again." },
  LAST_ADMIN_TOKEN: {
    status: 409,
    message:
      "This is the last active admin token and auth is on; create another admin token first (`pygent token create --role admin`), or turn auth off (`pygent auth off`).",
  },
  AUTH_REQUIRED: {
    status: 409,
    message: "Auth cannot be turned off while the daemon listens beyond loopback or its config requires tokens.",
  },
  RULE_EXISTS: { status: 409, message: "An alert rule with this id already exists." },
  RULE_CONFIG_MANAGED: {
    status: 409,
    message: "This alert rule comes from the config file or is built in; edit the file to change it.",
  },
  DOCUMENT_NOT_FOUND: { status: 404, message: "No document in the retrieval index has this id." },
  EMBEDDER_MISMATCH: {
    status: 409,
    message: "The retrieval index holds vectors of another embedder; re-index it (pygent rag reindex) before adding or searching vectors.",
  },
  PATH_NOT_ALLOWED: { status: 400, message: "The path is outside the folders open to ingestion (rag.roots)." },
  DOCUMENT_TOO_LARGE: { status: 413, message: "The document is larger than rag.max_document_bytes." },
  DOCUMENT_FETCH_FAILED: { status: 502, message: "The document could not be fetched from its URL." },
  CATALOG_ENTRY_NOT_FOUND: { status: 404, message: "No server with this id is in the discovery catalog." },
  SECRET_REQUIRED: { status: 400, message: "A required environment variable or secret was not given." },
  URL_NOT_ALLOWED: { status: 400, message: "The URL is refused by the network policy." },
  RUN_NOT_RUNNING: { status: 409, message: "The run is not in progress." },
  INSTALL_IN_PROGRESS: { status: 409, message: "This server is being installed or uninstalled already." },
  RUNTIME_MISSING: { status: 409, message: "The runtime this server needs is not installed on the daemon's machine." },
  BODY_TOO_LARGE: { status: 413, message: "The request body is too large." },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, message: "The request body must be JSON." },
  RATE_LIMITED: { status: 429, message: "Too many requests; slow down." },
  TOO_MANY_AUTH_FAILURES: { status: 429, message: "Too many failed authentications from this address; try again later." },
  WS_CONNECTION_LIMIT: { status: 429, message: "Too many open /ws connections." },
  SERVER_START_FAILED: { status: 502, message: "The on-demand MCP server could not be started for the call." },
  GATEWAY_SESSION_LIMIT: { status: 503, message: "The MCP gateway has as many sessions open as it allows (gateway.max_sessions)." },
  TOOL_CALL_FAILED: { status: 502, message: "The MCP server failed to answer the tool call." },
  TOOL_CALL_TIMEOUT: { status: 504, message: "The MCP server did not answer in time." },
  CALL_CANCELLED: { status: 499, message: "The caller gave up on the request; it was cancelled on the MCP server too." },
  LLM_UNREACHABLE: { status: 502, message: "The language model's endpoint could not be reached." },
  LLM_FAILED: { status: 502, message: "The language model's endpoint answered with an error." },
  LLM_TIMEOUT: { status: 504, message: "The language model's endpoint did not answer in time." },
  UPSTREAM_FAILED: { status: 502, message: "The MCP server failed to answer the request." },
  UPSTREAM_TIMEOUT: { status: 504, message: "The MCP server did not answer the request in time." },
  RESPONSE_TOO_LARGE: { status: 502, message: "The MCP server answered with a message over the daemon's size cap; the server is restarted." },
  TOOL_RESULT_INVALID: { status: 502, message: "The MCP server answered the tool call with a result the daemon will not pass on." },
  INSTALL_FAILED: { status: 502, message: "The install failed; nothing was kept." },
  INSTALL_TIMEOUT: { status: 504, message: "The install did not finish in time; nothing was kept." },
  DATABASE_TOO_NEW: { status: 409, message: "The database was written by a newer PyGent." },
  STORAGE_FULL: {
    status: 507,
    message: "The daemon's storage is full: the write was refused and nothing stored was lost. Free space in the data directory, then retry.",
  },
  BUS_NO_RESPONDER: { status: 503, message: "Nothing answers this subject on the message bus." },
  BUS_TIMEOUT: { status: 504, message: "The request on the message bus was not answered in time." },
  BUS_RESPONDER_FAILED: { status: 502, message: "The responder on the message bus failed." },
  DAEMON_UNREACHABLE: { status: 503, message: "The PyGent daemon could not be reached." },
  INTERNAL: { status: 500, message: "An internal error occurred." },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

/** One problem in an input, naming the field it is about. */
export interface FieldIssue {
  field: string;
  message: string;
}

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, details?: unknown) {
    super(message ?? ERROR_CATALOGUE[code].message);
    this.name = "AppError";
    this.code = code;
    this.details = details;
  }

  get status(): number {
    return ERROR_CATALOGUE[this.code].status;
  }
}

export function isAppError(error: unknown): error is AppError {
  return error instanceof AppError;
}

/** A readable message from anything thrown. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
