import type { RevocationQuery, RevocationReason } from '@portcullis/core'
import { hashOf } from '../internal/keys.js'

/** What one denylist entry targets. */
export type Kind = 'jti' | 'token' | 'subject' | 'session' | 'client'

/** One entry as the local view holds it. */
export interface Entry {
  /** When the entry may be forgotten (ms). */
  expiresAt: number
  /** For subject and client entries: tokens issued at or before this time (ms) are revoked. */
  before: number
}

// Issuers are few (the configured ones); their hashes are kept, up to a bound.
const issuerTags = new Map<string, string>()

function issuerTag(issuer: string | undefined): string {
  if (issuer === undefined) return '*'
  let tag = issuerTags.get(issuer)
  if (tag === undefined) {
    tag = hashOf(issuer).slice(0, 22) // 132 bits: issuers are not adversarial, only distinct
    if (issuerTags.size >= 1000) issuerTags.clear()
    issuerTags.set(issuer, tag)
  }
  return tag
}

/**
 * The id of an entry: kind, issuer (`*` for every issuer) and a hash of the value, so that
 * neither identifiers nor tokens reach Redis. A token is already a SHA-256 hash (`tokenHash`).
 */
export function entryId(kind: Kind, issuer: string | undefined, value: string): string {
  return `${kind}:${issuerTag(issuer)}:${kind === 'token' ? value : hashOf(value)}`
}

/** The ids a query is checked against, in the order reasons are reported (issuer-scoped, then global). */
function computeIds(query: RevocationQuery): Array<[RevocationReason, string]> {
  const ids: Array<[RevocationReason, string]> = []
  const scoped = issuerTag(query.issuer)
  const add = (kind: Kind, value: string | undefined): void => {
    if (value === undefined) return
    const hash = kind === 'token' ? value : hashOf(value)
    ids.push([kind, `${kind}:${scoped}:${hash}`], [kind, `${kind}:*:${hash}`])
  }
  add('jti', query.jti)
  add('token', query.tokenHash)
  add('session', query.sid)
  add('subject', query.subject)
  add('client', query.clientId)
  return ids
}

// A token is checked on every request; its identifiers never change, so its ids are computed
// once (up to a bound) instead of hashing five values per request.
const MAX_CACHED = 10_000
const cached = new Map<string, { query: RevocationQuery; ids: Array<[RevocationReason, string]> }>()

function sameIdentifiers(a: RevocationQuery, b: RevocationQuery): boolean {
  return a.issuer === b.issuer && a.jti === b.jti && a.sid === b.sid && a.subject === b.subject && a.clientId === b.clientId
}

/** {@link computeIds}, memoized by token hash. */
export function queryIds(query: RevocationQuery): Array<[RevocationReason, string]> {
  const hit = cached.get(query.tokenHash)
  if (hit !== undefined && sameIdentifiers(hit.query, query)) return hit.ids
  const ids = computeIds(query)
  if (cached.size >= MAX_CACHED) cached.delete(cached.keys().next().value as string)
  cached.set(query.tokenHash, { query: { issuer: query.issuer, tokenHash: query.tokenHash, jti: query.jti, sid: query.sid, subject: query.subject, clientId: query.clientId }, ids })
  return ids
}

/**
 * Whether one found entry revokes the token. A subject or client entry revokes tokens issued at
 * or before its cut-off; a token without `iat` is refused (nobody can tell when it was issued).
 * `iat` has one-second resolution: a token issued in the revocation's second counts as before it.
 */
export function revokes(reason: RevocationReason, before: number, issuedAt: number | undefined): boolean {
  if (reason !== 'subject' && reason !== 'client') return true
  if (issuedAt === undefined) return true
  return issuedAt * 1000 <= before
}

/** Decides a query from a lookup of entries by id (local view or one MGET). */
export function decide(query: RevocationQuery, ids: Array<[RevocationReason, string]>, lookup: (index: number, id: string) => number | undefined): RevocationReason | undefined {
  for (let i = 0; i < ids.length; i++) {
    const [reason, id] = ids[i] as [RevocationReason, string]
    const before = lookup(i, id)
    if (before !== undefined && revokes(reason, before, query.issuedAt)) return reason
  }
  return undefined
}
