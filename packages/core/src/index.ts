/**
 * @portcullis/core: the framework-neutral half of Portcullis. Adapters (`@portcullis/express`,
 * `@portcullis/koa`) build on it; applications mostly import from an adapter.
 */
export { createAuthenticator } from './authenticator.js'
export type { AuthContext, AuthResult, Authenticator } from './authenticator.js'
export { ReadinessError } from './readiness/readiness.js'
export type { HealthReport, IssuerHealth, ReadinessFailure, ReadinessReport, ReadyOptions } from './readiness/readiness.js'
export type { DependencyFaultKind } from './internal/dependency-fault.js'
export type { RequireTokenOptions, JwksOptions, TokenCacheOptions } from './options.js'
export type { TokenCacheControl } from './token/verified-token-cache.js'
export type { PortcullisRequest } from './request.js'
export { SocketRequest } from './socket-request.js'

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
  ClientAuthenticationOptions,
  IntrospectionCacheOptions,
  IntrospectionClientAuth,
  IntrospectionMode,
  IntrospectionOptions,
} from './introspection/introspection-options.js'

export { createRevocationStore } from './revocation/memory-revocation-store.js'
export { revocationIssuer, revocationString, revocationTime } from './revocation/revocation-input.js'
export { revocationTokenHash, tokenDigest } from './token/token-digest.js'
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

export { createAuthenticationRequirement } from './requirements/authentication-requirement.js'
export type { AuthenticationRequirement, RequireAuthenticationOptions } from './requirements/authentication-requirement.js'
export type { StepUpOptions, StepUpRule } from './requirements/step-up.js'
export type { AllowedActor, DelegationOptions } from './identity/delegation.js'

export type { DpopNonceOptions, DpopOptions, MtlsOptions } from './binding/binding-options.js'
export { createMemoryReplayStore, DEFAULT_REPLAY_STORE_ENTRIES, DpopReplayStoreFull, MAX_PROOFS_PER_SECOND, replayStoreEntriesFor } from './binding/dpop/replay-store.js'
export type { DpopReplayStore, MemoryReplayStore, MemoryReplayStoreOptions } from './binding/dpop/replay-store.js'
export { certificateThumbprint } from './binding/mtls/client-certificate.js'
export type { CertificateHeaderFormat } from './binding/mtls/client-certificate.js'
export type { ChallengeSchemes } from './credentials/rejections.js'
export type { TokenScheme } from './credentials/extract-token.js'

export { createProtectedResourceMetadata } from './resource-metadata/protected-resource-metadata.js'
export type { ProtectedResourceMetadata, ProtectedResourceMetadataOptions } from './resource-metadata/protected-resource-metadata.js'

export { createTokenPropagator, TokenPropagationError } from './propagation/token-propagator.js'
export type { CallerToken, TokenPropagationErrorCode, TokenPropagator } from './propagation/token-propagator.js'
export type { Downstream, TokenExchangeOptions, TokenPropagationOptions } from './propagation/propagation-options.js'

export { createScopeRequirement } from './requirements/scope-requirement.js'
export { isScopeToken } from './scopes/parse-scopes.js'

// Route requirements: one contract (scopes, step-up, policies), enforced alone or in order.
export { SATISFIED } from './requirements/requirement.js'
export type { Enforcement, Requirement, RequirementInput } from './requirements/requirement.js'
export { LazyRequirementInput } from './requirements/lazy-requirement-input.js'
export { DEFAULT_AUTH_CONTEXT } from './requirements/default-context.js'
export { enforceRequirements } from './requirements/enforce-requirements.js'
// Route decorators: metadata owned by the core (also installs the Symbol.metadata polyfill).
export { decorateRoute, routeRequirements } from './requirements/route-requirements.js'
export type { RequireScopeOptions, ScopeMatch, ScopeRequirement } from './requirements/scope-requirement.js'

export { DEFAULT_ALGORITHMS } from './token/algorithms.js'
export type { Algorithm, AsymmetricAlgorithm, HmacAlgorithm } from './token/algorithms.js'
export type { TokenProfile } from './token/validate-claims.js'
export type { StaticKey, StaticKeys } from './jwks/static-key-source.js'
export type { FetchLike } from './internal/fetch-json.js'
export type { JwksFetchEvent, JwksFetchTrigger } from './jwks/remote-key-set.js'

export type { AuditAnomalyDetails, AuditEvent, AuditEventName, AuditGrantDetails, AuditLevel, AuditSink } from './audit/audit-event.js'
export { createAuditor } from './audit/auditor.js'
export type { AuditDetails, Auditor } from './audit/auditor.js'
// The bounded LRU with per-entry expiry behind every cache of core, shared with @portcullis/policy.
export { TtlCache } from './internal/ttl-cache.js'
export type { TtlCacheBounds } from './internal/ttl-cache.js'
// The one IP address and CIDR rule (trustedProxies here; operators and environment readers in @portcullis/policy).
export { parseCidrList } from './network/cidr.js'
export type { CidrSet } from './network/cidr.js'
export { parseIpAddress } from './network/ip-address.js'
export type { IpAddress } from './network/ip-address.js'
// The one option validator (also used by @portcullis/policy): errors are invalid_configuration.
export { integerOption, numberOption, optionsObject } from './internal/option-checks.js'
export { createAuditPipeline, isAuditPipeline } from './audit/audit-pipeline.js'
export type { AuditPipeline, AuditPipelineOptions, AuditPipelineStats } from './audit/audit-pipeline.js'
export type { AuditOption } from './audit/audit-options.js'
export type { AuditMaskOptions, MaskableAuditField } from './audit/audit-mask.js'
export { pinoSink } from './audit/sinks/pino-sink.js'
export type { PinoLike } from './audit/sinks/pino-sink.js'
export { jsonLinesSink } from './audit/sinks/json-lines-sink.js'
export type { WritableLike } from './audit/sinks/json-lines-sink.js'
export { otelLogSink } from './audit/sinks/otel-log-sink.js'
export type { LogAttributeValue, OtelLogRecordLike, OtelLoggerLike, OtelLoggerProviderLike } from './audit/sinks/otel-log-sink.js'

export { createMetrics } from './observability/metrics.js'
export type {
  DecisionOutcome,
  DecisionRequirement,
  MetricStore,
  MetricsOptions,
  PortcullisMetrics,
  PromClientLike,
  VerificationOutcome,
} from './observability/metrics.js'
export { METRIC_REASONS, metricReason } from './observability/reason-codes.js'
export type { MetricReason } from './observability/reason-codes.js'
export { compileObservability } from './observability/compile-observability.js'
export type { Observability } from './observability/compile-observability.js'
export { SPAN_ATTRIBUTES, SPAN_NAMES, failSpan } from './observability/tracing.js'
export type { SpanAttributeValue, SpanLike, SpanOptionsLike, TracerLike } from './observability/tracing.js'

// Rate limits per identity: a requirement like the others, with a store seam for shared counters.
export { createRateLimitRequirement } from './rate-limit/rate-limit-requirement.js'
export type { RateLimitRequirement } from './rate-limit/rate-limit-requirement.js'
export type { RateLimitCondition, RateLimitKey, RateLimitOptions, RateLimitRejection, RateLimitTier } from './rate-limit/rate-limit-options.js'
export { createMemoryRateLimitStore, rateLimiterFlexibleStore } from './rate-limit/rate-limit-store.js'
export type { FlexibleLimiter, MemoryRateLimitStoreOptions, RateLimitCount, RateLimitCounter, RateLimitPolicy, RateLimitStore } from './rate-limit/rate-limit-store.js'
export { clientAddress } from './network/client-address.js'
export { compileTrustedProxies } from './binding/trusted-proxies.js'
export type { ProxyTrust } from './binding/trusted-proxies.js'
export type { IntrospectionGuardOptions } from './introspection/introspection-options.js'
export type { IntrospectionAnswerStore, StoredIntrospection } from './introspection/introspection-answer-store.js'

// Anomaly signals: a fixed-size history per token, subject or client; checks are pluggable.
export { createAnomalyDetector } from './anomaly/anomaly-detector.js'
export type { AnomalyDetector, AnomalyDetectorOptions, AnomalyKey } from './anomaly/anomaly-detector.js'
export { NO_ANOMALIES } from './anomaly/anomaly-signal.js'
export type { AnomalyCheck, AnomalyDetailValue, AnomalyFinding, AnomalyObservation, AnomalyReport, AnomalySignal, GeoLocation } from './anomaly/anomaly-signal.js'
export { newZoneCheck } from './anomaly/new-zone-check.js'
export type { NewZoneCheckOptions } from './anomaly/new-zone-check.js'
export { newCountryCheck } from './anomaly/new-country-check.js'
export type { NewCountryCheckOptions } from './anomaly/new-country-check.js'
export { impossibleTravelCheck } from './anomaly/impossible-travel-check.js'
export type { ImpossibleTravelCheckOptions } from './anomaly/impossible-travel-check.js'
export { rateSpikeCheck } from './anomaly/rate-spike-check.js'
export type { RateSpikeCheckOptions } from './anomaly/rate-spike-check.js'
export { defaultNetworkZone } from './anomaly/network-zone.js'
