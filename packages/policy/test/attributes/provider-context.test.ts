import { describe, expect, it } from '@jest/globals'
import { createPolicyEngine, loadPolicyDocument, type ProviderContext } from '@portcullis/policy'
import { FROZEN, identity, request } from '../fixtures.js'

describe('providers see the resource and the engine clock', () => {
  it('a provider reads the route resource (loaded once, shared with the rules) and the frozen clock', async () => {
    const seen: { now?: number; resource?: unknown } = {}
    let loads = 0
    const engine = createPolicyEngine(
      loadPolicyDocument({
        id: 'p',
        rules: [{ id: 'manager-of-owner', effect: 'Permit', when: { all: [
          { op: 'eq', attribute: 'resource.type', value: 'document' },
          { op: 'eq', attribute: 'subject.ownerManager', ref: 'subject.id' },
        ] } }],
      }),
      {
        clock: () => FROZEN,
        providers: {
          ownerManager: {
            load: async (context: ProviderContext) => {
              seen.now = context.now
              const resource = (await context.resource()) as { owner: string }
              seen.resource = resource
              return resource.owner === 'bob' ? 'alice' : 'carol'
            },
          },
        },
      },
    )
    const result = await engine.decide({ action: 'read', identity: identity(), request: request(), resource: () => { loads++; return Promise.resolve({ type: 'document', owner: 'bob' }) } })
    expect(result.decision).toBe('Permit')
    expect(seen).toEqual({ now: FROZEN, resource: { type: 'document', owner: 'bob' } })
    expect(loads).toBe(1)
  })

  it('context.resource() rejects when the loader fails, so the provider fails (Indeterminate)', async () => {
    const engine = createPolicyEngine(loadPolicyDocument({ id: 'p', rules: [{ id: 'r', effect: 'Permit', when: { op: 'eq', attribute: 'subject.x', value: 1 } }] }), {
      providers: { x: { load: async (context: ProviderContext) => ((await context.resource()) as { x: number }).x } },
    })
    const result = await engine.decide({ action: 'read', identity: identity(), request: request(), resource: () => Promise.reject(new Error('db down')) })
    expect(result.decision).toBe('Indeterminate{P}')
    expect(result.explanation.failedAttributes.map((f) => f.attribute)).toEqual(['resource', 'subject.x'])
    const none = await engine.decide({ action: 'read', identity: identity(), request: request() })
    expect(none.decision).toBe('Indeterminate{P}') // no loader: resource() resolves undefined, the provider throws
  })
})
