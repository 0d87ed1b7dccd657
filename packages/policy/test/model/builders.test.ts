import { describe, expect, it } from '@jest/globals'
import { createPolicyEngine, deny, isPolicyValidationError, permit, policy, policySet, type PolicyAttributes, type Rule } from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

type Doc = { owner: string; classification: 'PUBLIC' | 'RESTRICTED' }
type A = PolicyAttributes<Doc, { directory: { department: string } }>

describe('typed builders', () => {
  it('type-check attribute access at compile time', () => {
    const ok = permit<A>('ok', { when: (a) => a.resource.owner === a.subject.id && a.subject.directory.department === 'eng' })
    // @ts-expect-error: 'ownr' is not an attribute of the resource
    const typo = permit<A>('typo', { when: (a) => a.resource.ownr === 'x' })
    // @ts-expect-error: a condition returns a boolean
    const notBoolean = permit<A>('nb', { when: (a) => a.resource.owner })
    // @ts-expect-error: only-one-applicable combines policies, not rules (also refused at run time)
    expect(() => policy({ id: 'p', algorithm: 'only-one-applicable', rules: [] })).toThrow(/policy set/)
    expect([ok.kind, typo.kind, notBoolean.kind]).toEqual(['rule', 'rule', 'rule'])
  })

  it('refuse bad ids, targets, duplicates and unknown options, listing every issue', () => {
    let error: unknown
    try {
      policy({ id: 'bad id', rules: [permit('a'), permit('a'), {} as Rule], target: { actions: [''] }, extra: true } as never)
    } catch (e) {
      error = e
    }
    expect(isPolicyValidationError(error)).toBe(true)
    const paths = (error as { issues: { path: string }[] }).issues.map((i) => i.path)
    expect(paths).toEqual(expect.arrayContaining(['$.id', '$.rules[1].id', '$.rules[2]', '$.target.actions[0]', '$.extra']))
    expect(() => permit('r', { scopes: ['bad scope"'] })).toThrow(/scope/)
    expect(() => permit('r', { when: 'true' as never })).toThrow(/function/)
    expect(() => policySet({ id: 's', policies: [permit('r') as never] })).toThrow(/policy\(\) or policySet\(\)/)
  })

  it('targets: actions, wildcard, scopes (all required) and resource types', async () => {
    const engine = createPolicyEngine(
      policy({
        id: 'p',
        rules: [
          permit('any-action', { actions: ['*'], scopes: ['documents:read', 'documents:list'] }),
          permit('typed', { actions: ['read'], resourceTypes: ['report'] }),
        ],
      }),
    )
    const d = async (action: string, scopes: string[], resourceType?: string): Promise<string> =>
      (await engine.decide({ action, identity: identity({ scopes }), request: request(), ...(resourceType === undefined ? {} : { resourceType }) })).decision
    expect(await d('delete', ['documents:read', 'documents:list'])).toBe('Permit')
    expect(await d('delete', ['documents:read'])).toBe('NotApplicable')
    expect(await d('read', [], 'report')).toBe('Permit')
    expect(await d('read', [], 'document')).toBe('NotApplicable')
    // Unknown resource type (no route type, no resource.type): the typed rule is Indeterminate.
    expect(await d('read', [])).toBe('Indeterminate{P}')
  })

  it('an anonymous request (no identity) never matches a scope target and sees no subject', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('scoped', { scopes: ['documents:read'] }), deny<A>('no-sub', { when: (a) => a.subject === undefined })] }))
    expect((await engine.decide({ action: 'read', identity: undefined, request: request() })).decision).toBe('Deny')
  })
})

describe('candidate index', () => {
  it('a 1,000-rule set evaluates only the rules whose target can match', async () => {
    let evaluated = 0
    const policies = Array.from({ length: 50 }, (_, p) =>
      policy({
        id: `type${p}`,
        target: { resourceTypes: [`type${p}`] },
        rules: Array.from({ length: 20 }, (_, r) =>
          permit(`t${p}r${r}`, { actions: [`action${r % 5}`], when: () => (evaluated++, r === 0 && p === 7) }),
        ),
      }),
    )
    const engine = createPolicyEngine(policySet({ id: 'all', policies }))
    const result = await engine.decide({ action: 'action0', resourceType: 'type7', identity: identity(), request: request() })
    expect(result.decision).toBe('Permit')
    expect(evaluated).toBe(4) // 20 rules of type7 / 5 actions
    evaluated = 0
    const anyType = await engine.decide({ action: 'action0', resourceType: 'type8', identity: identity(), request: request() })
    expect(anyType.decision).toBe('NotApplicable')
    expect(evaluated).toBe(4)
  })
})
