import { configurationError, numberOption, TtlCache } from '@portcullis/core'
import type { Identity } from '@portcullis/core'
import type { PortcullisRequest } from '@portcullis/core'

/**
 * What an attribute provider receives.
 *
 * @example
 * ```ts
 * const directory: AttributeProvider = { load: ({ identity, signal }: ProviderContext) => lookup(identity?.subject, signal) }
 * ```
 */
export interface ProviderContext {
  readonly identity: Identity | undefined
  readonly request: PortcullisRequest
  readonly action: string
  /** The decision time from the engine's clock, epoch milliseconds (tests freeze it). */
  readonly now: number
  /**
   * The route's resource: loads it (at most once per request, time-boxed, shared with the
   * rules) and resolves with it, `undefined` when the route has no loader; rejects when the
   * loader fails. For a provider that looks up something about the resource (its owner's
   * manager, its site's time zone).
   */
  resource(): Promise<unknown>
  /** Aborted when the provider's time box expires. */
  readonly signal: AbortSignal
}

/**
 * A named attribute provider (PIP). Its value appears at `subject.<name>` (or
 * `environment.<name>`) and is fetched only when a candidate rule reads it, at most once per
 * request, optionally cached across requests. A provider that throws, rejects, times out or
 * returns something that is not plain data fails: the rules reading it are Indeterminate (never
 * Permit), and the failure is named in the explanation.
 *
 * @example
 * ```ts
 * const directory: AttributeProvider = {
 *   load: async ({ identity, signal }) => (await fetch(`https://dir.example/u/${identity?.subject}`, { signal })).json(),
 *   ttl: 60, // seconds
 *   timeout: 200,
 * }
 * createPolicyEngine(documents, { providers: { directory } }) // conditions read subject.directory.department
 * ```
 */
export interface AttributeProvider {
  /** Where the value appears: `subject.<name>` (default) or `environment.<name>`. */
  readonly category?: 'subject' | 'environment'
  /** Fetches the value: plain JSON-like data (objects, arrays, strings, finite numbers, booleans, null). */
  load(context: ProviderContext): unknown
  /** Cross-request cache lifetime in seconds (like every TTL); 0 or absent: memoized per request only. */
  readonly ttl?: number
  /**
   * Cache key; `undefined` means "do not cache this one". Default for subject providers:
   * issuer and subject of the identity (no identity: not cached). Environment providers with a
   * `ttl` must give one.
   */
  key?(context: ProviderContext): string | undefined
  /** Time box in ms (default 1000): a slower provider fails. */
  readonly timeout?: number
  /** When true, a failure of this provider answers 503 instead of 403 (it is infrastructure). */
  readonly infrastructure?: boolean
}

/** Provider values kept across requests, each for the provider's `ttl`. */
export interface ProviderCache {
  get(key: string): unknown
  set(key: string, value: unknown): void
  /** Forgets every value. */
  clear(): void
}

function providerCache(maxEntries: number, ttlMs: number, clock: () => number): ProviderCache {
  const cache = new TtlCache<unknown>({ maxEntries }, clock)
  return { get: (key) => cache.get(key), set: (key, value) => cache.set(key, value, clock() + ttlMs), clear: () => cache.clear() }
}

/** A validated provider. */
export interface CompiledProvider {
  readonly name: string
  readonly category: 'subject' | 'environment'
  readonly path: string
  readonly load: (context: ProviderContext) => unknown
  readonly ttl: number
  readonly key: ((context: ProviderContext) => string | undefined) | undefined
  readonly timeout: number
  readonly infrastructure: boolean
  readonly cache: ProviderCache | undefined
}

const NAME = /^[A-Za-z][A-Za-z0-9_]{0,63}$/
const RESERVED: Record<'subject' | 'environment', ReadonlySet<string>> = {
  subject: new Set(['id', 'issuer', 'audience', 'clientId', 'scopes', 'claims', 'acr', 'amr', 'authTime', 'actor', 'tokenType']),
  // `deviceTrust` may come from a provider instead of the header (see PolicyEnvironmentOptions).
  environment: new Set(['time', 'timeZone', 'ip', 'zone', 'risk']),
}

function defaultSubjectKey(context: ProviderContext): string | undefined {
  const identity = context.identity
  if (identity?.subject === undefined) return undefined
  return `${identity.issuer}\u0000${identity.subject}`
}

/**
 * Validates the `providers` option once, at engine creation.
 *
 * @example
 * ```ts
 * const compiled = compileProviders({ directory }, Date.now, 10_000)
 * ```
 */
export function compileProviders(
  providers: Readonly<Record<string, AttributeProvider>> | undefined,
  clock: () => number,
  cacheSize: number,
): Map<string, CompiledProvider> {
  const out = new Map<string, CompiledProvider>()
  if (providers === undefined) return out
  if (typeof providers !== 'object' || providers === null) throw configurationError('policy engine: providers must be an object')
  for (const name of Object.keys(providers)) {
    const provider = providers[name]
    const where = `policy engine: provider ${JSON.stringify(name)}`
    if (!NAME.test(name)) throw configurationError(`${where}: the name must match ${NAME.source}`)
    if (typeof provider !== 'object' || provider === null || typeof provider.load !== 'function') {
      throw configurationError(`${where} needs a load(context) function`)
    }
    const category = provider.category ?? 'subject'
    if (category !== 'subject' && category !== 'environment') throw configurationError(`${where}: category must be 'subject' or 'environment'`)
    if (RESERVED[category].has(name)) throw configurationError(`${where}: ${category}.${name} is a built-in attribute`)
    const ttl = numberOption(provider.ttl, `${where}: ttl`, 0, 'seconds', 0, 31_536_000)
    const timeout = numberOption(provider.timeout, `${where}: timeout`, 1000, 'ms', 1, 60_000)
    if (provider.key !== undefined && typeof provider.key !== 'function') throw configurationError(`${where}: key must be a function`)
    const key = provider.key === undefined ? (category === 'subject' ? defaultSubjectKey : undefined) : provider.key.bind(provider)
    if (ttl > 0 && key === undefined) throw configurationError(`${where}: an environment provider with a ttl needs a key(context)`)
    out.set(`${category}.${name}`, {
      name,
      category,
      path: `${category}.${name}`,
      load: provider.load.bind(provider),
      ttl,
      key,
      timeout,
      infrastructure: provider.infrastructure === true,
      // Bounded, least recently used first: a flood of distinct subjects cannot grow memory.
      cache: ttl > 0 ? providerCache(cacheSize, ttl * 1000, clock) : undefined,
    })
  }
  return out
}
