import { configurationError } from '../errors.js'
import { deepFreeze } from '../internal/deep-freeze.js'
import { DependencyUnavailable, TokenInvalid } from '../internal/failures.js'
import type { FetchLike } from '../internal/fetch-json.js'
import { integerOption, MAX_TIMER_MS, optionsObject } from '../internal/option-checks.js'
import type { PortcullisMetrics } from '../observability/metrics.js'
import { postForm } from '../internal/post-form.js'
import { estimateBytes, TtlCache } from '../internal/ttl-cache.js'
import { checkFetchableUrl } from '../internal/url-policy.js'
import { discoverEndpoint } from '../jwks/discovery.js'
import { tokenDigest } from '../token/token-digest.js'
import type { TokenCacheControl } from '../token/verified-token-cache.js'
import { INACTIVE, type Answer } from './introspection-answer.js'
import type { IntrospectionAnswerStore } from './introspection-answer-store.js'
import { createIntrospectionGuard } from './introspection-guard.js'
import { authenticateClient, compileClientCredentials, type ClientCredentials } from './client-auth.js'
import type { IntrospectionMode, IntrospectionOptions } from './introspection-options.js'
import { createSharedAnswers, type SharedAnswers } from './shared-answers.js'
import { validateIntrospection, type IntrospectionRules } from './validate-introspection.js'

/** A token resolved by introspection: the response members (without `active`) and the issuer. */
interface IntrospectedToken {
  readonly issuer: string
  readonly payload: Record<string, unknown>
}

/** Resolves opaque tokens at the RFC 7662 endpoint, with a bounded cache. */
export interface Introspector {
  /** Whether `token` goes to introspection (not a JWT, or every token in `'all'` mode). */
  accepts(token: string): boolean
  /**
   * Introspects `token` (or reuses a cached answer). Throws `TokenInvalid` for an inactive or
   * unacceptable token and `DependencyUnavailable` when the endpoint cannot answer (RFC 7662 §2.2).
   * `caller` (the client address) is what the guard counts calls for unknown tokens by; over
   * its limit, throws a 429 `rate_limited` `PortcullisError` without calling the endpoint.
   */
  introspect(token: string, caller?: string): Promise<IntrospectedToken>
  /**
   * Discovers the endpoint now when it is not configured (startup); resolves with it. Rejects
   * with a `DependencyFault` naming the metadata URLs and the failure. Sends no token.
   */
  ready(): Promise<string>
  /**
   * Invalidation of the cached answers; removing one by token or digest (or by claims) also
   * removes it from the shared store, in the background.
   */
  readonly cache: TokenCacheControl
}

/** What the introspector shares with the JWT verifier's configuration. */
interface IntrospectionContext {
  readonly issuers: readonly string[]
  readonly rules: Omit<IntrospectionRules, 'issuers'>
  readonly fetch: FetchLike | undefined
  readonly clock: () => number
  /** Counts introspection requests and their duration. */
  readonly metrics?: PortcullisMetrics | undefined
}

/** A cached answer and the digest it is cached under (to remove it from the shared store too). */
interface CachedAnswer {
  readonly tokenHash: string
  readonly answer: Answer
}

/** Default byte bound of the introspection cache (estimated heap of the active answers). */
const DEFAULT_INTROSPECTION_CACHE_MAX_BYTES = 8 * 1024 * 1024
const KNOWN = new Set([
  'endpoint', 'issuer', 'clientId', 'clientSecret', 'clientAuth', 'privateKey', 'privateKeyId', 'tokenTypeHint', 'mode',
  'timeout', 'maxBytes', 'cache', 'guard',
])
const CACHE_KNOWN = ['maxEntries', 'maxBytes', 'ttl', 'negativeTtl', 'store', 'storeTimeout']
// Default deadline of one shared-store operation: a cache must answer much faster than the AS.
const DEFAULT_STORE_TIMEOUT_MS = 250
// Discovery failures are remembered this long, so an outage does not turn every request into a fetch.
const DISCOVERY_RETRY_MS = 5000
const RETRY_AFTER_SECONDS = 5
// A JWS compact serialization: three base64url segments (RFC 7515 §7.1).
const JWS_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/

/**
 * Validates `introspection` options and creates the introspector. Throws an
 * `invalid_configuration` error naming the option on any mistake.
 */
export function createIntrospector(options: IntrospectionOptions, context: IntrospectionContext): Introspector {
  optionsObject(options, 'introspection', KNOWN)
  const credentials: ClientCredentials = compileClientCredentials('introspection', options)
  const issuer = options.issuer ?? (context.issuers.length === 1 ? context.issuers[0] : undefined)
  if (issuer === undefined) throw configurationError('introspection.issuer is required when several issuers are configured')
  if (!context.issuers.includes(issuer)) throw configurationError(`introspection.issuer ${JSON.stringify(issuer)} is not a configured issuer`)
  const mode: IntrospectionMode = options.mode ?? 'opaque'
  if (mode !== 'opaque' && mode !== 'all') throw configurationError(`introspection.mode must be 'opaque' or 'all'`)
  const hint = options.tokenTypeHint ?? 'access_token'
  if (hint !== false && (typeof hint !== 'string' || hint === '')) throw configurationError('introspection.tokenTypeHint must be a non-empty string or false')
  const limits = {
    timeoutMs: integerOption(options.timeout, 'introspection.timeout', 5000, 1, MAX_TIMER_MS),
    maxBytes: integerOption(options.maxBytes, 'introspection.maxBytes', 64 * 1024, 1024, 1024 * 1024),
  }
  const cacheOptions = options.cache === false ? { maxEntries: 0 } : (options.cache ?? {})
  if (typeof cacheOptions !== 'object' || cacheOptions === null) throw configurationError('introspection.cache must be an object or false')
  optionsObject(cacheOptions, 'introspection.cache', CACHE_KNOWN)
  const maxEntries = integerOption(cacheOptions.maxEntries, 'introspection.cache.maxEntries', 10_000, 0, 10_000_000)
  const maxBytes = integerOption(cacheOptions.maxBytes, 'introspection.cache.maxBytes', DEFAULT_INTROSPECTION_CACHE_MAX_BYTES, 64 * 1024, 4 * 1024 * 1024 * 1024)
  const ttlMs = integerOption(cacheOptions.ttl, 'introspection.cache.ttl', 60, 0, 86_400) * 1000
  const negativeTtlMs = integerOption(cacheOptions.negativeTtl, 'introspection.cache.negativeTtl', 5, 0, 3600) * 1000
  const store = checkStore(cacheOptions.store)
  const storeTimeoutMs = integerOption(cacheOptions.storeTimeout, 'introspection.cache.storeTimeout', DEFAULT_STORE_TIMEOUT_MS, 1, MAX_TIMER_MS)
  const fetchImpl = context.fetch ?? (globalThis.fetch as FetchLike | undefined)
  if (typeof fetchImpl !== 'function') throw configurationError('fetch must be a function (no global fetch found)')
  let fixedEndpoint: string | undefined
  if (options.endpoint !== undefined) {
    const checked = typeof options.endpoint === 'string' ? checkFetchableUrl(options.endpoint) : 'must be a URL string'
    if (typeof checked === 'string') throw configurationError(`introspection.endpoint ${checked}: ${JSON.stringify(options.endpoint)}`)
    fixedEndpoint = checked.href
  } else {
    const checked = checkFetchableUrl(issuer)
    if (typeof checked === 'string') throw configurationError(`introspection.issuer (used for discovery) ${checked}: ${JSON.stringify(issuer)}`)
  }
  const rules: IntrospectionRules = { ...context.rules, issuers: context.issuers }
  const { clock, metrics } = context
  const cache = new TtlCache<CachedAnswer>({ maxEntries, maxBytes }, clock)
  // Inactive answers live in their own, smaller cache: a flood of made-up tokens can then never
  // evict the answers for real ones. They all share one small answer: the count bounds them.
  const negativeCache = new TtlCache<CachedAnswer>({ maxEntries: Math.ceil(maxEntries / 10) }, clock)
  const inflight = new Map<string, Promise<Answer>>()
  const shared: SharedAnswers | undefined = store === undefined
    ? undefined
    : createSharedAnswers({ store, timeoutMs: storeTimeoutMs, issuer, rules, ttlMs, negativeTtlMs, clock, metrics })
  const sharedReads = new Map<string, Promise<Answer | undefined>>()
  // Bumped by every invalidation: an answer asked for before it is handed to its requests but
  // not cached (locally or shared), since it may predate what the invalidation was for.
  let generation = 0
  const guard = createIntrospectionGuard(options.guard, clock)

  let discovered: Promise<string> | undefined
  let discoveryFailedAt: number | undefined
  function endpoint(): Promise<string> {
    if (fixedEndpoint !== undefined) return Promise.resolve(fixedEndpoint)
    if (discovered === undefined || (discoveryFailedAt !== undefined && clock() - discoveryFailedAt >= DISCOVERY_RETRY_MS)) {
      discoveryFailedAt = undefined
      const attempt = discoverEndpoint(issuer as string, 'introspection_endpoint', fetchImpl as FetchLike, limits)
      attempt.catch(() => {
        if (discovered === attempt) discoveryFailedAt = clock()
      })
      discovered = attempt
    }
    return discovered
  }

  async function call(token: string): Promise<Answer> {
    let url: string
    try {
      url = await endpoint()
    } catch (error) {
      throw DependencyUnavailable.create('introspection', 'The introspection endpoint could not be discovered', RETRY_AFTER_SECONDS, error)
    }
    const auth = authenticateClient(credentials, url, clock())
    const form = new URLSearchParams({ token, ...(hint === false ? {} : { token_type_hint: hint }), ...auth.params })
    let result
    try {
      result = await postForm(fetchImpl as FetchLike, url, form, auth.headers, limits)
    } catch (error) {
      throw DependencyUnavailable.create('introspection', 'The introspection endpoint is unavailable', RETRY_AFTER_SECONDS, error)
    }
    // RFC 7662 §2.2: a refused client or a failing endpoint says nothing about the token: never 401.
    if (result.status !== 200) {
      throw DependencyUnavailable.create('introspection', `The introspection endpoint answered HTTP ${result.status}`, RETRY_AFTER_SECONDS)
    }
    const body = result.body
    if (typeof body !== 'object' || body === null || Array.isArray(body)) {
      throw DependencyUnavailable.create('introspection', 'The introspection endpoint did not answer a JSON object', RETRY_AFTER_SECONDS)
    }
    const record = body as Record<string, unknown>
    // RFC 7662 §2.2: anything but the JSON boolean true is an inactive token.
    if (record['active'] !== true) return INACTIVE
    const response = { ...record }
    delete response['active']
    // Shared by every request with this token (cache and in-flight calls), as `req.auth.claims`:
    // frozen like the claims of a cached JWT, so one handler cannot change what the next sees.
    return { active: true, response: deepFreeze(response) }
  }

  /** Until when an answer of the authorization server received now may be reused (ms). */
  function reusableUntil(answer: Answer, now: number): number {
    if (!answer.active) return now + negativeTtlMs
    // RFC 7662 §4: "the response MUST NOT be cached beyond the time indicated" by exp.
    const exp = answer.response['exp']
    return typeof exp === 'number' && Number.isFinite(exp) ? Math.min(now + ttlMs, exp * 1000) : now + ttlMs
  }

  function remember(key: string, answer: Answer, until: number): void {
    if (answer.active) cache.set(key, { tokenHash: key, answer }, until, estimateBytes(answer.response))
    else negativeCache.set(key, { tokenHash: key, answer }, until)
  }

  /** Shares an answer of the authorization server; only one this resource server accepts now. */
  function share(key: string, answer: Answer, until: number): void {
    if (shared === undefined) return
    if (answer.active) {
      try {
        validateIntrospection(answer.response, issuer as string, rules, clock() / 1000)
      } catch {
        return
      }
    }
    shared.write(key, answer, until)
  }

  async function measured(token: string, sink: PortcullisMetrics): Promise<Answer> {
    const started = performance.now()
    try {
      const answer = await call(token)
      sink.recordIntrospection(answer.active ? 'active' : 'inactive', (performance.now() - started) / 1000)
      return answer
    } catch (error) {
      sink.recordIntrospection('error', (performance.now() - started) / 1000)
      throw error
    }
  }

  /** The shared store's answer, read once for concurrent requests with the same token. */
  function readShared(sharedAnswers: SharedAnswers, key: string): Promise<Answer | undefined> {
    let pending = sharedReads.get(key)
    if (pending === undefined) {
      const started = generation
      pending = sharedAnswers.read(key).then((found) => {
        sharedReads.delete(key)
        if (found !== undefined && started === generation) remember(key, found.answer, found.expiresAt)
        return found?.answer
      })
      sharedReads.set(key, pending)
    }
    return pending
  }

  async function lookup(token: string, caller: string): Promise<Answer> {
    // The cache never holds the token itself, only its digest; both spellings of an ECDSA-signed token
    // share one entry.
    const key = tokenDigest(token)
    const cached = cache.get(key) ?? negativeCache.get(key)
    if (cached !== undefined) return cached.answer
    if (shared !== undefined && !inflight.has(key)) {
      const found = await readShared(shared, key)
      if (found !== undefined) return found
      // Another request may have asked the authorization server meanwhile.
      const answered = cache.get(key) ?? negativeCache.get(key)
      if (answered !== undefined) return answered.answer
    }
    return ask(token, key, caller)
  }

  /** Asks the authorization server; concurrent requests with the same token share one call. */
  function ask(token: string, key: string, caller: string): Promise<Answer> {
    let pending = inflight.get(key)
    if (pending === undefined) {
      // Only calls that reach the authorization server count, and only for unknown tokens (an
      // answer found in the shared store is not a call).
      guard.reserve(caller)
      const started = generation
      pending = (metrics === undefined ? call(token) : measured(token, metrics)).then(
        (answer) => {
          inflight.delete(key)
          if (answer.active) guard.release(caller)
          if (started === generation) {
            const until = reusableUntil(answer, clock())
            remember(key, answer, until)
            share(key, answer, until)
          }
          return answer
        },
        (error: unknown) => {
          inflight.delete(key)
          throw error
        },
      )
      inflight.set(key, pending)
    }
    return pending
  }

  function invalidated(): void {
    generation++
  }

  const control: TokenCacheControl = {
    get size() {
      return cache.size + negativeCache.size
    },
    get bytes() {
      return cache.bytes
    },
    delete(token) {
      return control.deleteHash(tokenDigest(token))
    },
    deleteHash(tokenHash) {
      invalidated()
      shared?.forget(tokenHash)
      const active = cache.delete(tokenHash)
      return negativeCache.delete(tokenHash) || active
    },
    deleteWhere(predicate) {
      invalidated()
      const doomed: string[] = []
      const count = cache.deleteWhere((entry) => {
        const { answer } = entry
        if (!answer.active) return false
        const iss = answer.response['iss']
        const matches = predicate(answer.response, typeof iss === 'string' ? iss : (issuer as string))
        if (matches) doomed.push(entry.tokenHash)
        return matches
      })
      // Otherwise the next request here would read the same answer back from the shared store.
      for (const tokenHash of doomed) shared?.forget(tokenHash)
      return count
    },
    clear() {
      invalidated()
      if (shared === undefined) {
        cache.clear()
        negativeCache.clear()
        return
      }
      // Forgotten in the shared store too, or the next requests would read them back from it.
      const forget = (entry: CachedAnswer): boolean => {
        shared.forget(entry.tokenHash)
        return true
      }
      cache.deleteWhere(forget)
      negativeCache.deleteWhere(forget)
    },
  }

  return {
    cache: control,
    accepts(token) {
      return mode === 'all' || !JWS_SHAPE.test(token)
    },
    async introspect(token, caller = 'unknown') {
      const answer = await lookup(token, caller)
      if (!answer.active) throw TokenInvalid.create('inactive', 'The access token is not active')
      return { issuer: validateIntrospection(answer.response, issuer as string, rules, clock() / 1000), payload: answer.response }
    },
    ready() {
      // A failure remembered from an earlier attempt is retried now: this is an explicit check.
      if (discoveryFailedAt !== undefined) discoveryFailedAt = Number.NEGATIVE_INFINITY
      return endpoint()
    },
  }
}

function checkStore(value: unknown): IntrospectionAnswerStore | undefined {
  if (value === undefined) return undefined
  const store = value as Partial<Record<keyof IntrospectionAnswerStore, unknown>> | null
  if (typeof store !== 'object' || store === null || typeof store.get !== 'function' || typeof store.set !== 'function' || typeof store.delete !== 'function') {
    throw configurationError('introspection.cache.store must have get, set and delete methods')
  }
  return value as IntrospectionAnswerStore
}
