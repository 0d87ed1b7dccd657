import { PortcullisError } from '../errors.js'
import { formatChallenge } from './challenge.js'

/**
 * Builds the request-path errors of DESIGN §4 for one realm, so that every rejection of a
 * middleware carries the same, exact `WWW-Authenticate` challenge.
 */
export interface Rejections {
  readonly realm: string
  /** 401 with a bare challenge: no credentials, or an unsupported scheme (BEAR-21). */
  credentialsRequired(): PortcullisError
  /** 400 `invalid_request` (BEAR-18). */
  invalidRequest(description: string, reason?: string): PortcullisError
  /** 401 `invalid_token` (BEAR-19, AT-09). */
  invalidToken(description: string, reason: string, cause?: unknown): PortcullisError
  /** 403 `insufficient_scope` with the required scopes (BEAR-20). */
  insufficientScope(required: readonly string[]): PortcullisError
  /**
   * 401 `insufficient_user_authentication` (RFC 9470 §3, STEP-*): the authentication behind the
   * token is too weak (`acrValues`, the acceptable values in order of preference) or too old
   * (`maxAge`, seconds). Shared by `requireToken({ acr, maxAge })` and the policy engine's
   * step-up obligation, so both answer with the same challenge.
   */
  insufficientUserAuthentication(requirement: StepUpRequirement, description?: string): PortcullisError
  /**
   * 403 `access_denied`: a policy did not permit the request. No challenge and no policy
   * internals; the client only learns the decision id, which links to the audit trail.
   */
  accessDenied(decisionId: string): PortcullisError
  /** 503 with `Retry-After`: a dependency is down, never reported as `invalid_token`. */
  unavailable(description: string, reason: string, retryAfterSeconds: number, cause?: unknown): PortcullisError
}

/** What a step-up challenge asks for (RFC 9470 §3). */
export interface StepUpRequirement {
  /** Acceptable `acr` values, most preferred first. */
  readonly acrValues?: readonly string[]
  /** Maximum age of the authentication event, in seconds. */
  readonly maxAge?: number
}

/** Creates the rejection factory for `realm` (already validated as a quotable string). */
export function createRejections(realm: string): Rejections {
  // The bare challenge never changes for a realm: build it once.
  const bare = formatChallenge('Bearer', { realm })
  return {
    realm,
    credentialsRequired() {
      return new PortcullisError('credentials_required', {
        status: 401,
        description: 'No access token was provided',
        headers: { 'WWW-Authenticate': bare },
        reason: 'missing',
      })
    },
    invalidRequest(description, reason = 'malformed') {
      return new PortcullisError('invalid_request', {
        status: 400,
        description,
        headers: {
          'WWW-Authenticate': formatChallenge('Bearer', {
            realm,
            error: 'invalid_request',
            error_description: description,
          }),
        },
        reason,
      })
    },
    invalidToken(description, reason, cause) {
      return new PortcullisError('invalid_token', {
        status: 401,
        description,
        headers: {
          'WWW-Authenticate': formatChallenge('Bearer', {
            realm,
            error: 'invalid_token',
            error_description: description,
          }),
        },
        reason,
        cause,
      })
    },
    insufficientScope(required) {
      const scope = required.join(' ')
      return new PortcullisError('insufficient_scope', {
        status: 403,
        description: 'The access token does not have the required scope',
        headers: {
          'WWW-Authenticate': formatChallenge('Bearer', {
            realm,
            error: 'insufficient_scope',
            error_description: 'The access token does not have the required scope',
            scope,
          }),
        },
        reason: 'scope',
      })
    },
    insufficientUserAuthentication(requirement, description = 'A stronger or more recent authentication is required') {
      const acrValues = requirement.acrValues !== undefined && requirement.acrValues.length > 0 ? requirement.acrValues.join(' ') : undefined
      const maxAge = requirement.maxAge !== undefined && Number.isFinite(requirement.maxAge) ? Math.max(0, Math.floor(requirement.maxAge)) : undefined
      return new PortcullisError('insufficient_user_authentication', {
        status: 401,
        description,
        headers: {
          'WWW-Authenticate': formatChallenge('Bearer', {
            realm,
            error: 'insufficient_user_authentication',
            error_description: description,
            acr_values: acrValues,
            max_age: maxAge,
          }),
        },
        reason: maxAge !== undefined && acrValues === undefined ? 'max_age' : 'acr',
      })
    },
    accessDenied(decisionId) {
      return new PortcullisError('access_denied', {
        status: 403,
        description: 'Access denied',
        reason: 'policy',
        decisionId,
      })
    },
    unavailable(description, reason, retryAfterSeconds, cause) {
      return new PortcullisError('temporarily_unavailable', {
        status: 503,
        description,
        headers: { 'Retry-After': String(Math.max(1, Math.ceil(retryAfterSeconds))) },
        expose: false,
        reason,
        cause,
      })
    },
  }
}
