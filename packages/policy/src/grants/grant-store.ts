import type { GrantRecord, GrantStatus } from './grant-types.js'

/** A query of {@link GrantStore.list}. All given fields must match. */
export interface GrantQuery {
  /** Requester subject. */
  readonly subject?: string
  readonly issuer?: string
  readonly statuses?: readonly GrantStatus[]
  /** At most this many records (the store may cap it lower). */
  readonly limit?: number
}

/**
 * Where grants live. Every write is a compare-and-set on `version`, so two processes (or two
 * concurrent calls in one) that race on one record cannot both win: concurrent approvals never
 * make two grants, and an approval racing an expiry or a rejection loses cleanly. A Redis
 * implementation does the same with `WATCH`/`MULTI` or a Lua script comparing the version.
 *
 * Implementations must fail by rejecting (the service answers 503: grants fail closed).
 *
 * @example
 * ```ts
 * const ok = await store.compareAndSet({ ...record, version: record.version + 1, status: 'active' }, record.version)
 * ```
 */
export interface GrantStore {
  /** The record, or undefined. */
  get(id: string): Promise<GrantRecord | undefined>
  /** Stores a new record (version 1); false if the id exists. Rejects with a `GrantError` `capacity_exceeded` when full. */
  create(record: GrantRecord): Promise<boolean>
  /**
   * Replaces the record with `next` only if the stored version is `expectedVersion` (and
   * `next.version === expectedVersion + 1`). True when written.
   */
  compareAndSet(next: GrantRecord, expectedVersion: number): Promise<boolean>
  /** Removes the record if its version is `expectedVersion`. True when removed. */
  delete(id: string, expectedVersion: number): Promise<boolean>
  /** Records matching the query, newest first. */
  list(query: GrantQuery): Promise<GrantRecord[]>
}
