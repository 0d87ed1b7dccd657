import { describe, expect, it } from '@jest/globals'
import type { AuditEvent, Identity } from '@portcullis/core'
import { createGrantService, createMemoryGrantStore, type GrantRecord, type GrantResourceConfig, type GrantServiceOptions, type GrantStore } from '@portcullis/policy'
import { FROZEN, identity, rejection } from '../fixtures.js'

const HOUR = 3_600_000
const alice = identity({ subject: 'alice', claims: { sub: 'alice', groups: ['eng'] } })
const bob = identity({ subject: 'bob', claims: { sub: 'bob', groups: ['dba'] } })
const carol = identity({ subject: 'carol', claims: { sub: 'carol', groups: ['dba'] } })
const dave = identity({ subject: 'dave', claims: { sub: 'dave', groups: ['sre-leads'] } })
const mallory = identity({ subject: 'mallory', claims: { sub: 'mallory', groups: ['eng'] } })
const admin = identity({ subject: 'root', scopes: ['grants:admin'], claims: { sub: 'root' } })

const resources: Record<string, GrantResourceConfig> = {
  'db:prod/*': {
    actions: ['read', 'write'],
    maxDuration: 4 * HOUR,
    maxExtension: HOUR,
    approval: { approvers: { groups: ['dba'] }, required: 2, escalation: { after: 30 * 60_000, approvers: { groups: ['sre-leads'] }, required: 1 } },
  },
  'wiki:ops': { actions: ['edit'], maxDuration: 2 * HOUR, autoApprove: { groups: ['eng'], maxDuration: HOUR } },
  'vault:root': { actions: ['read'], maxDuration: HOUR, sensitive: true, approval: { approvers: { users: ['bob'] } }, extensionRequiresApproval: true, maxExtension: HOUR },
}

function setup(extra: Partial<GrantServiceOptions> = {}): { grants: ReturnType<typeof createGrantService>; clock: { now: number }; events: AuditEvent[] } {
  const clock = { now: FROZEN }
  const events: AuditEvent[] = []
  const grants = createGrantService({ resources, clock: () => clock.now, audit: (e) => void events.push(e), admins: { scopes: ['grants:admin'] }, ...extra })
  return { grants, clock, events }
}

const ask = (who: Identity, extra: Record<string, unknown> = {}): Parameters<ReturnType<typeof createGrantService>['request']>[0] =>
  ({ identity: who, resource: 'db:prod/orders', actions: ['read'], justification: 'INC-42: orders stuck', duration: 2 * HOUR, urgency: 'HIGH', ...extra }) as never

describe('grant requests: validation', () => {
  it.each([
    [{ resource: 'db:staging/orders' }, 'unknown_resource', 'resource', 400],
    [{ resource: 'db:*' }, 'unknown_resource', 'resource', 400],
    [{ resource: 42 }, 'invalid_input', 'resource', 400],
    [{ actions: ['read', 'drop'] }, 'action_not_grantable', 'actions[1]', 400],
    [{ actions: ['read', 'read'] }, 'invalid_input', 'actions[1]', 400],
    [{ actions: [] }, 'invalid_input', 'actions', 400],
    [{ justification: '   ' }, 'invalid_input', 'justification', 400],
    [{ justification: 'x'.repeat(1001) }, 'invalid_input', 'justification', 400],
    [{ justification: 'ok\u001b[2K\rFAKE LOG LINE' }, 'invalid_input', 'justification', 400],
    [{ duration: 0 }, 'invalid_input', 'duration', 400],
    [{ duration: 1.5 }, 'invalid_input', 'duration', 400],
    [{ duration: 6 * HOUR + 1 }, 'duration_exceeded', 'duration', 400],
    [{ urgency: 'URGENT' }, 'invalid_input', 'urgency', 400],
  ])('case %# is refused with %s', async (input, code, field, status) => {
    const { grants } = setup()
    const error = await rejection(() => grants.request(ask(alice, input)))
    expect(error).toMatchObject({ name: 'GrantError', code, field, status })
  })

  it('refuses a duplicate active or pending grant with overlapping actions, not a disjoint one', async () => {
    const { grants } = setup()
    await grants.request(ask(alice, { actions: ['read'] }))
    expect(await rejection(() => grants.request(ask(alice, { actions: ['write', 'read'] })))).toMatchObject({ code: 'duplicate_grant', status: 409 })
    await expect(grants.request(ask(alice, { actions: ['write'] }))).resolves.toMatchObject({ status: 'pending' })
    await expect(grants.request(ask(alice, { resource: 'db:prod/users' }))).resolves.toMatchObject({ status: 'pending' })
  })

  it('concurrent identical requests make one request', async () => {
    const { grants } = setup()
    const results = await Promise.allSettled([grants.request(ask(alice)), grants.request(ask(alice)), grants.request(ask(alice))])
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1)
  })
})

describe('granted duration and urgency', () => {
  it.each([
    ['LOW', 2 * HOUR, 2 * HOUR],
    ['LOW', 3 * HOUR, 2 * HOUR],
    ['MEDIUM', 4 * HOUR, 3 * HOUR],
    ['HIGH', 5 * HOUR, 4 * HOUR],
  ])('%s request for %d ms is granted min(requested, max × multiplier) = %d', async (urgency, duration, granted) => {
    const { grants } = setup()
    const request = await grants.request(ask(alice, { urgency, duration }))
    expect(request.grantedDuration).toBe(granted)
  })

  it('multipliers are configurable', async () => {
    const { grants } = setup({ urgencyMultipliers: { LOW: 0.25 } })
    expect((await grants.request(ask(alice, { urgency: 'LOW', duration: 4 * HOUR }))).grantedDuration).toBe(HOUR)
  })
})

describe('fresh MFA for CRITICAL requests and sensitive resources (RFC 9470)', () => {
  it('RFC 9470 §3: a stale auth_time is refused with 401 insufficient_user_authentication and max_age; a fresh one is accepted', async () => {
    const { grants, clock } = setup()
    const stale = { ...alice, authTime: new Date(clock.now - 301_000) }
    const error = await rejection(() => grants.request(ask(stale, { urgency: 'CRITICAL' })))
    expect(error).toMatchObject({ code: 'insufficient_user_authentication', status: 401 })
    expect((error.headers as Record<string, string>)['www-authenticate'] ?? (error.headers as Record<string, string>)['WWW-Authenticate']).toMatch(/max_age="?300/)
    expect(await rejection(() => grants.request(ask(alice, { urgency: 'CRITICAL' })))).toMatchObject({ code: 'insufficient_user_authentication' })
    const freshAlice = { ...alice, authTime: new Date(clock.now - 60_000) }
    await expect(grants.request(ask(freshAlice, { urgency: 'CRITICAL' }))).resolves.toMatchObject({ status: 'pending', grantedDuration: 2 * HOUR })
  })

  it('a sensitive resource demands it at any urgency', async () => {
    const { grants } = setup()
    expect(await rejection(() => grants.request(ask(alice, { resource: 'vault:root', urgency: 'LOW', duration: HOUR })))).toMatchObject({ code: 'insufficient_user_authentication' })
  })
})

describe('auto-approval', () => {
  it('grants at once inside the criteria, with audit of requested, auto_approved and granted', async () => {
    const { grants, events, clock } = setup()
    const grant = await grants.request(ask(alice, { resource: 'wiki:ops', actions: ['edit'], duration: HOUR, urgency: 'HIGH' }))
    expect(grant).toMatchObject({ status: 'active', autoApproved: true, startsAt: clock.now, expiresAt: clock.now + HOUR })
    expect(events.map((e) => e.grant?.lifecycle)).toEqual(['requested', 'auto_approved', 'granted'])
    expect(events[0]).toMatchObject({ event: 'authz_change', user_id: 'alice', grant: { id: grant.id, why: 'INC-42: orders stuck', resource: 'wiki:ops', actions: ['edit'] } })
  })

  it('outside the criteria (group, duration) and without approvers the request is refused', async () => {
    const { grants } = setup()
    expect(await rejection(() => grants.request(ask(bob, { resource: 'wiki:ops', actions: ['edit'], duration: HOUR })))).toMatchObject({ code: 'forbidden', status: 403 })
    expect(await rejection(() => grants.request(ask(alice, { resource: 'wiki:ops', actions: ['edit'], duration: 2 * HOUR })))).toMatchObject({ code: 'forbidden' })
  })

  it('time windows are evaluated at the request time', async () => {
    const clock = { now: Date.parse('2026-01-05T10:00:00Z') } // a Monday
    const grants = createGrantService({
      clock: () => clock.now,
      resources: { 'deploy:prod': { actions: ['deploy'], maxDuration: HOUR, autoApprove: { windows: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '09:00', end: '17:00', timeZone: 'UTC' }] }, approval: { approvers: { users: ['bob'] } } } },
    })
    expect((await grants.request(ask(alice, { resource: 'deploy:prod', actions: ['deploy'], duration: HOUR }))).status).toBe('active')
    clock.now = Date.parse('2026-01-05T18:00:00Z')
    expect((await grants.request(ask(bob, { resource: 'deploy:prod', actions: ['deploy'], duration: HOUR }))).status).toBe('pending')
  })
})

describe('approval workflow', () => {
  it('needs n of m distinct approvers; the grant starts at the final approval', async () => {
    const { grants, clock, events } = setup()
    const request = await grants.request(ask(alice))
    clock.now += 60_000
    expect(await grants.approve(request.id, bob, { comment: 'ok' })).toMatchObject({ status: 'pending' })
    clock.now += 60_000
    const grant = await grants.approve(request.id, carol)
    expect(grant).toMatchObject({ status: 'active', startsAt: clock.now, expiresAt: clock.now + 2 * HOUR })
    expect(grant.approvals.map((v) => v.approver.subject)).toEqual(['bob', 'carol'])
    expect(events.map((e) => e.grant?.lifecycle)).toEqual(['requested', 'approved', 'approved', 'granted'])
    expect(events[1]).toMatchObject({ user_id: 'bob', grant: { actor: 'bob', why: 'ok' } })
  })

  it('refuses self-approval, non-approvers, and counts one vote per approver (double approval is idempotent)', async () => {
    const { grants } = setup()
    const request = await grants.request(ask(bob)) // bob is a dba himself
    expect(await rejection(() => grants.approve(request.id, bob))).toMatchObject({ code: 'self_approval', status: 403 })
    expect(await rejection(() => grants.approve(request.id, mallory))).toMatchObject({ code: 'forbidden', status: 403 })
    const once = await grants.approve(request.id, carol)
    const twice = await grants.approve(request.id, carol)
    expect(twice.status).toBe('pending')
    expect(twice.approvals).toHaveLength(1)
    expect(twice.version).toBe(once.version)
  })

  it('a retried final approval returns the grant unchanged', async () => {
    const { grants } = setup()
    const request = await grants.request(ask(alice))
    await grants.approve(request.id, bob)
    const grant = await grants.approve(request.id, carol)
    const again = await grants.approve(request.id, carol)
    expect(again).toEqual(grant)
  })

  it('any rejection ends the request; no approval after it', async () => {
    const { grants } = setup()
    const request = await grants.request(ask(alice))
    await grants.approve(request.id, bob)
    expect(await grants.reject(request.id, carol, { comment: 'use the replica' })).toMatchObject({ status: 'rejected', rejection: { comment: 'use the replica' } })
    expect(await rejection(() => grants.approve(request.id, carol))).toMatchObject({ code: 'invalid_state', status: 409 })
    expect(await grants.activeGrants({ subject: 'alice', issuer: alice.issuer })).toEqual([])
  })

  it('escalates lazily after the timeout: the second set may approve, and the escalation is audited once', async () => {
    const { grants, clock, events } = setup()
    const request = await grants.request(ask(alice))
    expect(await rejection(() => grants.approve(request.id, dave))).toMatchObject({ code: 'forbidden' })
    expect(await grants.listApprovable(dave)).toEqual([])
    clock.now += 30 * 60_000
    expect((await grants.listApprovable(dave)).map((r) => r.id)).toEqual([request.id])
    const grant = await grants.approve(request.id, dave)
    expect(grant.status).toBe('active') // escalation.required = 1
    expect(events.filter((e) => e.grant?.lifecycle === 'escalated')).toHaveLength(1)
  })

  it('a pending request nobody decides expires', async () => {
    const { grants, clock } = setup({ requestTtl: HOUR })
    const request = await grants.request(ask(alice))
    clock.now += HOUR
    expect(await rejection(() => grants.approve(request.id, bob))).toMatchObject({ code: 'invalid_state' })
    expect((await grants.get(request.id, alice)).status).toBe('expired')
  })

  it('concurrent approvals of one request make exactly one grant', async () => {
    const approvers = Array.from({ length: 6 }, (_, i) => identity({ subject: `dba${i}`, claims: { groups: ['dba'] } }))
    let granted = 0
    const { grants } = setup({ audit: (e) => void (e.grant?.lifecycle === 'granted' && granted++) })
    const request = await grants.request(ask(alice))
    const results = await Promise.allSettled(approvers.map((a) => grants.approve(request.id, a)))
    const final = await grants.get(request.id, alice)
    expect(final.status).toBe('active')
    expect(final.approvals).toHaveLength(2) // the quorum; later voters found it decided
    expect(granted).toBe(1)
    expect(results.filter((r) => r.status === 'rejected').every((r) => (r as PromiseRejectedResult).reason.code === 'invalid_state')).toBe(true)
  })

  it('an approval racing a rejection never yields a grant after the rejection', async () => {
    for (let round = 0; round < 20; round++) {
      const { grants } = setup({ resources: { r: { actions: ['x'], maxDuration: HOUR, approval: { approvers: { groups: ['dba'] } } } } })
      const request = await grants.request(ask(alice, { resource: 'r', actions: ['x'], duration: HOUR }))
      const [approved, rejected] = await Promise.allSettled([grants.approve(request.id, bob), grants.reject(request.id, carol)])
      const final = await grants.get(request.id, alice)
      if (final.status === 'rejected') {
        expect(approved.status).toBe('rejected')
        expect(await grants.activeGrants({ subject: 'alice', issuer: alice.issuer })).toEqual([])
      } else {
        expect(final.status).toBe('active')
        expect(rejected.status).toBe('rejected')
      }
    }
  })

  it('a store whose compare-and-set keeps losing answers 503, never a double grant', async () => {
    const inner = createMemoryGrantStore()
    const store: GrantStore = { ...inner, compareAndSet: () => Promise.resolve(false) }
    const { grants } = setup({ store })
    const request = await grants.request(ask(alice))
    expect(await rejection(() => grants.approve(request.id, bob))).toMatchObject({ code: 'temporarily_unavailable', status: 503 })
  })

  it('a compare-and-set that keeps losing on a request due for escalation or expiry answers 503, never loops', async () => {
    const inner = createMemoryGrantStore()
    let lose = false
    const store: GrantStore = { ...inner, compareAndSet: (next, expected) => (lose ? Promise.resolve(false) : inner.compareAndSet(next, expected)) }
    const { grants, clock } = setup({ store, requestTtl: HOUR })
    const request = await grants.request(ask(alice))
    lose = true
    clock.now += HOUR
    expect(await rejection(() => grants.get(request.id, alice))).toMatchObject({ code: 'temporarily_unavailable', status: 503 })
    await expect(grants.sweep()).resolves.toMatchObject({ expired: 0 })
  })

  it('a failing store answers 503 (fail closed)', async () => {
    const store: GrantStore = { ...createMemoryGrantStore(), list: () => Promise.reject(new Error('down')) }
    const { grants } = setup({ store })
    expect(await rejection(() => grants.request(ask(alice)))).toMatchObject({ code: 'temporarily_unavailable', status: 503 })
  })
})

async function activeGrant(grants: ReturnType<typeof createGrantService>): Promise<GrantRecord> {
  const request = await grants.request(ask(alice))
  await grants.approve(request.id, bob)
  return grants.approve(request.id, carol)
}

describe('expiry, extension, revocation', () => {
  it('a grant counts until its end exclusive, whatever the sweeper did', async () => {
    const { grants, clock } = setup()
    const grant = await activeGrant(grants)
    const principal = { subject: 'alice', issuer: alice.issuer }
    clock.now = (grant.expiresAt as number) - 1
    expect(await grants.activeGrants(principal, 'db:prod/orders')).toHaveLength(1)
    clock.now = grant.expiresAt as number
    expect(await grants.activeGrants(principal, 'db:prod/orders')).toEqual([])
  })

  it('the sweeper marks ended grants expired once, with their event and the onEnded hook', async () => {
    const ended: string[] = []
    const { grants, clock, events } = setup({ provisioning: { onEnded: (g) => void ended.push(g.id) } })
    const grant = await activeGrant(grants)
    expect(await grants.sweep()).toMatchObject({ expired: 0 })
    clock.now = grant.expiresAt as number
    expect(await grants.sweep()).toMatchObject({ expired: 1 })
    expect(await grants.sweep()).toMatchObject({ expired: 0 })
    expect(ended).toEqual([grant.id])
    expect(events.filter((e) => e.grant?.lifecycle === 'expired')).toHaveLength(1)
  })

  it('extends within the per-resource limit, refuses beyond it', async () => {
    const { grants } = setup()
    const grant = await activeGrant(grants)
    const extended = await grants.extend(grant.id, alice, { duration: 40 * 60_000, justification: 'still investigating' })
    expect(extended.expiresAt).toBe((grant.expiresAt as number) + 40 * 60_000)
    const error = await rejection(() => grants.extend(grant.id, alice, { duration: 21 * 60_000, justification: 'more' }))
    expect(error).toMatchObject({ code: 'extension_exceeded', status: 400, field: 'duration' })
    expect(await rejection(() => grants.extend(grant.id, bob, { duration: 60_000, justification: 'x' }))).toMatchObject({ code: 'forbidden' })
  })

  it('an extension on a resource that demands approval waits for it', async () => {
    const { grants, clock } = setup()
    const freshAlice = { ...alice, authTime: new Date(clock.now) }
    const request = await grants.request(ask(freshAlice, { resource: 'vault:root', duration: HOUR }))
    const grant = await grants.approve(request.id, bob)
    const pending = await grants.extend(grant.id, alice, { duration: 30 * 60_000, justification: 'rotation not done' })
    expect(pending.expiresAt).toBe(grant.expiresAt)
    expect((await grants.listApprovable(bob)).map((r) => r.id)).toEqual([grant.id])
    const approved = await grants.approve(grant.id, bob)
    expect(approved.expiresAt).toBe((grant.expiresAt as number) + 30 * 60_000)
    expect(approved.pendingExtension).toBeUndefined()
  })

  it('revocation by the holder, an approver or an admin; idempotent; refused to others', async () => {
    for (const who of [alice, bob, admin]) {
      const { grants } = setup()
      const grant = await activeGrant(grants)
      expect(await rejection(() => grants.revoke(grant.id, mallory))).toMatchObject({ code: 'forbidden' })
      const revoked = await grants.revoke(grant.id, who, { reason: 'done' })
      expect(revoked).toMatchObject({ status: 'revoked', endReason: 'done' })
      expect(await grants.revoke(grant.id, who)).toEqual(revoked)
      expect(await grants.activeGrants({ subject: 'alice', issuer: alice.issuer })).toEqual([])
    }
  })
})

describe('provisioning', () => {
  it('a failed onGranted fails the grant (never active), audits it, and calls onEnded to undo', async () => {
    const ended: string[] = []
    const { grants, events } = setup({
      resources: { 'wiki:ops': resources['wiki:ops'] as GrantResourceConfig },
      provisioning: { onGranted: () => Promise.reject(new Error('IAM down')), onEnded: (g) => void ended.push(g.status) },
    })
    const grant = await grants.request(ask(alice, { resource: 'wiki:ops', actions: ['edit'], duration: HOUR }))
    expect(grant.status).toBe('failed')
    expect(await grants.activeGrants({ subject: 'alice', issuer: alice.issuer })).toEqual([])
    expect(events.find((e) => e.grant?.lifecycle === 'provisioning_failed')).toMatchObject({ level: 'CRITICAL', outcome: 'failure', grant: { why: 'onGranted: IAM down' } })
    expect(ended).toEqual(['failed'])
  })

  it('a hook that hangs is cut off by the timeout', async () => {
    const { grants } = setup({ resources: { 'wiki:ops': resources['wiki:ops'] as GrantResourceConfig }, provisioning: { onGranted: () => new Promise(() => undefined), timeout: 50 } })
    expect((await grants.request(ask(alice, { resource: 'wiki:ops', actions: ['edit'], duration: HOUR }))).status).toBe('failed')
  })
})

describe('configuration', () => {
  it.each([
    [{ resources: {} }, /at least one/],
    [{ resources: { r: { actions: ['x'], maxDuration: HOUR } } }, /autoApprove or approval/],
    [{ resources: { r: { actions: [], maxDuration: HOUR, autoApprove: {} } } }, /actions/],
    [{ resources: { r: { actions: ['x'], maxDuration: -1, autoApprove: {} } } }, /maxDuration/],
    [{ resources: { r: { actions: ['x'], maxDuration: HOUR, approval: { approvers: {} } } } }, /names nobody/],
    [{ resources, urgencyMultipliers: { LOW: 0 } }, /LOW/],
    [{ resources, sweepInterval: 5 }, /sweepInterval/],
  ])('configuration %# is refused at creation', (options, message) => {
    expect(() => createGrantService(options as never)).toThrow(message)
  })

  it('the sweep timer is unref()ed and stops on close()', () => {
    const grants = createGrantService({ resources, sweepInterval: 1000 })
    grants.close()
    expect(() => grants.close()).not.toThrow()
  })

  it('the memory store is bounded: ended records are evicted first, live ones never', async () => {
    const store = createMemoryGrantStore({ maxRecords: 2 })
    const { grants } = setup({ store })
    const first = await grants.request(ask(alice))
    await grants.request(ask(mallory))
    expect(await rejection(() => grants.request(ask(carol)))).toMatchObject({ code: 'capacity_exceeded', status: 503 })
    await grants.revoke(first.id, alice)
    await expect(grants.request(ask(carol))).resolves.toMatchObject({ status: 'pending' })
    expect(await store.get(first.id)).toBeUndefined()
  })
})
