import { LRUCache } from 'lru-cache'

/** Bounds of a {@link TtlCache}. */
export interface TtlCacheBounds {
  /** Entries held at most; 0 stores nothing. */
  readonly maxEntries: number
  /**
   * Estimated bytes held at most (each entry's size comes with `set`); entries larger than
   * this are not stored. Default: no byte bound.
   */
  readonly maxBytes?: number | undefined
}

interface Entry<V> {
  readonly value: V
  /** Milliseconds: the entry is never served at or after this time. */
  readonly expiresAt: number
}

/**
 * The bounded cache behind the verified-token, introspection and token-exchange caches: an LRU
 * (the `lru-cache` library) whose entries each carry their own expiry, bounded by entry count
 * and optionally by estimated bytes. Time comes from `clock` (milliseconds), so tests can
 * freeze it. Expiry is checked on every read, exactly (`expiresAt <= now` is gone); expired
 * entries are not swept, they fall out on a read or as the least recently used.
 *
 * @example
 * ```ts
 * import { TtlCache } from '@portcullis/core'
 * const cache = new TtlCache<string>({ maxEntries: 1000 }, Date.now)
 * cache.set('alice', 'eng', Date.now() + 60_000)
 * cache.get('alice') // 'eng' for a minute
 * ```
 */
export class TtlCache<V> {
  readonly #lru: LRUCache<string, Entry<V>> | undefined
  readonly #clock: () => number
  readonly #sized: boolean

  constructor(bounds: TtlCacheBounds, clock: () => number) {
    const { maxEntries, maxBytes } = bounds
    this.#clock = clock
    this.#sized = maxBytes !== undefined
    this.#lru = maxEntries === 0
      ? undefined
      : new LRUCache<string, Entry<V>>({ max: maxEntries, ...(maxBytes === undefined ? {} : { maxSize: maxBytes }) })
  }

  /** Entries held (live or expired but not yet read). */
  get size(): number {
    return this.#lru?.size ?? 0
  }

  /** Estimated bytes held (0 without a byte bound). */
  get bytes(): number {
    return this.#lru?.calculatedSize ?? 0
  }

  /** The live value for `key`, refreshed as most recently used; an expired entry is dropped. */
  get(key: string): V | undefined {
    const entry = this.#lru?.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#clock()) {
      this.#lru?.delete(key)
      return undefined
    }
    return entry.value
  }

  /**
   * Stores `value` until `expiresAt` (ms); an entry already expired is not stored. `bytes` is
   * its estimated size (`estimateBytes`), required when the cache has a byte bound.
   */
  set(key: string, value: V, expiresAt: number, bytes = 1): void {
    if (this.#lru === undefined) return
    if (!(expiresAt > this.#clock())) {
      this.#lru.delete(key)
      return
    }
    this.#lru.set(key, { value, expiresAt }, this.#sized ? { size: Math.max(1, Math.ceil(bytes)) } : undefined)
  }

  delete(key: string): boolean {
    return this.#lru?.delete(key) ?? false
  }

  /** Drops every entry whose value matches `predicate`; returns how many. */
  deleteWhere(predicate: (value: V) => boolean): number {
    if (this.#lru === undefined) return 0
    const doomed: string[] = []
    for (const [key, entry] of this.#lru.entries()) if (predicate(entry.value)) doomed.push(key)
    for (const key of doomed) this.#lru.delete(key)
    return doomed.length
  }

  clear(): void {
    this.#lru?.clear()
  }
}

// What one entry costs beyond its data: the key (a 43-character digest), the entry object and
// the LRU's bookkeeping, rounded up.
const ENTRY_OVERHEAD_BYTES = 256

/**
 * A rough heap size of a cached JSON value: twice its JSON length (one-byte strings, object
 * and property overhead) plus the per-entry overhead. It only has to keep the byte bound
 * honest within a small factor, and costs one `JSON.stringify` per stored entry (a miss).
 */
export function estimateBytes(...values: readonly unknown[]): number {
  let length = 0
  for (const value of values) length += JSON.stringify(value)?.length ?? 0
  return 2 * length + ENTRY_OVERHEAD_BYTES
}
