/**
 * @portcullis/fastify: OAuth 2.0 resource server hooks and plugin for Fastify 4 and 5.
 */
import './augment.js'

export { requireToken } from './require-token.js'
export type { PortcullisMiddleware } from './require-token.js'
export { ReadinessError } from '@portcullis/core'
export type { HealthReport, IssuerHealth, ReadinessFailure, ReadinessReport, ReadyOptions } from '@portcullis/core'
export { requireScope } from './requirements.js'
export { requireAuthentication } from './requirements.js'
export { protectedResourceMetadata } from './protected-resource-metadata.js'
export { createRevocationStore } from '@portcullis/core'
export { createMemoryReplayStore } from '@portcullis/core'
export { requirePolicy } from './requirements.js'
export { rateLimit } from './requirements.js'
export { RateLimit } from './decorators.js'
export { createMemoryRateLimitStore, rateLimiterFlexibleStore } from '@portcullis/core'
export { Authorize, RequireAuthentication, RequireScope } from './decorators.js'
export type { FastifyRouteDecorator, FastifyRouteMethod, FastifyRouteMethodShape } from './decorators.js'
export { errorHandler } from './error-handler.js'
export type { ErrorHandlerOptions, FastifyErrorHandler } from './error-handler.js'
export { portcullis } from './plugin.js'
export type { PortcullisPluginOptions } from './plugin.js'
export { grantsRouter } from './grants-router.js'
export type { GrantsRouterOptions } from './grants-router.js'
export type { FastifyHook } from './hook.js'
export { PortcullisError, isPortcullisError } from '@portcullis/core'
export type {
  Identity,
  Claims,
  PortcullisClaims,
  PortcullisErrorCode,
  RequireTokenOptions,
  RequireScopeOptions,
  RequireAuthenticationOptions,
  ProtectedResourceMetadataOptions,
  IntrospectionOptions,
  RevocationStore,
  DelegationOptions,
  DpopOptions,
  DpopReplayStore,
  MtlsOptions,
  AuditEvent,
  AuditSink,
  RateLimitOptions,
  RateLimitTier,
  RateLimitKey,
  RateLimitStore,
  RateLimitRejection,
} from '@portcullis/core'
export type {
  PolicyEngine,
  PolicyRouteOptions,
} from '@portcullis/policy'
