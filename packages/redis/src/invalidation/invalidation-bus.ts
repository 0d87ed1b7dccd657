import { configurationError, tokenDigest, type TokenCacheControl } from '@portcullis/core'
import { checkSubscribable } from '../internal/channel-subscription.js'
import { commonSettings, positiveInteger } from '../internal/checked-options.js'
import { openConnection } from '../internal/connection.js'
import { deadline } from '../internal/deadline.js'
import { KEY_FORMAT } from '../internal/keys.js'
import { checkClusterPrefix } from '../internal/topology.js'
import type { RedisStoreOptions } from '../options.js'
import { BusSync, type BusState, type LossReason } from './bus-sync.js'
import { decodeMatcher, encodeMatcher, hashedPredicate, hashMatcher, plainPredicate, type ClaimsMatcher, type HashedMatcher } from './claims-matcher.js'
import { PUBLISH } from './scripts.js'

/**
 * What the bus needs of an authenticator (`createAuthenticator()` or the `authenticator` of an
 * adapter's `requireToken()` has all of it): its caches, and the key-removal seam.
 */
export interface InvalidationTarget {
  /** The verified-token cache. */
  readonly cache: TokenCacheControl
  /** The introspection cache, when the authenticator has one. */
  readonly introspectionCache?: TokenCacheControl
  /** Hears the RFC 7638 thumbprints of keys a JWKS refresh of this process removed. */
  onKeysRemoved?(listener: (thumbprints: readonly string[]) => void): () => void
  /** Stops trusting keys another process saw removed. */
  distrustKeys?(thumbprints: Iterable<string>): number
}

/** What the bus needs of a policy engine (`createPolicyEngine()` of `@portcullis/policy`). */
export interface PolicyTarget {
  /** Replaces the policy; throws on an invalid document (the old one stays in force). */
  update(policy: string | object): void
  /** Forgets the attribute providers' cached values. */
  clearCaches?(): void
}

/** A failure the bus reports instead of throwing (it never throws from a message handler). */
export interface InvalidationBusError {
  /**
   * `policy`: a published policy was refused by an engine here (the old one stays in force);
   * `listener`: a cache or engine threw while applying a message; `publish`: a key removal
   * this process saw could not be published (the others notice at their own JWKS refresh).
   */
  readonly kind: 'policy' | 'listener' | 'publish'
  readonly error: Error
}

/** Options of {@link createRedisInvalidationBus}. */
export interface RedisInvalidationBusOptions extends Omit<RedisStoreOptions, 'failOpen' | 'onFailOpen'> {
  /** How often the bus proves it has missed nothing, in ms (default 500). */
  heartbeatInterval?: number
  /**
   * How long without such a proof before the bus counts itself disconnected and clears the
   * caches, in ms (default 2000, at least twice `heartbeatInterval`).
   */
  maxStaleness?: number
  /**
   * How long a key removal is replayed to processes that (re)connect, in seconds (default
   * 86400): a process that missed the message distrusts the key when it is back.
   */
  keyRemovalRetention?: number
  /** Called for each failure the bus swallowed (a refused policy, a throwing engine). */
  onError?: (error: InvalidationBusError) => void
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}

/**
 * Invalidation of the caches of every process at once: verified tokens, introspection results,
 * keys, the policy and the attribute providers' values. What is done through one process is
 * done in it at once, then published; every other attached process applies it within one
 * pub/sub delivery.
 */
export interface RedisInvalidationBus {
  /**
   * Invalidates this authenticator's caches with the others', and publishes the keys its JWKS
   * refreshes remove. Returns a function that detaches it.
   */
  attach(authenticator: InvalidationTarget): () => void
  /**
   * Makes `engine` take every policy published on the bus, and clears its attribute caches when
   * the bus clears. Returns a function that detaches it.
   */
  attachPolicyEngine(engine: PolicyTarget): () => void
  /** Forgets one token in every process's caches (sent as its SHA-256 digest). */
  invalidateToken(token: string): Promise<void>
  /**
   * Forgets every cached token whose claims match in every process (values are sent as
   * SHA-256 hashes and compared as such). Removing an entry only forces full verification of
   * the next request with that token; to refuse a token, revoke it.
   */
  invalidateClaims(matcher: ClaimsMatcher): Promise<void>
  /** Forgets everything every attached cache holds, in every process. */
  clear(): Promise<void>
  /**
   * Stops trusting the keys with these RFC 7638 thumbprints in every process (a key you know
   * is compromised). Key removals seen by a JWKS refresh are published without this.
   */
  distrustKeys(thumbprints: readonly string[]): Promise<void>
  /**
   * Replaces the policy of every attached engine (a JSON policy document, string or parsed).
   * The local engines take it first: when one refuses it, this rejects with its error and
   * nothing is published. Processes that reconnect take a policy they missed.
   */
  publishPolicy(document: string | object): Promise<void>
  /** Resolves once the bus is current. Rejects after `timeoutMs` (default 5000); it keeps trying. */
  ready(timeoutMs?: number): Promise<void>
  /** `current`: every invalidation published so far has been applied here. */
  readonly state: BusState
  /**
   * Counters since creation: messages published here, messages of other processes applied,
   * times the bus lost track (of which version gaps), times it cleared the attached caches
   * because they may have missed an invalidation, and times it became current.
   */
  readonly stats: {
    readonly published: number
    readonly applied: number
    readonly losses: number
    readonly gaps: number
    readonly clears: number
    readonly recoveries: number
  }
  /** Detaches everything and closes the connections the bus opened; a given `client` stays open. */
  close(): Promise<void>
}

const DIGEST = /^[\w-]{43}$/ // SHA-256, base64url: a token digest or an RFC 7638 thumbprint

function asError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error))
}

/**
 * Creates the invalidation bus on Redis: one sharded pub/sub channel whose messages are
 * versioned (the counter is bumped in the same script that publishes), so a lost message is
 * noticed. Whenever a process may have missed one (a version gap, a disconnect, a lost
 * subscription, heartbeats that stop coming back), it clears every attached cache, since
 * they may hold what was invalidated, and resubscribes. Nothing in it blocks a request: the
 * caches are read as before, and the bus only deletes from them.
 *
 * @example
 * ```ts
 * import { createRedisInvalidationBus } from '@portcullis/redis'
 * const bus = createRedisInvalidationBus({ url: process.env.REDIS_URL })
 * bus.attach(authenticator)
 * await bus.invalidateClaims({ sub: 'user-123' }) // gone from every process's caches
 * ```
 */
export function createRedisInvalidationBus(options: RedisInvalidationBusOptions): RedisInvalidationBus {
  const settings = commonSettings({ ...options, failOpen: undefined, onFailOpen: undefined })
  const heartbeatInterval = positiveInteger(options.heartbeatInterval ?? 500, 'heartbeatInterval', 60_000)
  const maxStaleness = positiveInteger(options.maxStaleness ?? Math.max(2000, 2 * heartbeatInterval), 'maxStaleness', 600_000)
  if (maxStaleness < 2 * heartbeatInterval) throw configurationError('maxStaleness must be at least twice heartbeatInterval')
  const retentionMs = positiveInteger(options.keyRemovalRetention ?? 86_400, 'keyRemovalRetention', 31_536_000) * 1000
  const onError = options.onError ?? (() => undefined)
  if (typeof onError !== 'function') throw configurationError('onError must be a function')
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('clock must be a function returning milliseconds')
  checkClusterPrefix(options.client, settings.prefix, 'the bus scripts touch several keys and publish on a shard channel')
  checkSubscribable(options.client, '(the bus subscribes on a connection of its own)')

  const connection = openConnection(options, () => undefined)
  void connection.ensureOpen()
  const base = `${settings.prefix}:${KEY_FORMAT}:sync:`
  const keys = { version: `${base}version`, policy: `${base}policy`, removedKeys: `${base}keys`, channel: `${base}events` }
  const targets = new Set<InvalidationTarget>()
  const engines = new Set<PolicyTarget>()
  const stats = { published: 0, applied: 0, losses: 0, gaps: 0, clears: 0, recoveries: 0 }

  function report(kind: InvalidationBusError['kind'], error: unknown): void {
    try {
      onError({ kind, error: asError(error) })
    } catch {
      // The callback is for reporting; its failure changes nothing.
    }
  }

  /** Runs `action` on every cache of every target; a throwing cache does not stop the others. */
  function eachCache(action: (cache: TokenCacheControl) => void): void {
    for (const target of targets) {
      for (const cache of [target.cache, target.introspectionCache]) {
        if (cache === undefined) continue
        try {
          action(cache)
        } catch (error) {
          report('listener', error)
        }
      }
    }
  }

  function clearAll(): void {
    eachCache((cache) => cache.clear())
    for (const engine of engines) {
      try {
        engine.clearCaches?.()
      } catch (error) {
        report('listener', error)
      }
    }
  }

  function distrustLocally(thumbprints: readonly string[], except?: InvalidationTarget): void {
    for (const target of targets) {
      if (target === except) continue
      try {
        target.distrustKeys?.(thumbprints)
      } catch (error) {
        report('listener', error)
      }
    }
  }

  function updateEngines(document: string, throwing: boolean): void {
    for (const engine of engines) {
      try {
        engine.update(document)
      } catch (error) {
        if (throwing) throw error
        report('policy', error)
      }
    }
  }

  function caches(): TokenCacheControl[] {
    const out: TokenCacheControl[] = []
    for (const target of targets) {
      out.push(target.cache)
      if (target.introspectionCache !== undefined) out.push(target.introspectionCache)
    }
    return out
  }

  async function applyHashedMatcher(matcher: HashedMatcher): Promise<void> {
    const predicate = await hashedPredicate(matcher, caches())
    if (predicate !== undefined) eachCache((cache) => cache.deleteWhere(predicate))
  }

  function apply(kind: string, payload: string): void {
    stats.applied++
    switch (kind) {
      case 't':
        if (DIGEST.test(payload)) eachCache((cache) => cache.deleteHash(payload))
        break
      case 'c': {
        const matcher = decodeMatcher(payload)
        // A message this version cannot read: clearing is the safe way to honour it.
        if (matcher === undefined) clearAll()
        else applyHashedMatcher(matcher).catch((error: unknown) => report('listener', error))
        break
      }
      case 'x':
        clearAll()
        break
      case 'k':
        distrustLocally(payload.split(',').filter((thumbprint) => DIGEST.test(thumbprint)))
        break
      case 'p':
        updateEngines(payload, false)
        break
      default:
        clearAll()
    }
  }

  const sync = new BusSync(
    connection,
    keys,
    { heartbeatInterval, maxStaleness, recoverTimeout: Math.max(5000, settings.commandTimeout), clock },
    {
      apply,
      lost(reason: LossReason) {
        stats.losses++
        if (reason === 'gap') stats.gaps++
        stats.clears++
        clearAll()
      },
      recovered(missedPolicy, removedKeys) {
        stats.recoveries++
        // Whatever was cached while the bus was not listening may have missed an invalidation.
        if (stats.recoveries > 1) {
          stats.clears++
          clearAll()
        }
        if (removedKeys.length > 0) distrustLocally(removedKeys)
        if (missedPolicy !== undefined) updateEngines(missedPolicy, false)
      },
    },
  )

  async function publish(kind: string, payload: string): Promise<void> {
    await deadline(
      connection.commands.eval(PUBLISH, {
        keys: [keys.version, keys.policy, keys.removedKeys],
        arguments: [keys.channel, kind, sync.instance, payload, String(clock()), String(retentionMs)],
      }),
      settings.commandTimeout,
    )
    stats.published++
  }

  const detachers = new Set<() => void>()

  return {
    get state() {
      return sync.state
    },
    get stats() {
      return { ...stats }
    },
    attach(target) {
      if (typeof target !== 'object' || target === null || typeof target.cache?.deleteWhere !== 'function') {
        throw configurationError('attach needs an authenticator (with cache)')
      }
      if (targets.has(target)) throw configurationError('attach: this authenticator is already attached')
      targets.add(target)
      const unlisten = target.onKeysRemoved?.((thumbprints) => {
        // This process's refresh already dropped them here; the others are told.
        distrustLocally(thumbprints, target)
        publish('k', thumbprints.join(',')).catch((error: unknown) => report('publish', error))
      })
      const detach = (): void => {
        targets.delete(target)
        unlisten?.()
        detachers.delete(detach)
      }
      detachers.add(detach)
      return detach
    },
    attachPolicyEngine(engine) {
      if (typeof engine !== 'object' || engine === null || typeof engine.update !== 'function') {
        throw configurationError('attachPolicyEngine needs a policy engine (with update)')
      }
      if (engines.has(engine)) throw configurationError('attachPolicyEngine: this engine is already attached')
      engines.add(engine)
      const detach = (): void => {
        engines.delete(engine)
        detachers.delete(detach)
      }
      detachers.add(detach)
      return detach
    },
    async invalidateToken(token) {
      if (typeof token !== 'string' || token === '') throw configurationError('invalidateToken needs the token')
      const digest = tokenDigest(token)
      eachCache((cache) => cache.deleteHash(digest))
      await publish('t', digest)
    },
    async invalidateClaims(matcher) {
      const hashed = hashMatcher(matcher)
      const predicate = plainPredicate(matcher)
      eachCache((cache) => cache.deleteWhere(predicate))
      await publish('c', encodeMatcher(hashed))
    },
    async clear() {
      clearAll()
      await publish('x', '-')
    },
    async distrustKeys(thumbprints) {
      if (!Array.isArray(thumbprints) || thumbprints.length === 0 || !thumbprints.every((t) => typeof t === 'string' && DIGEST.test(t))) {
        throw configurationError('distrustKeys needs RFC 7638 SHA-256 thumbprints (43 base64url characters)')
      }
      distrustLocally(thumbprints)
      await publish('k', thumbprints.join(','))
    },
    async publishPolicy(document) {
      const text = typeof document === 'string' ? document : JSON.stringify(document)
      if (typeof text !== 'string') throw configurationError('publishPolicy needs a JSON policy document')
      try {
        JSON.parse(text)
      } catch (error) {
        throw configurationError('publishPolicy: the document is not JSON', error)
      }
      updateEngines(text, true)
      await publish('p', text)
    },
    async ready(timeoutMs = 5000) {
      await deadline(
        connection.ensureOpen().then(() => sync.whenCurrent()),
        timeoutMs,
      )
    },
    async close() {
      for (const detach of [...detachers]) detach()
      await sync.close()
      await connection.close()
    },
  }
}
