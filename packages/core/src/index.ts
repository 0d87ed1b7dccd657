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

export type { AuditEvent, AuditEventName, AuditLevel, AuditSink } from './audit/audit-event.js'
export type { AuditDetails, Auditor } from './audit/auditor.js'

// Policy decision point (ABAC): engine, builders, PEP requirement.
export { createPolicyEngine } from './policy/engine.js'
export type { DecisionRequest, DecisionResult, PolicyEngine, PolicyEngineOptions } from './policy/engine.js'
export { createPolicyRequirement } from './policy/requirement.js'
export type { PolicyEnforcement, PolicyRequirement, PolicyRouteOptions } from './policy/requirement.js'
export { permit, deny, policy, policySet } from './policy/builders.js'
export type { PolicyOptions, PolicySetOptions, RuleOptions } from './policy/builders.js'
export type { Policy, PolicyNode, PolicySet, Rule, Target } from './policy/model.js'
export { COMBINING_ALGORITHMS, isIndeterminate, pdpDecision } from './policy/decision.js'
export type { CombiningAlgorithm, Decision, Effect } from './policy/decision.js'
export { combine } from './policy/combine.js'
export type { Applicability, ChildEvaluator } from './policy/combine.js'
export type { EnvironmentAttributes, PolicyAttributes, SubjectAttributes } from './policy/attributes.js'
export type { AttributeProvider, ProviderContext } from './policy/providers.js'
export type { PolicyEnvironmentOptions, PolicyRiskFactor } from './policy/environment-options.js'
export type { RiskAssessment, RuleError } from './policy/scope.js'
export { crossBorder, dataSensitivity, lowDeviceTrust, offHours, untrustedNetwork, type FactorOptions } from './policy/environment/risk-factors.js'
export { createLevels, DEFAULT_CLASSIFICATION_LEVELS, type Levels } from './policy/environment/classification.js'
export { enhancedMonitoring, responseHeaders, stepUp } from './policy/obligation-spec.js'
export type { BuiltInObligation, CompiledObligation, ObligationSpec } from './policy/obligation-spec.js'
export type { ObligationContext, ObligationHandler, ObligationHandlerMap, ObligationOutcome } from './policy/obligation-handlers.js'
export type { Enforcement, Explanation } from './policy/explanation.js'
export { PolicyValidationError, isPolicyValidationError } from './policy/policy-error.js'
export { loadPolicyDocument, DOCUMENT_LIMITS } from './policy/document.js'
export { loadPolicyFile, watchPolicyFile } from './policy/policy-file.js'
export type { PolicyFileWatcher, WatchPolicyFileOptions } from './policy/policy-file.js'
export type { PolicyIssue } from './policy/policy-error.js'
