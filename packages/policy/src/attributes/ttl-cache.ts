/**
 * A bounded cache with a time to live, least recently used evicted first. Used for attribute
 * provider values across requests; the bound keeps a flood of distinct subjects from growing
 * memory without limit.
 *
 * @example
 * ```ts
 * const cache = new TtlCache<string>(1000, Date.now)
 * cache.set('alice', 'eng', 60_000)
 * cache.get('alice') // 'eng' for a minute
 * ```
 */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>()

  constructor(
    private readonly maxEntries: number,
    private readonly clock: () => number,
  ) {}

  /** Number of live or expired-but-unswept entries. */
  get size(): number {
    return this.entries.size
  }

  /** The value for `key` if present and not expired. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expires <= this.clock()) {
      this.entries.delete(key)
      return undefined
    }
    // Refresh recency: Map iteration order is insertion order.
    this.entries.delete(key)
    this.entries.set(key, entry)
    return entry.value
  }

  /** Stores `value` for `ttlMs` milliseconds, evicting the least recently used entry when full. */
  set(key: string, value: V, ttlMs: number): void {
    if (this.maxEntries <= 0 || ttlMs <= 0) return
    this.entries.delete(key)
    while (this.entries.size >= this.maxEntries) {
      const oldest = this.entries.keys().next()
      if (oldest.done === true) break
      this.entries.delete(oldest.value)
    }
    this.entries.set(key, { value, expires: this.clock() + ttlMs })
  }

  /** Drops every entry. */
  clear(): void {
    this.entries.clear()
  }
}
