/**
 * @portcullis/gateway: the Portcullis enforcement point as a small HTTP service answering the
 * auth requests of reverse proxies (nginx `auth_request`, Caddy `forward_auth`, Traefik
 * ForwardAuth, Envoy `ext_authz`), for upstreams in any language.
 */
export { createGateway, AUTH_PATHS, ERROR_HEADER, JWKS_PATH, METADATA_PATH } from './gateway.js'
export { STATUS_HEADER } from './protocols/nginx-status.js'
export type { Gateway, GatewayLogEntry, GatewayOptions } from './gateway.js'
export type { RuntimeOptions } from './runtime.js'
export { readGatewayConfig, parseGatewayConfig, MAX_CONFIG_BYTES } from './config/load-config.js'
export type { LocatedConfig } from './config/load-config.js'
export { GatewayConfigError, isGatewayConfigError } from './config/config-error.js'
export type { ConfigIssue, FieldPath } from './config/config-error.js'
export type { PathIssue } from './config/validate.js'
export type {
  GatewayConfig,
  GatewayMetricsConfig,
  GatewayRateLimitConfig,
  GatewayRateLimitKey,
  GatewayRateLimitTier,
  GatewayRuleConfig,
  GatewayTokenConfig,
  IdentityHeadersConfig,
  ProtocolHeadersConfig,
  TokenMode,
  UpstreamTokenAlgorithm,
  UpstreamTokenConfig,
} from './config/config.js'
export { DEFAULT_IDENTITY_HEADERS } from './identity-headers.js'
