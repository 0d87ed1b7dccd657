import { configurationError, revocationIssuer as issuerOf, revocationString as nonEmpty, revocationTime as time, revocationTokenHash } from '@portcullis/core'
import type { IssuedBeforeRevocation, RevocationQuery, RevocationReason, RevocationStore, SessionRevocation, TokenRevocation } from '@portcullis/core'
import { checkSubscribable } from '../internal/channel-subscription.js'
import { commonSettings, failOpenOr, positiveInteger } from '../internal/checked-options.js'
import { openConnection } from '../internal/connection.js'
import { deadline } from '../internal/deadline.js'
import { KEY_FORMAT } from '../internal/keys.js'
import { checkClusterPrefix } from '../internal/topology.js'
import type { RedisStoreOptions } from '../options.js'
import { decide, entryId, queryIds, type Kind } from './entries.js'
import { LocalView, type LocalViewState } from './local-view.js'
import { REVOKE } from './scripts.js'

/** How the store keeps a local copy of the denylist (see {@link RedisRevocationStoreOptions.localView}). */
export interface LocalViewOptions {
  /** How often the view proves it is current, in ms (default 250). */
  heartbeatInterval?: number
  /**
   * How long the view is trusted after its last proof, in ms (default 1000, at least twice
   * `heartbeatInterval`). Past it (Redis paused, network cut), checks go to Redis again.
   */
  maxStaleness?: number
  /** Most entries held locally (default 100000). A larger denylist is checked in Redis (one MGET per check). */
  maxEntries?: number
}

/** Options of {@link createRedisRevocationStore}. */
export interface RedisRevocationStoreOptions extends RedisStoreOptions {
  /**
   * The longest lifetime of your access tokens, in seconds (default 86400). A subject or client
   * revocation is kept this long after its cut-off, and a `jti`, token or session revocation
   * without `expiresAt` this long after it was made.
   */
  maxTokenLifetime?: number
  /**
   * A local copy of the denylist that Redis keeps current (default on): checks then cost no
   * round trip. `false`: every check is one `MGET`.
   */
  localView?: LocalViewOptions | false
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}

/** A {@link RevocationStore} on Redis, shared by every process that uses the same Redis and prefix. */
export interface RedisRevocationStore extends RevocationStore {
  /**
   * Resolves once the connection is up and, with the local view, the view is current. Rejects
   * after `timeoutMs` (default 5000): the store still works and keeps retrying.
   */
  ready(timeoutMs?: number): Promise<void>
  /** `current`: checks are answered locally; any other state: checks ask Redis. */
  readonly localViewState: LocalViewState | 'disabled'
  /** Number of checks that failed open since creation. */
  readonly failOpenCount: number
  /**
   * Counters since creation: checks answered by the local view, checks that asked Redis, and
   * snapshots loaded into the view (the first one, then one per reconnection or detected gap).
   */
  readonly stats: { readonly localChecks: number; readonly redisChecks: number; readonly reloads: number }
  /** Stops the local view and closes the connections the store opened; a given `client` stays open. */
  close(): Promise<void>
}

function viewSettings(options: LocalViewOptions, commandTimeout: number): { heartbeatInterval: number; maxStaleness: number; maxEntries: number; snapshotTimeout: number } {
  const heartbeatInterval = positiveInteger(options.heartbeatInterval ?? 250, 'localView.heartbeatInterval', 60_000)
  const maxStaleness = positiveInteger(options.maxStaleness ?? Math.max(1000, 2 * heartbeatInterval), 'localView.maxStaleness', 600_000)
  if (maxStaleness < 2 * heartbeatInterval) throw configurationError('localView.maxStaleness must be at least twice localView.heartbeatInterval')
  const maxEntries = positiveInteger(options.maxEntries ?? 100_000, 'localView.maxEntries', 100_000_000)
  return { heartbeatInterval, maxStaleness, maxEntries, snapshotTimeout: Math.max(5000, commandTimeout) }
}

/**
 * Creates the revocation denylist on Redis (RFC 7009 §2.1 at the resource server): a token
 * revoked through one process is refused by all of them. Entries are keyed by SHA-256 hashes
 * (never a token or identifier in clear) and expire with the tokens they target. With the local
 * view (default), checks are answered from memory that Redis invalidates within milliseconds;
 * when the view cannot prove it is current, checks go to Redis, and when Redis does not answer
 * within `commandTimeout` they fail closed (503) unless `failOpen` is set.
 *
 * @example
 * ```ts
 * import { createRedisRevocationStore } from '@portcullis/redis'
 * const revocations = createRedisRevocationStore({ url: process.env.REDIS_URL, maxTokenLifetime: 3600 })
 * app.use(requireToken({ issuer, audience, revocation: { store: revocations } }))
 * await revocations.revokeSubject('user-123') // refused by every process within milliseconds
 * ```
 */
export function createRedisRevocationStore(options: RedisRevocationStoreOptions): RedisRevocationStore {
  const settings = commonSettings(options)
  const lifetime = options.maxTokenLifetime ?? 86_400
  if (typeof lifetime !== 'number' || !Number.isFinite(lifetime) || lifetime <= 0) {
    throw configurationError('maxTokenLifetime must be a positive number of seconds')
  }
  const lifetimeMs = lifetime * 1000
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('clock must be a function returning milliseconds')
  const localView = options.localView ?? {}
  const view = localView === false ? undefined : viewSettings(localView, settings.commandTimeout)

  checkClusterPrefix(options.client, settings.prefix, 'the revocation scripts touch several keys and publish on a shard channel')
  if (view !== undefined) checkSubscribable(options.client, 'for the local view (or set localView: false)')
  const connection = openConnection(options, () => undefined)
  void connection.ensureOpen()
  const base = `${settings.prefix}:${KEY_FORMAT}:rev:`
  const keys = { index: `${base}index`, version: `${base}version`, entryPrefix: base, channel: `${base}events` }
  const local = view === undefined ? undefined : new LocalView(connection, keys, view, clock)
  let failOpenCount = 0
  let localChecks = 0
  let redisChecks = 0

  async function revoke(kind: Kind, issuer: string | undefined, value: string, expiresAt: number, before: number): Promise<void> {
    const id = entryId(kind, issuer, value)
    const now = clock()
    await deadline(
      connection.commands.eval(REVOKE, {
        keys: [base + id, keys.index, keys.version],
        arguments: [id, String(Math.ceil(expiresAt)), String(Math.floor(before)), String(now), keys.channel],
      }),
      settings.commandTimeout,
    )
    local?.record(id, expiresAt, before)
  }

  function issuedBefore(kind: 'subject' | 'client', value: string, revocation: IssuedBeforeRevocation | undefined): Promise<void> {
    const before = time(revocation?.before, 'before') ?? clock()
    return revoke(kind, issuerOf(revocation), value, before + lifetimeMs, before)
  }

  async function checkInRedis(query: RevocationQuery, ids: ReturnType<typeof queryIds>): Promise<RevocationReason | undefined> {
    try {
      const values = await deadline(connection.commands.mGet(ids.map(([, id]) => base + id)), settings.commandTimeout)
      return decide(query, ids, (index) => {
        const value = values[index]
        return value === null || value === undefined ? undefined : Number(value)
      })
    } catch (error) {
      if (settings.failOpen) failOpenCount++
      return failOpenOr(settings, 'revocation', error, undefined)
    }
  }

  return {
    get localViewState() {
      return local?.state ?? 'disabled'
    },
    get failOpenCount() {
      return failOpenCount
    },
    get stats() {
      return { localChecks, redisChecks, reloads: local?.reloads ?? 0 }
    },
    async ready(timeoutMs = 5000) {
      await deadline(
        connection.ensureOpen().then(() => local?.whenCurrent()),
        timeoutMs,
      )
    },
    async close() {
      await local?.close()
      await connection.close()
    },
    async revokeToken(revocation: TokenRevocation) {
      const expiresAt = time(revocation?.expiresAt, 'expiresAt') ?? clock() + lifetimeMs
      const issuer = issuerOf(revocation)
      if (revocation?.jti !== undefined) await revoke('jti', issuer, nonEmpty(revocation.jti, 'jti'), expiresAt, 0)
      else {
        const token = nonEmpty((revocation as { token?: unknown } | undefined)?.token, 'jti or token')
        await revoke('token', issuer, revocationTokenHash(token), expiresAt, 0)
      }
    },
    async revokeSubject(subject, revocation) {
      await issuedBefore('subject', nonEmpty(subject, 'subject'), revocation)
    },
    async revokeSession(revocation: SessionRevocation) {
      const expiresAt = time(revocation?.expiresAt, 'expiresAt') ?? clock() + lifetimeMs
      await revoke('session', issuerOf(revocation), nonEmpty(revocation?.sid, 'sid'), expiresAt, 0)
    },
    async revokeClient(clientId, revocation) {
      await issuedBefore('client', nonEmpty(clientId, 'clientId'), revocation)
    },
    check(query: RevocationQuery): Promise<RevocationReason | undefined> {
      const ids = queryIds(query)
      if (local?.trusted() === true) {
        localChecks++
        const now = clock()
        return Promise.resolve(decide(query, ids, (_index, id) => local.lookup(id, now)))
      }
      redisChecks++
      return checkInRedis(query, ids)
    },
  }
}
