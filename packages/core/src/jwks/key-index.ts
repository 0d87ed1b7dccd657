import type { KeyObject } from 'node:crypto'
import { keyFitsAlgorithm, type AsymmetricAlgorithm } from '../token/algorithms.js'
import { importJwk, type KeyEntry } from './import-jwk.js'

/** Default bound on the keys kept from one key set: a hostile set cannot exhaust memory. */
export const DEFAULT_MAX_KEYS = 32

/** An immutable, indexed set of verification keys. */
export class KeyIndex {
  readonly size: number
  private readonly byKid = new Map<string, KeyEntry[]>()
  private readonly all: KeyEntry[]
  private readonly withoutKid: KeyEntry[]

  constructor(entries: readonly KeyEntry[]) {
    this.all = [...entries]
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
   * names another algorithm is never returned (RFC 8725 §3.1, BCP-03).
   */
  select(alg: AsymmetricAlgorithm, kid: string | undefined): KeyObject[] {
    const pool = kid === undefined ? this.all : (this.byKid.get(kid) ?? this.withoutKid)
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
