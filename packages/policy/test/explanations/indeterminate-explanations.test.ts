import { describe, expect, it } from '@jest/globals'
import { createPolicyEngine, deny, loadPolicyDocument, permit, policy, policySet } from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

describe('explanations of Indeterminate decisions', () => {
  it('list the erroring rules, the missing and failed attributes', async () => {
    const doc = loadPolicyDocument({
      id: 'p',
      rules: [
        { id: 'same-department', effect: 'Permit', when: { op: 'eq', attribute: 'subject.claims.department', ref: 'resource.department' } },
        { id: 'blocked-by-directory', effect: 'Deny', when: { op: 'eq', attribute: 'subject.directory.blocked', value: true } },
      ],
    })
    const engine = createPolicyEngine(doc, { providers: { directory: { load: () => Promise.reject(new Error('ldap down')) } } })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request(), resource: () => ({}) })
    expect(result.decision).toBe('Indeterminate{DP}')
    expect(result.explanation.determining).toEqual([])
    expect(result.explanation.errors.map((e) => e.rule)).toEqual(['same-department', 'blocked-by-directory'])
    expect(result.explanation.missingAttributes).toEqual(['resource.department'])
    expect(result.explanation.failedAttributes).toEqual([{ attribute: 'subject.directory', reason: 'it rejected (ldap down)' }])
    expect(JSON.parse(JSON.stringify(result.explanation))).toMatchObject({ missingAttributes: ['resource.department'], notEvaluated: [] })
  })

  it('mark the rules not evaluated because the algorithm had already decided', async () => {
    const engine = createPolicyEngine(
      policySet({
        id: 's',
        algorithm: 'first-applicable',
        policies: [
          policy({ id: 'a', rules: [deny('boom', { when: () => { throw new Error('x') } }), permit('p')] }),
          policy({ id: 'b', rules: [permit('b1')] }),
        ],
      }),
    )
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    // Policy a (deny-overrides) is Indeterminate{DP}; first-applicable stops there: b is skipped.
    expect(result.decision).toBe('Indeterminate{DP}')
    expect(result.explanation.notEvaluated).toEqual(['b'])
    const early = createPolicyEngine(policy({ id: 'p', rules: [permit('p1'), deny('d1'), permit('p2'), deny('d2')] }))
    expect((await early.decide({ action: 'read', identity: identity(), request: request() })).explanation.notEvaluated).toEqual(['p2', 'd2'])
  })
})

describe('only-one-applicable inside a parent (engine)', () => {
  it("passes its child's Indeterminate{D} up as Indeterminate{DP}", async () => {
    const broken = policy({ id: 'broken', target: { actions: ['read'] }, rules: [deny('boom', { when: () => { throw new Error('x') } })] })
    const one = policySet({ id: 'one', algorithm: 'only-one-applicable', policies: [broken] })
    const engine = createPolicyEngine(policySet({ id: 'root', algorithm: 'permit-overrides', policies: [one, policy({ id: 'd', rules: [deny('no')] })] }))
    // permit-overrides: Indeterminate{D} with Deny would be Deny; Indeterminate{DP} with Deny is Indeterminate{DP}.
    expect((await engine.decide({ action: 'read', identity: identity(), request: request() })).decision).toBe('Indeterminate{DP}')
  })
})
