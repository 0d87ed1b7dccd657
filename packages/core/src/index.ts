/**
 * @portcullis/core: the framework-neutral half of Portcullis. Adapters (`@portcullis/express`,
 * `@portcullis/koa`) build on it; applications mostly import from an adapter.
 */
export { createAuthenticator } from './authenticator.js'
export type { AuthContext, AuthResult, Authenticator } from './authenticator.js'
export type { RequireTokenOptions, JwksOptions, TokenCacheOptions } from './options.js'
export type { TokenCacheControl } from './token/verified-token-cache.js'
export type { PortcullisRequest } from './request.js'

export { PortcullisError, errorBody, isPortcullisError } from './errors.js'
export type { PortcullisErrorCode, PortcullisErrorInit } from './errors.js'

export type { BearerMethod } from './credentials/extract-token.js'
export type { Rejections, StepUpRequirement } from './credentials/rejections.js'
export { formatChallenge } from './credentials/challenge.js'
export type { ChallengeParams } from './credentials/challenge.js'

export type { Identity, TokenType, Confirmation, Actor } from './identity/identity.js'
export type { AccessTokenClaims, ActorClaim, Claims, PortcullisClaims } from './identity/claims.js'

export { createScopeRequirement } from './scopes/scope-requirement.js'
export type { RequireScopeOptions, ScopeMatch, ScopeRequirement } from './scopes/scope-requirement.js'

export { DEFAULT_ALGORITHMS } from './token/algorithms.js'
export type { Algorithm, AsymmetricAlgorithm, HmacAlgorithm } from './token/algorithms.js'
export type { TokenProfile } from './token/validate-claims.js'
export type { StaticKey, StaticKeys } from './jwks/static-key-source.js'
export type { FetchLike } from './internal/fetch-json.js'
export type { JwksFetchEvent, JwksFetchTrigger } from './jwks/remote-key-set.js'

export type { AuditEvent, AuditEventName, AuditLevel, AuditSink } from './audit/audit-event.js'
export type { AuditDetails, Auditor } from './audit/auditor.js'
