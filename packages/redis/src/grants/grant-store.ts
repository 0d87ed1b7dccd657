import type { GrantQuery, GrantRecord, GrantStatus, GrantStore } from '@portcullis/policy'
import { openConnection } from '../internal/connection.js'
import { commonSettings } from '../internal/checked-options.js'
import { deadline } from '../internal/deadline.js'
import { hashOf, KEY_FORMAT } from '../internal/keys.js'
import { checkClusterPrefix } from '../internal/topology.js'
import type { RedisStoreOptions } from '../options.js'
import { COMPARE_AND_SET_SCRIPT, CREATE_SCRIPT, DELETE_SCRIPT } from './grant-scripts.js'

/**
 * Options of {@link createRedisGrantStore}: `client` or `url`, `prefix` and `commandTimeout`.
 * Grants always fail closed, so `failOpen` and `onFailOpen` are not accepted.
 */
export type RedisGrantStoreOptions = Omit<RedisStoreOptions, 'failOpen' | 'onFailOpen'>

/** A `GrantStore` on Redis, shared by every process that uses the same Redis and prefix. */
export interface RedisGrantStore extends GrantStore {
  /** Resolves once the connection is up (useful at startup and in tests); never rejects. */
  ready(): Promise<void>
  /** Closes the connection if the store opened it (`url`); a given `client` stays open. */
  close(): Promise<void>
}

/** Every status, in the fixed order the scripts receive their status indexes. */
const GRANT_STATUSES: readonly GrantStatus[] = ['pending', 'provisioning', 'active', 'rejected', 'revoked', 'expired', 'failed']
const DEFAULT_LIST_LIMIT = 1000
/** Ids read per round trip while listing. */
const PAGE = 256

/**
 * Creates a just-in-time grant store on Redis. Each record is JSON at
 * `<prefix>:v1:grant:<id>`; sorted sets index the records by requester
 * (`<prefix>:v1:grants-by:<issuer-sha256>:<subject-sha256>`), by status and overall, scored by
 * `requestedAt` so that listings come newest first. `create`, `compareAndSet` and `delete` are
 * Lua scripts: the version check, the write and the index updates happen atomically, so two
 * processes racing on one record cannot both win. A record's requester never changes (a
 * compare-and-set that would change it is refused). Every failure, including a command that
 * does not answer within `commandTimeout`, rejects: the grant service answers 503.
 *
 * @example
 * ```ts
 * import { createGrantService } from '@portcullis/policy'
 * import { createRedisGrantStore } from '@portcullis/redis'
 * const grants = createGrantService({ resources, store: createRedisGrantStore({ url: 'redis://127.0.0.1:6379' }) })
 * ```
 */
export function createRedisGrantStore(options: RedisGrantStoreOptions): RedisGrantStore {
  const settings = commonSettings({ ...options, failOpen: false, onFailOpen: undefined })
  checkClusterPrefix(options.client, settings.prefix, 'the grant scripts and listings touch a record and its indexes')
  const connection = openConnection(options, () => undefined)
  void connection.ensureOpen()
  const base = `${settings.prefix}:${KEY_FORMAT}:`
  const recordKey = (id: string): string => `${base}grant:${id}`
  const subjectKey = (issuer: string, subject: string): string => `${base}grants-by:${hashOf(issuer)}:${hashOf(subject)}`
  const allKey = `${base}grants-all`
  const statusKey = (status: GrantStatus): string => `${base}grants-status:${status}`
  const statusKeys = GRANT_STATUSES.map(statusKey)

  const run = <T>(promise: Promise<T>): Promise<T> => deadline(promise, settings.commandTimeout)
  const evalScript = (script: string, keys: string[], args: string[]): Promise<unknown> => run(connection.commands.eval(script, { keys, arguments: args }))

  async function read(ids: string[]): Promise<Array<GrantRecord | undefined>> {
    if (ids.length === 0) return []
    const values = await run(connection.commands.mGet(ids.map(recordKey)))
    // A stored value that is not JSON rejects (fail closed) rather than pass as "no record".
    return values.map((value) => (value === null ? undefined : (JSON.parse(value) as GrantRecord)))
  }

  /** One page of an index, newest first. */
  async function page(key: string, start: number, count: number): Promise<string[]> {
    const reply = await evalScript("return redis.call('ZREVRANGE', KEYS[1], ARGV[1], ARGV[2])", [key], [String(start), String(start + count - 1)])
    return Array.isArray(reply) ? reply.map(String) : []
  }

  function matches(record: GrantRecord, query: GrantQuery): boolean {
    if (query.subject !== undefined && record.requester.subject !== query.subject) return false
    if (query.issuer !== undefined && record.requester.issuer !== query.issuer) return false
    return query.statuses === undefined || query.statuses.includes(record.status)
  }

  function checkRecord(record: GrantRecord): void {
    if (typeof record?.id !== 'string' || record.id.length === 0 || !Number.isInteger(record.version)) throw new TypeError('grant store: a record needs an id and an integer version')
    if (!GRANT_STATUSES.includes(record.status)) throw new TypeError('grant store: unknown status')
  }

  return {
    ready: () => connection.ensureOpen(),
    close: () => connection.close(),
    async get(id) {
      const [record] = await read([id])
      return record
    },
    async create(record) {
      checkRecord(record)
      const { subject, issuer } = record.requester
      const reply = await evalScript(CREATE_SCRIPT, [recordKey(record.id), subjectKey(issuer, subject), allKey, statusKey(record.status)], [JSON.stringify(record), String(record.requestedAt), record.id])
      return reply === 1
    },
    async compareAndSet(next, expectedVersion) {
      checkRecord(next)
      if (next.version !== expectedVersion + 1) return false
      const { subject, issuer } = next.requester
      const reply = await evalScript(
        COMPARE_AND_SET_SCRIPT,
        [recordKey(next.id), subjectKey(issuer, subject), allKey, ...statusKeys],
        [JSON.stringify(next), String(expectedVersion), String(next.requestedAt), next.id, String(GRANT_STATUSES.indexOf(next.status) + 1), subject, issuer],
      )
      return reply === 1
    },
    async delete(id, expectedVersion) {
      // The requester index key holds hashes that Lua cannot compute, so the record is read
      // first; the script then re-checks version and requester, so the removal stays atomic.
      const [current] = await read([id])
      if (current === undefined || current.version !== expectedVersion) return false
      const { subject, issuer } = current.requester
      const reply = await evalScript(DELETE_SCRIPT, [recordKey(id), subjectKey(issuer, subject), allKey, ...statusKeys], [String(expectedVersion), id, subject, issuer])
      return reply === 1
    },
    async list(query) {
      const limit = query.limit ?? DEFAULT_LIST_LIMIT
      if (!Number.isInteger(limit) || limit < 1) return []
      // The narrowest index that holds every match: the requester's, one status's, or all.
      let index = allKey
      if (query.subject !== undefined && query.issuer !== undefined) index = subjectKey(query.issuer, query.subject)
      else if (query.statuses?.length === 1) index = statusKey(query.statuses[0] as GrantStatus)
      else if (query.statuses?.length === 0) return []
      const out: GrantRecord[] = []
      // Pages bound memory; `limit` bounds the result.
      for (let start = 0; out.length < limit; start += PAGE) {
        const ids = await page(index, start, PAGE)
        for (const record of await read(ids)) {
          if (record !== undefined && matches(record, query)) out.push(record)
          if (out.length >= limit) break
        }
        if (ids.length < PAGE) break
      }
      return out
    },
  }
}
