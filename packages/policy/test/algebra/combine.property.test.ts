import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import {
  combine,
  createPolicyEngine,
  deny,
  permit,
  policy,
  policySet,
  type CombiningAlgorithm,
  type Decision,
  type Rule,
  loadPolicyDocument,
} from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

// Independent reference: the pairwise combining tables derived from OASIS XACML 3.0 (§7.10-7.14
// and Appendix C, combining algorithms), written out by hand rather than computed.
const V = ['Permit', 'Deny', 'NotApplicable', 'Indeterminate{D}', 'Indeterminate{P}', 'Indeterminate{DP}'] as const
const short: Record<string, Decision> = { P: 'Permit', D: 'Deny', NA: 'NotApplicable', iD: 'Indeterminate{D}', iP: 'Indeterminate{P}', iDP: 'Indeterminate{DP}' }
const ORDER = ['P', 'D', 'NA', 'iD', 'iP', 'iDP']
function table(rows: string[]): Map<string, Decision> {
  const out = new Map<string, Decision>()
  rows.forEach((row, i) => row.split(' ').forEach((cell, j) => out.set(`${short[ORDER[i] as string]}|${short[ORDER[j] as string]}`, short[cell] as Decision)))
  return out
}
const DO = table(['P D P iDP P iDP', 'D D D D D D', 'P D NA iD iP iDP', 'iDP D iD iD iDP iDP', 'P D iP iDP iP iDP', 'iDP D iDP iDP iDP iDP'])
const PO = table(['P P P P P P', 'P D D D iDP iDP', 'P D NA iD iP iDP', 'P D iD iD iDP iDP', 'P iDP iP iDP iP iDP', 'P iDP iDP iDP iDP iDP'])

function reference(algorithm: CombiningAlgorithm, ds: readonly Decision[]): Decision {
  switch (algorithm) {
    case 'deny-overrides':
      return ds.reduce<Decision>((acc, d) => DO.get(`${acc}|${d}`) as Decision, 'NotApplicable')
    case 'permit-overrides':
      return ds.reduce<Decision>((acc, d) => PO.get(`${acc}|${d}`) as Decision, 'NotApplicable')
    case 'first-applicable': {
      const first = ds.find((d) => d !== 'NotApplicable')
      if (first === undefined) return 'NotApplicable'
      return first === 'Permit' || first === 'Deny' ? first : 'Indeterminate{DP}' // C.8 + C.1
    }
    case 'deny-unless-permit':
      return ds.includes('Permit') ? 'Permit' : 'Deny'
    case 'permit-unless-deny':
      return ds.includes('Deny') ? 'Deny' : 'Permit'
    default:
      throw new Error('only-one-applicable is tested separately')
  }
}

const decision = fc.constantFrom(...V)
const decisions = fc.array(decision, { maxLength: 8 })
const RULE_ALGORITHMS: CombiningAlgorithm[] = ['deny-overrides', 'permit-overrides', 'first-applicable', 'deny-unless-permit', 'permit-unless-deny']

describe('combining algorithms match the XACML 3.0 truth tables', () => {
  it('the DO and PO tables are commutative (sanity of the transcription)', () => {
    for (const a of V) for (const b of V) {
      expect(DO.get(`${a}|${b}`)).toBe(DO.get(`${b}|${a}`))
      expect(PO.get(`${a}|${b}`)).toBe(PO.get(`${b}|${a}`))
    }
  })

  for (const algorithm of RULE_ALGORITHMS) {
    it(`${algorithm} equals the reference on any list of child decisions`, () => {
      fc.assert(fc.property(decisions, (ds) => combine(algorithm, ds, (d) => d, undefined) === reference(algorithm, ds)), { numRuns: 2000 })
    })
  }

  it('deny-overrides and permit-overrides are order independent', () => {
    fc.assert(
      fc.property(decisions, fc.integer(), (ds, seed) => {
        const shuffled = [...ds].sort((a, b) => ((a.length * 31 + seed) % 7) - ((b.length * 31 + seed) % 7))
        return (
          combine('deny-overrides', ds, (d) => d, undefined) === combine('deny-overrides', shuffled, (d) => d, undefined) &&
          combine('permit-overrides', ds, (d) => d, undefined) === combine('permit-overrides', shuffled, (d) => d, undefined)
        )
      }),
    )
  })

  it('deny-unless-permit and permit-unless-deny never return NotApplicable or Indeterminate', () => {
    fc.assert(
      fc.property(decisions, (ds) =>
        ['Permit', 'Deny'].includes(combine('deny-unless-permit', ds, (d) => d, undefined)) &&
        ['Permit', 'Deny'].includes(combine('permit-unless-deny', ds, (d) => d, undefined)),
      ),
    )
  })

  it('only-one-applicable: by target only; an indeterminate target or two matches is Indeterminate', () => {
    const applicability = fc.constantFrom('match', 'no-match', 'indeterminate') as fc.Arbitrary<'match' | 'no-match' | 'indeterminate'>
    fc.assert(
      fc.property(fc.array(fc.tuple(applicability, decision), { maxLength: 6 }), (children) => {
        const got = combine('only-one-applicable', children, (c) => c[1], undefined, (c) => c[0])
        const matches = children.filter((c) => c[0] === 'match')
        let expected: Decision
        if (children.some((c) => c[0] === 'indeterminate')) expected = 'Indeterminate{DP}'
        else if (matches.length > 1) expected = 'Indeterminate{DP}'
        else if (matches.length === 1) {
          const value = (matches[0] as [unknown, Decision])[1]
          // C.9 does not track extended values: its Indeterminate is {DP} (C.1).
          expected = value.startsWith('Indeterminate') ? 'Indeterminate{DP}' : value
        } else expected = 'NotApplicable'
        return got === expected
      }),
    )
  })

  // Every list of up to three (applicability, value) children, inside every parent algorithm
  // with a sibling of every value: the parent sees the XACML result of C.9 (never {D} or {P}).
  it('only-one-applicable inside a parent gives the XACML result for every child combination', () => {
    const APPLICABILITY = ['match', 'no-match', 'indeterminate'] as const
    const kids: (readonly [(typeof APPLICABILITY)[number], Decision])[] = []
    for (const a of APPLICABILITY) for (const d of V) kids.push([a, d])
    const lists: (typeof kids)[] = [[]]
    for (const a of kids) {
      lists.push([a])
      for (const b of kids) {
        lists.push([a, b])
        for (const c of kids) lists.push([a, b, c])
      }
    }
    const oneExpected = (children: typeof kids): Decision => {
      if (children.some((c) => c[0] === 'indeterminate')) return 'Indeterminate{DP}'
      const matches = children.filter((c) => c[0] === 'match')
      if (matches.length > 1) return 'Indeterminate{DP}'
      if (matches.length === 0) return 'NotApplicable'
      const value = (matches[0] as (typeof kids)[number])[1]
      return value === 'Permit' || value === 'Deny' || value === 'NotApplicable' ? value : 'Indeterminate{DP}'
    }
    let checked = 0
    for (const children of lists) {
      const inner = combine('only-one-applicable', children, (c) => c[1], undefined, (c) => c[0])
      expect(inner).toBe(oneExpected(children))
      for (const parent of RULE_ALGORITHMS) {
        for (const sibling of V) {
          const got = combine(parent, [{ one: children }, { value: sibling }], (c: { one?: typeof kids; value?: Decision }) =>
            c.one === undefined ? (c.value as Decision) : combine('only-one-applicable', c.one, (k) => k[1], undefined, (k) => k[0]), undefined)
          if (got !== reference(parent, [oneExpected(children), sibling])) throw new Error(`${parent}(${JSON.stringify(children)}, ${sibling}) = ${got}`)
          checked++
        }
      }
    }
    expect(checked).toBe(lists.length * RULE_ALGORITHMS.length * V.length)
  })
})

describe('every algorithm over every list of up to three child results', () => {
  it('equals the reference (exhaustive)', () => {
    const lists: Decision[][] = [[]]
    for (const a of V) {
      lists.push([a])
      for (const b of V) {
        lists.push([a, b])
        for (const c of V) lists.push([a, b, c])
      }
    }
    for (const algorithm of RULE_ALGORITHMS) {
      for (const ds of lists) expect(`${algorithm}(${ds.join(',')}) = ${combine(algorithm, ds, (d) => d, undefined)}`).toBe(`${algorithm}(${ds.join(',')}) = ${reference(algorithm, ds)}`)
    }
  })
})

// only-one-applicable inside a parent, with real policies: each child has a target that
// matches, does not match or is Indeterminate, and rules that combine to any of the six values.
describe('only-one-applicable inside a parent (engine, every child combination)', () => {
  type Applies = 'match' | 'no-match' | 'indeterminate'
  const throwing = (): boolean => {
    throw new Error('boom')
  }
  const RULES: Record<string, () => Rule[]> = {
    Permit: () => [permit('p')],
    Deny: () => [deny('d')],
    NotApplicable: () => [permit('p', { when: () => false })],
    'Indeterminate{D}': () => [deny('d', { when: throwing })],
    'Indeterminate{P}': () => [permit('p', { when: throwing })],
    'Indeterminate{DP}': () => [deny('d', { when: throwing }), permit('p', { when: throwing })],
  }
  const TARGETS: Record<Applies, object> = {
    match: { actions: ['read'] },
    'no-match': { actions: ['write'] },
    // No route type and no resource: the resource type is unknown, the target Indeterminate.
    indeterminate: { resourceTypes: ['document'] },
  }
  const child = fc.tuple(fc.constantFrom<Applies>('match', 'no-match', 'indeterminate'), decision)
  it('the parent sees the XACML result (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(child, { maxLength: 3 }), decision, fc.constantFrom(...RULE_ALGORITHMS), async (children, sibling, parent) => {
        const one = policySet({
          id: 'one',
          algorithm: 'only-one-applicable',
          policies: children.map(([applies, value], i) => policy({ id: `c${i}`, target: TARGETS[applies], rules: (RULES[value] as () => Rule[])() })),
        })
        const root = policySet({ id: 'root', algorithm: parent, policies: [one, policy({ id: 'sibling', rules: (RULES[sibling] as () => Rule[])() })] })
        const got = (await createPolicyEngine(root, { keepExplanations: 0 }).decide({ action: 'read', identity: identity(), request: request() })).decision
        // C.9 (Indeterminate is {DP}), then the parent over (that, sibling).
        let inner: Decision
        const matches = children.filter(([a]) => a === 'match')
        if (children.some(([a]) => a === 'indeterminate') || matches.length > 1) inner = 'Indeterminate{DP}'
        else if (matches.length === 0) inner = 'NotApplicable'
        else {
          const v = (matches[0] as [Applies, Decision])[1]
          inner = v.startsWith('Indeterminate') ? 'Indeterminate{DP}' : v
        }
        return got === reference(parent, [inner, sibling])
      }),
      { numRuns: 600 },
    )
  })
})

// Engine-level: rules whose conditions are true, false or throw, evaluated by the real engine.
type Outcome = 'true' | 'false' | 'throw' | 'garbage' | 'not-targeted'
const outcome = fc.constantFrom<Outcome>('true', 'false', 'throw', 'garbage', 'not-targeted')
const ruleSpec = fc.tuple(fc.constantFrom<'Permit' | 'Deny'>('Permit', 'Deny'), outcome)

function build(specs: readonly (readonly ['Permit' | 'Deny', Outcome])[]): Rule[] {
  return specs.map(([effect, o], i) => {
    const make = effect === 'Permit' ? permit : deny
    const when = (): boolean => {
      if (o === 'throw') throw new Error('boom')
      if (o === 'garbage') return 'yes' as unknown as boolean
      return o === 'true'
    }
    return make(`r${i}`, { ...(o === 'not-targeted' ? { actions: ['other'] } : {}), when })
  })
}

// XACML Table 4: the value of each rule.
function ruleValue([effect, o]: readonly ['Permit' | 'Deny', Outcome]): Decision {
  if (o === 'not-targeted' || o === 'false') return 'NotApplicable'
  if (o === 'true') return effect
  return effect === 'Permit' ? 'Indeterminate{P}' : 'Indeterminate{D}'
}

describe('the engine evaluates rules per XACML Table 4 and combines them per Appendix C', () => {
  for (const algorithm of RULE_ALGORITHMS) {
    it(`${algorithm}: engine decision equals the reference over rule values`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(ruleSpec, { maxLength: 12 }), async (specs) => {
          const engine = createPolicyEngine(policy({ id: 'p', algorithm: algorithm as 'deny-overrides', rules: build(specs) }), { keepExplanations: 0 })
          const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
          return result.decision === reference(algorithm, specs.map(ruleValue))
        }),
        { numRuns: 300 },
      )
    })
  }

  it('a deny rule that throws never yields Permit under deny-overrides', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleSpec, { maxLength: 10 }), fc.nat(10), async (specs, at) => {
        const all = [...specs]
        all.splice(Math.min(at, all.length), 0, ['Deny', 'throw'])
        const engine = createPolicyEngine(policy({ id: 'p', rules: build(all) }), { keepExplanations: 0 })
        return (await engine.decide({ action: 'read', identity: identity(), request: request() })).decision !== 'Permit'
      }),
      { numRuns: 300 },
    )
  })

  it('first-applicable: an erroring deny before every applicable permit never yields Permit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleSpec, { maxLength: 10 }), async (rest) => {
        const engine = createPolicyEngine(policy({ id: 'p', algorithm: 'first-applicable', rules: build([['Deny', 'throw'], ...rest]) }), { keepExplanations: 0 })
        return (await engine.decide({ action: 'read', identity: identity(), request: request() })).decision === 'Indeterminate{DP}'
      }),
      { numRuns: 200 },
    )
  })

  it('deny-unless-permit: an erroring deny cannot create a Permit (same result as a true deny)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleSpec, { maxLength: 10 }), async (rest) => {
        const decide = async (first: Outcome): Promise<Decision> =>
          (await createPolicyEngine(policy({ id: 'p', algorithm: 'deny-unless-permit', rules: build([['Deny', first], ...rest]) }), { keepExplanations: 0 })
            .decide({ action: 'read', identity: identity(), request: request() })).decision
        return (await decide('throw')) === (await decide('true'))
      }),
      { numRuns: 200 },
    )
  })

  it('only-one-applicable: an applicable policy whose deny rule throws is never Permit', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(ruleSpec, { maxLength: 6 }), async (rest) => {
        const broken = policy({ id: 'broken', target: { actions: ['read'] }, rules: build([['Deny', 'throw'], ...rest]) })
        const other = policy({ id: 'other', target: { actions: ['write'] }, rules: [permit('w')] })
        const engine = createPolicyEngine(policySet({ id: 's', algorithm: 'only-one-applicable', policies: [broken, other] }), { keepExplanations: 0 })
        return (await engine.decide({ action: 'read', identity: identity(), request: request() })).decision !== 'Permit'
      }),
      { numRuns: 200 },
    )
  })

  it('permit-unless-deny is fail-open by definition: an erroring deny alone yields Permit (documented)', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', algorithm: 'permit-unless-deny', rules: build([['Deny', 'throw']]) }))
    expect((await engine.decide({ action: 'read', identity: identity(), request: request() })).decision).toBe('Permit')
  })

  it('policy target Indeterminate maps the combined value per Table 6', async () => {
    // A resourceTypes target with no route type and no resource.type is Indeterminate.
    const inner = (effect: 'Permit' | 'Deny'): ReturnType<typeof policy> =>
      policy({ id: 'typed', target: { resourceTypes: ['document'] }, rules: [(effect === 'Permit' ? permit : deny)('r')] })
    const decide = async (effect: 'Permit' | 'Deny'): Promise<Decision> =>
      (await createPolicyEngine(policySet({ id: 's', policies: [inner(effect)] })).decide({ action: 'read', identity: identity(), request: request() })).decision
    expect(await decide('Permit')).toBe('Indeterminate{P}')
    expect(await decide('Deny')).toBe('Indeterminate{D}')
  })

  it('obligations come only from paths that agree with the final decision', async () => {
    const engine = createPolicyEngine(
      policySet({
        id: 's',
        algorithm: 'permit-overrides',
        policies: [
          policy({ id: 'a', rules: [permit('pa', { obligations: [{ id: 'from-a' }] }), deny('da', { when: () => { throw new Error('x') } })] }),
          policy({ id: 'b', rules: [permit('pb', { obligations: [{ id: 'from-b' }] })] }),
        ],
      }),
    )
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(result.decision).toBe('Permit')
    // Policy a is Indeterminate{DP}: its permit's obligation must not leak into the Permit.
    expect(result.obligations.map((o) => o.id)).toEqual(['from-b'])
    expect(result.explanation.determining).toEqual(['pb'])
  })
})

describe('JSON deny rules reading a missing attribute', () => {
  const missingDeny = { id: 'missing', effect: 'Deny', when: { op: 'eq', attribute: 'resource.absent', value: 'x' } }
  const toJson = (specs: readonly (readonly ['Permit' | 'Deny', 'true' | 'false'])[]): object[] =>
    specs.map(([effect, o], i) => ({ id: `r${i}`, effect, when: { op: 'eq', attribute: 'subject.id', value: o === 'true' ? 'alice' : 'nobody' } }))
  const simple = fc.array(fc.tuple(fc.constantFrom<'Permit' | 'Deny'>('Permit', 'Deny'), fc.constantFrom<'true' | 'false'>('true', 'false')), { maxLength: 8 })

  for (const algorithm of ['deny-overrides', 'deny-unless-permit', 'first-applicable'] as const) {
    it(`${algorithm}: a missing attribute in a deny rule never creates a Permit`, async () => {
      await fc.assert(
        fc.asyncProperty(simple, async (specs) => {
          const rules = algorithm === 'first-applicable' ? [missingDeny, ...toJson(specs)] : [...toJson(specs), missingDeny]
          const engine = createPolicyEngine(loadPolicyDocument({ id: 'p', algorithm, rules }), { keepExplanations: 0 })
          const result = await engine.decide({ action: 'read', identity: identity(), request: request(), resource: () => ({}) })
          if (algorithm === 'deny-unless-permit') return (result.decision === 'Permit') === specs.some(([e, o]) => e === 'Permit' && o === 'true')
          // Evaluation may stop at an earlier true Deny; otherwise the missing attribute is named.
          return result.decision !== 'Permit' && (result.decision === 'Deny' || result.explanation.errors.some((e) => e.rule === 'missing'))
        }),
        { numRuns: 200 },
      )
    })
  }
})
