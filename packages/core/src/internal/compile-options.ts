import { configurationError } from '../errors.js'
import { integerOption, MAX_TIMER_MS, numberOption, optionsObject } from './option-checks.js'
import { isQuotable } from '../credentials/challenge.js'
import type { BearerMethod, ExtractionRules } from '../credentials/extract-token.js'
import { DEFAULT_MAX_KEYS } from '../jwks/key-index.js'
import type { KeySource } from '../jwks/key-source.js'
import { discoverJwksUri } from '../jwks/discovery.js'
import { RemoteKeySet, type RemoteKeySetOptions } from '../jwks/remote-key-set.js'
import { secretKeySource, staticKeySource, type StaticKeys } from '../jwks/static-key-source.js'
import type { JwksOptions, RequireTokenOptions } from '../options.js'
import { ALGORITHMS, DEFAULT_ALGORITHMS, isAlgorithm, isHmac, type Algorithm } from '../token/algorithms.js'
import { DEFAULT_CACHE_MAX_BYTES, DEFAULT_CACHE_MAX_ENTRIES, type CacheAdmission } from '../token/verified-token-cache.js'
import { RFC9068_REQUIRED_CLAIMS, type ClaimRules } from '../token/validate-claims.js'
import type { JwtVerifierConfig } from '../token/verify-jwt.js'
import type { FetchLike } from './fetch-json.js'
import { checkFetchableUrl } from './url-policy.js'
import { compileBinding, type BindingConfig } from '../binding/compile-binding.js'
import { createIntrospector, type Introspector } from '../introspection/introspector.js'
import type { StatusConfig } from '../identity/check-status.js'
import { compileDelegation } from '../identity/delegation.js'
import { compileStepUp } from '../requirements/step-up.js'
import { compileAudit } from '../audit/audit-options.js'
import type { AuditSink } from '../audit/audit-event.js'
import type { AuditPipeline } from '../audit/audit-pipeline.js'
import { compileObservability, jwksFetchHook, type Observability } from '../observability/compile-observability.js'
import { isAnomalyDetector, type AnomalyDetector } from '../anomaly/anomaly-detector.js'

const KNOWN_OPTIONS = new Set([
  'issuer', 'audience', 'jwksUri', 'keys', 'secret', 'algorithms', 'clockTolerance', 'maxTokenAge',
  'requiredClaims', 'profile', 'optional', 'realm', 'audit', 'clock', 'bearerMethods', 'maxTokenLength',
  'fetch', 'jwks', 'introspection', 'revocation', 'acr', 'maxAge', 'delegation', 'resourceMetadata',
  'dpop', 'mtls', 'trustedProxies', 'cache',
  'metrics', 'tracer', 'anomalies',
])

/** The options of `requireToken()`, checked and turned into what the request path uses. */
export interface CompiledOptions {
  readonly realm: string
  readonly optional: boolean
  readonly extraction: ExtractionRules
  readonly verifier: JwtVerifierConfig
  readonly clock: () => number
  readonly audit: AuditSink | AuditPipeline | undefined
  /** Metrics and tracer, when configured. */
  readonly observability: Observability
  /** RFC 7662 introspection, when configured. */
  readonly introspection: Introspector | undefined
  /** Revocation, delegation and step-up checks (the status step). */
  readonly status: StatusConfig
  /** `resource_metadata` of challenges (RFC 9728 §5.1). */
  readonly resourceMetadata: string | undefined
  /** DPoP and mTLS proof-of-possession checks (the bind step) and the challenge schemes. */
  readonly binding: BindingConfig
  /** The verified-token cache bounds, or `undefined` when the cache is off. */
  readonly cache: CompiledCacheOptions | undefined
  /** The anomaly detector run after each accepted request, when configured. */
  readonly anomalies: AnomalyDetector | undefined
}

interface CompiledCacheOptions {
  readonly maxEntries: number
  readonly maxBytes: number
  readonly maxTtlMs: number
  readonly admission: CacheAdmission
}

function compileCache(value: RequireTokenOptions['cache']): CompiledCacheOptions | undefined {
  if (value === false) return undefined
  if (value !== undefined && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw configurationError('cache must be false or an object { maxEntries, maxBytes, maxTtl, admission }')
  }
  const cache = optionsObject(value ?? {}, 'cache', ['maxEntries', 'maxBytes', 'maxTtl', 'admission'])
  const maxTtl = seconds(cache.maxTtl, 'cache.maxTtl', undefined)
  return {
    maxEntries: integerOption(cache.maxEntries, 'cache.maxEntries', DEFAULT_CACHE_MAX_ENTRIES, 1, 1_000_000),
    maxBytes: integerOption(cache.maxBytes, 'cache.maxBytes', DEFAULT_CACHE_MAX_BYTES, 64 * 1024, 4 * 1024 * 1024 * 1024),
    maxTtlMs: maxTtl === undefined ? Number.POSITIVE_INFINITY : maxTtl * 1000,
    admission: cacheAdmission(cache.admission),
  }
}

function cacheAdmission(value: unknown): CacheAdmission {
  if (value === undefined) return 'second-use'
  if (value !== 'first-use' && value !== 'second-use') throw configurationError(`cache.admission must be 'first-use' or 'second-use'`)
  return value
}

function list(value: string | readonly string[] | undefined, name: string): string[] {
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? [...(value as string[])] : undefined
  if (items === undefined || items.length === 0) throw configurationError(`${name} is required (a string or a non-empty array of strings)`)
  for (const item of items) {
    if (typeof item !== 'string' || item === '') throw configurationError(`${name} must hold non-empty strings`)
  }
  return items
}

function seconds<F extends number | undefined>(value: unknown, name: string, fallback: F, max = Number.MAX_SAFE_INTEGER): number | F {
  return numberOption(value, name, fallback, 'seconds', 0, max)
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

function compileRemote(options: RequireTokenOptions, clock: () => number): RemoteKeySetOptions {
  const jwks: JwksOptions = optionsObject(options.jwks ?? {}, 'jwks', ['timeout', 'cacheMaxAge', 'cooldown', 'unknownKidWait', 'maxStale', 'maxKeys', 'maxBytes', 'onFetch'])
  if (jwks.onFetch !== undefined && typeof jwks.onFetch !== 'function') throw configurationError('jwks.onFetch must be a function')
  const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined)
  if (typeof fetchImpl !== 'function') throw configurationError('fetch must be a function (no global fetch found)')
  return {
    timeoutMs: integerOption(jwks.timeout, 'jwks.timeout', 5000, 1, MAX_TIMER_MS),
    cacheMaxAgeMs: integerOption(jwks.cacheMaxAge, 'jwks.cacheMaxAge', 600_000, 0),
    cooldownMs: integerOption(jwks.cooldown, 'jwks.cooldown', 30_000, 0),
    unknownKidWaitMs: integerOption(jwks.unknownKidWait, 'jwks.unknownKidWait', 500, 1, MAX_TIMER_MS),
    maxStaleMs: integerOption(jwks.maxStale, 'jwks.maxStale', 86_400_000, 0),
    maxKeys: integerOption(jwks.maxKeys, 'jwks.maxKeys', DEFAULT_MAX_KEYS, 1, 1000),
    maxBytes: integerOption(jwks.maxBytes, 'jwks.maxBytes', 512 * 1024, 1024, 16 * 1024 * 1024),
    fetch: fetchImpl,
    clock,
    ...jwksFetchHook(jwks.onFetch, options.metrics),
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
  // Keys belong to one issuer (RFC 8725 §3.8): a key shared by several issuers would let
  // each of them mint tokens in the others' names.
  if (secret !== undefined) {
    if (jwksUri !== undefined || keys !== undefined) throw configurationError('secret cannot be combined with jwksUri or keys')
    if (issuers.length > 1) throw configurationError('secret cannot be shared by several issuers')
    sources.set(issuers[0] as string, secretKeySource(secret, algorithms))
    return sources
  }
  if (keys !== undefined) {
    if (jwksUri !== undefined) throw configurationError('keys cannot be combined with jwksUri')
    if (issuers.length === 1 && isKeySet(keys)) {
      sources.set(issuers[0] as string, staticKeySource(keys))
      return sources
    }
    if (isKeySet(keys) || typeof keys !== 'object' || keys === null) {
      throw configurationError('with several issuers, keys must map each issuer to its own keys')
    }
    for (const issuer of issuers) {
      const own = (keys as Readonly<Record<string, StaticKeys>>)[issuer]
      if (own === undefined) throw configurationError(`keys has no entry for issuer ${JSON.stringify(issuer)}`)
      sources.set(issuer, staticKeySource(own))
    }
    for (const key of Object.keys(keys)) {
      if (!issuers.includes(key)) throw configurationError(`keys names ${JSON.stringify(key)}, which is not a configured issuer`)
    }
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

/** A JWK Set document or a list of keys, as opposed to a record from issuer to keys. */
function isKeySet(keys: unknown): keys is StaticKeys {
  return Array.isArray(keys) || (typeof keys === 'object' && keys !== null && Array.isArray((keys as { keys?: unknown }).keys))
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
  optionsObject(options, 'requireToken:', KNOWN_OPTIONS)
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
    // RFC 7519 §4.1.4: "a few minutes" of leeway at most; more would quietly extend every token.
    clockToleranceSeconds: seconds(options.clockTolerance, 'clockTolerance', 5, 300),
    maxTokenAgeSeconds: seconds(options.maxTokenAge, 'maxTokenAge', undefined),
    requiredClaims,
    profile,
  }
  const audit = compileAudit(options.audit)
  const observability = compileObservability(options)
  if (options.optional !== undefined && typeof options.optional !== 'boolean') throw configurationError('optional must be a boolean')
  const maxTokenLength = integerOption(options.maxTokenLength, 'maxTokenLength', 8192, 16, 1024 * 1024)
  const binding = compileBinding(options, clock, rules.clockToleranceSeconds)
  const introspection = options.introspection === undefined
    ? undefined
    : // The rfc9068 profile is a JWT profile: only the caller's own requiredClaims apply to introspection.
      createIntrospector(options.introspection, { issuers, rules: { ...rules, requiredClaims: [...(options.requiredClaims ?? [])] }, fetch: options.fetch, clock, metrics: observability.metrics })
  return {
    realm,
    optional: options.optional ?? false,
    extraction: { ...compileMethods(options.bearerMethods), maxTokenLength, dpop: binding.support.dpop, dpopRequired: binding.dpop?.required ?? false },
    verifier: {
      algorithms: new Set(algorithms.filter((alg) => ALGORITHMS[alg] !== undefined)),
      issuers: compileKeySources(options, issuers, algorithms, clock),
      rules,
      clock,
    },
    clock,
    audit,
    observability,
    introspection,
    status: compileStatus(options, clock),
    resourceMetadata: compileResourceMetadata(options.resourceMetadata),
    binding,
    cache: compileCache(options.cache),
    anomalies: compileAnomalies(options.anomalies),
  }
}

function compileAnomalies(value: unknown): AnomalyDetector | undefined {
  if (value === undefined) return undefined
  if (!isAnomalyDetector(value)) throw configurationError('anomalies must be a detector from createAnomalyDetector()')
  return value
}

function compileStatus(options: RequireTokenOptions, clock: () => number): StatusConfig {
  const { revocation } = options
  if (revocation !== undefined) {
    optionsObject(revocation, 'revocation', ['store', 'timeout'])
    const { store } = revocation
    if (typeof store !== 'object' || store === null || typeof store.check !== 'function') {
      throw configurationError('revocation.store must be a RevocationStore (see createRevocationStore())')
    }
  }
  return {
    revocation: revocation === undefined
      ? undefined
      : { store: revocation.store, timeoutMs: integerOption(revocation.timeout, 'revocation.timeout', 1000, 1, MAX_TIMER_MS) },
    delegation: options.delegation === undefined ? undefined : compileDelegation(options.delegation),
    stepUp: compileStepUp({ acr: options.acr, maxAge: options.maxAge }),
    clock,
  }
}

function compileResourceMetadata(value: unknown): string | undefined {
  if (value === undefined) return undefined
  // RFC 9728 §3: the metadata URL is https; it goes verbatim into a quoted-string.
  const checked = typeof value === 'string' ? checkFetchableUrl(value) : 'must be a URL string'
  if (typeof checked === 'string') throw configurationError(`resourceMetadata ${checked}: ${JSON.stringify(value)}`)
  if (!isQuotable(checked.href)) throw configurationError('resourceMetadata must not contain quotes or backslashes')
  return checked.href
}
