/**
 * A small LRU cache whose entries each carry their own expiry. Bounded by `maxEntries`: when
 * full, the least recently used entry goes. Time comes from `clock`
 * (milliseconds), so tests can freeze it.
 */
export class TtlCache<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>()
  readonly #maxEntries: number
  readonly #clock: () => number

  constructor(maxEntries: number, clock: () => number) {
    this.#maxEntries = maxEntries
    this.#clock = clock
  }

  get size(): number {
    return this.#entries.size
  }

  /** The live value for `key`, refreshed as most recently used; expired entries are dropped. */
  get(key: string): V | undefined {
    const entry = this.#entries.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#clock()) {
      this.#entries.delete(key)
      return undefined
    }
    this.#entries.delete(key)
    this.#entries.set(key, entry)
    return entry.value
  }

  /** Stores `value` until `expiresAt` (ms); an entry already expired is not stored. */
  set(key: string, value: V, expiresAt: number): void {
    this.#entries.delete(key)
    if (this.#maxEntries === 0 || !(expiresAt > this.#clock())) return
    if (this.#entries.size >= this.#maxEntries) this.#evict()
    this.#entries.set(key, { value, expiresAt })
  }

  delete(key: string): void {
    this.#entries.delete(key)
  }

  clear(): void {
    this.#entries.clear()
  }

  #evict(): void {
    // Map iteration is insertion order and get() re-inserts, so the first key is the least
    // recently used. No sweep of expired entries here: that would cost O(n) on every insert of
    // a full cache; expired entries fall out through get() or as the least recently used.
    while (this.#entries.size >= this.#maxEntries) {
      const oldest = this.#entries.keys().next()
      if (oldest.done === true) break
      this.#entries.delete(oldest.value)
    }
  }
}
