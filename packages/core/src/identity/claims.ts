/**
 * Registered and common access-token claims (RFC 7519 §4.1, RFC 9068 §2.2, RFC 8693 §4).
 * Unknown claims are kept and typed `unknown`.
 */
export interface AccessTokenClaims {
  iss?: string
  sub?: string
  aud?: string | string[]
  exp?: number
  nbf?: number
  iat?: number
  jti?: string
  client_id?: string
  scope?: string
  scp?: string | string[]
  permissions?: string[]
  auth_time?: number
  acr?: string
  amr?: string[]
  sid?: string
  cnf?: { jkt?: string; 'x5t#S256'?: string; [member: string]: unknown }
  act?: ActorClaim
  [claim: string]: unknown
}

/** The RFC 8693 `act` claim: the current actor, with prior actors nested inside. */
export interface ActorClaim {
  sub?: string
  iss?: string
  client_id?: string
  act?: ActorClaim
  [claim: string]: unknown
}

/**
 * Empty on purpose: applications declare their own claims here by declaration merging and
 * `identity.claims` picks them up with their types.
 *
 * @example
 * ```ts
 * declare module '@portcullis/core' {
 *   interface PortcullisClaims { tenant_id: string; roles?: string[] }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface PortcullisClaims {}

/** The claims of a verified token: registered claims plus the application's own. */
export type Claims = AccessTokenClaims & PortcullisClaims
