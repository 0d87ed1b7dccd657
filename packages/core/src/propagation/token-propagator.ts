import { configurationError } from '../errors.js'
import type { Identity } from '../identity/identity.js'
import type { FetchLike } from '../internal/fetch-json.js'
import { integerOption, MAX_TIMER_MS, optionsObject } from '../internal/option-checks.js'
import { ATTR, SPAN, SPAN_KIND_INTERNAL, failSpan, isTracer, type SpanLike, type TracerLike } from '../observability/tracing.js'
import { postForm } from '../internal/post-form.js'
import { TtlCache } from '../internal/ttl-cache.js'
import { checkFetchableUrl } from '../internal/url-policy.js'
import { authenticateClient, compileClientCredentials, type ClientCredentials } from '../introspection/client-auth.js'
import { discoverEndpoint } from '../jwks/discovery.js'
import { tokenDigest } from '../token/token-digest.js'
import type { Downstream, TokenPropagationOptions } from './propagation-options.js'

/** The caller's credentials, as accepted by `requireToken()`. */
export interface CallerToken {
  /** The access token the caller presented. */
  readonly token: string
  /** Its identity (`req.auth` / `ctx.state.auth`). */
  readonly identity: Identity
}

/** Why a token was not propagated. */
export type TokenPropagationErrorCode = 'downstream_not_allowed' | 'audience_mismatch' | 'bound_token' | 'exchange_failed'

/** Thrown when a token must not, or could not, be sent downstream. Never contains a token. */
export class TokenPropagationError extends Error {
  readonly code: TokenPropagationErrorCode
  constructor(code: TokenPropagationErrorCode, message: string, cause?: unknown) {
    super(message, cause === undefined ? undefined : { cause })
    this.name = 'TokenPropagationError'
    this.code = code
  }
}

/** Sends the caller's token (or an exchanged one) to configured downstream APIs only. */
export interface TokenPropagator {
  /** The `Authorization` header to use for `url`; rejects with a `TokenPropagationError` when refused. */
  headers(caller: CallerToken, url: string | URL): Promise<Record<string, string>>
  /** `fetch(url, init)` with that `Authorization` header; redirects are not followed. */
  fetch(caller: CallerToken, url: string | URL, init?: RequestInit): Promise<Response>
}

interface CompiledDownstream {
  readonly origin: string
  readonly path: string
  readonly audience: string | undefined
  readonly scope: string | undefined
  readonly alwaysExchange: boolean
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'
// An exchanged token is reused until this long before it expires, so it never dies in flight.
const EXPIRY_MARGIN_MS = 30_000
const LIMITS = { maxBytes: 64 * 1024 }

function compileDownstream(downstream: Downstream, index: number): CompiledDownstream {
  const name = `downstreams[${index}]`
  if (typeof downstream !== 'object' || downstream === null) throw configurationError(`${name} must be { url, audience?, scope? }`)
  optionsObject(downstream, name, ['url', 'audience', 'scope', 'alwaysExchange'])
  const checked = typeof downstream.url === 'string' ? checkFetchableUrl(downstream.url) : 'must be a URL string'
  if (typeof checked === 'string') throw configurationError(`${name}.url ${checked}: ${JSON.stringify(downstream.url)}`)
  if (checked.search !== '') throw configurationError(`${name}.url must not have a query`)
  for (const member of ['audience', 'scope'] as const) {
    const value = downstream[member]
    if (value !== undefined && (typeof value !== 'string' || value === '')) throw configurationError(`${name}.${member} must be a non-empty string`)
  }
  if (downstream.alwaysExchange !== undefined && typeof downstream.alwaysExchange !== 'boolean') {
    throw configurationError(`${name}.alwaysExchange must be a boolean`)
  }
  return {
    origin: checked.origin,
    path: checked.pathname.endsWith('/') ? checked.pathname : `${checked.pathname}/`,
    audience: downstream.audience,
    scope: downstream.scope,
    alwaysExchange: downstream.alwaysExchange ?? false,
  }
}

function matches(downstream: CompiledDownstream, target: URL): boolean {
  if (target.origin !== downstream.origin) return false
  // Path prefix on a segment boundary: /api/ admits /api and /api/x, never /apix.
  const path = target.pathname.endsWith('/') ? target.pathname : `${target.pathname}/`
  return path.startsWith(downstream.path)
}

/**
 * Creates a token propagator: a `fetch` that carries the caller's token only to the configured
 * downstream APIs, exchanging it first (RFC 8693 §2) when the downstream expects another
 * audience, so a token is never replayed at an API it was not issued for (RFC 8725 §2.7,
 * RFC 8693 §2). Sender-constrained (DPoP / mTLS) tokens cannot be forwarded and are always exchanged.
 * Exchanged tokens are cached per caller token, audience and scope, bounded, until shortly
 * before they expire.
 *
 * @example
 * ```ts
 * import { createTokenPropagator } from '@portcullis/core'
 * const downstream = createTokenPropagator({
 *   downstreams: [{ url: 'https://billing.internal/', audience: 'https://billing.internal' }],
 *   exchange: { issuer: 'https://id.example.com/', clientId: 'orders-api', clientSecret: process.env.SECRET! },
 * })
 * const res = await downstream.fetch({ token, identity: req.auth! }, 'https://billing.internal/invoices')
 * ```
 */
export function createTokenPropagator(options: TokenPropagationOptions): TokenPropagator {
  if (typeof options !== 'object' || options === null) throw configurationError('createTokenPropagator: options are required')
  optionsObject(options, 'createTokenPropagator:', ['downstreams', 'exchange', 'fetch', 'clock', 'tracer'])
  if (!Array.isArray(options.downstreams) || options.downstreams.length === 0) {
    throw configurationError('createTokenPropagator: downstreams must list at least one downstream')
  }
  const downstreams = options.downstreams.map(compileDownstream)
  const fetchImpl = options.fetch ?? (globalThis.fetch as FetchLike | undefined)
  if (typeof fetchImpl !== 'function') throw configurationError('fetch must be a function (no global fetch found)')
  const clock = options.clock ?? Date.now
  const exchange = options.exchange === undefined ? undefined : compileExchange(options.exchange, fetchImpl, clock)
  const { tracer } = options
  if (tracer !== undefined && !isTracer(tracer)) throw configurationError('createTokenPropagator: tracer must be an OpenTelemetry Tracer')

  async function authorization(caller: CallerToken, url: string | URL): Promise<Record<string, string>> {
    const target = url instanceof URL ? url : new URL(url)
    const downstream = downstreams.find((d) => matches(d, target))
    if (downstream === undefined || target.username !== '' || target.password !== '') {
      throw new TokenPropagationError('downstream_not_allowed', `${target.origin} is not a configured downstream`)
    }
    const { token, identity } = caller
    if (typeof token !== 'string' || token === '' || typeof identity !== 'object' || identity === null) {
      throw new TypeError('caller must be { token, identity } of an authenticated request')
    }
    const bound = identity.confirmation !== undefined
    const sameAudience = downstream.audience === undefined || identity.audience.includes(downstream.audience)
    if (!downstream.alwaysExchange && !bound && sameAudience) return { authorization: `Bearer ${token}` }
    if (exchange === undefined) {
      throw new TokenPropagationError(
        bound ? 'bound_token' : 'audience_mismatch',
        bound ? 'A sender-constrained token cannot be forwarded; configure exchange' : `The token is not issued for ${downstream.audience}; configure exchange`,
      )
    }
    const exchanged = await exchange(token, identity, downstream)
    return { authorization: `Bearer ${exchanged}` }
  }

  const send: FetchLike = fetchImpl
  async function propagate(caller: CallerToken, url: string | URL, init: RequestInit, span?: SpanLike): Promise<Response> {
    const header = await authorization(caller, url)
    span?.setAttribute(ATTR.propagation, header.authorization === `Bearer ${caller.token}` ? 'forward' : 'exchange')
    const headers = new Headers(init.headers)
    headers.set('authorization', header.authorization)
    // A redirect could lead the token off the allowed downstreams: never follow one.
    return send(String(url), { ...init, headers, redirect: 'manual' })
  }

  /** Runs `work` in an active span: the exchange and downstream requests become its children. */
  function traced<T>(url: string | URL, work: (span: SpanLike) => Promise<T>): Promise<T> {
    return (tracer as TracerLike).startActiveSpan(SPAN.propagate, PROPAGATE_OPTIONS, async (span) => {
      try {
        const target = url instanceof URL ? url : URL.canParse(String(url)) ? new URL(url) : undefined
        // The downstream's origin is one of the configured downstreams (or refused below).
        if (target !== undefined) span.setAttribute('server.address', target.hostname)
        return await work(span)
      } catch (error) {
        failSpan(span, error instanceof TokenPropagationError ? error.code : 'fetch_failed', 'The token could not be propagated')
        throw error
      } finally {
        span.end()
      }
    })
  }

  return {
    headers: tracer === undefined ? authorization : (caller, url) => traced(url, () => authorization(caller, url)),
    fetch(caller, url, init = {}) {
      return tracer === undefined ? propagate(caller, url, init) : traced(url, (span) => propagate(caller, url, init, span))
    },
  }
}

const PROPAGATE_OPTIONS = { kind: SPAN_KIND_INTERNAL }

type Exchange = (token: string, identity: Identity, downstream: CompiledDownstream) => Promise<string>

function compileExchange(options: NonNullable<TokenPropagationOptions['exchange']>, fetchImpl: FetchLike, clock: () => number): Exchange {
  optionsObject(options, 'exchange', ['tokenEndpoint', 'issuer', 'clientId', 'clientSecret', 'clientAuth', 'privateKey', 'privateKeyId', 'timeout', 'cacheMaxEntries'])
  const credentials: ClientCredentials = compileClientCredentials('exchange', options)
  const timeoutMs = integerOption(options.timeout, 'exchange.timeout', 5000, 1, MAX_TIMER_MS)
  const maxEntries = integerOption(options.cacheMaxEntries, 'exchange.cacheMaxEntries', 1000, 0, 1_000_000)
  let endpoint: () => Promise<string>
  if (options.tokenEndpoint !== undefined) {
    const checked = typeof options.tokenEndpoint === 'string' ? checkFetchableUrl(options.tokenEndpoint) : 'must be a URL string'
    if (typeof checked === 'string') throw configurationError(`exchange.tokenEndpoint ${checked}`)
    endpoint = () => Promise.resolve(checked.href)
  } else {
    const issuer = options.issuer
    const checked = typeof issuer === 'string' ? checkFetchableUrl(issuer) : 'is required without exchange.tokenEndpoint'
    if (typeof checked === 'string') throw configurationError(`exchange.issuer ${checked}`)
    let discovered: Promise<string> | undefined
    endpoint = () => {
      discovered ??= discoverEndpoint(issuer as string, 'token_endpoint', fetchImpl, { timeoutMs, ...LIMITS }).catch((error: unknown) => {
        discovered = undefined
        throw error
      })
      return discovered
    }
  }
  const cache = new TtlCache<string>({ maxEntries }, clock)
  const inflight = new Map<string, Promise<string>>()

  async function call(token: string, identity: Identity, downstream: CompiledDownstream): Promise<{ token: string; until: number }> {
    const url = await endpoint()
    const auth = authenticateClient(credentials, url, clock())
    const form = new URLSearchParams({
      grant_type: GRANT_TYPE,
      subject_token: token,
      subject_token_type: ACCESS_TOKEN_TYPE,
      requested_token_type: ACCESS_TOKEN_TYPE,
      ...(downstream.audience === undefined ? {} : { audience: downstream.audience }),
      ...(downstream.scope === undefined ? {} : { scope: downstream.scope }),
      ...auth.params,
    })
    const result = await postForm(fetchImpl, url, form, auth.headers, { timeoutMs, ...LIMITS })
    const body = (typeof result.body === 'object' && result.body !== null ? result.body : {}) as Record<string, unknown>
    if (result.status !== 200) {
      const error = typeof body['error'] === 'string' ? body['error'].slice(0, 64) : `HTTP ${result.status}`
      throw new Error(`The token endpoint refused the exchange (${error})`)
    }
    const accessToken = body['access_token']
    const tokenType = body['token_type']
    const expiresIn = body['expires_in']
    // RFC 8693 §2.2.1: token_type "N_A" means the result is not an access token usable here.
    if (typeof accessToken !== 'string' || accessToken === '' || typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'bearer') {
      throw new Error('The token endpoint did not return a bearer access token')
    }
    const now = clock()
    const lifetime = typeof expiresIn === 'number' && Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn * 1000 : 60_000
    // Never reuse an exchanged token beyond the life of the caller's token it stands for.
    const subjectExpiry = identity.expiresAt?.getTime() ?? Infinity
    return { token: accessToken, until: Math.min(now + lifetime - EXPIRY_MARGIN_MS, subjectExpiry) }
  }

  return async (token, identity, downstream) => {
    // The token's digest, never the token: both spellings of an ECDSA-signed token share an entry.
    const key = `${downstream.audience ?? ''}\n${downstream.scope ?? ''}\n${tokenDigest(token)}`
    const cached = cache.get(key)
    if (cached !== undefined) return cached
    let pending = inflight.get(key)
    if (pending === undefined) {
      pending = call(token, identity, downstream).then(
        (result) => {
          inflight.delete(key)
          cache.set(key, result.token, result.until)
          return result.token
        },
        (error: unknown) => {
          inflight.delete(key)
          throw new TokenPropagationError('exchange_failed', 'The token exchange failed', error)
        },
      )
      inflight.set(key, pending)
    }
    return pending
  }
}
