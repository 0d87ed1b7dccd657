/**
 * @portcullis/redis: the Portcullis stores on Redis, so that every process of an API shares one
 * revocation denylist and one DPoP replay store. The in-memory stores of `@portcullis/core`
 * stay the default; use these when more than one process serves the API.
 */
export { createRedisRevocationStore } from './revocation/revocation-store.js'
export type { LocalViewOptions, RedisRevocationStore, RedisRevocationStoreOptions } from './revocation/revocation-store.js'
export type { LocalViewState } from './revocation/local-view.js'
export { createRedisReplayStore } from './replay-store.js'
export type { RedisReplayStore, RedisReplayStoreOptions } from './replay-store.js'
export type { FailOpenEvent, RedisConnection, RedisStoreOptions } from './options.js'
export { createRedisGrantStore } from './grants/grant-store.js'
export type { RedisGrantStore, RedisGrantStoreOptions } from './grants/grant-store.js'
