import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
import { createPolicyEngine, createPolicyRequirement, deny, permit, policy, policySet, type CombiningAlgorithm, type PolicyAttributes, type PolicyNode, type Rule } from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

type A = PolicyAttributes<unknown, { dir: string }>
type Kind = 'true' | 'false' | 'dir-is-a' | 'dir-is-b'
const ALGORITHMS: CombiningAlgorithm[] = ['deny-overrides', 'permit-overrides', 'first-applicable', 'deny-unless-permit', 'permit-unless-deny']

function rules(specs: readonly (readonly ['Permit' | 'Deny', Kind])[]): Rule[] {
  return specs.map(([effect, kind], i) =>
    (effect === 'Permit' ? permit<A> : deny<A>)(`r${i}`, {
      when: (a) => (kind === 'true' ? true : kind === 'false' ? false : a.subject.dir === (kind === 'dir-is-a' ? 'A' : 'B')),
    }),
  )
}

// What the enforcement point answers: 200, 403 (or 401) or 503.
async function outcome(algorithm: CombiningAlgorithm, specs: readonly (readonly ['Permit' | 'Deny', Kind])[], dir: 'A' | 'B' | 'down', tree?: PolicyNode): Promise<number> {
  const engine = createPolicyEngine(tree ?? policy({ id: 'p', algorithm: algorithm as 'deny-overrides', rules: rules(specs) }), {
    keepExplanations: 0,
    providers: { dir: { infrastructure: true, load: () => (dir === 'down' ? Promise.reject(new Error('directory down')) : Promise.resolve(dir)) } },
  })
  try {
    await createPolicyRequirement(engine, { action: 'read' }).enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} })
    return 200
  } catch (error) {
    return (error as { status: number }).status
  }
}

describe('a failed infrastructure provider answers 503 exactly when the decision depends on it', () => {
  it('a Deny that a permit reading the provider could have overturned is 503, not 403', async () => {
    // deny-unless-permit: the permit could have won had the directory answered.
    expect(await outcome('deny-unless-permit', [['Permit', 'dir-is-a'], ['Deny', 'true']], 'down')).toBe(503)
    expect(await outcome('deny-unless-permit', [['Permit', 'dir-is-a'], ['Deny', 'true']], 'A')).toBe(200)
  })

  it('a Permit that a deny reading the provider could have overturned is 503, not 200', async () => {
    // permit-unless-deny would let the erroring deny through as Permit (fail-open); the
    // enforcement point must not grant what the provider could have refused.
    expect(await outcome('permit-unless-deny', [['Deny', 'dir-is-b']], 'down')).toBe(503)
    expect(await outcome('permit-unless-deny', [['Deny', 'dir-is-b']], 'B')).toBe(403)
  })

  it('a decision the provider could not change stands, and the explanation says so', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', rules: rules([['Permit', 'dir-is-a'], ['Deny', 'true']]) }), {
      providers: { dir: { infrastructure: true, load: () => Promise.reject(new Error('down')) } },
    })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(result.decision).toBe('Deny')
    expect(result.infrastructureFailure).toBe(true)
    expect(result.infrastructureDecisive).toBe(false)
    expect(result.explanation.infrastructureImpact).toBe('irrelevant')
    expect(await outcome('deny-overrides', [['Deny', 'true'], ['Permit', 'dir-is-a']], 'down')).toBe(403)
    expect(await outcome('permit-overrides', [['Permit', 'true'], ['Deny', 'dir-is-a']], 'down')).toBe(200)
  })

  it('a TypeScript rule that swallows the failure still counts as depending on it', async () => {
    const swallowing = permit<A>('swallows', {
      when: (a) => {
        try {
          return a.subject.dir === 'A'
        } catch {
          return false
        }
      },
    })
    const engine = createPolicyEngine(policy({ id: 'p', rules: [swallowing] }), { providers: { dir: { infrastructure: true, load: () => Promise.reject(new Error('down')) } } })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(result.decision).toBe('NotApplicable')
    expect(result.infrastructureDecisive).toBe(true)
  })

  it('the explanation of a decisive failure names the provider, the rule and the impact', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', algorithm: 'permit-overrides', rules: rules([['Permit', 'dir-is-a'], ['Deny', 'true']]) }), {
      providers: { dir: { infrastructure: true, load: () => Promise.reject(new Error('down')) } },
    })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(result.infrastructureDecisive).toBe(true)
    expect(result.explanation.infrastructureImpact).toBe('decisive')
    expect(result.explanation.errors).toEqual([{ rule: 'r0', reason: expect.stringMatching(/subject\.dir is unavailable/) }])
    expect(result.explanation.failedAttributes).toEqual([{ attribute: 'subject.dir', reason: 'it rejected (down)' }])
  })

  // The general law: with the provider down, the enforcement point never grants what the
  // provider could have refused, and never refuses with a verdict (403) what it could have granted.
  for (const algorithm of ALGORITHMS) {
    it(`${algorithm}: 200 only if every answer permits, 403 only if no answer permits (property)`, async () => {
      const spec = fc.tuple(fc.constantFrom<'Permit' | 'Deny'>('Permit', 'Deny'), fc.constantFrom<Kind>('true', 'false', 'dir-is-a', 'dir-is-b'))
      await fc.assert(
        fc.asyncProperty(fc.array(spec, { maxLength: 6 }), async (specs) => {
          const down = await outcome(algorithm, specs, 'down')
          const a = await outcome(algorithm, specs, 'A')
          const b = await outcome(algorithm, specs, 'B')
          if (down === 200) return a === 200 && b === 200
          if (down === 403) return a !== 200 && b !== 200
          return down === 503
        }),
        { numRuns: 150 },
      )
    })
  }

  it('the same law holds in nested policy sets with mixed algorithms (property)', async () => {
    const spec = fc.tuple(fc.constantFrom<'Permit' | 'Deny'>('Permit', 'Deny'), fc.constantFrom<Kind>('true', 'false', 'dir-is-a', 'dir-is-b'))
    const algorithm = fc.constantFrom(...ALGORITHMS)
    await fc.assert(
      fc.asyncProperty(fc.array(spec, { maxLength: 4 }), fc.array(spec, { maxLength: 4 }), algorithm, algorithm, algorithm, async (left, right, a, b, root) => {
        const tree = (): PolicyNode =>
          policySet({
            id: 'root',
            algorithm: root,
            policies: [
              policy({ id: 'left', algorithm: a as 'deny-overrides', rules: rules(left) }),
              policy({ id: 'right', algorithm: b as 'deny-overrides', rules: rules(right).map((r) => ({ ...r, id: `${r.id}-r` })) }),
            ],
          })
        const down = await outcome(root, [], 'down', tree())
        const onA = await outcome(root, [], 'A', tree())
        const onB = await outcome(root, [], 'B', tree())
        if (down === 200) return onA === 200 && onB === 200
        if (down === 403) return onA !== 200 && onB !== 200
        return down === 503
      }),
      { numRuns: 200 },
    )
  })
})
