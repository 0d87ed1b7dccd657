import { PortcullisError } from '../errors.js'
import { formatChallenge, type ChallengeParams } from './challenge.js'

/**
 * Builds the request-path errors (docs/architecture.md, "Errors") for one realm, so that every rejection of a
 * middleware carries the same, exact `WWW-Authenticate` challenge.
 */
export interface Rejections {
  readonly realm: string
  /**
   * The same rejections challenging with the `DPoP` scheme (with `algs`), for requests that
   * presented a DPoP-bound token (RFC 9449 §7.1, §7.2: only the scheme the client used
   * carries the error). Present when DPoP is enabled.
   */
  readonly dpop?: Rejections
  /**
   * 401 with a DPoP error, always in the `DPoP` scheme with `algs` (RFC 9449 §7.1):
   * `invalid_dpop_proof`, or `use_dpop_nonce` with the fresh nonce in `DPoP-Nonce` and
   * `Cache-Control: no-store` (RFC 9449 §8, §9). Only for middlewares with DPoP enabled.
   */
  dpopError(code: 'invalid_dpop_proof' | 'use_dpop_nonce', description: string, reason: string, nonce?: string): PortcullisError
  /**
   * 401 `invalid_token` for a DPoP-bound token presented as Bearer (RFC 9449 §7.2): the
   * Bearer error, followed by the DPoP challenge so the client learns how to retry.
   */
  dpopDowngrade(description: string): PortcullisError
  /** 401 with a bare challenge: no credentials, or an unsupported scheme (RFC 6750 §3.1). */
  credentialsRequired(): PortcullisError
  /** 400 `invalid_request` (RFC 6750 §3.1). */
  invalidRequest(description: string, reason?: string): PortcullisError
  /** 401 `invalid_token` (RFC 6750 §3.1; RFC 9068 §4). */
  invalidToken(description: string, reason: string, cause?: unknown): PortcullisError
  /** 403 `insufficient_scope` with the required scopes (RFC 6750 §3.1). */
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

/** Which authentication schemes a middleware accepts, for its challenges. */
export interface ChallengeSchemes {
  /** Bearer tokens are accepted (false when DPoP is required). */
  readonly bearer: boolean
  /** The acceptable DPoP proof algorithms, space-separated, when DPoP is accepted. */
  readonly dpopAlgs?: string
  /** URL of the RFC 9728 metadata document, added to every challenge as `resource_metadata` (RFC 9728 §5.1). */
  readonly resourceMetadata?: string | undefined
}

const BEARER_ONLY: ChallengeSchemes = { bearer: true }

/**
 * Creates the rejection factory for `realm` (already validated as a quotable string). With
 * DPoP enabled, the bare challenge lists both schemes (`Bearer realm="api", DPoP realm="api",
 * algs="ES256 ..."`, RFC 9449 §7.2) and errors of DPoP requests use the `DPoP` scheme.
 */
export function createRejections(realm: string, schemes: ChallengeSchemes = BEARER_ONLY): Rejections {
  // The bare challenge never changes for a realm: build it once.
  const offered: string[] = []
  const metadata = schemes.resourceMetadata
  if (schemes.bearer) offered.push(formatChallenge('Bearer', { realm, resource_metadata: metadata }))
  if (schemes.dpopAlgs !== undefined) offered.push(formatChallenge('DPoP', { realm, algs: schemes.dpopAlgs, resource_metadata: metadata }))
  const bare = offered.join(', ')
  if (schemes.dpopAlgs === undefined) return rejectionsFor(realm, bare, 'Bearer', undefined, metadata)
  const dpop = rejectionsFor(realm, bare, 'DPoP', schemes.dpopAlgs, metadata)
  // When only DPoP is accepted, even a malformed Bearer request is answered in DPoP terms.
  return schemes.bearer ? { ...rejectionsFor(realm, bare, 'Bearer', schemes.dpopAlgs, metadata), dpop } : dpop
}

function rejectionsFor(realm: string, bare: string, scheme: 'Bearer' | 'DPoP', dpopAlgs: string | undefined, metadata: string | undefined): Rejections {
  // Every challenge of this factory uses one scheme; DPoP challenges carry `algs` (RFC 9449 §7.1), and
  // all of them `resource_metadata` when configured (RFC 9728 §5.1).
  const algs = scheme === 'DPoP' ? dpopAlgs : undefined
  const challenge = (params: ChallengeParams): string => formatChallenge(scheme, { ...params, algs, resource_metadata: metadata })
  const dpopChallenge = (params: ChallengeParams): string => formatChallenge('DPoP', { ...params, algs: dpopAlgs, resource_metadata: metadata })
  const self: Rejections = {
    realm,
    get dpop() {
      return scheme === 'DPoP' ? self : undefined
    },
    dpopError(code, description, reason, nonce) {
      const headers: Record<string, string> = { 'WWW-Authenticate': dpopChallenge({ realm, error: code, error_description: description }) }
      if (nonce !== undefined) {
        headers['DPoP-Nonce'] = nonce
        headers['Cache-Control'] = 'no-store'
      }
      return new PortcullisError(code, { status: 401, description, headers, reason })
    },
    dpopDowngrade(description) {
      const error = self.invalidToken(description, 'dpop_downgrade')
      if (dpopAlgs !== undefined) error.headers['WWW-Authenticate'] = `${error.headers['WWW-Authenticate'] as string}, ${dpopChallenge({ realm })}`
      return error
    },
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
          'WWW-Authenticate': challenge({
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
          'WWW-Authenticate': challenge({
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
          'WWW-Authenticate': challenge({
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
          'WWW-Authenticate': challenge({
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
  return self
}
