// The fail-safe law, checked from outside on a documents policy written in both forms (JSON
// document + TypeScript rules, risk threshold, providers): no missing or failing attribute,
// provider or risk input turns a decision into Permit that would not be Permit with that input
// present, whatever its value (in particular the unfavourable one).
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  createPolicyEngine,
  deny,
  loadPolicyDocument,
  lowDeviceTrust,
  offHours,
  permit,
  policy,
  policySet,
  untrustedNetwork,
  type CombiningAlgorithm,
  type PolicyAttributes,
} from '@portcullis/policy'
import { identity, request } from './fixtures.js'

const DOMAINS = {
  clearance: ['INTERNAL', 'RESTRICTED'],
  subjectDepartment: ['eng', 'hr'],
  classification: ['INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'],
  resourceDepartment: ['eng', 'hr'],
  siteTimeZone: ['Europe/Paris', 'America/New_York'],
  deviceTrust: ['low', 'high'],
  ip: ['10.1.2.3', '203.0.113.9'],
  owner: ['alice', 'bob'],
  blocked: [false, true],
  stepUpMaxAge: [300, 600],
} as const
type Input = keyof typeof DOMAINS
const INPUTS = Object.keys(DOMAINS) as Input[]
// An input's state: a present value, absent, or (for provider-served inputs) a failing provider.
type State = { kind: 'value'; value: unknown } | { kind: 'missing' } | { kind: 'failing' }
type Request = Record<Input, State>
// Inputs served by a provider can also fail; the others can only be missing.
const PROVIDED: ReadonlySet<Input> = new Set(['blocked', 'deviceTrust'])

const json = loadPolicyDocument({
  id: 'documents',
  levels: { classification: ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] },
  policies: [
    {
      id: 'readers',
      rules: [
        {
          id: 'clearance-in-department',
          effect: 'Permit',
          target: { actions: ['read'] },
          when: { all: [
            { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.clearance', ref: 'resource.classification' },
            { op: 'eq', attribute: 'subject.claims.department', ref: 'resource.department' },
          ] },
          obligations: [{ id: 'enhanced-monitoring', when: { op: 'eq', attribute: 'resource.classification', value: 'RESTRICTED' }, paramsFrom: { level: 'resource.auditLevel' } }],
        },
      ],
    },
    {
      id: 'sensitive',
      target: { match: { op: 'levelAtLeast', scale: 'classification', attribute: 'resource.classification', value: 'CONFIDENTIAL' } },
      rules: [
        { id: 'outside-hours', effect: 'Deny', when: { not: { op: 'withinBusinessHours', attribute: 'environment.time', value: { timeZone: { attribute: 'resource.siteTimeZone' } } } } },
        { id: 'untrusted-network', effect: 'Deny', when: { op: 'eq', attribute: 'environment.zone', value: 'untrusted' } },
        { id: 'low-trust-device', effect: 'Deny', when: { op: 'eq', attribute: 'environment.deviceTrust', value: 'low' } },
      ],
    },
  ],
})
type Doc = PolicyAttributes<{ owner: string }, { directory: { blocked: boolean } }>
const typed = policy({
  id: 'typed',
  rules: [
    permit<Doc>('owner-updates', { actions: ['update'], when: (a) => a.require('resource.owner') === a.require('subject.id') }),
    deny<Doc>('blocked', { when: (a) => a.require('subject.directory.blocked') === true }),
    deny<Doc>('high-risk', { when: (a) => (a.require('environment.risk.score') as number) > 50 }),
  ],
})

function engine(algorithm: CombiningAlgorithm, req: Request): ReturnType<typeof createPolicyEngine> {
  const provider = (input: Input, build: (v: unknown) => unknown) => () => {
    const state = req[input]
    if (state.kind === 'failing') return Promise.reject(new Error(`${input} down`))
    return Promise.resolve(state.kind === 'missing' ? undefined : build(state.value))
  }
  return createPolicyEngine(policySet({ id: 'root', algorithm, policies: [json, typed] }), {
    keepExplanations: 0,
    clock: () => Date.parse('2026-03-09T13:30:00Z'), // Monday: 14:30 Paris, 09:30 New York (EDT)
    providers: {
      directory: { load: provider('blocked', (blocked) => ({ blocked })) },
      deviceTrust: { category: 'environment', load: provider('deviceTrust', (v) => v) },
    },
    environment: {
      zones: { corporate: ['10.0.0.0/8'] },
      risk: {
        factors: [
          untrustedNetwork({ trustedZones: ['corporate'] }),
          offHours({ hours: { timeZone: { attribute: 'resource.siteTimeZone' } } }),
          lowDeviceTrust({ minimum: 'high', values: ['low', 'high'] }),
        ],
      },
    },
  })
}

async function decide(algorithm: CombiningAlgorithm, action: string, req: Request): Promise<string> {
  const value = (input: Input): unknown => (req[input].kind === 'value' ? (req[input] as { value: unknown }).value : undefined)
  const claims: Record<string, unknown> = { sub: 'alice' }
  if (value('clearance') !== undefined) claims.clearance = value('clearance')
  if (value('subjectDepartment') !== undefined) claims.department = value('subjectDepartment')
  const resource: Record<string, unknown> = { auditLevel: 'CRITICAL' }
  for (const [input, key] of [['classification', 'classification'], ['resourceDepartment', 'department'], ['siteTimeZone', 'siteTimeZone'], ['owner', 'owner'], ['stepUpMaxAge', 'stepUpMaxAge']] as const) {
    if (value(input) !== undefined) resource[key] = value(input)
  }
  const ip = value('ip') as string | undefined
  const result = await engine(algorithm, req).decide({
    action,
    identity: identity({ claims }),
    request: request(ip === undefined ? { remoteAddress: undefined as never } : { remoteAddress: ip }),
    resource: () => resource,
  })
  return result.decision
}

const stateOf = (input: Input): fc.Arbitrary<State> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...(DOMAINS[input] as readonly unknown[])).map((value): State => ({ kind: 'value', value })) },
    { weight: 1, arbitrary: fc.constant<State>({ kind: 'missing' }) },
    ...(PROVIDED.has(input) ? [{ weight: 1, arbitrary: fc.constant<State>({ kind: 'failing' }) }] : []),
  )
const requestArb = fc.record(Object.fromEntries(INPUTS.map((i) => [i, stateOf(i)])) as Record<Input, fc.Arbitrary<State>>)

// Every way of filling the absent or failing inputs with present values.
function fills(req: Request): Request[] {
  let out: Request[] = [req]
  for (const input of INPUTS) {
    if (req[input].kind === 'value') continue
    out = out.flatMap((r) => (DOMAINS[input] as readonly unknown[]).map((value) => ({ ...r, [input]: { kind: 'value', value } as State })))
  }
  return out
}

describe('fail-safe: a missing or failing input never creates a Permit', () => {
  for (const algorithm of ['deny-overrides', 'first-applicable', 'deny-unless-permit', 'permit-overrides'] as CombiningAlgorithm[]) {
    it(`${algorithm} root: Permit with absent inputs implies Permit for every present value of them (property)`, async () => {
      await fc.assert(
        fc.asyncProperty(requestArb, fc.constantFrom('read', 'update'), async (req, action) => {
          if ((await decide(algorithm, action, req)) !== 'Permit') return true
          const filled = fills(req)
          for (const full of filled.length > 64 ? filled.slice(0, 64) : filled) {
            if ((await decide(algorithm, action, full)) !== 'Permit') return false
          }
          return true
        }),
        { numRuns: 250 },
      )
    })
  }

  // The law is not vacuous: a Permit can have absent inputs (those that cannot matter), and an
  // absent input that matters never permits.
  it('examples: an irrelevant absent input keeps the Permit; a relevant one never gives it', async () => {
    const favourable: Request = {
      clearance: { kind: 'value', value: 'RESTRICTED' },
      subjectDepartment: { kind: 'value', value: 'eng' },
      classification: { kind: 'value', value: 'CONFIDENTIAL' },
      resourceDepartment: { kind: 'value', value: 'eng' },
      siteTimeZone: { kind: 'value', value: 'Europe/Paris' },
      deviceTrust: { kind: 'value', value: 'high' },
      ip: { kind: 'value', value: '10.1.2.3' },
      owner: { kind: 'missing' },
      blocked: { kind: 'value', value: false },
      stepUpMaxAge: { kind: 'missing' },
    }
    expect(await decide('deny-overrides', 'read', favourable)).toBe('Permit')
    for (const full of fills(favourable)) expect(await decide('deny-overrides', 'read', full)).toBe('Permit')
    for (const input of ['deviceTrust', 'blocked', 'siteTimeZone', 'ip', 'subjectDepartment', 'classification'] as Input[]) {
      expect(await decide('deny-overrides', 'read', { ...favourable, [input]: { kind: 'missing' } })).not.toBe('Permit')
      if (PROVIDED.has(input)) expect(await decide('deny-overrides', 'read', { ...favourable, [input]: { kind: 'failing' } })).not.toBe('Permit')
    }
  })
})
