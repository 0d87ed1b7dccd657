/**
 * Admission to the verified-token cache at a token's second use (the "doorkeeper" of TinyLFU,
 * Einziger et al., 2017). A token used once, as with per-request tokens or a flood of distinct
 * valid ones, is then never stored: storing it would only evict a token that is used again, and
 * every entry that enters and leaves the cache is work for the garbage collector (in a benchmark
 * where every request carried a new token, the cache cost more than it saved).
 *
 * The filter is a fixed table of 32-bit fingerprints of token digests, in buckets of eight, so it
 * allocates nothing per request and holds no token. A fingerprint collision only admits a token
 * one use early; a full bucket makes a token wait for a further use. The table is emptied after
 * as many insertions as it has slots, so old sightings age out.
 */
export class SecondUseFilter {
  readonly #slots: Uint32Array
  readonly #buckets: number
  #insertions = 0

  /** `capacity`: about how many distinct tokens to remember (four slots each, in buckets of eight; a power of two). */
  constructor(capacity: number) {
    let size = 4096
    while (size < capacity * 4 && size < 1 << 24) size *= 2
    this.#slots = new Uint32Array(size)
    this.#buckets = size / WAYS
  }

  /**
   * Whether `digest` (a base64url SHA-256, as `tokenDigest` gives) was seen since it was last
   * forgotten: then it is admitted (and forgotten here); else it is remembered and refused.
   */
  admit(digest: string): boolean {
    // A bucket of eight slots, so that tokens in use whose digests fall on the same bucket
    // do not keep evicting each other's sighting (with one slot per bucket they never would be
    // admitted while both are in use).
    const bucket = (bitsAt(digest, 0) % this.#buckets) * WAYS
    // 0 marks an empty slot: fingerprints are never 0.
    const fingerprint = (bitsAt(digest, 5) | 1) >>> 0
    const slots = this.#slots
    let free = -1
    for (let i = bucket; i < bucket + WAYS; i++) {
      const slot = slots[i] as number
      if (slot === fingerprint) {
        slots[i] = 0
        return true
      }
      if (slot === 0 && free === -1) free = i
    }
    // A full bucket gives up the slot the fingerprint points at.
    slots[free === -1 ? bucket + ((fingerprint >>> 1) & (WAYS - 1)) : free] = fingerprint
    if (++this.#insertions >= slots.length) {
      slots.fill(0)
      this.#insertions = 0
    }
    return false
  }
}

const WAYS = 8

// base64url alphabet values by character code (a digest holds no other characters).
const BASE64URL = new Uint8Array(128)
for (const [i, c] of [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'].entries()) BASE64URL[c.charCodeAt(0)] = i

/** 30 bits from five characters of a digest (each carries six random bits). */
function bitsAt(digest: string, start: number): number {
  let value = 0
  for (let i = start; i < start + 5; i++) value = value * 64 + (BASE64URL[digest.charCodeAt(i) & 127] as number)
  return value
}
