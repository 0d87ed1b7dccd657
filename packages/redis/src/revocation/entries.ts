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

/**
 * The id of an entry: kind and a hash of (issuer, value), so that neither identifiers nor
 * tokens reach Redis. JSON keeps the pair unambiguous whatever characters they hold.
 */
export function entryId(kind: Kind, issuer: string | undefined, value: string): string {
  return `${kind}:${hashOf(JSON.stringify([issuer ?? '', value]))}`
}

/** The ids a query is checked against, in the order reasons are reported (issuer-scoped, then global). */
export function queryIds(query: RevocationQuery): Array<[RevocationReason, string]> {
  const ids: Array<[RevocationReason, string]> = []
  const add = (kind: Kind, value: string | undefined): void => {
    if (value === undefined) return
    ids.push([kind, entryId(kind, query.issuer, value)], [kind, entryId(kind, undefined, value)])
  }
  add('jti', query.jti)
  add('token', query.tokenHash)
  add('session', query.sid)
  add('subject', query.subject)
  add('client', query.clientId)
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
