import type { BearerMethod } from '../credentials/extract-token.js'
import { configurationError } from '../errors.js'
import { checkFetchableUrl } from '../internal/url-policy.js'
import type { RequireTokenOptions } from '../options.js'
import { isScopeToken } from '../scopes/parse-scopes.js'
import { DEFAULT_ALGORITHMS } from '../token/algorithms.js'

/**
 * Options of the RFC 9728 protected resource metadata document. Members default from
 * `tokenOptions` (the options given to `requireToken()`) when it is passed.
 */
export interface ProtectedResourceMetadataOptions {
  /** `resource`: this API's identifier, an https URL without fragment (RFC 9728 §2). Required. */
  resource: string
  /** The `requireToken()` options: issuers, bearer methods, DPoP and mTLS are read from them. */
  tokenOptions?: RequireTokenOptions
  /** `authorization_servers`. Default: the issuers of `tokenOptions`. */
  authorizationServers?: readonly string[]
  /** `jwks_uri` of the resource's own signing keys (rarely needed). */
  jwksUri?: string
  /** `scopes_supported` (RECOMMENDED). */
  scopesSupported?: readonly string[]
  /** `bearer_methods_supported`. Default: `tokenOptions.bearerMethods`, else `['header']`. */
  bearerMethodsSupported?: readonly BearerMethod[]
  /** `resource_name`, human-readable. */
  resourceName?: string
  /** `resource_documentation` URL. */
  resourceDocumentation?: string
  /** `resource_policy_uri` URL. */
  resourcePolicyUri?: string
  /** `resource_tos_uri` URL. */
  resourceTosUri?: string
  /** `tls_client_certificate_bound_access_tokens` (RFC 8705). Default: whether `tokenOptions.mtls` is set. */
  tlsClientCertificateBoundAccessTokens?: boolean
  /** `dpop_signing_alg_values_supported` (RFC 9449). Default: the DPoP algorithms of `tokenOptions`. */
  dpopSigningAlgValuesSupported?: readonly string[]
  /** `dpop_bound_access_tokens_required`. Default: `tokenOptions.dpop.required`. */
  dpopBoundAccessTokensRequired?: boolean
}

/** A compiled metadata document, ready to serve. */
export interface ProtectedResourceMetadata {
  /** Path to serve it at: `/.well-known/oauth-protected-resource` + the resource's path (RFC 9728 §3.1). */
  readonly path: string
  /** Its absolute URL: give it to `requireToken({ resourceMetadata })` for challenges. */
  readonly url: string
  /** The JSON document (empty members omitted, RFC 9728 §3.2). */
  readonly document: Readonly<Record<string, unknown>>
  /** The serialised document. */
  readonly body: string
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource'
const KNOWN = new Set([
  'resource', 'tokenOptions', 'authorizationServers', 'jwksUri', 'scopesSupported', 'bearerMethodsSupported', 'resourceName',
  'resourceDocumentation', 'resourcePolicyUri', 'resourceTosUri', 'tlsClientCertificateBoundAccessTokens',
  'dpopSigningAlgValuesSupported', 'dpopBoundAccessTokensRequired',
])

function url(value: unknown, name: string): string {
  const checked = typeof value === 'string' ? checkFetchableUrl(value) : 'must be a URL string'
  if (typeof checked === 'string') throw configurationError(`protectedResourceMetadata: ${name} ${checked}: ${JSON.stringify(value)}`)
  return value as string
}

function strings(value: unknown, name: string): string[] | undefined {
  if (value === undefined) return undefined
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '')) {
    throw configurationError(`protectedResourceMetadata: ${name} must be an array of non-empty strings`)
  }
  return [...(value as string[])]
}

function flag(value: unknown, name: string): boolean | undefined {
  if (value !== undefined && typeof value !== 'boolean') throw configurationError(`protectedResourceMetadata: ${name} must be a boolean`)
  return value
}

/**
 * Builds the RFC 9728 protected resource metadata document (RFC 9728 §3). Adapters serve it with
 * `protectedResourceMetadata()`; its `url` goes into `requireToken({ resourceMetadata })` so that
 * 401 challenges point clients to it (RFC 9728 §5.1).
 *
 * @example
 * ```ts
 * import { createProtectedResourceMetadata } from '@portcullis/core'
 * const metadata = createProtectedResourceMetadata({
 *   resource: 'https://api.example.com',
 *   authorizationServers: ['https://id.example.com/'],
 *   scopesSupported: ['orders:read', 'orders:write'],
 * })
 * metadata.path // '/.well-known/oauth-protected-resource'
 * ```
 */
export function createProtectedResourceMetadata(options: ProtectedResourceMetadataOptions): ProtectedResourceMetadata {
  if (typeof options !== 'object' || options === null) throw configurationError('protectedResourceMetadata: options are required')
  for (const key of Object.keys(options)) if (!KNOWN.has(key)) throw configurationError(`protectedResourceMetadata: ${key} is not an option`)
  const resource = new URL(url(options.resource, 'resource'))
  if (resource.search !== '') throw configurationError('protectedResourceMetadata: resource should not have a query (RFC 9728 §2)')
  const token = options.tokenOptions as (RequireTokenOptions & { dpop?: unknown; mtls?: unknown }) | undefined
  const issuers = token === undefined ? undefined : typeof token.issuer === 'string' ? [token.issuer] : [...token.issuer]
  const authorizationServers = strings(options.authorizationServers, 'authorizationServers') ?? issuers
  authorizationServers?.forEach((server) => url(server, 'authorizationServers[]'))
  const scopes = strings(options.scopesSupported, 'scopesSupported')
  if (scopes !== undefined && !scopes.every(isScopeToken)) throw configurationError('protectedResourceMetadata: scopesSupported must hold RFC 6749 scopes')
  const methods = strings(options.bearerMethodsSupported, 'bearerMethodsSupported') ?? [...(token?.bearerMethods ?? ['header'])]
  if (!methods.every((m) => m === 'header' || m === 'body' || m === 'query')) {
    throw configurationError('protectedResourceMetadata: bearerMethodsSupported holds header, body or query')
  }
  const dpop = token?.dpop as { algorithms?: readonly string[]; required?: boolean } | undefined
  const dpopAlgs =
    strings(options.dpopSigningAlgValuesSupported, 'dpopSigningAlgValuesSupported') ??
    (dpop === undefined ? undefined : [...(dpop.algorithms ?? DEFAULT_ALGORITHMS)])
  const dpopRequired = flag(options.dpopBoundAccessTokensRequired, 'dpopBoundAccessTokensRequired') ?? (dpop?.required === true ? true : undefined)
  const mtls = flag(options.tlsClientCertificateBoundAccessTokens, 'tlsClientCertificateBoundAccessTokens') ??
    (token?.mtls !== undefined && token.mtls !== false ? true : undefined)
  const optionalUrl = (value: unknown, name: string): string | undefined => (value === undefined ? undefined : url(value, name))
  if (options.resourceName !== undefined && (typeof options.resourceName !== 'string' || options.resourceName === '')) {
    throw configurationError('protectedResourceMetadata: resourceName must be a non-empty string')
  }
  const members: Record<string, unknown> = {
    resource: options.resource,
    authorization_servers: authorizationServers,
    jwks_uri: optionalUrl(options.jwksUri, 'jwksUri'),
    scopes_supported: scopes,
    bearer_methods_supported: methods,
    resource_name: options.resourceName,
    resource_documentation: optionalUrl(options.resourceDocumentation, 'resourceDocumentation'),
    resource_policy_uri: optionalUrl(options.resourcePolicyUri, 'resourcePolicyUri'),
    resource_tos_uri: optionalUrl(options.resourceTosUri, 'resourceTosUri'),
    tls_client_certificate_bound_access_tokens: mtls,
    dpop_signing_alg_values_supported: dpopAlgs,
    dpop_bound_access_tokens_required: dpopRequired,
  }
  // RFC 9728 §3.2: parameters with zero elements are omitted.
  const document: Record<string, unknown> = {}
  for (const [name, value] of Object.entries(members)) {
    if (value === undefined || (Array.isArray(value) && value.length === 0)) continue
    document[name] = value
  }
  // RFC 9728 §3.1: the well-known segment goes between the host and the resource's path.
  const path = `${WELL_KNOWN}${resource.pathname === '/' ? '' : resource.pathname.replace(/\/$/, '')}`
  return Object.freeze({
    path,
    url: `${resource.origin}${path}`,
    document: Object.freeze(document),
    body: JSON.stringify(document),
  })
}
