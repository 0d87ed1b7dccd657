import { describe, expect, it } from '@jest/globals'
import { createAnomalyDetector, NO_ANOMALIES, type AnomalyReport, type PortcullisError } from '@portcullis/core'
import { anomalous, createPolicyEngine, loadPolicyDocument, permit, policy, type PolicyAttributes } from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

const travel: AnomalyReport = {
  score: 90,
  kinds: ['new_zone', 'impossible_travel'],
  signals: [
    { kind: 'new_zone', score: 25, detail: {}, at: 0, held: false },
    { kind: 'impossible_travel', score: 90, detail: { distance_km: 16961 }, at: 0, held: false },
  ],
}
const newZone: AnomalyReport = { score: 25, kinds: ['new_zone'], signals: [{ kind: 'new_zone', score: 25, detail: {}, at: 0, held: false }] }

// Deny above 40 points, else permit: the risk score decides alone.
const doc = loadPolicyDocument({
  id: 'anomalies',
  rules: [
    { id: 'risky', effect: 'Deny', when: { op: 'gte', attribute: 'environment.risk.score', value: 40 } },
    { id: 'read', effect: 'Permit', target: { actions: ['read'] } },
  ],
  algorithm: 'deny-overrides',
})

async function decide(factor: ReturnType<typeof anomalous>, anomalies: AnomalyReport | undefined) {
  const engine = createPolicyEngine(doc, { environment: { risk: { factors: [factor] } } })
  const id = identity(anomalies === undefined ? {} : { anomalies })
  return engine.decide({ action: 'read', identity: id, request: request() })
}

describe('anomalous() risk factor and environment.anomaly', () => {
  it('applies when a signal reaches minimumScore: its weight goes into environment.risk', async () => {
    const result = await decide(anomalous({ weight: 60 }), travel)
    expect(result.decision).toBe('Deny')
    expect(result.explanation.risk).toEqual({ score: 60, factors: [{ name: 'anomalous', points: 60 }] })
  })

  it('does not apply to a clean request or to signals under minimumScore', async () => {
    expect((await decide(anomalous({ weight: 60 }), NO_ANOMALIES)).decision).toBe('Permit')
    expect((await decide(anomalous({ weight: 60 }), newZone)).decision).toBe('Permit')
    expect((await decide(anomalous({ weight: 60, minimumScore: 20 }), newZone)).decision).toBe('Deny')
  })

  it('kinds narrows the signals that count', async () => {
    expect((await decide(anomalous({ weight: 60, kinds: ['rate_spike'] }), travel)).decision).toBe('Permit')
    expect((await decide(anomalous({ weight: 60, kinds: ['impossible_travel'] }), travel)).decision).toBe('Deny')
  })

  it('no report (no detector on requireToken) cannot be assessed: Indeterminate, so deny, unless onMissing', async () => {
    const missing = await decide(anomalous({ weight: 60 }), undefined)
    expect(missing.decision).not.toBe('Permit')
    expect(JSON.stringify(missing.explanation)).toContain('environment.anomaly')
    expect((await decide(anomalous({ weight: 60, onMissing: { points: 0 } }), undefined)).decision).toBe('Permit')
  })

  it('TypeScript and JSON conditions read environment.anomaly directly', async () => {
    const typed = createPolicyEngine(policy({ id: 't', rules: [permit<PolicyAttributes>('calm', { when: (a) => (a.environment.anomaly?.score ?? 100) < 50 })] }))
    expect((await typed.decide({ action: 'read', identity: identity({ anomalies: newZone }), request: request() })).decision).toBe('Permit')
    expect((await typed.decide({ action: 'read', identity: identity({ anomalies: travel }), request: request() })).decision).toBe('NotApplicable')
    const json = createPolicyEngine(loadPolicyDocument({ id: 'j', rules: [{ id: 'no-travel', effect: 'Deny', when: { op: 'contains', attribute: 'environment.anomaly.kinds', value: 'impossible_travel' } }] }))
    expect((await json.decide({ action: 'read', identity: identity({ anomalies: travel }), request: request() })).decision).toBe('Deny')
  })

  it('the detector report feeds the factor end to end', async () => {
    const detector = createAnomalyDetector({ locate: (ip) => (ip === '192.0.2.1' ? { latitude: 48.86, longitude: 2.35 } : { latitude: -33.87, longitude: 151.21 }) })
    detector.observe('k', '192.0.2.1', 0)
    expect((await decide(anomalous(), detector.observe('k', '198.51.100.1', 60_000))).decision).toBe('Deny')
  })

  it('refuses bad options at creation', () => {
    const message = (fn: () => unknown): string => {
      try {
        fn()
      } catch (error) {
        expect((error as PortcullisError).code).toBe('invalid_configuration')
        return (error as Error).message
      }
      return ''
    }
    expect(message(() => anomalous({ minimumScore: 0.7 }))).toMatch(/looks like a 0-1 fraction: write 70/)
    expect(message(() => anomalous({ kinds: [] }))).toMatch(/kinds/)
    expect(message(() => anomalous({ weight: 101 }))).toMatch(/weight/)
    expect(message(() => anomalous({ minimum: 3 } as never))).toMatch(/unknown option "minimum"/)
  })
})
