import type { DpopReplayStore } from '@portcullis/core'
import { openConnection } from './internal/connection.js'
import { commonSettings, failOpenOr } from './internal/checked-options.js'
import { deadline } from './internal/deadline.js'
import { hashOf, KEY_FORMAT } from './internal/keys.js'
import type { RedisStoreOptions } from './options.js'

/** Options of {@link createRedisReplayStore}. */
export interface RedisReplayStoreOptions extends RedisStoreOptions {
  /** Current time in milliseconds (tests). Default `Date.now`. */
  clock?: () => number
}

/** A {@link DpopReplayStore} on Redis, shared by every process that uses the same Redis and prefix. */
export interface RedisReplayStore extends DpopReplayStore {
  /** Resolves once the connection is up (useful at startup and in tests); never rejects. */
  ready(): Promise<void>
  /** Number of checks that failed open since creation. */
  readonly failOpenCount: number
  /** Closes the connection if the store opened it (`url`); a given `client` stays open. */
  close(): Promise<void>
}

/**
 * Creates a DPoP replay store on Redis (RFC 9449 §11.1): the first use of a proof is recorded
 * with one atomic `SET key 1 NX PX ttl`, so two processes (or two concurrent requests) can never
 * both accept the same proof. Keys are `<prefix>:v1:dpop:<sha256>` and expire with the proof.
 *
 * @example
 * ```ts
 * import { createRedisReplayStore } from '@portcullis/redis'
 * const replayStore = createRedisReplayStore({ url: 'redis://127.0.0.1:6379' })
 * app.use(requireToken({ issuer, audience, dpop: { origin: 'https://api.example.com', replayStore } }))
 * ```
 */
export function createRedisReplayStore(options: RedisReplayStoreOptions): RedisReplayStore {
  const settings = commonSettings(options)
  const clock = options.clock ?? Date.now
  const connection = openConnection(options, () => undefined)
  void connection.ensureOpen()
  const base = `${settings.prefix}:${KEY_FORMAT}:dpop:`
  let failOpenCount = 0

  return {
    get failOpenCount() {
      return failOpenCount
    },
    ready: () => connection.ensureOpen(),
    close: () => connection.close(),
    async remember(key, expiresAt) {
      // Relative expiry (PX): Redis's own clock may differ from ours.
      const ttl = Math.max(1, Math.ceil(expiresAt - clock()))
      try {
        const reply = await deadline(connection.commands.set(base + hashOf(key), '1', { NX: true, PX: ttl }), settings.commandTimeout)
        return reply !== null
      } catch (error) {
        failOpenCount += settings.failOpen ? 1 : 0
        return failOpenOr(settings, 'dpop_replay', error, true)
      }
    },
  }
}
