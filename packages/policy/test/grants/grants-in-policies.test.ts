import { describe, expect, it } from '@jest/globals'
import {
  createGrantService,
  createMemoryGrantStore,
  createPolicyEngine,
  grantFor,
  grantsProvider,
  loadPolicyDocument,
  permit,
  policy,
  type GrantService,
  type GrantStore,
  type GrantSubjectAttributes,
  type PolicyAttributes,
} from '@portcullis/policy'
import { FROZEN, identity, request } from '../fixtures.js'

const HOUR = 3_600_000
const alice = identity({ subject: 'alice', claims: { sub: 'alice' } })
const bob = identity({ subject: 'bob', claims: { sub: 'bob', groups: ['dba'] } })

function setup(store?: GrantStore): { grants: GrantService; clock: { now: number } } {
  const clock = { now: FROZEN }
  const grants = createGrantService({
    clock: () => clock.now,
    ...(store === undefined ? {} : { store }),
    resources: { 'db:prod/*': { actions: ['read', 'write'], maxDuration: 2 * HOUR, approval: { approvers: { groups: ['dba'] } } } },
  })
  return { grants, clock }
}

async function grantAlice(grants: GrantService, actions = ['write'], resource = 'db:prod/orders'): Promise<string> {
  const req = await grants.request({ identity: alice, resource, actions, justification: 'INC-7', duration: HOUR, urgency: 'HIGH' })
  await grants.approve(req.id, bob)
  return req.id
}

type A = PolicyAttributes<{ grantResource: string }, GrantSubjectAttributes>
const typed = policy({
  id: 'tables',
  rules: [permit('anyone-reads', { actions: ['read'] }), permit<A>('writes-need-a-grant', { actions: ['write'], when: (a) => grantFor(a) !== undefined })],
})

const json = loadPolicyDocument({
  id: 'tables-json',
  rules: [{ id: 'writes-need-a-grant', effect: 'Permit', target: { actions: ['write'] }, when: { op: 'hasGrant', attribute: 'subject.grants', ref: 'action' } }],
})

const decide = (engine: ReturnType<typeof createPolicyEngine>, resource = 'db:prod/orders', action = 'write'): ReturnType<ReturnType<typeof createPolicyEngine>['decide']> =>
  engine.decide({ action, identity: alice, request: request(), resource: () => ({ grantResource: resource }) })

describe.each([
  ['TypeScript', typed],
  ['JSON', json],
])('%s policies see active grants at subject.grants', (_kind, node) => {
  it('permit only with an active grant for this action on this resource, naming the grant', async () => {
    const { grants, clock } = setup()
    const engine = createPolicyEngine(node, { grants, clock: () => clock.now })
    expect((await decide(engine)).decision).toBe('NotApplicable')
    const id = await grantAlice(grants)
    const result = await decide(engine)
    expect(result.decision).toBe('Permit')
    expect(result.explanation.attributes['subject.grants.0.id']).toBe(id)
    expect((await decide(engine, 'db:prod/users')).decision).toBe('NotApplicable') // another resource
    expect((await decide(engine, 'db:prod/orders', 'delete')).decision).toBe('NotApplicable') // another action
  })

  it('expiry is exact: permitted 1 ms before the end, not at the end (no sweeper involved)', async () => {
    const { grants, clock } = setup()
    const engine = createPolicyEngine(node, { grants, clock: () => clock.now })
    const id = await grantAlice(grants)
    const grant = await grants.get(id, alice)
    clock.now = (grant.expiresAt as number) - 1
    expect((await decide(engine)).decision).toBe('Permit')
    clock.now = grant.expiresAt as number
    expect((await decide(engine)).decision).toBe('NotApplicable')
  })

  it('a revoked grant no longer counts on the very next decision', async () => {
    const { grants, clock } = setup()
    const engine = createPolicyEngine(node, { grants, clock: () => clock.now })
    const id = await grantAlice(grants)
    expect((await decide(engine)).decision).toBe('Permit')
    await grants.revoke(id, alice)
    expect((await decide(engine)).decision).toBe('NotApplicable')
  })

  it('a grant on a pattern covers the resources it matches', async () => {
    const { grants, clock } = setup()
    const engine = createPolicyEngine(node, { grants, clock: () => clock.now })
    await grantAlice(grants, ['write'], 'db:prod/*')
    expect((await decide(engine, 'db:prod/users')).decision).toBe('Permit')
    expect((await decide(engine, 'db:staging/users')).decision).toBe('NotApplicable')
  })

  it('a grant store outage is an infrastructure failure (503), never a permit', async () => {
    const inner = createMemoryGrantStore()
    const { grants, clock } = setup(inner)
    await grantAlice(grants)
    const broken = { ...grants, activeGrants: () => Promise.reject(new Error('store down')) }
    const engine = createPolicyEngine(node, { grants: broken, clock: () => clock.now })
    const result = await decide(engine)
    expect(result.decision).not.toBe('Permit')
    expect(result.infrastructureDecisive).toBe(true)
  })
})

describe('grants provider options', () => {
  it('the resource resolver maps the route resource to a grant resource', async () => {
    const { grants, clock } = setup()
    await grantAlice(grants)
    const engine = createPolicyEngine(json, { providers: { grants: grantsProvider({ service: grants, resource: async (c) => `db:prod/${((await c.resource()) as { table: string }).table}` }) }, clock: () => clock.now })
    const result = await engine.decide({ action: 'write', identity: alice, request: request(), resource: () => ({ table: 'orders' }) })
    expect(result.decision).toBe('Permit')
  })

  it('grants and a grants provider together are refused', () => {
    const { grants } = setup()
    expect(() => createPolicyEngine(json, { grants, providers: { grants: grantsProvider(grants) } })).toThrow(/not both/)
  })

  it('hasGrant on something that is not a grant list is Indeterminate, never a permit', async () => {
    const doc = loadPolicyDocument({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'hasGrant', attribute: 'subject.claims.groups', value: 'write' } }] })
    const engine = createPolicyEngine(doc)
    const result = await engine.decide({ action: 'write', identity: identity({ claims: { groups: 'write' } }), request: request() })
    expect(result.decision).toMatch(/^Indeterminate/)
  })
})
