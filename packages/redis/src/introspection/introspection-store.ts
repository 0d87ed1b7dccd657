import type { IntrospectionAnswerStore, StoredIntrospection } from '@portcullis/core'
import { commonSettings, positiveInteger } from '../internal/checked-options.js'
import { openConnection } from '../internal/connection.js'
import { deadline } from '../internal/deadline.js'
import { hashOf, KEY_FORMAT } from '../internal/keys.js'
import type { RedisStoreOptions } from '../options.js'

/**
 * Options of {@link createRedisIntrospectionStore}: `client` or `url`, `prefix` and
 * `commandTimeout`. A shared cache has nothing to fail open or closed: when Redis cannot answer,
 * core asks the authorization server. So `failOpen` and `onFailOpen` are not accepted.
 */
export type RedisIntrospectionStoreOptions = Omit<RedisStoreOptions, 'failOpen' | 'onFailOpen'>

/**
 * An `IntrospectionAnswerStore` on Redis: the introspection answers shared by every process that
 * uses the same Redis and prefix.
 */
export interface RedisIntrospectionStore extends IntrospectionAnswerStore {
  /** Resolves once the connection is up (useful at startup and in tests); never rejects. */
  ready(): Promise<void>
  /** Closes the connection if the store opened it (`url`); a given `client` stays open. */
  close(): Promise<void>
}

// A token digest as core computes it (base64url SHA-256): used in keys as is.
const DIGEST = /^[A-Za-z0-9_-]{43}$/
// Core writes responses of at most introspection.maxBytes (1 MiB at most); anything much larger
// was not written by it and is not parsed.
const MAX_VALUE_LENGTH = 2 * 1024 * 1024

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/** The stored record, or `undefined` when the value is not one (corrupt, foreign, oversized). */
function parseRecord(value: string): StoredIntrospection | undefined {
  if (value.length > MAX_VALUE_LENGTH) return undefined
  let record: unknown
  try {
    record = JSON.parse(value)
  } catch {
    return undefined
  }
  if (!isObject(record) || !isObject(record['response']) || typeof record['expiresAt'] !== 'number' || !Number.isFinite(record['expiresAt'])) return undefined
  return { response: record['response'], expiresAt: record['expiresAt'] }
}

/**
 * Creates the shared introspection answer cache on Redis, for `introspection.cache.store` of
 * `requireToken()`. Each answer is one JSON value `{ response, expiresAt }` at
 * `<prefix>:v1:introspection:<token-sha256>` (the token digest core computes: the token never
 * reaches Redis), written with `SET ... PX` so that Redis forgets it when core would (never
 * beyond the answer's `exp`, RFC 7662 §4, nor the configured `ttl`). A value that does not parse
 * as such a record is ignored and deleted; core checks what it gets again anyway (the issuer,
 * the audience, the clock). Every command has the `commandTimeout` deadline and none waits for
 * a reconnection: when Redis cannot answer, the method rejects and core asks the authorization
 * server instead (a cache is an optimisation).
 *
 * @example
 * ```ts
 * import { createRedisIntrospectionStore } from '@portcullis/redis'
 * const store = createRedisIntrospectionStore({ url: 'redis://127.0.0.1:6379' })
 * app.use(requireToken({ issuer, audience, introspection: { clientId: 'orders-api', clientSecret, cache: { store } } }))
 * ```
 */
export function createRedisIntrospectionStore(options: RedisIntrospectionStoreOptions): RedisIntrospectionStore {
  const settings = commonSettings({ ...options, failOpen: false, onFailOpen: undefined })
  const connection = openConnection(options, () => undefined)
  void connection.ensureOpen()
  const base = `${settings.prefix}:${KEY_FORMAT}:introspection:`
  const keyOf = (tokenHash: string): string => base + (DIGEST.test(tokenHash) ? tokenHash : hashOf(String(tokenHash)))
  const run = <T>(promise: Promise<T>): Promise<T> => deadline(promise, settings.commandTimeout)

  return {
    ready: () => connection.ensureOpen(),
    close: () => connection.close(),
    async get(tokenHash) {
      const key = keyOf(tokenHash)
      const value = await run(connection.commands.get(key))
      if (value === null) return undefined
      const record = parseRecord(value)
      if (record === undefined) {
        // Removed in the background: the caller asks the authorization server meanwhile.
        run(connection.commands.del(key)).catch(() => undefined)
      }
      return record
    },
    async set(tokenHash, answer, ttlMs) {
      const ttl = positiveInteger(ttlMs, 'ttlMs', Number.MAX_SAFE_INTEGER)
      const value = JSON.stringify({ response: answer.response, expiresAt: answer.expiresAt })
      await run(connection.commands.set(keyOf(tokenHash), value, { PX: ttl }))
    },
    async delete(tokenHash) {
      await run(connection.commands.del(keyOf(tokenHash)))
    },
  }
}
