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

/**
 * The predicate of `TokenCacheControl.deleteWhere` for a matcher. Values are hashed as they are
 * compared, each distinct value once per sweep.
 */
export function matcherPredicate(matcher: HashedMatcher): (claims: Readonly<Record<string, unknown>>, issuer: string) => boolean {
  const hashes = new Map<string, string>()
  const hashed = (value: string): string => {
    let hash = hashes.get(value)
    if (hash === undefined) {
      hash = hashOf(value)
      hashes.set(value, hash)
    }
    return hash
  }
  return (claims, issuer) =>
    matcher.every(([name, hash]) => {
      const value = name === 'iss' ? issuer : claims[name]
      return typeof value === 'string' && hashed(value) === hash
    })
}
