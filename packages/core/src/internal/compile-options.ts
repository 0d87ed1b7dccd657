import { configurationError } from '../errors.js'
import { isQuotable } from '../credentials/challenge.js'
import type { BearerMethod, ExtractionRules } from '../credentials/extract-token.js'
import { DEFAULT_MAX_KEYS } from '../jwks/key-index.js'
import type { KeySource } from '../jwks/key-source.js'
import { discoverJwksUri } from '../jwks/discovery.js'
import { RemoteKeySet, type RemoteKeySetOptions } from '../jwks/remote-key-set.js'
import { secretKeySource, staticKeySource } from '../jwks/static-key-source.js'
import type { JwksOptions, RequireTokenOptions } from '../options.js'
import { ALGORITHMS, DEFAULT_ALGORITHMS, isAlgorithm, isHmac, type Algorithm } from '../token/algorithms.js'
import { RFC9068_REQUIRED_CLAIMS, type ClaimRules } from '../token/validate-claims.js'
import type { JwtVerifierConfig } from '../token/verify-jwt.js'
import type { FetchLike } from './fetch-json.js'
import { checkFetchableUrl } from './url-policy.js'

const KNOWN_OPTIONS = new Set([
  'issuer', 'audience', 'jwksUri', 'keys', 'secret', 'algorithms', 'clockTolerance', 'maxTokenAge',
  'requiredClaims', 'profile', 'optional', 'realm', 'audit', 'clock', 'bearerMethods', 'maxTokenLength',
  'fetch', 'jwks',
])
// Named in the design, delivered by later releases: refuse them loudly rather than ignore a
// security setting the caller believes is active.
const NOT_YET_SUPPORTED = new Set(['introspection', 'dpop', 'mtls', 'revocation'])

/** The options of `requireToken()`, checked and turned into what the request path uses. */
export interface CompiledOptions {
  readonly realm: string
  readonly optional: boolean
  readonly extraction: ExtractionRules
  readonly verifier: JwtVerifierConfig
  readonly clock: () => number
  readonly audit: RequireTokenOptions['audit']
}

function list(value: string | readonly string[] | undefined, name: string): string[] {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as string[])] : undefined
  if (items === undefined || items.length === 0) throw configurationError(`${name} is required (a string or a non-empty array of strings)`)
  for (const item of items) {
    if (typeof item !== 'string' || item === '') throw configurationError(`${name} must hold non-empty strings`)
  }
  return items
}

function seconds(value: unknown, name: string, fallback: number | undefined): number | undefined {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw configurationError(`${name} must be a non-negative number of seconds`)
  }
  return value
}

function positiveInteger(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw configurationError(`${name} must be a non-negative integer`)
  }
  return value
}

function compileAlgorithms(options: RequireTokenOptions): Algorithm[] {
  const hmacMode = options.secret !== undefined
  const algorithms = options.algorithms === undefined ? (hmacMode ? ['HS256' as const] : [...DEFAULT_ALGORITHMS]) : [...options.algorithms]
  if (algorithms.length === 0) throw configurationError('algorithms must not be empty')
  for (const alg of algorithms) {
    if (!isAlgorithm(alg)) {
      throw configurationError(`algorithms: ${JSON.stringify(alg)} is not supported (never "none")`)
    }
    // RFC 8725 §2.1: a public key must never be usable as an HMAC secret, so the two modes never mix.
    if (isHmac(alg) !== hmacMode) {
      throw configurationError(
        hmacMode ? `algorithms: ${alg} cannot be used with a secret` : `algorithms: ${alg} needs an explicit secret`,
      )
    }
  }
  return algorithms
}

function compileRemote(options: RequireTokenOptions, clock: () => number): Omit<RemoteKeySetOptions, 'onFetch'> {
  const jwks: JwksOptions = options.jwks ?? {}
  for (const key of Object.keys(jwks)) {
    if (!['timeout', 'cacheMaxAge', 'cooldown', 'maxStale', 'maxKeys', 'maxBytes'].includes(key)) {
      throw configurationError(`jwks.${key} is not an option`)
    }
  }
  const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined)
  if (typeof fetchImpl !== 'function') throw configurationError('fetch must be a function (no global fetch found)')
  return {
    timeoutMs: positiveInteger(jwks.timeout, 'jwks.timeout', 5000) || 5000,
    cacheMaxAgeMs: positiveInteger(jwks.cacheMaxAge, 'jwks.cacheMaxAge', 600_000),
    cooldownMs: positiveInteger(jwks.cooldown, 'jwks.cooldown', 30_000),
    maxStaleMs: positiveInteger(jwks.maxStale, 'jwks.maxStale', 86_400_000),
    maxKeys: positiveInteger(jwks.maxKeys, 'jwks.maxKeys', DEFAULT_MAX_KEYS) || DEFAULT_MAX_KEYS,
    maxBytes: positiveInteger(jwks.maxBytes, 'jwks.maxBytes', 512 * 1024) || 512 * 1024,
    fetch: fetchImpl,
    clock,
  }
}

function fetchableUrl(value: string, name: string): string {
  const checked = checkFetchableUrl(value)
  if (typeof checked === 'string') throw configurationError(`${name} ${checked}: ${JSON.stringify(value)}`)
  return checked.href
}

function compileKeySources(options: RequireTokenOptions, issuers: string[], algorithms: Algorithm[], clock: () => number): Map<string, KeySource> {
  const sources = new Map<string, KeySource>()
  const { jwksUri, keys, secret } = options
  if (secret !== undefined) {
    if (jwksUri !== undefined || keys !== undefined) throw configurationError('secret cannot be combined with jwksUri or keys')
    const source = secretKeySource(secret, algorithms)
    for (const issuer of issuers) sources.set(issuer, source)
    return sources
  }
  if (keys !== undefined) {
    if (jwksUri !== undefined) throw configurationError('keys cannot be combined with jwksUri')
    const source = staticKeySource(keys)
    for (const issuer of issuers) sources.set(issuer, source)
    return sources
  }
  const remote = compileRemote(options, clock)
  const limits = { timeoutMs: remote.timeoutMs, maxBytes: remote.maxBytes }
  if (typeof jwksUri === 'string' && issuers.length > 1) {
    throw configurationError('with several issuers, jwksUri must map each issuer to its own URL (keys are per issuer)')
  }
  if (jwksUri !== undefined && typeof jwksUri !== 'string' && (typeof jwksUri !== 'object' || jwksUri === null)) {
    throw configurationError('jwksUri must be a URL string or a record from issuer to URL')
  }
  for (const issuer of issuers) {
    const given = typeof jwksUri === 'string' ? jwksUri : jwksUri?.[issuer]
    if (given !== undefined) {
      const url = fetchableUrl(given, 'jwksUri')
      sources.set(issuer, new RemoteKeySet(() => url, remote))
    } else {
      fetchableUrl(issuer, 'issuer (used for discovery)')
      sources.set(issuer, new RemoteKeySet(() => discoverJwksUri(issuer, remote.fetch, limits), remote))
    }
  }
  if (typeof jwksUri === 'object' && jwksUri !== null) {
    for (const key of Object.keys(jwksUri)) {
      if (!issuers.includes(key)) throw configurationError(`jwksUri names ${JSON.stringify(key)}, which is not a configured issuer`)
    }
  }
  return sources
}

function compileMethods(value: readonly BearerMethod[] | undefined): { header: boolean; body: boolean; query: boolean } {
  const methods = value ?? ['header']
  if (!Array.isArray(methods) || methods.length === 0) throw configurationError('bearerMethods must be a non-empty array')
  for (const method of methods) {
    if (method !== 'header' && method !== 'body' && method !== 'query') {
      throw configurationError(`bearerMethods: ${JSON.stringify(method)} is not one of header, body, query`)
    }
  }
  return { header: methods.includes('header'), body: methods.includes('body'), query: methods.includes('query') }
}

/** Validates `options` and compiles them. Throws a clear configuration error on any mistake. */
export function compileOptions(options: RequireTokenOptions): CompiledOptions {
  if (typeof options !== 'object' || options === null) throw configurationError('options are required')
  for (const key of Object.keys(options)) {
    if (NOT_YET_SUPPORTED.has(key)) throw configurationError(`${key} is not supported by this version of Portcullis yet`)
    if (!KNOWN_OPTIONS.has(key)) throw configurationError(`${key} is not an option of requireToken`)
  }
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('clock must be a function returning milliseconds')
  const issuers = list(options.issuer, 'issuer')
  const audiences = list(options.audience, 'audience')
  const algorithms = compileAlgorithms(options)
  const realm = options.realm ?? 'api'
  if (typeof realm !== 'string' || realm === '' || !isQuotable(realm)) {
    throw configurationError('realm must be a non-empty string without quotes or backslashes')
  }
  const profile = options.profile ?? 'jwt'
  if (profile !== 'jwt' && profile !== 'rfc9068') throw configurationError(`profile must be 'jwt' or 'rfc9068'`)
  const requiredClaims = [...(options.requiredClaims ?? [])]
  if (!requiredClaims.every((claim) => typeof claim === 'string' && claim !== '')) {
    throw configurationError('requiredClaims must hold claim names')
  }
  if (profile === 'rfc9068') for (const claim of RFC9068_REQUIRED_CLAIMS) if (!requiredClaims.includes(claim)) requiredClaims.push(claim)
  const rules: ClaimRules = {
    audiences,
    clockToleranceSeconds: seconds(options.clockTolerance, 'clockTolerance', 5) as number,
    maxTokenAgeSeconds: seconds(options.maxTokenAge, 'maxTokenAge', undefined),
    requiredClaims,
    profile,
  }
  if (options.audit !== undefined && typeof options.audit !== 'function') throw configurationError('audit must be a function')
  if (options.optional !== undefined && typeof options.optional !== 'boolean') throw configurationError('optional must be a boolean')
  const maxTokenLength = positiveInteger(options.maxTokenLength, 'maxTokenLength', 8192)
  if (maxTokenLength < 16) throw configurationError('maxTokenLength must be at least 16')
  return {
    realm,
    optional: options.optional ?? false,
    extraction: { ...compileMethods(options.bearerMethods), maxTokenLength },
    verifier: {
      algorithms: new Set(algorithms.filter((alg) => ALGORITHMS[alg] !== undefined)),
      issuers: compileKeySources(options, issuers, algorithms, clock),
      rules,
      clock,
    },
    clock,
    audit: options.audit,
  }
}
