import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import type { AuditEvent } from '@portcullis/core'
import { createGrantService, type GrantNotification } from '@portcullis/policy'
import { FROZEN, identity } from '../fixtures.js'

const MINUTE = 60_000
const people = ['alice', 'bob', 'carol', 'dave', 'lead'].map((subject) =>
  identity({ subject, claims: { sub: subject, groups: subject === 'lead' ? ['leads'] : subject === 'alice' ? [] : ['dba'] } }),
)

type Op =
  | { kind: 'approve' | 'reject' | 'revoke'; who: number }
  | { kind: 'extend'; who: number; minutes: number }
  | { kind: 'tick'; minutes: number }
  | { kind: 'sweep' }

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('approve' as const, 'reject' as const, 'revoke' as const), who: fc.nat({ max: 4 }) }),
  fc.record({ kind: fc.constant('extend' as const), who: fc.nat({ max: 4 }), minutes: fc.integer({ min: 1, max: 40 }) }),
  fc.record({ kind: fc.constant('tick' as const), minutes: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('sweep' as const) }),
)

describe('grant lifecycle (property)', () => {
  it('whatever the interleaving of votes, revocations, extensions, time and sweeps: at most one grant, never after a rejection, never self-approved, never past its end or its extension limit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(fc.array(op, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 12 }), async (batches) => {
        const clock = { now: FROZEN }
        const events: AuditEvent[] = []
        const grants = createGrantService({
          clock: () => clock.now,
          audit: (e) => void events.push(e),
          resources: { r: { actions: ['x'], maxDuration: 60 * MINUTE, maxExtension: 30 * MINUTE, approval: { approvers: { groups: ['dba'] }, required: 2, escalation: { after: 30 * MINUTE, approvers: { groups: ['leads'] }, required: 1 } } } },
        })
        const request = await grants.request({ identity: people[0] as never, resource: 'r', actions: ['x'], justification: 'j', duration: 60 * MINUTE, urgency: 'HIGH' })
        for (const batch of batches) {
          // Each batch runs concurrently: votes race each other, revocations and sweeps.
          await Promise.allSettled(
            batch.map((o) => {
              const who = people[(o as { who?: number }).who ?? 0] as never
              switch (o.kind) {
                case 'approve':
                  return grants.approve(request.id, who)
                case 'reject':
                  return grants.reject(request.id, who)
                case 'revoke':
                  return grants.revoke(request.id, who)
                case 'extend':
                  return grants.extend(request.id, who, { duration: o.minutes * MINUTE, justification: 'more' })
                case 'tick':
                  clock.now += o.minutes * MINUTE
                  return Promise.resolve()
                case 'sweep':
                  return grants.sweep()
              }
            }),
          )
          const record = await grants.get(request.id, people[0] as never)
          const active = await grants.activeGrants({ subject: 'alice', issuer: record.requester.issuer })
          if (active.length > 0) {
            expect(record.status).toBe('active')
            expect(clock.now).toBeLessThan(record.expiresAt as number)
          }
          expect(record.approvals.every((v) => v.approver.subject !== 'alice')).toBe(true)
          expect(new Set(record.approvals.map((v) => v.approver.subject)).size).toBe(record.approvals.length)
          expect(record.extensions.reduce((s, e) => s + e.duration, 0)).toBeLessThanOrEqual(30 * MINUTE)
        }
        const lifecycle = events.map((e) => e.grant?.lifecycle)
        expect(lifecycle.filter((l) => l === 'granted').length).toBeLessThanOrEqual(1)
        const rejected = lifecycle.indexOf('rejected')
        if (rejected !== -1) expect(lifecycle.slice(rejected).includes('granted')).toBe(false)
        expect(lifecycle.filter((l) => l === 'expired').length).toBeLessThanOrEqual(1)
      }),
      { numRuns: 150 },
    )
  })
})

describe('sweeper notifications', () => {
  it('escalates a stale request and warns before expiry, once each', async () => {
    const clock = { now: FROZEN }
    const sent: GrantNotification[] = []
    const grants = createGrantService({
      clock: () => clock.now,
      notifier: { notify: (n) => void sent.push(n) },
      expiryWarning: 5 * MINUTE,
      resources: { r: { actions: ['x'], maxDuration: 60 * MINUTE, approval: { approvers: { groups: ['dba'] }, escalation: { after: 10 * MINUTE, approvers: { groups: ['leads'] } } } } },
    })
    const request = await grants.request({ identity: people[0] as never, resource: 'r', actions: ['x'], justification: 'j', duration: 20 * MINUTE, urgency: 'HIGH' })
    clock.now += 10 * MINUTE
    expect(await grants.sweep()).toMatchObject({ escalated: 1 })
    expect(await grants.sweep()).toMatchObject({ escalated: 0 })
    await grants.approve(request.id, people[4] as never) // the lead, after escalation
    clock.now += 15 * MINUTE
    expect(await grants.sweep()).toMatchObject({ warned: 1 })
    expect(await grants.sweep()).toMatchObject({ warned: 0 })
    clock.now += 5 * MINUTE
    expect(await grants.sweep()).toMatchObject({ expired: 1 })
    expect(sent.map((n) => n.kind)).toEqual(['pending_approval', 'escalated', 'approved', 'granted', 'expiry_warning', 'expired'])
  })

  it('a grant revoked while provisioning runs never becomes active, and onEnded undoes it', async () => {
    let release: () => void = () => undefined
    const ended: string[] = []
    const grants = createGrantService({
      clock: () => FROZEN,
      provisioning: { onGranted: () => new Promise<void>((resolve) => (release = resolve)), onEnded: (g) => void ended.push(g.status) },
      resources: { r: { actions: ['x'], maxDuration: 60 * MINUTE, autoApprove: {} } },
    })
    const pending = grants.request({ identity: people[0] as never, resource: 'r', actions: ['x'], justification: 'j', duration: 20 * MINUTE, urgency: 'HIGH' })
    await new Promise((resolve) => setImmediate(resolve))
    const [record] = await grants.listMine(people[0] as never)
    expect(record?.status).toBe('provisioning')
    await grants.revoke(record?.id as string, people[0] as never)
    release()
    expect((await pending).status).toBe('revoked')
    expect(ended).toEqual(['revoked'])
  })
})
