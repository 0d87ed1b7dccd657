/**
 * @portcullis/koa: OAuth 2.0 resource server middleware for Koa 2 and 3.
 */
import './augment.js'

export { requireToken } from './require-token.js'
export { requireScope } from './require-scope.js'
export { requireAuthentication } from './require-authentication.js'
export { protectedResourceMetadata } from './protected-resource-metadata.js'
export { createRevocationStore } from '@portcullis/core'
export { createMemoryReplayStore } from '@portcullis/core'
export { requirePolicy } from './require-policy.js'
export { Authorize, RequireScope } from './decorators.js'
export type { KoaRouteDecorator, KoaRouteMethod } from './decorators.js'
export { errorHandler } from './error-handler.js'
export type { ErrorHandlerOptions } from './error-handler.js'
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
} from '@portcullis/core'
export type {
  PolicyEngine,
  PolicyRouteOptions,
} from '@portcullis/policy'
export { grantsRouter } from './grants-router.js'
export type { GrantsRouterOptions } from './grants-router.js'
