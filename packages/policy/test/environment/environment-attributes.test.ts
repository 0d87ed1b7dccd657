import { describe, expect, it } from '@jest/globals'
import { DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
import {
  createPolicyEngine,
  createPolicyRequirement,
  dataSensitivity,
  loadPolicyDocument,
  lowDeviceTrust,
  offHours,
  untrustedNetwork,
} from '@portcullis/policy'
import { FROZEN, identity, rejection, request } from '../fixtures.js'

// FROZEN is Monday 2026-01-05 10:00Z = 11:00 in Paris.
const SATURDAY_NIGHT = Date.parse('2026-01-10T22:00:00Z')

const doc = loadPolicyDocument({
  id: 'env',
  rules: [
    { id: 'business-hours', effect: 'Permit', target: { actions: ['read'] }, when: { op: 'withinBusinessHours', attribute: 'environment.time', value: { timeZone: 'Europe/Paris', holidays: ['2026-01-06'] } } },
    { id: 'risky', effect: 'Deny', when: { op: 'gt', attribute: 'environment.risk.score', value: 50 } },
    { id: 'corporate-only-admin', effect: 'Deny', target: { actions: ['admin'] }, when: { op: 'ne', attribute: 'environment.zone', value: 'corporate' } },
    { id: 'admin', effect: 'Permit', target: { actions: ['admin'] } },
  ],
})

function engineAt(now: number): ReturnType<typeof createPolicyEngine> {
  return createPolicyEngine(doc, {
    clock: () => now,
    environment: {
      timeZone: 'Europe/Paris',
      trustedProxies: ['10.0.0.0/8'],
      zones: { corporate: ['192.168.0.0/16'], vpn: ['100.64.0.0/10'] },
      deviceTrust: { header: 'x-device-trust', values: ['low', 'medium', 'high'] },
      risk: {
        factors: [
          untrustedNetwork({ trustedZones: ['corporate', 'vpn'] }),
          offHours({ hours: { timeZone: 'Europe/Paris' } }),
          lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] }),
        ],
      },
    },
  })
}

describe('environment attributes', () => {
  it('client IP honours trusted proxies; zone comes from the CIDR lists', async () => {
    const engine = engineAt(FROZEN)
    const viaProxy = request({ remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': '6.6.6.6, 192.168.1.20', 'x-device-trust': 'high' } })
    const r = await engine.decide({ action: 'admin', identity: identity(), request: viaProxy })
    expect(r.decision).toBe('Permit')
    expect(r.explanation.attributes['environment.zone']).toBe('corporate')
    const spoofed = request({ remoteAddress: '203.0.113.5', headers: { 'x-forwarded-for': '192.168.1.20', 'x-device-trust': 'high' } })
    expect((await engine.decide({ action: 'admin', identity: identity(), request: spoofed })).decision).toBe('Deny')
  })

  it('risk score is computed from named factors and usable as a threshold', async () => {
    const engine = engineAt(FROZEN)
    const trusted = request({ remoteAddress: '192.168.1.20', headers: { 'x-device-trust': 'high' } })
    const ok = await engine.decide({ action: 'read', identity: identity(), request: trusted })
    expect(ok.decision).toBe('Permit')
    expect(ok.explanation.risk).toEqual({ score: 0, factors: [] })
    const risky = request({ remoteAddress: '203.0.113.5', headers: { 'x-device-trust': 'low' } })
    const denied = await engine.decide({ action: 'read', identity: identity(), request: risky })
    expect(denied.decision).toBe('Deny')
    expect(denied.explanation.risk?.score).toBe(70)
    expect(denied.explanation.risk?.factors.map((f) => f.name)).toEqual(['untrusted-network', 'low-device-trust'])
  })

  it('business hours use the frozen clock, the time zone and holidays', async () => {
    const trusted = request({ remoteAddress: '192.168.1.20', headers: { 'x-device-trust': 'high' } })
    const at = async (now: number): Promise<string> => (await engineAt(now).decide({ action: 'read', identity: identity(), request: trusted })).decision
    expect(await at(FROZEN)).toBe('Permit')
    expect(await at(Date.parse('2026-01-06T10:00:00Z'))).toBe('NotApplicable') // holiday
    expect(await at(Date.parse('2026-01-05T16:30:00Z'))).toBe('NotApplicable') // 17:30 in Paris
    // Saturday night: off-hours (20) + untrusted (40) > 50 -> Deny
    const away = request({ remoteAddress: '203.0.113.5', headers: { 'x-device-trust': 'high' } })
    expect((await engineAt(SATURDAY_NIGHT).decide({ action: 'read', identity: identity(), request: away })).decision).toBe('Deny')
  })

  it('a risk factor that cannot be assessed counts (fail-safe) and is named', async () => {
    const engine = createPolicyEngine(doc, {
      clock: () => FROZEN,
      environment: { zones: { corporate: ['192.168.0.0/16'] }, risk: { factors: [dataSensitivity({ atLeast: 'CONFIDENTIAL', weight: 60 })] } },
    })
    // No resource loader: resource.classification is missing -> the factor applies.
    const requirement = createPolicyRequirement(engine, { action: 'read' })
    const error = await rejection(() => requirement.enforce({ request: request({ remoteAddress: '192.168.1.1' }), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    const explanation = engine.explain(error.decisionId as string)
    expect(explanation?.decision).toBe('Deny')
    expect(explanation?.risk?.factors[0]?.name).toBe('data-sensitivity')
  })

  it('device trust can come from a provider instead of the header', async () => {
    const posture = createPolicyEngine(
      loadPolicyDocument({ id: 'p', rules: [{ id: 'trusted-device', effect: 'Permit', when: { op: 'gte', attribute: 'environment.deviceTrust', value: 70 } }] }),
      { providers: { deviceTrust: { category: 'environment', load: async ({ request: r }) => (r.headers['x-device-id'] === 'managed-1' ? 90 : 10) } } },
    )
    const decide = async (device: string): Promise<string> =>
      (await posture.decide({ action: 'read', identity: identity(), request: request({ headers: { 'x-device-id': device, 'x-device-trust': '100' } }) })).decision
    expect(await decide('managed-1')).toBe('Permit')
    expect(await decide('byod')).toBe('NotApplicable')
    expect(() =>
      createPolicyEngine(doc, { providers: { deviceTrust: { category: 'environment', load: () => 1 } }, environment: { deviceTrust: { header: 'x-device-trust' } } }),
    ).toThrow(/not both/)
  })

  it('refuses bad environment options at creation', () => {
    expect(() => createPolicyEngine(doc, { environment: { timeZone: 'Mars/Olympus' } })).toThrow(/timeZone/)
    expect(() => createPolicyEngine(doc, { environment: { zones: { corp: ['10.0.0.1/8'] } } })).toThrow(/zones/)
    expect(() => createPolicyEngine(doc, { environment: { trustedProxies: ['nope'] } })).toThrow(/trustedProxies/)
  })
})
