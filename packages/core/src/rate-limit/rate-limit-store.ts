import { RateLimiterRes } from 'rate-limiter-flexible'
import { TtlCache } from '../internal/ttl-cache.js'

/** One limit a store counts for: `points` requests per `duration` seconds, under `keyPrefix`. */
export interface RateLimitPolicy {
  /** The policy's name, as in the `RateLimit-Policy` header. */
  readonly name: string
  readonly points: number
  /** Window length in seconds. */
  readonly duration: number
  /** Distinct per policy: keys of two policies (tiers) never share a counter. */
  readonly keyPrefix: string
}

/** The state of one key after a request was counted. */
export interface RateLimitCount {
  /** Requests counted in the current window, this one included (over `points`: refused). */
  readonly consumed: number
  /** Milliseconds until the window resets. */
  readonly resetMs: number
}

/** Counts requests of one policy. Rejects only when the store itself failed. */
export interface RateLimitCounter {
  consume(key: string): RateLimitCount | PromiseLike<RateLimitCount>
}

/**
 * Where rate limit counters live: a factory of one counter per policy (tier). The default is
 * {@link createMemoryRateLimitStore} (per process); a shared store (Redis) comes through
 * {@link rateLimiterFlexibleStore}.
 */
export type RateLimitStore = (policy: RateLimitPolicy) => RateLimitCounter

/** Options of {@link createMemoryRateLimitStore}. */
export interface MemoryRateLimitStoreOptions {
  /**
   * Keys (identities or addresses, over all policies) counted at most; the least recently seen
   * is forgotten first. Default 100000 (about 20 MB at worst).
   */
  maxKeys?: number
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}

interface Window {
  count: number
  readonly resetAt: number
}

/**
 * The default store: fixed windows in this process, in an LRU bounded by `maxKeys`, so made-up
 * keys cannot grow memory without bound (a forgotten key starts a fresh window: size the bound
 * above the callers of one window). Synchronous: no promise per request.
 *
 * @example
 * ```ts
 * import { createMemoryRateLimitStore } from '@portcullis/core'
 * rateLimit({ points: 100, duration: 60, store: createMemoryRateLimitStore({ maxKeys: 10_000 }) })
 * ```
 */
export function createMemoryRateLimitStore(options: MemoryRateLimitStoreOptions = {}): RateLimitStore {
  const clock = options.clock ?? Date.now
  const windows = new TtlCache<Window>({ maxEntries: options.maxKeys ?? 100_000 }, clock)
  return (policy) => ({
    consume(key) {
      const id = `${policy.keyPrefix}${key}`
      const now = clock()
      let window = windows.get(id)
      if (window === undefined) {
        window = { count: 0, resetAt: now + policy.duration * 1000 }
        windows.set(id, window, window.resetAt)
      }
      window.count++
      return { consumed: window.count, resetMs: window.resetAt - now }
    },
  })
}

/** The part of a `rate-limiter-flexible` limiter (`RateLimiterRedis`, ...) the store uses. */
export interface FlexibleLimiter {
  consume(key: string | number, points?: number): Promise<RateLimiterRes>
}

/**
 * A store on `rate-limiter-flexible` limiters, e.g. `RateLimiterRedis` for limits shared by all
 * instances: `create` builds one limiter per policy, with the policy's `keyPrefix`, `points`
 * and `duration`. A refusal of the limiter (a `RateLimiterRes`) is a count over the limit; any
 * other rejection is a store failure (the requirement then falls back to per-process limits).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis'
 * import { RateLimiterRedis } from 'rate-limiter-flexible'
 * import { rateLimiterFlexibleStore } from '@portcullis/core'
 * const redis = await createClient({ url: 'redis://127.0.0.1:6379', disableOfflineQueue: true }).connect()
 * const store = rateLimiterFlexibleStore(({ keyPrefix, points, duration }) =>
 *   new RateLimiterRedis({ storeClient: redis, useRedisPackage: true, keyPrefix, points, duration }))
 * ```
 */
export function rateLimiterFlexibleStore(create: (policy: RateLimitPolicy) => FlexibleLimiter): RateLimitStore {
  return (policy) => {
    const limiter = create(policy)
    const count = (res: RateLimiterRes): RateLimitCount => ({ consumed: res.consumedPoints, resetMs: res.msBeforeNext })
    return {
      consume: (key) =>
        limiter.consume(key).then(count, (refusal: unknown) => {
          if (refusal instanceof RateLimiterRes) return count(refusal)
          throw refusal
        }),
    }
  }
}
