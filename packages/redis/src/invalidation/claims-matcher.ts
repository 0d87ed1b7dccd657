import { configurationError } from '@portcullis/core'
import { hashOf } from '../internal/keys.js'

/**
 * Which cached tokens an invalidation targets: every given member must equal the token's
 * claim (`iss` is the issuer that verified it). At least one member.
 */
export interface ClaimsMatcher {
  readonly sub?: string
  readonly jti?: string
  readonly sid?: string
  readonly client_id?: string
  readonly iss?: string
}

const MEMBERS = ['sub', 'jti', 'sid', 'client_id', 'iss'] as const
type Member = (typeof MEMBERS)[number]

/** A matcher as it travels: member and SHA-256 of the value, never the value itself. */
export type HashedMatcher = ReadonlyArray<readonly [Member, string]>

/** Validates a matcher and hashes its values. */
export function hashMatcher(matcher: ClaimsMatcher): HashedMatcher {
  if (typeof matcher !== 'object' || matcher === null) throw configurationError('invalidateClaims needs { sub?, jti?, sid?, client_id?, iss? }')
  const out: Array<readonly [Member, string]> = []
  for (const name of Object.keys(matcher)) {
    if (!(MEMBERS as readonly string[]).includes(name)) throw configurationError(`invalidateClaims: unknown member ${name} (sub, jti, sid, client_id or iss)`)
  }
  for (const name of MEMBERS) {
    const value = matcher[name]
    if (value === undefined) continue
    if (typeof value !== 'string' || value === '') throw configurationError(`invalidateClaims: ${name} must be a non-empty string`)
    out.push([name, hashOf(value)])
  }
  if (out.length === 0) throw configurationError('invalidateClaims needs at least one of sub, jti, sid, client_id, iss (clear() forgets everything)')
  return out
}

/** `sub:<hash>,iss:<hash>`: the wire form (hashes are base64url, without `:` or `,`). */
export function encodeMatcher(matcher: HashedMatcher): string {
  return matcher.map(([name, hash]) => `${name}:${hash}`).join(',')
}

/** The matcher of a message, or `undefined` when it is malformed. */
export function decodeMatcher(text: string): HashedMatcher | undefined {
  const out: Array<readonly [Member, string]> = []
  for (const part of text.split(',')) {
    const [name, hash, extra] = part.split(':')
    if (extra !== undefined || hash === undefined || !/^[\w-]{43}$/.test(hash) || !(MEMBERS as readonly string[]).includes(name as string)) return undefined
    out.push([name as Member, hash])
  }
  return out.length === 0 ? undefined : out
}

/** What `TokenCacheControl.deleteWhere` asks of a cached token. */
export type ClaimsPredicate = (claims: Readonly<Record<string, unknown>>, issuer: string) => boolean

function valueOf(name: Member, claims: Readonly<Record<string, unknown>>, issuer: string): unknown {
  return name === 'iss' ? issuer : claims[name]
}

/** The predicate for a matcher given in clear (this process's own invalidation): no hashing. */
export function plainPredicate(matcher: ClaimsMatcher): ClaimsPredicate {
  const members = MEMBERS.filter((name) => matcher[name] !== undefined)
  return (claims, issuer) => members.every((name) => valueOf(name, claims, issuer) === matcher[name])
}

// Values hashed per slice before yielding to the event loop: a sweep of a full cache must not
// hold requests up for the time of ten thousand hashes.
const HASHES_PER_SLICE = 500

/**
 * The predicate for a matcher received as hashes. The cached values are collected first (no
 * hashing), hashed a slice at a time between turns of the event loop, and the predicate then
 * compares values in clear with those whose hash matched. A token cached meanwhile whose value
 * was not collected is a verification made after the invalidation arrived: it may stay.
 * Resolves `undefined` when nothing cached matches.
 */
export async function hashedPredicate(matcher: HashedMatcher, caches: readonly { deleteWhere(predicate: ClaimsPredicate): number }[]): Promise<ClaimsPredicate | undefined> {
  const seen = matcher.map(() => new Set<string>())
  const collect: ClaimsPredicate = (claims, issuer) => {
    matcher.forEach(([name], index) => {
      const value = valueOf(name, claims, issuer)
      if (typeof value === 'string') seen[index]!.add(value)
    })
    return false
  }
  for (const cache of caches) cache.deleteWhere(collect)
  const matching: Array<Set<string>> = []
  let hashed = 0
  for (const [index, [, expected]] of matcher.entries()) {
    const found = new Set<string>()
    for (const value of seen[index]!) {
      if (hashOf(value) === expected) found.add(value)
      if (++hashed % HASHES_PER_SLICE === 0) await new Promise((resolve) => setImmediate(resolve))
    }
    if (found.size === 0) return undefined
    matching.push(found)
  }
  return (claims, issuer) =>
    matcher.every(([name], index) => {
      const value = valueOf(name, claims, issuer)
      return typeof value === 'string' && matching[index]!.has(value)
    })
}
