import { describe, expect, it } from '@jest/globals'
import { DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
import {
  createPolicyEngine,
  createPolicyRequirement,
  deny,
  loadPolicyDocument,
  permit,
  policy,
  type AttributeProvider,
  type PolicyAttributes,
} from '@portcullis/policy'
import { identity, rejection, request } from '../fixtures.js'

type Dir = { directory: { department: string } }
type A = PolicyAttributes<unknown, Dir>

function counting(load: AttributeProvider['load'], extra: Partial<AttributeProvider> = {}): AttributeProvider & { calls: number } {
  const provider = {
    calls: 0,
    ...extra,
    load(context: Parameters<AttributeProvider['load']>[0]) {
      provider.calls++
      return load(context)
    },
  }
  return provider
}

const byDepartment = policy({
  id: 'p',
  rules: [
    permit<A>('eng-reads', { actions: ['read'], when: (a) => a.subject.directory.department === 'eng' }),
    permit('anyone-lists', { actions: ['list'] }),
  ],
})

describe('attribute providers', () => {
  it('are lazy: a decision whose candidate rules do not read them never calls them', async () => {
    const directory = counting(async () => ({ department: 'eng' }))
    const engine = createPolicyEngine(byDepartment, { providers: { directory } })
    expect((await engine.decide({ action: 'list', identity: identity(), request: request() })).decision).toBe('Permit')
    expect(directory.calls).toBe(0)
    expect((await engine.decide({ action: 'read', identity: identity(), request: request() })).decision).toBe('Permit')
    expect(directory.calls).toBe(1)
  })

  it('are memoized per request (many rules reading it: one call)', async () => {
    const directory = counting(async () => ({ department: 'eng' }))
    const rules = Array.from({ length: 5 }, (_, i) => permit<A>(`r${i}`, { when: (a) => a.subject.directory.department === 'ops' }))
    const engine = createPolicyEngine(policy({ id: 'p', rules }), { providers: { directory } })
    expect((await engine.decide({ action: 'read', identity: identity(), request: request() })).decision).toBe('NotApplicable')
    expect(directory.calls).toBe(1)
  })

  it('are cached across requests with a TTL, per subject, in a bounded cache', async () => {
    let now = 0
    const directory = counting(async () => ({ department: 'eng' }), { ttl: 1 })
    const engine = createPolicyEngine(byDepartment, { providers: { directory }, clock: () => now, providerCacheSize: 2 })
    const read = (subject: string): Promise<unknown> => engine.decide({ action: 'read', identity: identity({ subject }), request: request() })
    await read('alice')
    now = 999 // ttl is in seconds: still cached just before one second
    await read('alice')
    expect(directory.calls).toBe(1)
    now = 1001
    await read('alice')
    expect(directory.calls).toBe(2)
    await read('bob')
    await read('carol') // evicts alice (least recently used), size bound 2
    await read('alice')
    expect(directory.calls).toBe(5)
    await read('carol')
    expect(directory.calls).toBe(5)
  })

  it('clearCaches() forgets the cached values: the next decision loads them again', async () => {
    const directory = counting(async () => ({ department: 'eng' }), { ttl: 60 })
    const engine = createPolicyEngine(byDepartment, { providers: { directory } })
    const read = (): Promise<unknown> => engine.decide({ action: 'read', identity: identity(), request: request() })
    await read()
    await read()
    expect(directory.calls).toBe(1)
    engine.clearCaches()
    await read()
    expect(directory.calls).toBe(2)
    await read()
    expect(directory.calls).toBe(2)
  })

  it('options are checked by the shared validator: unknown engine and environment options, bad numbers', () => {
    const load = (): unknown => 1
    for (const options of [
      { providerCacheSize: 1.5 },
      { keepExplanations: -1 },
      { resourceTimeout: 0 },
      { cacheSize: 10 },
      { environment: { timezone: 'UTC' } },
      { providers: { x: { load, ttl: -1 } } },
      { providers: { x: { load, timeout: 120_000 } } },
    ]) {
      expect(() => createPolicyEngine(byDepartment, options as never)).toThrow(expect.objectContaining({ code: 'invalid_configuration' }))
    }
  })

  const failures: [string, AttributeProvider['load']][] = [
    ['throws', () => { throw new Error('ldap down') }],
    ['rejects', () => Promise.reject(new Error('ldap down'))],
    ['hangs', () => new Promise(() => undefined)],
    ['returns a function', () => () => 1],
    ['returns a class instance', async () => new (class Foo { department = 'eng' })()],
    ['returns NaN', () => ({ department: Number.NaN })],
    ['returns a poisoned thenable', () => ({ get then() { throw new Error('gotcha') } })],
    ['rejects with a non-Error', () => Promise.reject(Symbol('x'))],
  ]
  for (const [what, load] of failures) {
    it(`a provider that ${what} makes the rule Indeterminate (403, never 500), named in the explanation`, async () => {
      const engine = createPolicyEngine(byDepartment, { providers: { directory: { load, timeout: 50 } } })
      const requirement = createPolicyRequirement(engine, { action: 'read' })
      const error = await rejection(() => requirement.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
      expect(error.status).toBe(403)
      expect(error.code).toBe('access_denied')
      const explanation = engine.explain(error.decisionId as string)
      expect(explanation?.decision).toBe('Indeterminate{P}')
      expect(explanation?.errors[0]?.rule).toBe('eng-reads')
      expect(explanation?.errors[0]?.reason).toMatch(/subject\.directory/)
    })
  }

  it('a failing deny-rule provider blocks a permit under deny-overrides', async () => {
    const engine = createPolicyEngine(
      policy({ id: 'p', rules: [permit('all'), deny<A>('not-eng', { when: (a) => a.subject.directory.department !== 'eng' })] }),
      { providers: { directory: { load: () => Promise.reject(new Error('down')) } } },
    )
    expect((await engine.decide({ action: 'read', identity: identity(), request: request() })).decision).toBe('Indeterminate{DP}')
  })

  it('an infrastructure provider failure answers 503, not 403', async () => {
    const engine = createPolicyEngine(byDepartment, { providers: { directory: { load: () => Promise.reject(new Error('down')), infrastructure: true } } })
    const requirement = createPolicyRequirement(engine, { action: 'read' })
    const error = await rejection(() => requirement.enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    expect(error.status).toBe(503)
    expect(error.code).toBe('temporarily_unavailable')
    expect((error.headers as Record<string, string>)['Retry-After']).toBe('5')
  })

  it('an explicit Deny stays a 403 even when an infrastructure provider failed elsewhere', async () => {
    const engine = createPolicyEngine(
      policy({
        id: 'p',
        algorithm: 'permit-overrides',
        rules: [permit<A>('dir', { when: (a) => a.subject.directory.department === 'eng' }), deny('blocked')],
      }),
      { providers: { directory: { load: () => Promise.reject(new Error('down')), infrastructure: true } } },
    )
    const error = await rejection(() => createPolicyRequirement(engine, { action: 'read' }).enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    // permit-overrides: Indeterminate{P} with Deny gives Indeterminate{DP}; nothing determined it: 503.
    expect(error.status).toBe(503)
    const explicit = createPolicyEngine(policy({ id: 'p', rules: [permit<A>('dir', { when: (a) => a.subject.directory.department === 'eng' }), deny('blocked')] }), {
      providers: { directory: { load: () => Promise.reject(new Error('down')), infrastructure: true } },
    })
    // deny-overrides: the provider failed, but 'blocked' denies explicitly: a verdict, 403.
    const denied = await rejection(() => createPolicyRequirement(explicit, { action: 'read' }).enforce({ request: request(), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    expect(denied.status).toBe(403)
    expect(explicit.explain(denied.decisionId as string)?.infrastructureFailures).toEqual(['subject.directory'])
  })

  it('a timed-out provider is aborted through its signal', async () => {
    let aborted = false
    const engine = createPolicyEngine(byDepartment, {
      providers: { directory: { timeout: 20, load: ({ signal }) => new Promise(() => signal.addEventListener('abort', () => { aborted = true })) } },
    })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(result.decision).toBe('Indeterminate{P}')
    expect(result.explanation.errors[0]?.reason).toMatch(/within 20 ms/)
    expect(aborted).toBe(true)
  })

  it('JSON conditions read provider values by path and wait for async ones', async () => {
    const doc = loadPolicyDocument({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'eq', attribute: 'subject.directory.department', value: 'eng' } }] })
    const engine = createPolicyEngine(doc, { providers: { directory: { load: async () => ({ department: 'eng' }) } } })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(result.decision).toBe('Permit')
    expect(result.explanation.attributes['subject.directory.department']).toBe('eng')
  })

  it('a predicate that swallows the wait still sees the value on the next pass', async () => {
    const engine = createPolicyEngine(
      policy({
        id: 'p',
        rules: [
          permit<A>('sneaky', {
            when: (a) => {
              try {
                return a.subject.directory.department === 'eng'
              } catch {
                return true // would be a fail-open if the engine trusted it
              }
            },
          }),
        ],
      }),
      { providers: { directory: { load: async () => ({ department: 'ops' }) } } },
    )
    expect((await engine.decide({ action: 'read', identity: identity(), request: request() })).decision).toBe('NotApplicable')
  })

  it('validates provider options at creation', () => {
    expect(() => createPolicyEngine(byDepartment, { providers: { id: { load: () => 1 } } })).toThrow(/built-in/)
    expect(() => createPolicyEngine(byDepartment, { providers: { x: {} as never } })).toThrow(/load/)
    expect(() => createPolicyEngine(byDepartment, { providers: { x: { load: () => 1, timeout: -1 } } })).toThrow(/timeout/)
    expect(() => createPolicyEngine(byDepartment, { providers: { x: { load: () => 1, ttl: 10, category: 'environment' } } })).toThrow(/key/)
  })
})
