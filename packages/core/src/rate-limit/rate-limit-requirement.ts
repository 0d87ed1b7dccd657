import { compileTrustedProxies, type ProxyTrust } from '../binding/trusted-proxies.js'
import { settleWithin } from '../internal/with-deadline.js'
import { configurationError, PortcullisError } from '../errors.js'
import type { Identity } from '../identity/identity.js'
import { integerOption, optionsObject } from '../internal/option-checks.js'
import { clientAddress } from '../network/client-address.js'
import type { PortcullisRequest } from '../request.js'
import { type Enforcement, type Requirement, type RequirementInput } from '../requirements/requirement.js'
import { tokenDigest } from '../token/token-digest.js'
import { policyHeader, stateHeader } from './rate-limit-headers.js'
import { addressKey } from './address-key.js'
import type { RateLimitKey, RateLimitOptions, RateLimitTier } from './rate-limit-options.js'
import { createMemoryRateLimitStore, type RateLimitCount, type RateLimitCounter, type RateLimitPolicy } from './rate-limit-store.js'

/** A compiled `rateLimit()`: a requirement that counts each request and refuses over the limit. */
export interface RateLimitRequirement extends Requirement {
  /** The compiled tiers, first match wins. */
  readonly policies: readonly RateLimitPolicy[]
}

interface CompiledTier {
  readonly policy: RateLimitPolicy
  readonly when: ((identity: Identity) => boolean) | undefined
  /** `RateLimit-Policy`, the same on every response of the tier. */
  readonly header: string
  readonly counter: RateLimitCounter
  /** The per-process counter used while the store is failing. */
  readonly fallback: RateLimitCounter
}

const KNOWN = ['points', 'duration', 'tiers', 'key', 'trustedProxies', 'store', 'storeTimeout', 'storeRetry', 'onRejected', 'clock']
const NAME = /^[A-Za-z0-9_.:-]{1,64}$/
const MAX_TIERS = 32
// Keys longer than this are digested: the store holds bounded keys whatever a claim holds.
const MAX_KEY_LENGTH = 128
const DESCRIPTION = 'Too many requests; retry after the time given in Retry-After'

function compileCondition(when: unknown, where: string): (identity: Identity) => boolean {
  if (typeof when !== 'object' || when === null || Array.isArray(when)) throw configurationError(`${where}.when must be { scope } or { claim, value }`)
  if ('scope' in when) {
    optionsObject(when, `${where}.when`, ['scope'])
    const scope = (when as { scope: unknown }).scope
    if (typeof scope !== 'string' || scope === '' || /\s/.test(scope)) throw configurationError(`${where}.when.scope must be one scope token`)
    return (identity) => identity.scopes.includes(scope)
  }
  optionsObject(when, `${where}.when`, ['claim', 'value'])
  const { claim, value } = when as { claim: unknown; value: unknown }
  if (typeof claim !== 'string' || claim === '') throw configurationError(`${where}.when must be { scope } or { claim, value }`)
  if (!['string', 'number', 'boolean'].includes(typeof value)) throw configurationError(`${where}.when.value must be a string, number or boolean`)
  return (identity) => {
    const actual = (identity.claims as Record<string, unknown>)[claim]
    return actual === value || (Array.isArray(actual) && actual.includes(value))
  }
}

function compileTiers(options: RateLimitOptions): Array<Omit<CompiledTier, 'counter' | 'fallback'>> {
  let tiers: readonly RateLimitTier[]
  if (options.tiers !== undefined) {
    if (options.points !== undefined || options.duration !== undefined) throw configurationError('rateLimit: give either points and duration, or tiers')
    if (!Array.isArray(options.tiers) || options.tiers.length === 0 || options.tiers.length > MAX_TIERS) {
      throw configurationError(`rateLimit.tiers must be an array of 1 to ${MAX_TIERS} tiers`)
    }
    tiers = options.tiers
  } else {
    if (options.points === undefined || options.duration === undefined) throw configurationError('rateLimit needs points and duration, or tiers')
    tiers = [{ points: options.points, duration: options.duration }]
  }
  const names = new Set<string>()
  return tiers.map((tier, index) => {
    const where = options.tiers === undefined ? 'rateLimit' : `rateLimit.tiers[${index}]`
    optionsObject(tier, where, ['when', 'points', 'duration', 'name'])
    const last = index === tiers.length - 1
    if (last && tier.when !== undefined) throw configurationError(`${where}: the last tier applies to everybody else and takes no when`)
    if (!last && tier.when === undefined) throw configurationError(`${where}: only the last tier may omit when (the tiers after it could never apply)`)
    const points = integerOption(tier.points, `${where}.points`, undefined, 1, 1_000_000_000)
    const duration = integerOption(tier.duration, `${where}.duration`, undefined, 1, 86_400)
    if (points === undefined || duration === undefined) throw configurationError(`${where} needs points and duration`)
    const name = tier.name ?? (last ? 'default' : `tier-${index}`)
    if (typeof name !== 'string' || !NAME.test(name)) throw configurationError(`${where}.name must be 1 to 64 letters, digits or -_.:`)
    if (names.has(name)) throw configurationError(`${where}.name ${JSON.stringify(name)} is used twice`)
    names.add(name)
    const policy: RateLimitPolicy = Object.freeze({ name, points, duration, keyPrefix: `portcullis:rl:${name}:` })
    return { policy, header: policyHeader(name, points, duration), when: tier.when === undefined ? undefined : compileCondition(tier.when, where) }
  })
}

type KeyReader = (identity: Identity, request: PortcullisRequest) => unknown

function compileKey(key: RateLimitKey | undefined): { kind: string; read: KeyReader | undefined } {
  if (key === undefined || key === 'subject') return { kind: 'subject', read: (identity) => identity.subject }
  if (key === 'client') return { kind: 'client', read: (identity) => identity.clientId }
  if (key === 'ip') return { kind: 'ip', read: undefined }
  if (typeof key === 'function') return { kind: 'custom', read: key }
  if (typeof key === 'object' && key !== null && !Array.isArray(key)) {
    optionsObject(key, 'rateLimit.key', ['claim'])
    const claim = (key as { claim: unknown }).claim
    if (typeof claim !== 'string' || claim === '') throw configurationError('rateLimit.key.claim must be a claim name')
    return {
      kind: 'claim',
      read: (identity) => {
        const value = (identity.claims as Record<string, unknown>)[claim]
        return typeof value === 'number' && Number.isFinite(value) ? String(value) : value
      },
    }
  }
  throw configurationError("rateLimit.key must be 'subject', 'client', 'ip', { claim } or a function")
}

function bounded(value: string): string {
  return value.length <= MAX_KEY_LENGTH ? value : `#${tokenDigest(value)}`
}

/**
 * Compiles `rateLimit(options)`: a requirement that counts each request for its key in the
 * first tier whose `when` the identity meets, lets it on with the `RateLimit` and
 * `RateLimit-Policy` headers (draft-ietf-httpapi-ratelimit-headers-10 §3, §4), and over the
 * limit throws 429 `rate_limited` with `Retry-After` (RFC 9110 §10.2.3; RFC 6585 §4) and the
 * same headers, audited as `excess_rate_limit_exceeded`. When the store fails or is slower
 * than `storeTimeout`, requests are counted in this process instead (never a 500), for
 * `storeRetry` seconds, audited once per failure as `excess_rate_limit_degraded`. Options are
 * validated here, once.
 *
 * @example
 * ```ts
 * import { createRateLimitRequirement } from '@portcullis/core'
 * const limit = createRateLimitRequirement({ key: 'subject', points: 100, duration: 60 })
 * await limit.enforce({ request, identity, context, input: undefined }) // { responseHeaders: { RateLimit: '"default";r=99;t=60', ... } }
 * ```
 */
export function createRateLimitRequirement(options: RateLimitOptions): RateLimitRequirement {
  optionsObject(options, 'rateLimit', KNOWN)
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('rateLimit.clock must be a function')
  const onRejected = options.onRejected
  if (onRejected !== undefined && typeof onRejected !== 'function') throw configurationError('rateLimit.onRejected must be a function')
  const store = options.store ?? createMemoryRateLimitStore({ clock })
  if (typeof store !== 'function') throw configurationError('rateLimit.store must be a RateLimitStore (a function of the policy)')
  const storeTimeout = integerOption(options.storeTimeout, 'rateLimit.storeTimeout', 250, 1, 60_000)
  const storeRetryMs = integerOption(options.storeRetry, 'rateLimit.storeRetry', 5, 1, 3600) * 1000
  const trustProxy: ProxyTrust = compileTrustedProxies(options.trustedProxies)
  const key = compileKey(options.key)
  // The fallback is per process and bounded; it is used only while the store fails.
  const fallbackStore = options.store === undefined ? store : createMemoryRateLimitStore({ clock, maxKeys: 10_000 })
  const tiers: CompiledTier[] = compileTiers(options).map((tier) => ({ ...tier, counter: store(tier.policy), fallback: fallbackStore(tier.policy) }))
  const catchAll = tiers[tiers.length - 1] as CompiledTier
  let degradedUntil = 0

  function keyOf(identity: Identity | undefined, request: PortcullisRequest): { kind: string; value: string } {
    if (identity !== undefined && key.read !== undefined) {
      let value: unknown
      try {
        value = key.read(identity, request)
      } catch {
        // A throwing key function must not open the route: the request counts for its address.
        value = undefined
      }
      if (typeof value === 'string' && value !== '') return { kind: key.kind, value: `${key.kind}:${bounded(value)}` }
    }
    return { kind: 'ip', value: `ip:${addressKey(clientAddress(request, trustProxy))}` }
  }

  function decide(tier: CompiledTier, count: RateLimitCount, input: RequirementInput, kind: string, degraded: boolean): Enforcement {
    const { points, name } = tier.policy
    const reset = Math.max(0, Math.ceil(count.resetMs / 1000))
    const headers = { 'RateLimit-Policy': tier.header, RateLimit: stateHeader(name, Math.max(0, points - count.consumed), reset) }
    if (count.consumed <= points) return { responseHeaders: headers }
    const retryAfter = Math.max(1, reset)
    const error = new PortcullisError('rate_limited', { status: 429, description: DESCRIPTION, headers: { ...headers, 'Retry-After': String(retryAfter) }, reason: 'rate_limit' })
    const { auditor } = input.context
    if (auditor.enabled) {
      auditor.emit('excess_rate_limit_exceeded', 'WARN', input.request, { outcome: 'failure', reason: 'rate_limit', description: `Rate limit ${name} exceeded`, identity: input.identity })
    }
    if (onRejected !== undefined) {
      try {
        onRejected({ policy: name, keyKind: kind, retryAfter, degraded })
      } catch {
        // A metrics hook never changes the answer.
      }
    }
    throw error
  }

  function degrade(tier: CompiledTier, input: RequirementInput, keyValue: string, kind: string, cause: unknown): Enforcement {
    if (clock() >= degradedUntil) {
      const { auditor } = input.context
      if (auditor.enabled) {
        const description = cause instanceof StoreTimeout ? 'The rate limit store timed out; counting in this process' : 'The rate limit store failed; counting in this process'
        auditor.emit('excess_rate_limit_degraded', 'CRITICAL', input.request, { outcome: 'unknown', reason: 'store_unavailable', description })
      }
      degradedUntil = clock() + storeRetryMs
    }
    return decide(tier, tier.fallback.consume(keyValue) as RateLimitCount, input, kind, true)
  }

  return {
    policies: tiers.map((tier) => tier.policy),
    enforce(input) {
      const { identity, request } = input
      const tier = identity === undefined ? catchAll : (tiers.find((t) => t.when === undefined || t.when(identity)) as CompiledTier)
      const { kind, value } = keyOf(identity, request)
      if (clock() < degradedUntil) return decide(tier, tier.fallback.consume(value) as RateLimitCount, input, kind, true)
      let counted: RateLimitCount | PromiseLike<RateLimitCount>
      try {
        counted = tier.counter.consume(value)
      } catch (error) {
        return degrade(tier, input, value, kind, error)
      }
      if (typeof (counted as Partial<PromiseLike<RateLimitCount>>).then !== 'function') return decide(tier, counted as RateLimitCount, input, kind, false)
      return settleWithin(counted as PromiseLike<RateLimitCount>, storeTimeout, () => new StoreTimeout('rate limit store timeout')).then(
        (count) => decide(tier, count, input, kind, false),
        (error: unknown) => degrade(tier, input, value, kind, error),
      )
    },
  }
}

class StoreTimeout extends Error {}

