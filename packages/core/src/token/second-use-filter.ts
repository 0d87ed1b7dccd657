/**
 * Admission to the verified-token cache at a token's second use (the "doorkeeper" of TinyLFU,
 * Einziger et al., 2017). A token used once, as with per-request tokens or a flood of distinct
 * valid ones, is then never stored: storing it would only evict a token that is used again, and
 * every entry that enters and leaves the cache is work for the garbage collector (in a benchmark
 * where every request carried a new token, the cache cost more than it saved).
 *
 * The filter is a fixed table of 32-bit fingerprints of token digests, so it allocates nothing
 * per request and holds no token. A fingerprint collision only admits a token one use early; a
 * slot taken by another token makes this one wait for a further use. The table is emptied after
 * as many insertions as it has slots, so old sightings age out.
 */
export class SecondUseFilter {
  readonly #slots: Uint32Array
  readonly #mask: number
  #insertions = 0

  /** `capacity`: about how many distinct tokens to remember (rounded up to a power of two). */
  constructor(capacity: number) {
    let size = 1024
    while (size < capacity && size < 1 << 22) size *= 2
    this.#slots = new Uint32Array(size)
    this.#mask = size - 1
  }

  /**
   * Whether `digest` (a base64url SHA-256, as `tokenDigest` gives) was seen since it was last
   * forgotten: then it is admitted (and forgotten here); else it is remembered and refused.
   */
  admit(digest: string): boolean {
    const index = bitsAt(digest, 0) & this.#mask
    // 0 marks an empty slot: fingerprints are never 0.
    const fingerprint = (bitsAt(digest, 5) | 1) >>> 0
    if (this.#slots[index] === fingerprint) {
      this.#slots[index] = 0
      return true
    }
    this.#slots[index] = fingerprint
    if (++this.#insertions >= this.#slots.length) {
      this.#slots.fill(0)
      this.#insertions = 0
    }
    return false
  }
}

/** About 30 bits from five characters of a digest (each carries six random bits). */
function bitsAt(digest: string, start: number): number {
  let value = 0
  for (let i = start; i < start + 5; i++) value = value * 64 + (digest.charCodeAt(i) & 63)
  return value
}
