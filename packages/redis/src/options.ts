import type { createClient, createCluster, createSentinel, RedisClientType, RedisClusterType, RedisSentinelType } from 'redis'

/**
 * A node-redis connection the application already has: a client (`createClient`), a cluster
 * (`createCluster`) or a sentinel-managed client (`createSentinel`), connected or not.
 * The stores never close a connection they were given.
 */
// The stores call a handful of commands that every node-redis flavour has; the generic
// parameters (modules, scripts, RESP version) do not matter to them.
/* eslint-disable @typescript-eslint/no-explicit-any */
export type RedisConnection =
  | RedisClientType<any, any, any, any, any>
  | RedisClusterType<any, any, any, any, any>
  | RedisSentinelType<any, any, any, any, any>
  // What the factories return with their default modules (a cluster's generic types do not
  // reduce to the `any` forms above).
  | ReturnType<typeof createClient>
  | ReturnType<typeof createCluster>
  | ReturnType<typeof createSentinel>
/* eslint-enable @typescript-eslint/no-explicit-any */

/** What a store reports when it lets a request through because Redis could not answer. */
export interface FailOpenEvent {
  /** Which store failed open. */
  readonly store: 'revocation' | 'dpop_replay'
  /** The Redis error or timeout that was swallowed. */
  readonly error: Error
}

/** Options shared by every Redis store. */
export interface RedisStoreOptions {
  /**
   * The connection to use. Either this or `url`. Recommended client options:
   * `disableOfflineQueue: true` (a request never waits for a reconnection) and a
   * `socket.reconnectStrategy` that retries (the default does).
   */
  client?: RedisConnection
  /**
   * `redis[s]://[[user][:password]@]host[:port][/db]`: the store opens (and `close()` closes)
   * its own client, with `disableOfflineQueue`, a 1 s connect timeout and reconnection with
   * backoff up to 2 s.
   */
  url?: string
  /**
   * First part of every key and channel, default `portcullis`. With Redis Cluster use a hash
   * tag, e.g. `{portcullis}`, so that a store's keys share one slot (its scripts touch several).
   */
  prefix?: string
  /**
   * Longest wait for one Redis command, in milliseconds (default 250). Keep it below the
   * `revocation.timeout` of `requireToken()` (default 1000) so that the store decides, not core.
   */
  commandTimeout?: number
  /**
   * `false` (default): when Redis cannot answer, the check throws and the request fails closed
   * with 503. `true`: the check lets the request through and calls `onFailOpen`.
   */
  failOpen?: boolean
  /** Called each time a check fails open (audit it, count it). Never called when `failOpen` is `false`. */
  onFailOpen?: (event: FailOpenEvent) => void
}
