/**
 * @portcullis/core: the framework-neutral half of Portcullis. Adapters (`@portcullis/express`,
 * `@portcullis/koa`) build on it; applications mostly import from an adapter.
 */
export { createAuthenticator } from './authenticator.js'
export type { AuthContext, AuthResult, Authenticator } from './authenticator.js'
export type { RequireTokenOptions, JwksOptions, TokenCacheOptions } from './options.js'
export type { TokenCacheControl } from './token/verified-token-cache.js'
export type { PortcullisRequest } from './request.js'

export { PortcullisError, configurationError, errorBody, isPortcullisError } from './errors.js'
export type { PortcullisErrorCode, PortcullisErrorInit } from './errors.js'

export type { BearerMethod } from './credentials/extract-token.js'
export { createRejections } from './credentials/rejections.js'
export type { Rejections, StepUpRequirement } from './credentials/rejections.js'
export { formatChallenge } from './credentials/challenge.js'
export type { ChallengeParams } from './credentials/challenge.js'

export type { Identity, TokenType, Confirmation, Actor } from './identity/identity.js'
export type { AccessTokenClaims, ActorClaim, Claims, PortcullisClaims } from './identity/claims.js'

export type {
  IntrospectionCacheOptions,
  IntrospectionClientAuth,
  IntrospectionMode,
  IntrospectionOptions,
} from './introspection/introspection-options.js'

export { createRevocationStore, revocationTokenHash } from './revocation/memory-revocation-store.js'
export type { MemoryRevocationStoreOptions } from './revocation/memory-revocation-store.js'
export type {
  IssuedBeforeRevocation,
  RevocationOptions,
  RevocationQuery,
  RevocationReason,
  RevocationScope,
  RevocationStore,
  SessionRevocation,
  TokenRevocation,
} from './revocation/revocation-store.js'

export { createAuthenticationRequirement } from './status/authentication-requirement.js'
export type { AuthenticationRequirement, RequireAuthenticationOptions } from './status/authentication-requirement.js'
export type { StepUpOptions } from './status/step-up.js'
export type { AllowedActor, DelegationOptions } from './status/delegation.js'

export type { DpopNonceOptions, DpopOptions, MtlsOptions } from './binding/binding-options.js'
export { createMemoryReplayStore } from './binding/dpop/replay-store.js'
export type { DpopReplayStore, MemoryReplayStore, MemoryReplayStoreOptions } from './binding/dpop/replay-store.js'
export { certificateThumbprint } from './binding/mtls/client-certificate.js'
export type { CertificateHeaderFormat } from './binding/mtls/client-certificate.js'
export type { ChallengeSchemes } from './credentials/rejections.js'
export type { TokenScheme } from './credentials/extract-token.js'

export { createProtectedResourceMetadata } from './metadata/protected-resource-metadata.js'
export type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './metadata/protected-resource-metadata.js'

export { createTokenPropagator, TokenPropagationError } from './propagation/token-propagator.js'
export type { CallerToken, TokenPropagationErrorCode, TokenPropagator } from './propagation/token-propagator.js'
export type { Downstream, TokenExchangeOptions, TokenPropagationOptions } from './propagation/propagation-options.js'

export { createScopeRequirement } from './scopes/scope-requirement.js'
export { isScopeToken } from './scopes/parse-scopes.js'

// Route decorators: metadata owned by the core (also installs the Symbol.metadata polyfill).
export { decorateRoute, enforceRouteRequirements, routeRequirements } from './decorators/metadata.js'
export type { RouteRequirement, RouteRequirementArgs } from './decorators/metadata.js'
export type { RequireScopeOptions, ScopeMatch, ScopeRequirement } from './scopes/scope-requirement.js'

export { DEFAULT_ALGORITHMS } from './token/algorithms.js'
export type { Algorithm, AsymmetricAlgorithm, HmacAlgorithm } from './token/algorithms.js'
export type { TokenProfile } from './token/validate-claims.js'
export type { StaticKey, StaticKeys } from './jwks/static-key-source.js'
export type { FetchLike } from './internal/fetch-json.js'
export type { JwksFetchEvent, JwksFetchTrigger } from './jwks/remote-key-set.js'

export type { AuditEvent, AuditEventName, AuditGrantDetails, AuditLevel, AuditSink } from './audit/audit-event.js'
export { createAuditor } from './audit/auditor.js'
export type { AuditDetails, Auditor } from './audit/auditor.js'

