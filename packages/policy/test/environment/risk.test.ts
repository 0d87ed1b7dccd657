import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createLevels } from '../../src/environment/classification.js'
import { createRiskModel, type AttributeReader, type RiskFactor } from '../../src/environment/risk.js'
import { crossBorder, dataSensitivity, lowDeviceTrust, offHours, untrustedNetwork } from '../../src/environment/risk-factors.js'

function reader(values: Record<string, unknown>): AttributeReader {
  return { get: async (path) => (Object.hasOwn(values, path) ? values[path] : undefined) }
}

const fixed = (name: string, weight: number, applies: boolean): RiskFactor => ({ name, weight, applies: () => applies })

describe('createRiskModel', () => {
  it('sums the weights of applied factors and names each with its points', async () => {
    const model = createRiskModel({ factors: [fixed('a', 30, true), fixed('b', 20, false), fixed('c', 15, true)] })
    expect(await model.assess(reader({}))).toEqual({ score: 45, factors: [{ name: 'a', points: 30 }, { name: 'c', points: 15 }] })
  })

  it('caps the score at `cap` (default 100) while still listing every factor', async () => {
    const factors = [fixed('a', 80, true), fixed('b', 70, true)]
    expect((await createRiskModel({ factors }).assess(reader({}))).score).toBe(100)
    const capped = await createRiskModel({ factors, cap: 60 }).assess(reader({}))
    expect(capped.score).toBe(60)
    expect(capped.factors).toHaveLength(2)
  })

  it('is fail-safe: throwing, rejecting, non-boolean or slow factors count as applied and are marked', async () => {
    const model = createRiskModel({
      factorTimeoutMs: 50,
      factors: [
        { name: 'throws', weight: 10, applies: () => { throw new Error('directory down') } },
        { name: 'rejects', weight: 11, applies: () => Promise.reject(new Error('x')) },
        { name: 'truthy', weight: 12, applies: () => 'yes' as never },
        { name: 'undefined', weight: 13, applies: () => undefined as never },
        { name: 'hangs', weight: 14, applies: () => new Promise<boolean>(() => undefined) },
        { name: 'reader-fails', weight: 15, applies: async (a) => (await a.get('x')) === 1 },
        fixed('clear', 50, false),
      ],
    })
    const failing: AttributeReader = { get: () => Promise.reject(new Error('provider timeout')) }
    const result = await model.assess(failing)
    expect(result.factors).toEqual([
      { name: 'throws', points: 10, failed: true },
      { name: 'rejects', points: 11, failed: true },
      { name: 'truthy', points: 12, failed: true },
      { name: 'undefined', points: 13, failed: true },
      { name: 'hangs', points: 14, failed: true },
      { name: 'reader-fails', points: 15, failed: true },
    ])
    expect(result.score).toBe(75)
  })

  it('refuses invalid configuration', () => {
    const ok = fixed('a', 10, true)
    for (const options of [
      null, {}, { factors: 'a' }, { factors: [ok], cap: 101 }, { factors: [ok], cap: -1 }, { factors: [ok], cap: NaN },
      { factors: [ok, ok] }, { factors: [{ ...ok, weight: 101 }] }, { factors: [{ ...ok, weight: -1 }] }, { factors: [{ ...ok, weight: NaN }] },
      { factors: [{ ...ok, name: '' }] }, { factors: [{ ...ok, name: 'a b' }] }, { factors: [{ ...ok, applies: true }] }, { factors: [null] },
      { factors: [ok], factorTimeoutMs: 0 },
    ]) {
      expect(() => createRiskModel(options as never)).toThrow(TypeError)
    }
  })

  const factorsArb = fc.uniqueArray(
    fc.record({ name: fc.stringMatching(/^[a-z]{1,8}$/), weight: fc.integer({ min: 0, max: 100 }), outcome: fc.constantFrom('yes', 'no', 'throw') }),
    { selector: (f) => f.name, maxLength: 10 },
  )
  const toFactor = (f: { name: string; weight: number; outcome: string }): RiskFactor => ({
    name: f.name, weight: f.weight,
    applies: () => { if (f.outcome === 'throw') throw new Error('x'); return f.outcome === 'yes' },
  })

  it('the score is always within 0..cap and equals the capped sum of listed points (property)', async () => {
    await fc.assert(
      fc.asyncProperty(factorsArb, fc.integer({ min: 0, max: 100 }), async (specs, cap) => {
        const result = await createRiskModel({ factors: specs.map(toFactor), cap }).assess(reader({}))
        expect(result.score).toBeGreaterThanOrEqual(0)
        expect(result.score).toBeLessThanOrEqual(cap)
        expect(result.score).toBe(Math.min(cap, result.factors.reduce((s, f) => s + f.points, 0)))
        expect(result.factors.map((f) => f.name)).toEqual(specs.filter((s) => s.outcome !== 'no').map((s) => s.name))
      }),
    )
  })

  it('is monotone: turning a factor on, or adding one, never lowers the score (property)', async () => {
    await fc.assert(
      fc.asyncProperty(factorsArb, fc.nat(), fc.integer({ min: 0, max: 100 }), async (specs, pick, extraWeight) => {
        const base = (await createRiskModel({ factors: specs.map(toFactor) }).assess(reader({}))).score
        if (specs.length > 0) {
          const i = pick % specs.length
          const raised = specs.map((s, j) => (j === i ? { ...s, outcome: 'yes' } : s))
          expect((await createRiskModel({ factors: raised.map(toFactor) }).assess(reader({}))).score).toBeGreaterThanOrEqual(base)
        }
        const more = [...specs.map(toFactor), fixed('zzzzzzzzz', extraWeight, true)]
        expect((await createRiskModel({ factors: more }).assess(reader({}))).score).toBeGreaterThanOrEqual(base)
      }),
    )
  })
})

describe('built-in risk factors', () => {
  it('untrustedNetwork applies outside the trusted zones, and when the zone is unknown', async () => {
    const f = untrustedNetwork({ trustedZones: ['corporate', 'vpn'] })
    expect(f).toMatchObject({ name: 'untrusted-network', weight: 40 })
    expect(await f.applies(reader({ 'environment.zone': 'corporate' }))).toBe(false)
    expect(await f.applies(reader({ 'environment.zone': 'untrusted' }))).toBe(true)
    expect(await f.applies(reader({}))).toBe(true)
    expect(await f.applies(reader({ 'environment.zone': ['corporate'] }))).toBe(true)
    expect(() => untrustedNetwork({ trustedZones: 'corporate' as never })).toThrow(TypeError)
    expect(() => untrustedNetwork({ trustedZones: [], weight: 101 })).toThrow(TypeError)
  })

  it('offHours applies outside business hours and for an unreadable time (via the model: failed)', async () => {
    const f = offHours({ hours: { timeZone: 'Europe/Paris' }, weight: 25 })
    expect(await f.applies(reader({ 'environment.time': Date.parse('2026-12-01T10:00:00Z') }))).toBe(false)
    expect(await f.applies(reader({ 'environment.time': '2026-12-01T20:00:00Z' }))).toBe(true)
    expect(await f.applies(reader({ 'environment.time': new Date('2026-12-06T10:00:00Z') }))).toBe(true)
    const model = createRiskModel({ factors: [f] })
    expect(await model.assess(reader({ 'environment.time': 'noon' }))).toEqual({ score: 25, factors: [{ name: 'off-hours', points: 25, failed: true }] })
    const custom = offHours({ hours: { within: () => true } })
    expect(await custom.applies(reader({ 'environment.time': 0 }))).toBe(false)
    expect(() => offHours({ hours: { timeZone: 'Nowhere/City' } })).toThrow(TypeError)
  })

  it('lowDeviceTrust with levels or a 0-100 score; missing or unknown is low', async () => {
    const levels = lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] })
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'high' }))).toBe(false)
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'medium' }))).toBe(false)
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'low' }))).toBe(true)
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'ultra' }))).toBe(true)
    expect(await levels.applies(reader({}))).toBe(true)
    const score = lowDeviceTrust({ minimum: 70, attribute: 'environment.posture' })
    expect(await score.applies(reader({ 'environment.posture': 70 }))).toBe(false)
    expect(await score.applies(reader({ 'environment.posture': 69 }))).toBe(true)
    expect(await score.applies(reader({ 'environment.posture': '90' }))).toBe(true)
    expect(await score.applies(reader({ 'environment.posture': NaN }))).toBe(true)
    expect(() => lowDeviceTrust({ minimum: 'top', values: ['low'] })).toThrow(TypeError)
    expect(() => lowDeviceTrust({ minimum: 'low' })).toThrow(TypeError)
    expect(() => lowDeviceTrust({ minimum: 101 })).toThrow(TypeError)
  })

  it('dataSensitivity applies at or above the threshold, and for unknown classifications', async () => {
    const f = dataSensitivity({ atLeast: 'CONFIDENTIAL' })
    expect(await f.applies(reader({ 'resource.classification': 'INTERNAL' }))).toBe(false)
    expect(await f.applies(reader({ 'resource.classification': 'CONFIDENTIAL' }))).toBe(true)
    expect(await f.applies(reader({ 'resource.classification': 'RESTRICTED' }))).toBe(true)
    expect(await f.applies(reader({ 'resource.classification': 'SECRET' }))).toBe(true)
    expect(await f.applies(reader({}))).toBe(true)
    const custom = dataSensitivity({ atLeast: 'high', levels: createLevels(['low', 'high']), name: 'pii' })
    expect(custom.name).toBe('pii')
    expect(await custom.applies(reader({ 'resource.classification': 'low' }))).toBe(false)
    expect(() => dataSensitivity({ atLeast: 'TOP' })).toThrow(TypeError)
  })

  it('crossBorder compares ISO country codes; missing or malformed applies', async () => {
    const f = crossBorder({})
    expect(f).toMatchObject({ name: 'cross-border', weight: 25 })
    expect(await f.applies(reader({ 'subject.country': 'FR', 'environment.country': 'fr' }))).toBe(false)
    expect(await f.applies(reader({ 'subject.country': 'FR', 'environment.country': 'US' }))).toBe(true)
    expect(await f.applies(reader({ 'subject.country': 'FR' }))).toBe(true)
    expect(await f.applies(reader({ 'subject.country': 'FRA', 'environment.country': 'FRA' }))).toBe(true)
    const custom = crossBorder({ homeAttribute: 'subject.directory.country', attribute: 'environment.geo.country' })
    expect(await custom.applies(reader({ 'subject.directory.country': 'DE', 'environment.geo.country': 'DE' }))).toBe(false)
    expect(() => crossBorder({ weight: -5 })).toThrow(TypeError)
  })
})
