import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createClient } from 'redis'
import type { Identity } from '@portcullis/core'
import { createGrantService, type GrantRecord, type GrantStatus } from '@portcullis/policy'
import { createRedisGrantStore } from '@portcullis/redis'
import { grant, HOUR, ISSUER } from './support/grant-record.js'
import { REDIS_URL, uniquePrefix } from './support/redis-server.js'

function identity(subject: string, groups: string[]): Identity {
  return {
    subject,
    issuer: ISSUER,
    audience: ['https://api.example.com'],
    clientId: 'app',
    scopes: [],
    claims: { sub: subject, groups },
    tokenType: 'jwt',
    expiresAt: undefined,
    confirmation: undefined,
    actor: [],
    acr: undefined,
    amr: undefined,
    authTime: undefined,
  }
}

describe('createRedisGrantStore', () => {
  const prefix = uniquePrefix()
  const admin = createClient({ url: REDIS_URL })
  const store = createRedisGrantStore({ url: REDIS_URL, prefix })
  const other = createRedisGrantStore({ url: REDIS_URL, prefix })
  beforeAll(async () => {
    await admin.connect()
    await Promise.all([store.ready(), other.ready()])
  })
  afterAll(async () => {
    const keys = await admin.keys(`${prefix}:*`)
    if (keys.length > 0) await admin.del(keys)
    await Promise.all([store.close(), other.close(), admin.close()])
  })

  it('creates, reads, replaces and deletes a record, shared across stores', async () => {
    const record = grant('crud')
    expect(await store.create(record)).toBe(true)
    expect(await other.create(record)).toBe(false)
    expect(await other.get('crud')).toEqual(JSON.parse(JSON.stringify(record)))
    const active = { ...record, version: 2, status: 'active' as GrantStatus, startsAt: 2_000, expiresAt: 2_000 + HOUR }
    expect(await other.compareAndSet(active, 1)).toBe(true)
    expect(await store.get('crud')).toMatchObject({ version: 2, status: 'active', expiresAt: 2_000 + HOUR })
    expect(await store.compareAndSet({ ...active, version: 3 }, 1)).toBe(false)
    expect(await store.compareAndSet({ ...active, version: 4 }, 2)).toBe(false)
    expect(await store.delete('crud', 2)).toBe(true)
    expect(await store.get('crud')).toBeUndefined()
    expect(await store.delete('crud', 2)).toBe(false)
    expect(await store.compareAndSet({ ...active, version: 3 }, 2)).toBe(false)
    expect(await admin.keys(`${prefix}:v1:grant:crud`)).toEqual([])
  })

  it('lets exactly one of two concurrent compare-and-sets with the same expected version win', async () => {
    for (let round = 0; round < 10; round++) {
      const record = grant(`race-${round}`)
      await store.create(record)
      const results = await Promise.all([
        store.compareAndSet({ ...record, version: 2, status: 'active' }, 1),
        other.compareAndSet({ ...record, version: 2, status: 'rejected' }, 1),
      ])
      expect(results.filter(Boolean)).toHaveLength(1)
      const stored = await store.get(record.id)
      expect(stored?.version).toBe(2)
      expect(stored?.status).toBe(results[0] ? 'active' : 'rejected')
    }
  })

  it('refuses a delete with a stale version, and a compare-and-set that changes the requester', async () => {
    const record = grant('stale')
    await store.create(record)
    await store.compareAndSet({ ...record, version: 2, status: 'revoked' }, 1)
    expect(await store.delete('stale', 1)).toBe(false)
    expect(await store.get('stale')).toMatchObject({ version: 2 })
    expect(await store.compareAndSet({ ...record, version: 3, requester: { subject: 'mallory', issuer: ISSUER } }, 2)).toBe(false)
    expect(await store.list({ subject: 'mallory', issuer: ISSUER })).toEqual([])
  })

  it('lists by subject and statuses, newest first, bounded by limit', async () => {
    const subject = 'lister'
    const records = [
      grant('l-1', { requester: { subject, issuer: ISSUER }, requestedAt: 10, status: 'active' }),
      grant('l-2', { requester: { subject, issuer: ISSUER }, requestedAt: 20, status: 'pending' }),
      grant('l-3', { requester: { subject, issuer: ISSUER }, requestedAt: 30, status: 'active' }),
      grant('l-4', { requester: { subject, issuer: 'https://other.example.com/' }, requestedAt: 40, status: 'active' }),
      grant('l-5', { requester: { subject: 'someone-else', issuer: ISSUER }, requestedAt: 50, status: 'active' }),
    ]
    for (const record of records) expect(await store.create(record)).toBe(true)
    const ids = (list: GrantRecord[]): string[] => list.map((r) => r.id)
    expect(ids(await other.list({ subject, issuer: ISSUER }))).toEqual(['l-3', 'l-2', 'l-1'])
    expect(ids(await other.list({ subject, issuer: ISSUER, statuses: ['active'] }))).toEqual(['l-3', 'l-1'])
    expect(ids(await other.list({ subject, issuer: ISSUER, limit: 2 }))).toEqual(['l-3', 'l-2'])
    expect(ids(await other.list({ subject, issuer: ISSUER, statuses: [] }))).toEqual([])
    // A status change moves the record between status indexes.
    await store.compareAndSet({ ...(records[1] as GrantRecord), version: 2, status: 'active' }, 1)
    const active = ids(await other.list({ statuses: ['active'] }))
    expect(active).toEqual(expect.arrayContaining(['l-1', 'l-2', 'l-3', 'l-4', 'l-5']))
    expect(active.indexOf('l-5')).toBeLessThan(active.indexOf('l-1'))
    expect(ids(await other.list({ statuses: ['pending'] }))).not.toContain('l-2')
    expect(ids(await other.list({ statuses: ['active', 'pending'], limit: 2 }))).toHaveLength(2)
    expect(ids(await other.list({ subject }))).toEqual(['l-4', 'l-3', 'l-2', 'l-1'])
    expect(await store.delete('l-3', 1)).toBe(true)
    expect(ids(await other.list({ subject, issuer: ISSUER }))).toEqual(['l-2', 'l-1'])
  })

  it('keeps only hashes of subjects and issuers in index keys', async () => {
    await store.create(grant('hashed', { requester: { subject: 'secret-subject', issuer: ISSUER } }))
    const keys = await admin.keys(`${prefix}:v1:grants-by:*`)
    expect(keys.length).toBeGreaterThan(0)
    expect(keys.some((key) => key.includes('secret-subject') || key.includes('example.com'))).toBe(false)
  })

  it('rejects when Redis cannot answer (the service answers 503)', async () => {
    const down = createRedisGrantStore({ url: 'redis://127.0.0.1:1', prefix, commandTimeout: 100 })
    try {
      await expect(down.get('x')).rejects.toThrow()
      await expect(down.create(grant('x'))).rejects.toThrow()
      await expect(down.list({ statuses: ['active'] })).rejects.toThrow()
    } finally {
      await down.close()
    }
  })

  it('refuses invalid options', () => {
    expect(() => createRedisGrantStore({ prefix })).toThrow()
    expect(() => createRedisGrantStore({ url: REDIS_URL, prefix: 'has space' })).toThrow()
  })

  it('serves a grant service: a grant approved through one instance is active in another', async () => {
    const resources = { 'db:prod/*': { actions: ['read'], maxDuration: 4 * HOUR, approval: { approvers: { groups: ['dba'] } } } }
    const first = createGrantService({ resources, store, freshAuthentication: false })
    const second = createGrantService({ resources, store: other, freshAuthentication: false })
    const alice = identity('e2e-alice', ['eng'])
    const bob = identity('e2e-bob', ['dba'])
    try {
      const requested = await first.request({ identity: alice, resource: 'db:prod/orders', actions: ['read'], justification: 'INC-7: orders stuck', duration: HOUR, urgency: 'HIGH' })
      expect(requested.status).toBe('pending')
      expect((await second.listApprovable(bob)).map((r) => r.id)).toContain(requested.id)
      const approved = await second.approve(requested.id, bob)
      expect(approved.status).toBe('active')
      const active = await first.activeGrants({ subject: 'e2e-alice', issuer: ISSUER }, 'db:prod/orders')
      expect(active.map((r) => r.id)).toEqual([requested.id])
      expect((await first.listMine(alice)).map((r) => r.status)).toEqual(['active'])
      // A repeated approval through the other instance makes no second write.
      await first.approve(requested.id, bob)
      expect((await store.get(requested.id))?.version).toBe(approved.version)
    } finally {
      first.close()
      second.close()
    }
  })
})
