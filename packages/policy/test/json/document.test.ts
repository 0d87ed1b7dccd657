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

const LEVELS = { classification: ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] }

const DOC = {
  id: 'documents',
  levels: LEVELS,
  target: { resourceTypes: ['document'] },
  rules: [
    {
      id: 'clearance-and-department',
      effect: 'Permit',
      target: { actions: ['read'] },
      when: {
        all: [
          { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.clearance', ref: 'resource.classification' },
          { op: 'eq', attribute: 'subject.claims.department', ref: 'resource.department' },
          { op: 'withinTimeWindow', attribute: 'environment.time', value: { days: ['mon', 'tue', 'wed', 'thu', 'fri'], start: '08:00', end: '18:00', timeZone: 'Europe/Paris' } },
        ],
      },
    },
    { id: 'untrusted-network', effect: 'Deny', when: { op: 'ipNotInRange', attribute: 'environment.ip', value: ['10.0.0.0/8', '2001:db8::/32'] } },
    { id: 'expired', effect: 'Deny', when: { op: 'after', attribute: 'environment.time', ref: 'resource.expiresAt' } },
  ],
}

describe('JSON policy documents', () => {
  const engine = createPolicyEngine(loadPolicyDocument(JSON.stringify(DOC)), { clock: () => FROZEN }) // Monday 11:00 Paris
  const doc = { type: 'document', classification: 'CONFIDENTIAL', department: 'eng', expiresAt: '2026-02-01T00:00:00Z' }
  const who = identity({ claims: { sub: 'alice', clearance: 'RESTRICTED', department: 'eng' } })
  const decide = (resource: unknown, remoteAddress = '10.1.2.3', subject = who): Promise<string> =>
    engine.decide({ action: 'read', resourceType: 'document', identity: subject, request: request({ remoteAddress }), resource: () => resource }).then((r) => r.decision)

  it('permits when clearance, department, business hours and network all hold', async () => {
    expect(await decide(doc)).toBe('Permit')
  })

  it('clearance below classification is not applicable (denied by the PEP)', async () => {
    expect(await decide({ ...doc, classification: 'RESTRICTED' }, '10.1.2.3', identity({ claims: { clearance: 'INTERNAL', department: 'eng' } }))).toBe('NotApplicable')
  })

  it('untrusted network denies; an IPv6 inside the range does not', async () => {
    expect(await decide(doc, '203.0.113.9')).toBe('Deny')
    expect(await decide(doc, '2001:db8::1')).toBe('Permit')
  })

  it('a missing attribute in a deny condition is Indeterminate{D}, which blocks the permit', async () => {
    const result = await engine.decide({ action: 'read', resourceType: 'document', identity: who, request: request({ remoteAddress: '10.1.2.3' }), resource: () => ({ ...doc, expiresAt: undefined }) })
    expect(result.decision).toBe('Indeterminate{DP}')
    expect(result.explanation.errors).toEqual([{ rule: 'expired', reason: 'attribute resource.expiresAt is missing' }])
  })

  it('a missing remote address is Indeterminate for ipNotInRange, never a silent pass', async () => {
    const result = await engine.decide({ action: 'read', resourceType: 'document', identity: who, request: request({ remoteAddress: undefined }), resource: () => doc })
    expect(result.decision).toBe('Indeterminate{DP}')
  })

  it('an unknown level or a type mismatch is Indeterminate (no coercion)', async () => {
    const r = await engine.decide({ action: 'read', resourceType: 'document', identity: who, request: request({ remoteAddress: '10.1.2.3' }), resource: () => ({ ...doc, classification: 'TOP-SECRET' }) })
    expect(r.explanation.errors[0]?.rule).toBe('clearance-and-department')
    expect(r.decision).toBe('Indeterminate{P}')
  })

  it('records the attribute values used in the explanation', async () => {
    const r = await engine.decide({ action: 'read', resourceType: 'document', identity: who, request: request({ remoteAddress: '10.1.2.3' }), resource: () => doc })
    expect(r.explanation.attributes).toMatchObject({ 'subject.claims.clearance': 'RESTRICTED', 'resource.classification': 'CONFIDENTIAL', 'environment.ip': '10.1.2.3' })
    expect(r.explanation.determining).toEqual(['clearance-and-department'])
  })

  it('supports any / not / exists and attribute-to-attribute set operators', async () => {
    const p = loadPolicyDocument({
      id: 'p',
      rules: [
        {
          id: 'r',
          effect: 'Permit',
          when: {
            any: [
              { not: { op: 'exists', attribute: 'subject.claims.banned' } },
              { op: 'containsAny', attribute: 'subject.scopes', value: ['admin'] },
            ],
          },
        },
      ],
    })
    const e = createPolicyEngine(p)
    expect((await e.decide({ action: 'a', identity: identity(), request: request() })).decision).toBe('Permit')
    expect((await e.decide({ action: 'a', identity: identity({ claims: { banned: true } }), request: request() })).decision).toBe('NotApplicable')
  })
})

describe('JSON policy validation: every problem, with its path', () => {
  it('collects all issues with precise paths', () => {
    const issues = issuesOf({
      id: 'bad id!',
      algorithm: 'majority',
      extra: 1,
      rules: [
        { id: 'r1', effect: 'Allow', when: { op: 'eq', attribute: 'subject.department' } },
        { id: 'r1', effect: 'Deny', when: { op: 'in', attribute: 'resource.tags', value: 'x' } },
        { id: 'r3', effect: 'Permit', when: { op: 'lt', attribute: 'user.age', value: 18 }, target: { actions: [] } },
        { id: 'r4', effect: 'Permit', when: { op: 'ipInRange', attribute: 'environment.ip', value: ['10.0.0.1/8'] } },
        { id: 'r5', effect: 'Permit', when: { op: 'withinTimeWindow', attribute: 'environment.time', value: { start: '09:00', end: '17:00', timeZone: 'Mars/Olympus' } } },
        { id: 'r6', effect: 'Permit', when: { op: 'levelAtLeast', scale: 'nope', attribute: 'subject.claims.clearance', value: 'SECRET' } },
        { id: 'r7', effect: 'Permit', when: { op: 'matches', attribute: 'resource.name', value: '(a+)+$' } },
        { id: 'r8', effect: 'Permit', when: { op: 'eq', attribute: 'subject.x', value: 1, ref: 'resource.y' } },
        { id: 'r9', effect: 'Permit', obligations: [{ id: 'response-headers', params: { headers: { 'Bad Name': 'v', 'X-Ok': 'line\r\nbreak' } } }] },
      ],
    })
    const paths = issues.map((i) => i.path)
    expect(paths).toEqual(
      expect.arrayContaining([
        '$.id',
        '$.algorithm',
        '$.extra',
        '$.rules[0].effect',
        '$.rules[0].when',
        '$.rules[1].id',
        '$.rules[1].when.value',
        '$.rules[2].when.attribute',
        '$.rules[2].target.actions',
        '$.rules[3].when.value',
        '$.rules[4].when.value',
        '$.rules[5].when.scale',
        '$.rules[6].when.op',
        '$.rules[7].when',
        '$.rules[8].obligations[0].params.headers.Bad Name',
        '$.rules[8].obligations[0].params.headers.X-Ok',
      ]),
    )
    expect(issues.find((i) => i.path === '$.rules[3].when.value')?.reason).toMatch(/host bits/)
    expect(issues.find((i) => i.path === '$.rules[1].id')?.reason).toMatch(/duplicate/)
  })

  it('refuses prototype keys anywhere, in JSON text and in paths', () => {
    const text = '{"id":"p","rules":[{"id":"r","effect":"Permit","when":{"op":"eq","attribute":"subject.claims","value":1,"__proto__":{"polluted":true}}}]}'
    expect(issuesOf(text)).toEqual([{ path: '$.rules[0].when.__proto__', reason: 'the key "__proto__" is not allowed' }])
    expect(({} as Record<string, unknown>).polluted).toBeUndefined()
    const viaPath = issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'eq', attribute: 'resource.constructor.name', value: 'Object' } }] })
    expect(viaPath[0]).toEqual({ path: '$.rules[0].when.attribute', reason: 'segment "constructor" is not allowed' })
  })

  it('refuses non-JSON values, malformed JSON, huge and deeply nested documents', () => {
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', description: () => 1 }] })[0]?.path).toBe('$.rules[0].description')
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'eq', attribute: 'subject.a', value: Number.NaN } }] })[0]?.reason).toMatch(/finite/)
    expect(issuesOf({ id: 'p', rules: [], when: new Date() })[0]?.reason).toMatch(/plain JSON object/)
    expect(issuesOf('{"id": "p", rules: []}')[0]?.reason).toMatch(/not valid JSON/)
    expect(issuesOf(' '.repeat(1_048_577))[0]?.reason).toMatch(/larger than/)
    let deep: unknown = { op: 'exists', attribute: 'subject.id' }
    for (let i = 0; i < 20; i++) deep = { not: deep }
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: deep }] })[0]?.reason).toMatch(/nested deeper than 16/)
    let json = '1'
    for (let i = 0; i < 100; i++) json = `[${json}]`
    expect(issuesOf(`{"id":"p","rules":[],"x":${json}}`)[0]?.reason).toMatch(/nested deeper than 64/)
  })

  it('refuses mixed shapes and misplaced keys', () => {
    expect(issuesOf({ id: 'p', rules: [], policies: [] })[0]?.reason).toMatch(/exactly one of rules/)
    expect(issuesOf({ id: 's', policies: [{ id: 'p', rules: [], levels: LEVELS }] })[0]?.path).toBe('$.policies[0].levels')
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { all: [], any: [] } }] })[0]?.path).toMatch(/\$\.rules\[0\]\.when/)
    expect(issuesOf({ id: 'p', algorithm: 'only-one-applicable', rules: [] })[0]?.reason).toMatch(/policy set/)
    expect(issuesOf({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'glob', attribute: 'resource.name', ref: 'resource.other' } }] })[0]?.path).toBe('$.rules[0].when.ref')
  })
})

describe('ordered levels', () => {
  it('the built-in classification scale needs no declaration; an unknown level is Indeterminate', async () => {
    const engine = createPolicyEngine(
      loadPolicyDocument({ id: 'p', rules: [{ id: 'clearance', effect: 'Permit', when: { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.clearance', value: 'CONFIDENTIAL' } }] }),
    )
    const decide = async (clearance: string): Promise<string> => (await engine.decide({ action: 'read', identity: identity({ claims: { clearance } }), request: request() })).decision
    expect(await decide('RESTRICTED')).toBe('Permit')
    expect(await decide('INTERNAL')).toBe('NotApplicable')
    expect(await decide('TOP-SECRET')).toBe('Indeterminate{P}')
    expect(issuesOf({ id: 'p', levels: { tiers: ['a', 'a'] }, rules: [] })[0]).toEqual({ path: '$.levels.tiers[1]', reason: 'duplicate level "a"' })
  })
})

describe('set operators with literal lists (compiled once)', () => {
  const engine = createPolicyEngine(
    loadPolicyDocument({
      id: 'p',
      rules: [
        { id: 'editors', effect: 'Permit', when: { op: 'in', attribute: 'subject.claims.role', value: ['editor', 'admin'] } },
        { id: 'not-banned', effect: 'Deny', when: { op: 'in', attribute: 'subject.claims.level', value: [1, 2] } },
      ],
    }),
  )
  const decide = async (claims: Record<string, unknown>): Promise<string> =>
    (await engine.decide({ action: 'read', identity: identity({ claims }), request: request() })).decision

  it('matches by value and type, with no coercion', async () => {
    expect(await decide({ role: 'editor', level: 3 })).toBe('Permit')
    expect(await decide({ role: 'viewer', level: 3 })).toBe('NotApplicable')
    expect(await decide({ role: 'editor', level: 2 })).toBe('Deny')
    // "2" is not 2: the deny rule is Indeterminate{D}, which still blocks the permit.
    expect(await decide({ role: 'editor', level: '2' })).toBe('Indeterminate{DP}')
    expect(await decide({ role: ['editor'], level: 3 })).toBe('Indeterminate{P}')
  })
})
