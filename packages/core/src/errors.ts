/**
 * The one error type Portcullis throws. Every failure on the request path becomes a
 * `PortcullisError` with a stable `code`, the HTTP `status` to answer with and the response
 * `headers` (notably `WWW-Authenticate`), so that Express's and Koa's default error handlers
 * render it correctly with no user code: both read `status`, `headers` and `expose`.
 *
 * Match on `code`, not `instanceof`: two installed copies of the package break `instanceof`.
 */

/** Stable error codes. RFC 6750 / RFC 9470 codes keep their registered spelling. */
export type PortcullisErrorCode =
  /** No credentials at all (RFC 6750 §3.1: the challenge carries no error code). */
  | 'credentials_required'
  /** Malformed request: bad Authorization header, token in several places (RFC 6750 §3.1). */
  | 'invalid_request'
  /** The token is malformed, expired, badly signed, for another issuer or audience (RFC 6750 §3.1). */
  | 'invalid_token'
  /** The DPoP proof is missing a claim, badly signed, for another request or too old (RFC 9449 §7.1). */
  | 'invalid_dpop_proof'
  /** The DPoP proof must carry the server nonce sent in `DPoP-Nonce` (RFC 9449 §9). */
  | 'use_dpop_nonce'
  /** The token lacks a scope the route requires (RFC 6750 §3.1). */
  | 'insufficient_scope'
  /** The authentication behind the token is too weak or too old (RFC 9470 §3). */
  | 'insufficient_user_authentication'
  /** A policy denied the request. */
  | 'access_denied'
  /** Too many requests. */
  | 'rate_limited'
  /** A dependency (JWKS, discovery, introspection, a store) is unreachable: fail closed. */
  | 'temporarily_unavailable'
  /** The options given to a Portcullis factory are invalid (thrown at creation, never per request). */
  | 'invalid_configuration'

/** Fields a caller may set when creating a {@link PortcullisError}. */
export interface PortcullisErrorInit {
  /** HTTP status. */
  status: number
  /** Short, client-safe description; sanitised before it reaches a header. */
  description: string
  /** Response headers to send with the error (e.g. `WWW-Authenticate`, `Retry-After`). */
  headers?: Record<string, string>
  /** Whether the description may be shown to the client. Defaults to `status < 500`. */
  expose?: boolean
  /** A short machine-readable reason for audit and metrics (`expired`, `signature`, ...). */
  reason?: string
  /** The underlying error, kept for logs; never rendered to the client. */
  cause?: unknown
  /** Id of the policy decision behind an `access_denied`, the only policy detail a client sees. */
  decisionId?: string
}

/**
 * Base class of every error Portcullis raises.
 *
 * @example
 * ```ts
 * import { isPortcullisError } from '@portcullis/core'
 * app.use((err, req, res, next) => {
 *   if (isPortcullisError(err) && err.code === 'invalid_token') metrics.rejected.inc()
 *   next(err)
 * })
 * ```
 */
export class PortcullisError extends Error {
  /** Stable machine-readable code. */
  readonly code: PortcullisErrorCode
  /** HTTP status code to answer with. */
  readonly status: number
  /** Alias of `status`, read by some error handlers. */
  readonly statusCode: number
  /** Response headers (`WWW-Authenticate`, `Retry-After`). Read by Express and Koa. */
  readonly headers: Record<string, string>
  /** Whether `message` is safe to show to the client (Koa renders it when true). */
  readonly expose: boolean
  /** Short reason for audit and metrics; bounded vocabulary, never user input. */
  readonly reason: string
  /** Id of the policy decision behind an `access_denied` (links the response to the audit trail). */
  readonly decisionId?: string

  constructor(code: PortcullisErrorCode, init: PortcullisErrorInit) {
    // Rejections are on the hot path of an attack and their stack says nothing useful about
    // the request: skip the stack capture. It also keeps file paths out of the development
    // pages of Express's default error handler, which prints `err.stack`.
    // Configuration errors keep their stack: they point at the caller's misconfiguration.
    const limit = Error.stackTraceLimit
    if (code !== 'invalid_configuration') Error.stackTraceLimit = 0
    super(init.description, init.cause === undefined ? undefined : { cause: init.cause })
    Error.stackTraceLimit = limit
    this.name = 'PortcullisError'
    this.code = code
    this.status = init.status
    this.statusCode = init.status
    this.headers = init.headers ?? {}
    this.expose = init.expose ?? init.status < 500
    this.reason = init.reason ?? code
    if (init.decisionId !== undefined) this.decisionId = init.decisionId
    if (code !== 'invalid_configuration') this.stack = `PortcullisError [${code}]: ${init.description}`
  }
}

/**
 * True when `value` is a Portcullis error, also across duplicate installed copies.
 *
 * @example
 * ```ts
 * if (isPortcullisError(err)) console.log(err.code, err.status)
 * ```
 */
export function isPortcullisError(value: unknown): value is PortcullisError {
  return (
    value instanceof PortcullisError ||
    (typeof value === 'object' &&
      value !== null &&
      (value as { name?: unknown }).name === 'PortcullisError' &&
      typeof (value as { code?: unknown }).code === 'string' &&
      typeof (value as { status?: unknown }).status === 'number')
  )
}

/**
 * Thrown when options passed to a factory (`requireToken`, `requireScope`, ...) are invalid.
 * Raised once at creation time so that a misconfiguration never reaches production traffic.
 */
export function configurationError(message: string, cause?: unknown): PortcullisError {
  return new PortcullisError('invalid_configuration', {
    status: 500,
    description: `Portcullis: ${message}`,
    expose: false,
    cause,
  })
}

/**
 * The JSON body adapters' `errorHandler()` renders for `error`: `{ error, error_description }`
 * for client errors, `{ error }` for unexposed (5xx) ones, and `{ error: "access_denied",
 * decision_id }` for a policy denial, which never reveals which rule decided.
 *
 * @example
 * ```ts
 * import { errorBody, isPortcullisError } from '@portcullis/core'
 * if (isPortcullisError(err)) res.status(err.status).set(err.headers).json(errorBody(err))
 * ```
 */
export function errorBody(error: PortcullisError): Record<string, string> {
  if (error.decisionId !== undefined) return { error: error.code, decision_id: error.decisionId }
  return error.expose ? { error: error.code, error_description: error.message } : { error: error.code }
}
