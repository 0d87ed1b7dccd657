import { describe, expect, it } from '@jest/globals'
import { DEFAULT_AUTH_CONTEXT } from '@portcullis/core'
import {
  createPolicyEngine,
  crossBorder,
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

  it('a risk factor that cannot be assessed makes the score Indeterminate (deny), naming the input', async () => {
    const engine = createPolicyEngine(doc, {
      clock: () => FROZEN,
      environment: { zones: { corporate: ['192.168.0.0/16'] }, risk: { factors: [dataSensitivity({ atLeast: 'CONFIDENTIAL', weight: 60 })] } },
    })
    // No resource loader: resource.classification is missing -> the risk score is Indeterminate.
    const requirement = createPolicyRequirement(engine, { action: 'read' })
    const error = await rejection(() => requirement.enforce({ request: request({ remoteAddress: '192.168.1.1' }), identity: identity(), context: DEFAULT_AUTH_CONTEXT, input: {} }))
    const explanation = engine.explain(error.decisionId as string)
    expect(explanation?.decision).toBe('Indeterminate{DP}')
    expect(explanation?.errors.find((e) => e.rule === 'risky')?.reason).toMatch(/factor data-sensitivity: input resource.classification is missing/)
    expect(explanation?.missingAttributes).toContain('resource.classification')
    expect(explanation?.failedAttributes.map((f) => f.attribute)).toEqual(['environment.risk'])
  })

  // The attack: drop the device-trust header (or break its provider) to lower your own score.
  it('a missing device-trust header or a failing posture provider never lowers the score into a Permit', async () => {
    const trusted = { remoteAddress: '192.168.1.20' }
    const at = async (headers: Record<string, string>): Promise<string> =>
      (await engineAt(FROZEN).decide({ action: 'read', identity: identity(), request: request({ ...trusted, headers }) })).decision
    expect(await at({ 'x-device-trust': 'high' })).toBe('Permit')
    expect(await at({ 'x-device-trust': 'low' })).toBe('Permit') // 30 points: under the threshold
    expect(await at({})).toBe('Indeterminate{DP}') // before: 30 points, Permit
    expect(await at({ 'x-device-trust': 'bogus' })).toBe('Indeterminate{DP}')
    const posture = (load: () => unknown): ReturnType<typeof createPolicyEngine> =>
      createPolicyEngine(doc, {
        clock: () => FROZEN,
        providers: { deviceTrust: { category: 'environment', load, timeout: 50 } },
        environment: { zones: { corporate: ['192.168.0.0/16'] }, risk: { factors: [lowDeviceTrust({ minimum: 50, weight: 60 })] } },
      })
    const decide = async (load: () => unknown): Promise<string> => (await posture(load).decide({ action: 'read', identity: identity(), request: request(trusted) })).decision
    expect(await decide(() => 90)).toBe('Permit')
    expect(await decide(() => 10)).toBe('Deny')
    expect(await decide(() => { throw new Error('mdm down') })).toBe('Indeterminate{DP}')
    expect(await decide(() => new Promise(() => undefined))).toBe('Indeterminate{DP}')
    // Declared: a missing posture scores 60 points (above the threshold): Deny, explained.
    const declared = createPolicyEngine(doc, {
      clock: () => FROZEN,
      providers: { deviceTrust: { category: 'environment', load: () => { throw new Error('mdm down') } } },
      environment: { risk: { factors: [lowDeviceTrust({ minimum: 50, weight: 10, onMissing: { points: 60 } })] } },
    })
    const result = await declared.decide({ action: 'read', identity: identity(), request: request(trusted) })
    expect(result.decision).toBe('Deny')
    expect(result.explanation.risk?.factors).toEqual([expect.objectContaining({ name: 'low-device-trust', points: 60, failed: true, missing: expect.stringMatching(/environment.deviceTrust failed/) })])
  })

  it('refuses at creation a risk factor that reads an attribute nothing sets', () => {
    expect(() => createPolicyEngine(doc, { environment: { risk: { factors: [crossBorder()] } } })).toThrow(/cross-border.*reads environment.country.*provider named "country"/)
    expect(() => createPolicyEngine(doc, { environment: { risk: { factors: [lowDeviceTrust({ minimum: 50 })] } } })).toThrow(/neither environment.deviceTrust/)
    expect(() =>
      createPolicyEngine(doc, { environment: { deviceTrust: { header: 'x-device-trust', values: ['low', 'high'] }, risk: { factors: [lowDeviceTrust({ minimum: 50 })] } } }),
    ).toThrow(/compares a 0-100 score/)
    expect(() =>
      createPolicyEngine(doc, { environment: { deviceTrust: { header: 'x-device-trust' }, risk: { factors: [lowDeviceTrust({ minimum: 'high', values: ['low', 'high'] })] } } }),
    ).toThrow(/compares levels/)
    const providers = { country: { category: 'environment' as const, load: () => 'FR' }, home: { load: () => 'FR' } }
    expect(() => createPolicyEngine(doc, { providers, environment: { risk: { factors: [crossBorder({ homeAttribute: 'subject.home' })] } } })).not.toThrow()
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
