import { configurationError } from '@portcullis/core'

/** Which node-redis connection a store was given: a client, a cluster or a sentinel-managed client. */
export type Topology = 'client' | 'cluster' | 'sentinel'

/** Tells the node-redis flavours apart by the methods only each has. */
export function topologyOf(client: unknown): Topology {
  const candidate = client as Record<string, unknown> | undefined
  if (typeof candidate?.['getSlotRandomNode'] === 'function') return 'cluster'
  if (typeof candidate?.['getMasterNode'] === 'function' && typeof candidate['getSentinelNode'] === 'function') return 'sentinel'
  return 'client'
}

/**
 * Whether every key that starts with `prefix` hashes to one Redis Cluster slot: the prefix holds
 * a hash tag as Redis reads it, the text between the first `{` and the first `}` after it, not
 * empty (`{}` or a `{` without `}` hash the whole key).
 */
export function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf('{')
  if (open < 0) return false
  const close = prefix.indexOf('}', open + 1)
  return close > open + 1
}

/**
 * Refuses, at creation, a cluster client with a prefix that would spread a store's keys over
 * several slots: its scripts and MGETs would fail at run time with CROSSSLOT on every request.
 */
export function checkClusterPrefix(client: unknown, prefix: string, why: string): void {
  if (topologyOf(client) !== 'cluster' || hasHashTag(prefix)) return
  throw configurationError(`With Redis Cluster, prefix needs a hash tag such as {portcullis} (got "${prefix}"): ${why}, which must share one slot`)
}
