import { GrantError } from './grant-error.js'
import type { GrantQuery, GrantStore } from './grant-store.js'
import { TERMINAL_STATUSES, type GrantRecord } from './grant-types.js'

/** Options of {@link createMemoryGrantStore}. */
export interface MemoryGrantStoreOptions {
  /** Most records kept (default 10,000). Ended records are evicted first, oldest first. */
  readonly maxRecords?: number
}

const DEFAULT_LIST_LIMIT = 1000

/**
 * The in-memory {@link GrantStore}: bounded, one process. When full, the oldest ended
 * (rejected, revoked, expired, failed) record is evicted; if every record is live, `create`
 * refuses with `capacity_exceeded` rather than drop a live grant or request.
 *
 * @example
 * ```ts
 * import { createGrantService, createMemoryGrantStore } from '@portcullis/policy'
 * const grants = createGrantService({ resources, store: createMemoryGrantStore({ maxRecords: 50_000 }) })
 * ```
 */
export function createMemoryGrantStore(options: MemoryGrantStoreOptions = {}): GrantStore {
  const max = options.maxRecords ?? 10_000
  if (!Number.isInteger(max) || max < 1) throw new TypeError('grant store: maxRecords must be an integer >= 1')
  // Insertion order is creation order: the first ended record found is the oldest.
  const records = new Map<string, GrantRecord>()
  // Records by requester: the policy provider looks up one subject's grants on every decision.
  const bySubject = new Map<string, Set<string>>()
  const subjectKey = (subject: string, issuer: string): string => `${issuer}\u0000${subject}`

  function remove(record: GrantRecord): void {
    records.delete(record.id)
    const key = subjectKey(record.requester.subject, record.requester.issuer)
    const ids = bySubject.get(key)
    ids?.delete(record.id)
    if (ids?.size === 0) bySubject.delete(key)
  }

  function evictOne(): boolean {
    for (const record of records.values()) {
      if (TERMINAL_STATUSES.has(record.status)) {
        remove(record)
        return true
      }
    }
    return false
  }

  return {
    get(id) {
      return Promise.resolve(records.get(id))
    },
    create(record) {
      if (records.has(record.id)) return Promise.resolve(false)
      if (records.size >= max && !evictOne()) {
        return Promise.reject(new GrantError('capacity_exceeded', 'The grant store is full'))
      }
      records.set(record.id, record)
      const key = subjectKey(record.requester.subject, record.requester.issuer)
      let ids = bySubject.get(key)
      if (ids === undefined) bySubject.set(key, (ids = new Set()))
      ids.add(record.id)
      return Promise.resolve(true)
    },
    compareAndSet(next, expectedVersion) {
      const current = records.get(next.id)
      if (current === undefined || current.version !== expectedVersion || next.version !== expectedVersion + 1) return Promise.resolve(false)
      records.set(next.id, next)
      return Promise.resolve(true)
    },
    delete(id, expectedVersion) {
      const current = records.get(id)
      if (current === undefined || current.version !== expectedVersion) return Promise.resolve(false)
      remove(current)
      return Promise.resolve(true)
    },
    list(query: GrantQuery) {
      const limit = query.limit ?? DEFAULT_LIST_LIMIT
      const out: GrantRecord[] = []
      let candidates: GrantRecord[]
      if (query.subject !== undefined && query.issuer !== undefined) {
        const ids = bySubject.get(subjectKey(query.subject, query.issuer))
        candidates = ids === undefined ? [] : [...ids].map((id) => records.get(id) as GrantRecord)
      } else {
        candidates = [...records.values()]
      }
      for (let i = candidates.length - 1; i >= 0 && out.length < limit; i--) {
        const record = candidates[i] as GrantRecord
        if (query.subject !== undefined && record.requester.subject !== query.subject) continue
        if (query.issuer !== undefined && record.requester.issuer !== query.issuer) continue
        if (query.statuses !== undefined && !query.statuses.includes(record.status)) continue
        out.push(record)
      }
      return Promise.resolve(out)
    },
  }
}
