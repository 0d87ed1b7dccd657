import { describe, expect, it } from '@jest/globals'
import { createPolicyEngine, isPolicyValidationError, loadPolicyDocument, type PolicyIssue } from '@portcullis/policy'
import { FROZEN, identity, request } from '../fixtures.js'

function issuesOf(input: unknown): PolicyIssue[] {
  try {
    loadPolicyDocument(input)
  } catch (error) {
    if (isPolicyValidationError(error)) return [...error.issues]
    throw error
  }
  throw new Error('expected the document to be refused')
}

const who = identity({ claims: { sub: 'alice', clearance: 'RESTRICTED', department: 'eng' } })
const decide = (doc: object, resource: unknown, options: { now?: number } = {}) =>
  createPolicyEngine(loadPolicyDocument(doc), { clock: () => options.now ?? FROZEN }).decide({ action: 'read', identity: who, request: request(), resource: () => resource })

describe('JSON targets test attributes (target.match)', () => {
  const doc = {
    id: 'p',
    rules: [
      { id: 'eng-docs', effect: 'Permit', target: { actions: ['read'], match: { op: 'eq', attribute: 'resource.department', value: 'eng' } } },
      { id: 'other', effect: 'Permit', target: { actions: ['write'] } },
    ],
  }

  it('matches only when the attribute test holds; a missing attribute makes the target Indeterminate', async () => {
    expect((await decide(doc, { department: 'eng' })).decision).toBe('Permit')
    expect((await decide(doc, { department: 'ops' })).decision).toBe('NotApplicable')
    const missing = await decide(doc, {})
    expect(missing.decision).toBe('Indeterminate{P}')
    expect(missing.explanation.errors[0]).toEqual({ rule: 'eng-docs', reason: 'target: attribute resource.department is missing' })
    expect(missing.explanation.missingAttributes).toEqual(['resource.department'])
  })

  it('a policy target with match decides applicability for only-one-applicable', async () => {
    const set = {
      id: 's',
      algorithm: 'only-one-applicable',
      policies: [
        { id: 'eng', target: { match: { op: 'eq', attribute: 'resource.department', value: 'eng' } }, rules: [{ id: 'a', effect: 'Permit' }] },
        { id: 'ops', target: { match: { op: 'eq', attribute: 'resource.department', value: 'ops' } }, rules: [{ id: 'b', effect: 'Deny' }] },
      ],
    }
    expect((await decide(set, { department: 'eng' })).decision).toBe('Permit')
    expect((await decide(set, { department: 'ops' })).decision).toBe('Deny')
    expect((await decide(set, {})).decision).toBe('Indeterminate{DP}')
  })

  it('refuses a bad match with its path', () => {
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', target: { match: { op: 'nope', attribute: 'resource.x', value: 1 } } }] })).toEqual([
      { path: '$.rules[0].target.match.op', reason: expect.stringMatching(/unknown operator "nope"/) },
    ])
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', target: { mtach: {} } }] })[0]?.path).toBe('$.rules[0].target.mtach')
  })
})

describe('JSON obligations: under a condition, with parameters from attributes', () => {
  const doc = {
    id: 'p',
    rules: [
      {
        id: 'read',
        effect: 'Permit',
        obligations: [
          { id: 'step-up', when: { op: 'eq', attribute: 'resource.classification', value: 'RESTRICTED' }, params: { acrValues: ['mfa'] }, paramsFrom: { maxAge: 'resource.stepUpMaxAge' } },
          { id: 'response-headers', params: { headers: { 'Cache-Control': 'no-store' } } },
        ],
      },
    ],
  }

  it('attaches the step-up only when the condition holds, with maxAge from the resource', async () => {
    const open = await decide(doc, { classification: 'INTERNAL' })
    expect(open.decision).toBe('Permit')
    expect(open.obligations.map((o) => o.id)).toEqual(['response-headers'])
    const restricted = await decide(doc, { classification: 'RESTRICTED', stepUpMaxAge: 120 })
    expect(restricted.obligations).toEqual([
      { id: 'step-up', fulfillOn: 'Permit', params: { acrValues: ['mfa'], maxAge: 120 } },
      { id: 'response-headers', fulfillOn: 'Permit', params: { headers: { 'Cache-Control': 'no-store' } } },
    ])
  })

  it('a condition or parameter that cannot be resolved makes the rule Indeterminate, never a Permit without it', async () => {
    const noClassification = await decide(doc, {})
    expect(noClassification.decision).toBe('Indeterminate{P}')
    expect(noClassification.explanation.errors[0]?.reason).toMatch(/obligation: attribute resource.classification is missing/)
    const noMaxAge = await decide(doc, { classification: 'RESTRICTED' })
    expect(noMaxAge.decision).toBe('Indeterminate{P}')
    expect(noMaxAge.explanation.missingAttributes).toContain('resource.stepUpMaxAge')
    const badMaxAge = await decide(doc, { classification: 'RESTRICTED', stepUpMaxAge: -1 })
    expect(badMaxAge.decision).toBe('Indeterminate{P}')
    expect(badMaxAge.explanation.errors[0]?.reason).toMatch(/params.maxAge must be an integer/)
  })

  it('policy-level conditional obligations follow the same rule', async () => {
    const policyDoc = { id: 'p', obligations: [{ id: 'enhanced-monitoring', when: { op: 'eq', attribute: 'resource.audit', value: true } }], rules: [{ id: 'r', effect: 'Permit' }] }
    expect((await decide(policyDoc, { audit: true })).obligations.map((o) => o.id)).toEqual(['enhanced-monitoring'])
    expect((await decide(policyDoc, { audit: false })).obligations).toEqual([])
    expect((await decide(policyDoc, {})).decision).toBe('Indeterminate{P}')
  })

  it('validates on load with precise paths', () => {
    const bad = (obligation: object): PolicyIssue[] => issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', obligations: [obligation] }] })
    expect(bad({ id: 'step-up', paramsFrom: { maxAge: 'nowhere.x' } })).toEqual([{ path: '$.rules[0].obligations[0].paramsFrom.maxAge', reason: expect.stringMatching(/not an attribute category/) }])
    expect(bad({ id: 'step-up', paramsFrom: { maxAeg: 'resource.x' } })).toContainEqual({ path: '$.rules[0].obligations[0].paramsFrom.maxAeg', reason: 'unknown parameter of step-up' })
    expect(bad({ id: 'step-up', params: { maxAge: 1 }, paramsFrom: { maxAge: 'resource.x' } })[0]?.reason).toMatch(/also given literally/)
    expect(bad({ id: 'step-up', params: { maxAge: 1 }, when: { op: 'eq', attribute: 'resource.x' } })[0]?.path).toBe('$.rules[0].obligations[0].when')
    expect(bad({ id: 'step-up', params: { maxAge: 1 }, unless: {} })[0]?.path).toBe('$.rules[0].obligations[0].unless')
    expect(bad({ id: 'step-up', paramsFrom: { acrValues: 'subject.claims.acrs' }, params: { maxAge: 'x' } })).toEqual([
      { path: '$.rules[0].obligations[0].params.maxAge', reason: expect.stringMatching(/integer/) },
    ])
  })
})

describe('numeric and user-ordered scales', () => {
  it('a numeric scale compares numbers; a non-number is Indeterminate', async () => {
    const doc = { id: 'p', levels: { classification: 'numeric' }, rules: [{ id: 'r', effect: 'Permit', when: { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.level', ref: 'resource.classification' } }] }
    const at = (level: unknown, classification: unknown) =>
      createPolicyEngine(loadPolicyDocument(doc)).decide({ action: 'read', identity: identity({ claims: { level } }), request: request(), resource: () => ({ classification }) })
    expect((await at(3, 2)).decision).toBe('Permit')
    expect((await at(2, 3)).decision).toBe('NotApplicable')
    expect((await at('3', 2)).decision).toBe('Indeterminate{P}')
    expect(issuesOf({ ...doc, rules: [{ id: 'r', effect: 'Permit', when: { op: 'levelAtLeast', scale: 'classification', attribute: 'resource.c', value: 'HIGH' } }] })).toEqual([
      { path: '$.rules[0].when.value', reason: expect.stringMatching(/numeric scale/) },
    ])
  })

  it('a user-ordered scale replaces the built-in classification order', async () => {
    const doc = { id: 'p', levels: { classification: ['open', 'secret', 'top-secret'] }, rules: [{ id: 'r', effect: 'Permit', when: { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.level', ref: 'resource.classification' } }] }
    const at = (level: unknown, classification: unknown) =>
      createPolicyEngine(loadPolicyDocument(doc)).decide({ action: 'read', identity: identity({ claims: { level } }), request: request(), resource: () => ({ classification }) })
    expect((await at('top-secret', 'secret')).decision).toBe('Permit')
    expect((await at('open', 'secret')).decision).toBe('NotApplicable')
    expect((await at('RESTRICTED', 'secret')).decision).toBe('Indeterminate{P}')
    expect(issuesOf({ id: 'p', levels: { classification: 'numbers' }, rules: [] })[0]).toEqual({ path: '$.levels.classification', reason: expect.stringMatching(/"numeric"/) })
  })
})

describe('time conditions take their zone from an attribute', () => {
  const doc = {
    id: 'p',
    rules: [{ id: 'site-hours', effect: 'Permit', when: { op: 'withinBusinessHours', attribute: 'environment.time', value: { timeZone: { attribute: 'resource.site.timeZone' } } } }],
  }
  // 2026-03-09 13:30Z: New York is on EDT since 8 March (09:30, open); Paris 14:30 (open);
  // Tokyo 22:30 (closed). On 2026-03-06 (EST) 13:30Z is 08:30 in New York (closed).
  it('one condition gives business hours at each resource site, across DST', async () => {
    const at = async (zone: string, now: number) => (await decide(doc, { site: { timeZone: zone } }, { now })).decision
    expect(await at('America/New_York', Date.parse('2026-03-09T13:30:00Z'))).toBe('Permit')
    expect(await at('America/New_York', Date.parse('2026-03-06T13:30:00Z'))).toBe('NotApplicable')
    expect(await at('Europe/Paris', Date.parse('2026-03-09T13:30:00Z'))).toBe('Permit')
    expect(await at('Asia/Tokyo', Date.parse('2026-03-09T13:30:00Z'))).toBe('NotApplicable')
  })

  it('a missing or invalid zone is Indeterminate, never "outside hours"', async () => {
    const missing = await decide({ ...doc, rules: [{ ...doc.rules[0], effect: 'Deny' }] }, {})
    expect(missing.decision).toBe('Indeterminate{D}')
    expect(missing.explanation.missingAttributes).toEqual(['resource.site.timeZone'])
    expect((await decide(doc, { site: { timeZone: 'Mars/Olympus' } })).explanation.errors[0]?.reason).toMatch(/not an IANA time zone/)
  })

  it('environment.timeZone can feed a time condition', async () => {
    const env = { id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'withinTimeWindow', attribute: 'environment.time', value: { start: '09:00', end: '10:00', timeZone: { attribute: 'environment.timeZone' } } } }] }
    const engine = (timeZone: string) => createPolicyEngine(loadPolicyDocument(env), { clock: () => Date.parse('2026-01-05T08:30:00Z'), environment: { timeZone } })
    expect((await engine('Europe/Paris').decide({ action: 'read', identity: who, request: request() })).decision).toBe('Permit')
    expect((await engine('UTC').decide({ action: 'read', identity: who, request: request() })).decision).toBe('NotApplicable')
  })

  it('refuses a malformed zone source with its path', () => {
    const bad = { id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'withinBusinessHours', attribute: 'environment.time', value: { timeZone: { attr: 'resource.tz' } } } }] }
    expect(issuesOf(bad)).toEqual([{ path: '$.rules[0].when.value', reason: expect.stringMatching(/timeZone must be an IANA zone name or \{ "attribute"/) }])
  })
})
