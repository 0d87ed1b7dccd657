/**
 * @portcullis/redis: the Portcullis stores on Redis, so that every process of an API shares one
 * revocation denylist, one DPoP replay store, one grant store and one introspection answer
 * cache, and an invalidation bus that keeps the caches of every process in step. The in-memory stores of `@portcullis/core` stay
 * the default; use these when more than one process serves the API.
 */
export { createRedisRevocationStore } from './revocation/revocation-store.js'
export type { LocalViewOptions, RedisRevocationStore, RedisRevocationStoreOptions } from './revocation/revocation-store.js'
export type { LocalViewState } from './revocation/local-view.js'
export { createRedisReplayStore } from './replay-store.js'
export type { RedisReplayStore, RedisReplayStoreOptions } from './replay-store.js'
export type { FailOpenEvent, RedisConnection, RedisStoreOptions } from './options.js'
export { createRedisGrantStore } from './grants/grant-store.js'
export type { RedisGrantStore, RedisGrantStoreOptions } from './grants/grant-store.js'
export { createRedisIntrospectionStore } from './introspection/introspection-store.js'
export type { RedisIntrospectionStore, RedisIntrospectionStoreOptions } from './introspection/introspection-store.js'
export { createRedisInvalidationBus } from './invalidation/invalidation-bus.js'
export type { InvalidationBusError, InvalidationTarget, PolicyTarget, RedisInvalidationBus, RedisInvalidationBusOptions } from './invalidation/invalidation-bus.js'
export type { ClaimsMatcher } from './invalidation/claims-matcher.js'
export type { BusState, LossReason } from './invalidation/bus-sync.js'
