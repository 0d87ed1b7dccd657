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

/**
 * Rejection of {@link DpopReplayStore.remember} when the store is full of proofs that are still
 * live: the request is answered 503 with `Retry-After: retryAfterSeconds`, since forgetting a
 * live proof to make room would let it be replayed. Custom stores may throw it too.
 */
export class DpopReplayStoreFull extends Error {
  readonly retryAfterSeconds: number
  constructor(retryAfterSeconds: number) {
    super('The DPoP replay store is full of live proofs')
    this.name = 'DpopReplayStoreFull'
    this.retryAfterSeconds = Math.max(1, Math.ceil(retryAfterSeconds))
  }
}

/**
 * The highest rate of DPoP proofs one process is assumed to accept: every such request costs
 * at least one public-key verification of a proof never seen before (the verification
 * micro-benchmark checks about 26,000 RS256 tokens/s, the cheapest, on one core of the
 * benchmark machine; ECDSA and EdDSA are slower) plus HTTP parsing (a bare Koa server
 * answers about 14,000 requests/s there). 50,000/s leaves a margin of about 2x for faster
 * hardware.
 */
export const MAX_PROOFS_PER_SECOND = 50_000

/**
 * Entries a store needs so that proofs arriving at {@link MAX_PROOFS_PER_SECOND} never fill it
 * while they live: rate times the lifetime of an entry (`lifetimeSeconds`), at most 10^7.
 * An entry lives until `iat + maxAge + 2 x clockTolerance + 1 s`, and `iat` may be up to
 * `clockTolerance` ahead: at most `maxAge + 3 x clockTolerance + 1` seconds. With the defaults
 * (maxAge 60 s, clockTolerance 5 s) that is 76 s, so 50,000 x 76 = 3,800,000 entries (about
 * 110 bytes of heap each, measured: some 420 MB at worst, reached only at that sustained rate).
 */
export function replayStoreEntriesFor(lifetimeSeconds: number): number {
  return Math.min(10_000_000, Math.ceil(MAX_PROOFS_PER_SECOND * lifetimeSeconds))
}

/** Default `maxEntries` of {@link createMemoryReplayStore}: the default DPoP window (76 s). */
export const DEFAULT_REPLAY_STORE_ENTRIES = replayStoreEntriesFor(76)

/** Options of {@link createMemoryReplayStore}. */
export interface MemoryReplayStoreOptions {
  /** Most entries kept (1 to 10^7). Default {@link DEFAULT_REPLAY_STORE_ENTRIES} (3,800,000). */
  maxEntries?: number
  /** Current time in milliseconds. Default `Date.now`. */
  clock?: () => number
}

/** The in-memory replay store, with its size for monitoring and tests. */
export interface MemoryReplayStore extends DpopReplayStore {
  /** Number of entries currently held (expired ones may linger until the next write). */
  readonly size: number
}

// When full, a sweep of the whole store for expired entries runs at most this often, so a
// full store costs O(1) per refused proof, not O(maxEntries).
const SWEEP_INTERVAL_MS = 1000

/**
 * An in-memory {@link DpopReplayStore} for one process: entries expire with their proof and
 * the store never holds more than `maxEntries`. It never forgets a proof that could still be
 * accepted: when it is full of live entries, `remember` rejects with {@link DpopReplayStoreFull}
 * (503 with `Retry-After`) until some expire. The default size is such that proofs at the
 * highest rate one process can verify cannot fill it within a proof's lifetime (see
 * {@link replayStoreEntriesFor}); with a longer `dpop.maxAge` the default grows with it.
 * Several processes behind one endpoint need a shared store (e.g. Redis), or a replay may hit
 * another process.
 *
 * @example
 * ```ts
 * import { createMemoryReplayStore } from '@portcullis/core'
 * requireToken({ issuer, audience, dpop: { origin: 'https://api.example.com', replayStore: createMemoryReplayStore({ maxEntries: 500_000 }) } })
 * ```
 */
export function createMemoryReplayStore(options: MemoryReplayStoreOptions = {}): MemoryReplayStore {
  const maxEntries = options.maxEntries ?? DEFAULT_REPLAY_STORE_ENTRIES
  if (!Number.isInteger(maxEntries) || maxEntries < 1 || maxEntries > 10_000_000) {
    throw new RangeError('maxEntries must be an integer from 1 to 10000000')
  }
  const clock = options.clock ?? Date.now
  // Insertion order is close to expiry order (every proof gets the same window from its iat).
  const entries = new Map<string, number>()
  let lastSweep = Number.NEGATIVE_INFINITY

  function evictExpired(now: number): void {
    // The front first: usually the oldest, so the cheap loop frees most of what can be freed.
    for (const [key, expiresAt] of entries) {
      if (expiresAt > now) break
      entries.delete(key)
    }
    if (entries.size < maxEntries || now - lastSweep < SWEEP_INTERVAL_MS) return
    lastSweep = now
    for (const [key, expiresAt] of entries) if (expiresAt <= now) entries.delete(key)
  }

  function soonestExpiry(): number {
    let soonest = Number.POSITIVE_INFINITY
    let looked = 0
    // The front of the map is about the oldest; a bounded look is enough for Retry-After.
    for (const expiresAt of entries.values()) {
      if (expiresAt < soonest) soonest = expiresAt
      if (++looked === 64) break
    }
    return soonest
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
      evictExpired(now)
      if (entries.size >= maxEntries) {
        return Promise.reject(new DpopReplayStoreFull((soonestExpiry() - now) / 1000))
      }
      entries.set(key, expiresAt)
      return Promise.resolve(true)
    },
  }
}
