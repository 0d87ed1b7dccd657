import type { RequireTokenOptions } from '@portcullis/core'
import { createRedisInvalidationBus, createRedisReplayStore, createRedisRevocationStore, type RedisInvalidationBus, type RedisReplayStore, type RedisRevocationStore } from '@portcullis/redis'

/** What one API process needs, from its environment. */
export interface ApiSettings {
  readonly port: number
  readonly issuer: string
  readonly audience: string
  /** The public origin both processes serve (behind one load balancer): DPoP proofs name it. */
  readonly origin: string
  readonly redisUrl: string
  readonly redisPrefix: string
}

function required(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name]
  if (value === undefined || value === '') throw new Error(`${name} is required`)
  return value
}

/** Reads PORT, ISSUER, AUDIENCE, ORIGIN, REDIS_URL and REDIS_PREFIX. */
export function settingsFromEnv(env: NodeJS.ProcessEnv = process.env): ApiSettings {
  return {
    port: Number(env['PORT'] ?? 0),
    issuer: required(env, 'ISSUER'),
    audience: required(env, 'AUDIENCE'),
    origin: env['ORIGIN'] ?? required(env, 'AUDIENCE'),
    redisUrl: env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
    redisPrefix: env['REDIS_PREFIX'] ?? 'orders-api',
  }
}

/** The shared stores, and the `requireToken()` options that use them. */
export interface SharedAuth {
  readonly revocations: RedisRevocationStore
  readonly replayStore: RedisReplayStore
  /** Keeps the verified-token caches of every process in step (key removals, invalidations). */
  readonly bus: RedisInvalidationBus
  readonly options: RequireTokenOptions
  /** Resolves once the revocation view and the bus are current (requests are served before). */
  ready(): Promise<void>
  close(): Promise<void>
}

/**
 * One revocation denylist, one DPoP replay store and one invalidation bus for every process:
 * what makes this example more than two copies of the same API.
 */
export function createSharedAuth(settings: ApiSettings): SharedAuth {
  const revocations = createRedisRevocationStore({ url: settings.redisUrl, prefix: settings.redisPrefix, maxTokenLifetime: 3600 })
  const replayStore = createRedisReplayStore({ url: settings.redisUrl, prefix: settings.redisPrefix })
  const bus = createRedisInvalidationBus({ url: settings.redisUrl, prefix: settings.redisPrefix })
  return {
    revocations,
    replayStore,
    bus,
    options: {
      issuer: settings.issuer,
      audience: settings.audience,
      revocation: { store: revocations },
      dpop: { origin: settings.origin, replayStore },
    },
    ready: async () => {
      await Promise.all([revocations.ready(), bus.ready()])
    },
    close: async () => {
      await Promise.all([revocations.close(), replayStore.close(), bus.close()])
    },
  }
}

/** A revocation request body: one of `jti` or `subject`. */
export function parseRevocation(body: unknown): { jti: string } | { subject: string } | undefined {
  if (typeof body !== 'object' || body === null) return undefined
  const { jti, subject } = body as { jti?: unknown; subject?: unknown }
  if (typeof jti === 'string' && jti !== '' && jti.length <= 256 && subject === undefined) return { jti }
  if (typeof subject === 'string' && subject !== '' && subject.length <= 256 && jti === undefined) return { subject }
  return undefined
}
