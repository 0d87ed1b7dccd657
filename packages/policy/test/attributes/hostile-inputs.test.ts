import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { DEFAULT_AUTH_CONTEXT, isPortcullisError, type PortcullisRequest } from '@portcullis/core'
import { createPolicyEngine, createPolicyRequirement, loadPolicyDocument } from '@portcullis/policy'
import { identity } from '../fixtures.js'

// A document touching every operator family, evaluated against arbitrary (hostile) data.
const doc = loadPolicyDocument({
  id: 'p',
  rules: [
    { id: 'a', effect: 'Permit', when: { all: [{ op: 'eq', attribute: 'resource.owner', ref: 'subject.id' }, { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.clearance', ref: 'resource.classification' }] } },
    { id: 'b', effect: 'Permit', when: { any: [{ op: 'containsAny', attribute: 'resource.tags', value: ['x'] }, { op: 'glob', attribute: 'resource.name', value: 'report-*' }] } },
    { id: 'c', effect: 'Deny', when: { not: { op: 'ipInRange', attribute: 'environment.ip', value: ['10.0.0.0/8'] } } },
    { id: 'd', effect: 'Deny', when: { op: 'after', attribute: 'environment.time', ref: 'resource.expiresAt' } },
    { id: 'e', effect: 'Permit', when: { op: 'withinTimeWindow', attribute: 'resource.when', value: { start: '09:00', end: '17:00', timeZone: 'UTC' } } },
  ],
})

describe('hostile inputs never produce anything but a PortcullisError', () => {
  const engine = createPolicyEngine(doc, { environment: { trustedProxies: ['10.0.0.0/8'], deviceTrust: { header: 'x-device-trust' } } })
  const requirement = createPolicyRequirement(engine, { action: 'read', resource: (input: unknown) => input })

  it('arbitrary resources, claims and headers: resolve or reject with a PortcullisError (403/503), never throw anything else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ withObjectString: true, withNullPrototype: true, withMap: true, withSet: true, withBigInt: true, withDate: true }), fc.anything(), fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.array(fc.string()))), fc.option(fc.string()), async (resource, claims, headers, remote) => {
        const request: PortcullisRequest = { method: 'GET', url: '/x', headers, ...(remote === null ? {} : { remoteAddress: remote }) }
        const who = identity({ claims: (typeof claims === 'object' && claims !== null ? claims : { value: claims }) as never })
        try {
          await requirement.enforce({ request, identity: who, context: DEFAULT_AUTH_CONTEXT, input: resource })
          return true
        } catch (error) {
          return isPortcullisError(error) && [401, 403, 503].includes(error.status)
        }
      }),
      { numRuns: 300 },
    )
  })

  it('a resource with prototype-looking own keys is read as data, never through the prototype', async () => {
    const hostile = JSON.parse('{"__proto__": {"owner": "alice"}, "classification": "PUBLIC"}') as unknown
    const result = await engine.decide({ action: 'read', identity: identity({ claims: { clearance: 'RESTRICTED' } }), request: { method: 'GET', url: '/', headers: {}, remoteAddress: '10.0.0.1' }, resource: () => hostile })
    expect(result.decision).not.toBe('Permit')
    expect(result.explanation.errors.find((e) => e.rule === 'a')?.reason).toBe('attribute resource.owner is missing')
  })
})
