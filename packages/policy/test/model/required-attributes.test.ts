import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createPolicyEngine, permit, policy, required, type PolicyAttributes } from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

type Doc = { department?: string; owner?: string }
type DocAttributes = PolicyAttributes<Doc>

const decide = (rule: ReturnType<typeof permit>, claims: Record<string, unknown>, resource: Doc) =>
  createPolicyEngine(policy({ id: 'p', rules: [rule] })).decide({ action: 'read', identity: identity({ claims }), request: request(), resource: () => resource })

describe('TypeScript rules can require attributes', () => {
  // The trap: undefined === undefined is true, so a plain comparison permits when both are missing.
  const naive = permit<DocAttributes>('naive', { when: (a) => a.subject.claims.department === a.resource.department })
  const viaRequire = permit<DocAttributes>('same-department', { when: (a) => a.require('subject.claims.department') === a.require('resource.department') })
  const viaRequired = permit<DocAttributes>('same-department', {
    when: (a) => required(a.subject.claims.department, 'subject.claims.department') === required(a.resource.department, 'resource.department'),
  })

  it('the plain comparison permits with both attributes missing (why the README uses require)', async () => {
    expect((await decide(naive, {}, {})).decision).toBe('Permit')
  })

  for (const [name, rule] of [['a.require(path)', viaRequire], ['required(value, name)', viaRequired]] as const) {
    it(`${name}: a missing attribute makes the rule Indeterminate and is named`, async () => {
      expect((await decide(rule, { department: 'eng' }, { department: 'eng' })).decision).toBe('Permit')
      expect((await decide(rule, { department: 'eng' }, { department: 'ops' })).decision).toBe('NotApplicable')
      const missing = await decide(rule, {}, {})
      expect(missing.decision).toBe('Indeterminate{P}')
      expect(missing.explanation.errors[0]).toEqual({ rule: 'same-department', reason: 'attribute subject.claims.department is missing' })
      expect((await decide(rule, { department: 'eng' }, { department: undefined })).decision).toBe('Indeterminate{P}')
    })

    it(`${name}: no missing attribute turns into a Permit that a present, different value would not give (property)`, async () => {
      const value = fc.option(fc.constantFrom('eng', 'ops'), { nil: undefined })
      await fc.assert(
        fc.asyncProperty(value, value, async (mine, theirs) => {
          const got = (await decide(rule, mine === undefined ? {} : { department: mine }, theirs === undefined ? {} : { department: theirs })).decision
          if (got !== 'Permit') return true
          // Permit only with both present: filling a missing one with a different value would not permit.
          return mine !== undefined && theirs !== undefined && mine === theirs
        }),
      )
    })
  }

  it('require refuses a malformed path (Indeterminate, never a value)', async () => {
    const rule = permit<DocAttributes>('bad', { when: (a) => a.require('subject.__proto__') !== undefined })
    const result = await decide(rule, {}, {})
    expect(result.decision).toBe('Indeterminate{P}')
    expect(result.explanation.errors[0]?.reason).toMatch(/not allowed/)
  })
})
