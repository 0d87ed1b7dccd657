/**
 * Where the `jti` of accepted DPoP proofs is remembered for as long as the proof could be
 * accepted, so that a captured proof cannot be replayed (RFC 9449 §11.1).
 *
 * Implementations must be atomic: two concurrent calls with the same key must not both
 * resolve `true`. With Redis that is one `SET key 1 NX PX ttl` (never `EXISTS` then `SET`,
 * which is not atomic). A rejected promise fails the request closed (503), it never lets a proof through.
 *
 * @example
 * ```ts
 * import type { DpopReplayStore } from '@portcullis/core'
 * const redisStore: DpopReplayStore = {
 *   async remember(key, expiresAt) {
 *     return (await redis.set(`dpop:${key}`, '1', { NX: true, PXAT: expiresAt })) === 'OK'
 *   },
 * }
 * ```
 */
export interface DpopReplayStore {
  /**
   * Records `key` (a hash of the proof key and `jti`, never the raw `jti`) until `expiresAt`
   * (milliseconds since the epoch). Resolves `true` when the key was not present (first use)
   * and `false` when it was (a replay).
   */
  remember(key: string, expiresAt: number): Promise<boolean>
}

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most entries kept (1 to 10^7). Default 100000. */
  maxEntries?: number
  /** Current time in milliseconds. Default `Date.now`. */
  clock?: () => number
}

/** The in-memory replay store, with its size for monitoring and tests. */
export interface MemoryReplayStore extends DpopReplayStore {
  /** Number of entries currently held (expired ones may linger until the next write). */
  readonly size: number
}

/**
 * An in-memory {@link DpopReplayStore} for one process: entries expire with their proof and
 * the store never holds more than `maxEntries`. When full, the oldest entries go first: every
 * entry lives for the same window from its proof's `iat`, so they are the ones closest to expiry
 * (their proofs are about to be refused by the `iat` window anyway).
 * Size `maxEntries` above peak proofs per second times the proof window. Several processes
 * behind one endpoint need a shared store (e.g. Redis), or a replay may hit another process.
 *
 * @example
 * ```ts
 * import { createMemoryReplayStore } from '@portcullis/core'
 * requireToken({ issuer, audience, dpop: { origin: 'https://api.example.com', replayStore: createMemoryReplayStore({ maxEntries: 500_000 }) } })
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const maxEntries = options.maxEntries ?? 100_000
  if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 10_000_000) {
    throw new RangeError('maxEntries must be an integer from 1 to 10000000')
  }
  const clock = options.clock ?? Date.now
  // Insertion order is close to expiry order (every proof gets the same window from its iat).
  const entries = new Map<string, number>()

  function evict(now: number): void {
    for (const [key, expiresAt] of entries) {
      if (expiresAt > now && entries.size < maxEntries) break
      entries.delete(key)
    }
  }

  return {
    get size() {
      return entries.size
    },
    remember(key, expiresAt) {
      const now = clock()
      const known = entries.get(key)
      if (known !== undefined && known > now) return Promise.resolve(false)
      if (known !== undefined) entries.delete(key)
      evict(now)
      entries.set(key, expiresAt)
      return Promise.resolve(true)
    },
  }
}
