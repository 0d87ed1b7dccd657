// The policy README's examples (packages/policy/README.md), run as written (with in-memory stand-ins for the app's
// store and directory), so the documentation cannot drift from the API.
import { describe, expect, it } from '@jest/globals'
import { DEFAULT_AUTH_CONTEXT, type Identity, type PortcullisRequest } from '@portcullis/core'
import {
  createPolicyEngine,
  createPolicyRequirement,
  deny,
  loadPolicyDocument,
  lowDeviceTrust,
  offHours,
  permit,
  policy,
  stepUp,
  untrustedNetwork,
  type ObligationHandler,
  type PolicyEngine,
  type PolicyAttributes,
} from '@portcullis/policy'
import { FROZEN, identity as makeIdentity, rejection, request as makeRequest } from './fixtures.js'

type Doc = { owner: string; department: string; classification: string }
type A = PolicyAttributes<Doc>

const documents = policy({
  id: 'documents',
  target: { resourceTypes: ['document'] },
  rules: [
    permit<A>('owner-reads', { actions: ['read'], when: (a) => a.require('resource.owner') === a.require('subject.id') }),
    permit<A>('department-reads', { actions: ['read'], when: (a) => a.require('subject.claims.department') === a.require('resource.department') }),
    permit<A>('restricted-update', { actions: ['update'], obligations: [stepUp({ acrValues: ['urn:example:mfa'], maxAge: 300 })] }),
    deny<A>('untrusted-network', { when: (a) => a.require('environment.zone') === 'untrusted' }),
  ],
})

describe('README examples', () => {
  const store = new Map<string, Doc>([['42', { owner: 'bob', department: 'eng', classification: 'INTERNAL' }]])
  const identity = makeIdentity()
  const request = makeRequest({ remoteAddress: '10.1.1.1' })

  it('Policies: TypeScript form', async () => {
    const engine = createPolicyEngine(documents, { environment: { zones: { corporate: ['10.0.0.0/8'] } } })
    const read = createPolicyRequirement(engine, { action: 'read', resourceType: 'document', resource: (req: { id: string }) => store.get(req.id) })
    async function readDocument(request: PortcullisRequest, identity: Identity | undefined, id: string) {
      const { decisionId, responseHeaders } = await read.enforce({ request, identity, context: DEFAULT_AUTH_CONTEXT, input: { id } })
      return { document: store.get(id), decisionId, responseHeaders }
    }
    const { document, decisionId, responseHeaders } = await readDocument(request, identity, '42')
    expect(document).toEqual(store.get('42'))
    expect(engine.explain(decisionId)?.determining).toEqual(['department-reads'])
    expect(responseHeaders).toEqual({})
    const outside = await rejection(() => readDocument(makeRequest({ remoteAddress: '8.8.8.8' }), identity, '42'))
    expect(outside.status).toBe(403)
  })

  it('Policies: JSON form', async () => {
    const doc = loadPolicyDocument({
      id: 'documents',
      levels: { classification: ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] },
      target: { resourceTypes: ['document'] },
      rules: [
        {
          id: 'clearance',
          effect: 'Permit',
          target: { actions: ['read'] },
          when: {
            all: [
              { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.clearance', ref: 'resource.classification' },
              { op: 'eq', attribute: 'subject.claims.department', ref: 'resource.department' },
              { op: 'withinBusinessHours', attribute: 'environment.time', value: { timeZone: { attribute: 'resource.site.timeZone' }, holidays: ['2026-12-25'] } },
            ],
          },
          obligations: [
            { id: 'step-up', when: { op: 'eq', attribute: 'resource.classification', value: 'RESTRICTED' }, params: { acrValues: ['mfa'] }, paramsFrom: { maxAge: 'resource.stepUpMaxAge' } },
          ],
        },
        { id: 'risky', effect: 'Deny', when: { op: 'gt', attribute: 'environment.risk.score', value: 50 } },
        { id: 'outside', effect: 'Deny', when: { op: 'ipNotInRange', attribute: 'environment.ip', value: ['10.0.0.0/8'] } },
        {
          id: 'hr-only-from-hr',
          effect: 'Deny',
          target: { match: { op: 'eq', attribute: 'resource.department', value: 'hr' } },
          when: { op: 'ne', attribute: 'subject.claims.department', value: 'hr' },
        },
      ],
    })
    const engine = createPolicyEngine(doc, {
      clock: () => FROZEN,
      environment: {
        timeZone: 'Europe/Paris',
        trustedProxies: ['10.0.0.0/8'],
        zones: { corporate: ['192.168.0.0/16'], vpn: ['100.64.0.0/10'] },
        deviceTrust: { header: 'x-device-trust', values: ['low', 'medium', 'high'] },
        risk: { factors: [untrustedNetwork({ trustedZones: ['corporate', 'vpn'] }), offHours({ hours: { timeZone: 'Europe/Paris' } }), lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] })] },
      },
    })
    const who = makeIdentity({ claims: { clearance: 'CONFIDENTIAL', department: 'eng' } })
    const site = { ...store.get('42'), site: { timeZone: 'Europe/Paris' } }
    const result = await engine.decide({ action: 'read', resourceType: 'document', identity: who, request: makeRequest({ remoteAddress: '10.1.1.1', headers: { 'x-device-trust': 'high' } }), resource: () => site })
    // 10.1.1.1 is a trusted proxy without forwarding header: the zone is untrusted (40 points), under the threshold.
    expect(result.decision).toBe('Permit')
    expect(result.explanation.risk?.factors.map((f) => f.name)).toEqual(['untrusted-network'])
  })

  it('Obligations: a custom handler', async () => {
    const requireTicket: ObligationHandler = (_obligation, { request: r }) =>
      typeof r.headers['x-change-ticket'] === 'string' ? { fulfilled: true } : { fulfilled: false, reason: 'no change ticket' }
    const engine = createPolicyEngine(
      policy({ id: 'ops', rules: [permit('deploy', { actions: ['deploy'], obligations: [{ id: 'require-ticket' }] })] }),
      { obligationHandlers: { 'require-ticket': requireTicket } },
    )
    const deploy = createPolicyRequirement(engine, { action: 'deploy' })
    await expect(deploy.enforce({ request: makeRequest({ headers: { 'x-change-ticket': 'CHG-1' } }), identity, context: DEFAULT_AUTH_CONTEXT, input: {} })).resolves.toBeDefined()
    expect((await rejection(() => deploy.enforce({ request: makeRequest(), identity, context: DEFAULT_AUTH_CONTEXT, input: {} }))).status).toBe(403)
  })

  it('Explanations', async () => {
    async function whyRead(engine: PolicyEngine, identity: Identity | undefined, request: PortcullisRequest, doc: unknown) {
      const result = await engine.decide({ action: 'read', resourceType: 'document', identity, request, resource: () => doc })
      return { result, later: engine.explain(result.decisionId) }
    }
    const { result, later } = await whyRead(createPolicyEngine(documents), identity, request, store.get('42'))
    // No zones configured: every address is in the fallback zone 'untrusted', and the deny wins.
    expect(result.decision).toBe('Deny')
    expect(result.explanation.determining).toEqual(['untrusted-network'])
    expect(later?.decisionId).toBe(result.decisionId)
    expect(JSON.parse(JSON.stringify(result.explanation))).toMatchObject({ decision: 'Deny', attributes: { 'environment.zone': 'untrusted' } })
  })
})
