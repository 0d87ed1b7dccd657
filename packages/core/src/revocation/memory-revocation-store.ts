import { configurationError } from '../errors.js'
import { integerOption, numberOption, optionsObject } from '../internal/option-checks.js'
import { tokenDigest } from '../token/token-digest.js'
import { revocationIssuer as issuerOf, revocationString as nonEmpty, revocationTime as time } from './revocation-input.js'
import type {
  IssuedBeforeRevocation,
  RevocationQuery,
  RevocationReason,
  RevocationStore,
  SessionRevocation,
  TokenRevocation,
} from './revocation-store.js'

/** Options of {@link createRevocationStore}. */
export interface MemoryRevocationStoreOptions {
  /**
   * Entries held at most. Default 100000. When full, expired entries are dropped; if none are,
   * `revoke*` rejects: a revocation is never silently forgotten to make room.
   */
  maxEntries?: number
  /**
   * The longest lifetime of your access tokens, in seconds (default 86400). A subject or client
   * revocation is kept this long after its `before` time, and a `jti`, token or session
   * revocation without `expiresAt` this long after it was made: by then every token it
   * targets has expired. Set it to at least your longest token lifetime.
   */
  maxTokenLifetime?: number
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}

type Kind = 'jti' | 'token' | 'subject' | 'session' | 'client'

interface Entry {
  /** When the entry may be forgotten (ms). */
  expiresAt: number
  /** For subject and client entries: tokens issued at or before this time (ms) are revoked. */
  before?: number
}

function key(kind: Kind, issuer: string | undefined, value: string): string {
  return `${kind}\n${issuer ?? ''}\n${value}`
}

/**
 * Creates the in-memory {@link RevocationStore}: bounded in size, each entry forgotten once
 * every token it targets has expired. Per process: use a shared store (Redis) when several
 * instances serve the API.
 *
 * @example
 * ```ts
 * import { createRevocationStore } from '@portcullis/core'
 * const revocations = createRevocationStore({ maxTokenLifetime: 3600 })
 * app.use(requireToken({ issuer, audience, revocation: { store: revocations } }))
 * await revocations.revokeSubject('user-123') // every token of user-123 issued until now
 * ```
 */
export function createRevocationStore(options: MemoryRevocationStoreOptions = {}): RevocationStore {
  optionsObject(options, 'createRevocationStore:', ['maxEntries', 'maxTokenLifetime', 'clock'])
  const maxEntries = integerOption(options.maxEntries, 'maxEntries', 100_000, 1)
  // At least a second: a shorter lifetime would forget revocations before the tokens expire.
  const lifetimeMs = numberOption(options.maxTokenLifetime, 'maxTokenLifetime', 86_400, 'seconds', 1) * 1000
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('clock must be a function returning milliseconds')
  const entries = new Map<string, Entry>()

  function live(name: string, now: number): Entry | undefined {
    const entry = entries.get(name)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= now) {
      entries.delete(name)
      return undefined
    }
    return entry
  }

  function put(name: string, entry: Entry): void {
    const now = clock()
    if (entry.expiresAt <= now) return
    const existing = live(name, now)
    if (existing !== undefined) {
      // Never weaken a revocation: keep the later cut-off and the later expiry.
      existing.expiresAt = Math.max(existing.expiresAt, entry.expiresAt)
      if (entry.before !== undefined) existing.before = Math.max(existing.before ?? -Infinity, entry.before)
      return
    }
    if (entries.size >= maxEntries) {
      for (const [other, value] of entries) if (value.expiresAt <= now) entries.delete(other)
      if (entries.size >= maxEntries) {
        throw new Error(`The revocation store is full (${maxEntries} entries); the revocation was not recorded`)
      }
    }
    entries.set(name, entry)
  }

  function issuedBefore(kind: 'subject' | 'client', value: string, revocation: IssuedBeforeRevocation | undefined): void {
    const before = time(revocation?.before, 'before') ?? clock()
    put(key(kind, issuerOf(revocation), value), { before, expiresAt: before + lifetimeMs })
  }

  function find(kind: Kind, issuer: string, value: string | undefined, now: number): Entry | undefined {
    if (value === undefined) return undefined
    return live(key(kind, issuer, value), now) ?? live(key(kind, undefined, value), now)
  }

  // A token issued at or before the cut-off is revoked; without `iat` nobody can tell, so it is
  // refused too (fail closed). Seconds vs milliseconds: iat has one-second resolution, and a
  // token issued in the same second as the revocation counts as before it.
  function revokedBefore(entry: Entry | undefined, issuedAt: number | undefined): boolean {
    if (entry === undefined) return false
    if (issuedAt === undefined) return true
    return issuedAt * 1000 <= (entry.before as number)
  }

  return {
    async revokeToken(revocation) {
      const now = clock()
      const expiresAt = time(revocation?.expiresAt, 'expiresAt') ?? now + lifetimeMs
      const issuer = issuerOf(revocation)
      if (revocation?.jti !== undefined) put(key('jti', issuer, nonEmpty(revocation.jti, 'jti')), { expiresAt })
      else put(key('token', issuer, tokenDigest(nonEmpty((revocation as TokenRevocation | undefined)?.token, 'jti or token'))), { expiresAt })
    },
    async revokeSubject(subject, revocation) {
      issuedBefore('subject', nonEmpty(subject, 'subject'), revocation)
    },
    async revokeSession(revocation: SessionRevocation) {
      const expiresAt = time(revocation?.expiresAt, 'expiresAt') ?? clock() + lifetimeMs
      put(key('session', issuerOf(revocation), nonEmpty(revocation?.sid, 'sid')), { expiresAt })
    },
    async revokeClient(clientId, revocation) {
      issuedBefore('client', nonEmpty(clientId, 'clientId'), revocation)
    },
    async check(query: RevocationQuery): Promise<RevocationReason | undefined> {
      const now = clock()
      const { issuer } = query
      if (find('jti', issuer, query.jti, now) !== undefined) return 'jti'
      if (find('token', issuer, query.tokenHash, now) !== undefined) return 'token'
      if (find('session', issuer, query.sid, now) !== undefined) return 'session'
      if (revokedBefore(find('subject', issuer, query.subject, now), query.issuedAt)) return 'subject'
      if (revokedBefore(find('client', issuer, query.clientId, now), query.issuedAt)) return 'client'
      return undefined
    },
  }
}
