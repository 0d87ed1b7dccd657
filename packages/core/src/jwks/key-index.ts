import type { KeyObject } from 'node:crypto'
import { keyFitsAlgorithm, type AsymmetricAlgorithm } from '../token/algorithms.js'
import { importJwk, type KeyEntry } from './import-jwk.js'

/** Default bound on the keys kept from one key set: a hostile set cannot exhaust memory. */
export const DEFAULT_MAX_KEYS = 32

/** An immutable, indexed set of verification keys. */
export class KeyIndex {
  readonly size: number
  /** Every key of the set, in document order. */
  readonly entries: readonly KeyEntry[]
  private readonly byKid = new Map<string, KeyEntry[]>()
  private readonly withoutKid: KeyEntry[]

  constructor(entries: readonly KeyEntry[]) {
    this.entries = [...entries]
    this.size = entries.length
    this.withoutKid = entries.filter((entry) => entry.kid === undefined)
    for (const entry of entries) {
      if (entry.kid === undefined) continue
      const list = this.byKid.get(entry.kid)
      if (list) list.push(entry)
      else this.byKid.set(entry.kid, [entry])
    }
  }

  /**
   * Keys that may verify a token with `alg` and `kid`. A token without `kid` may be verified
   * by any key that fits the algorithm (bounded by the set size); a key published without
   * `kid` may verify a token with any `kid` (static PEM keys have none). A key whose JWK `alg`
   * names another algorithm is never returned (RFC 8725 §3.1).
   */
  select(alg: AsymmetricAlgorithm, kid: string | undefined): KeyObject[] {
    const pool = kid === undefined ? this.entries : (this.byKid.get(kid) ?? this.withoutKid)
    const out: KeyObject[] = []
    for (const entry of pool) {
      if ((entry.alg === undefined || entry.alg === alg) && keyFitsAlgorithm(entry.key, alg)) out.push(entry.key)
    }
    return out
  }
}

/**
 * Parses a JWK Set document (RFC 7517 §5). Throws when the document is not a JWK Set at all;
 * skips unusable keys; keeps at most `maxKeys` usable ones.
 */
export function parseJwkSet(document: unknown, maxKeys: number): KeyIndex {
  if (typeof document !== 'object' || document === null || !Array.isArray((document as { keys?: unknown }).keys)) {
    throw new TypeError('The JWKS document has no "keys" array')
  }
  const entries: KeyEntry[] = []
  // Examining is bounded too: a set of thousands of junk keys costs at most this many imports.
  const keys = (document as { keys: unknown[] }).keys.slice(0, maxKeys * 8)
  for (const jwk of keys) {
    const entry = importJwk(jwk)
    if (entry !== undefined) entries.push(entry)
    if (entries.length >= maxKeys) break
  }
  return new KeyIndex(entries)
}

/**
 * Replaces `next` with an index in which every key also present in `previous` (same `kid`,
 * `alg` and key material) keeps its previous `KeyObject`, so a key has one identity for as
 * long as it is published, and returns the keys of `previous` that are gone. Caches of
 * verified tokens drop what those keys verified.
 */
export function carryOverKeys(previous: KeyIndex | undefined, next: KeyIndex): { index: KeyIndex; removed: Set<KeyObject> } {
  const removed = new Set<KeyObject>()
  if (previous === undefined) return { index: next, removed }
  const kept = new Set<KeyEntry>()
  const entries = next.entries.map((entry) => {
    const same = previous.entries.find(
      (old) => !kept.has(old) && old.kid === entry.kid && old.alg === entry.alg && old.key.equals(entry.key),
    )
    if (same === undefined) return entry
    kept.add(same)
    return same
  })
  for (const old of previous.entries) if (!kept.has(old)) removed.add(old.key)
  return { index: new KeyIndex(entries), removed }
}
