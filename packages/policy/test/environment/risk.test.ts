import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createLevels, numericLevels } from '../../src/environment/classification.js'
import { createRiskModel, RiskIndeterminateError, RiskInputMissing, type AttributeReader, type RiskFactor } from '../../src/environment/risk.js'
import { isConditionError } from '../../src/operators/condition-error.js'
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

  it('is fail-safe: a factor that cannot be assessed makes the assessment Indeterminate, naming it', async () => {
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
    const error = (await model.assess(failing).catch((e: unknown) => e)) as RiskIndeterminateError
    expect(error).toBeInstanceOf(RiskIndeterminateError)
    expect(isConditionError(error)).toBe(true)
    expect(error.factors.map((f) => f.factor)).toEqual(['throws', 'rejects', 'truthy', 'undefined', 'hangs', 'reader-fails'])
    expect(error.message).toMatch(/factor throws: it threw \(directory down\)/)
    expect(error.message).toMatch(/factor hangs: it did not answer within 50 ms/)
  })

  it('a factor with onMissing scores its points instead, marked and explained', async () => {
    const model = createRiskModel({
      factors: [
        { name: 'posture', weight: 10, onMissing: { points: 35 }, applies: () => { throw new RiskInputMissing('environment.deviceTrust', 'is missing') } },
        fixed('other', 5, true),
      ],
    })
    expect(await model.assess(reader({}))).toEqual({
      score: 40,
      factors: [{ name: 'posture', points: 35, failed: true, missing: 'input environment.deviceTrust is missing' }, { name: 'other', points: 5 }],
    })
  })

  it('refuses invalid configuration', () => {
    const ok = fixed('a', 10, true)
    for (const options of [
      null, {}, { factors: 'a' }, { factors: [ok], cap: 101 }, { factors: [ok], cap: -1 }, { factors: [ok], cap: NaN },
      { factors: [ok, ok] }, { factors: [{ ...ok, weight: 101 }] }, { factors: [{ ...ok, weight: -1 }] }, { factors: [{ ...ok, weight: NaN }] },
      { factors: [{ ...ok, name: '' }] }, { factors: [{ ...ok, name: 'a b' }] }, { factors: [{ ...ok, applies: true }] }, { factors: [null] },
      { factors: [ok], factorTimeoutMs: 0 }, { factors: [{ ...ok, onMissing: 30 }] }, { factors: [{ ...ok, onMissing: { points: 101 } }] },
      { factors: [{ ...ok, onMissing: { points: 5, extra: 1 } }] },
    ]) {
      expect(() => createRiskModel(options as never)).toThrow(expect.objectContaining({ code: 'invalid_configuration' }) as never)
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
        const assessment = createRiskModel({ factors: specs.map(toFactor), cap }).assess(reader({}))
        if (specs.some((s) => s.outcome === 'throw')) {
          // Fail-safe: one unassessable factor makes the whole assessment Indeterminate.
          await expect(assessment).rejects.toThrow(/risk score is indeterminate/)
          return
        }
        const result = await assessment
        expect(result.score).toBeGreaterThanOrEqual(0)
        expect(result.score).toBeLessThanOrEqual(cap)
        expect(result.score).toBe(Math.min(cap, result.factors.reduce((s, f) => s + f.points, 0)))
        expect(result.factors.map((f) => f.name)).toEqual(specs.filter((s) => s.outcome === 'yes').map((s) => s.name))
      }),
    )
  })

  it('is monotone: turning a factor on, or adding one, never lowers the score (property)', async () => {
    await fc.assert(
      fc.asyncProperty(factorsArb.map((specs) => specs.filter((s) => s.outcome !== 'throw')), fc.nat(), fc.integer({ min: 0, max: 100 }), async (specs, pick, extraWeight) => {
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

const missing = (input: string): object => expect.objectContaining({ input }) as never

describe('built-in risk factors', () => {
  const invalid = { code: 'invalid_configuration' }

  it('untrustedNetwork applies outside the trusted zones; a missing zone cannot be assessed', async () => {
    const f = untrustedNetwork({ trustedZones: ['corporate', 'vpn'] })
    expect(f).toMatchObject({ name: 'untrusted-network', weight: 40, inputs: ['environment.zone'] })
    expect(await f.applies(reader({ 'environment.zone': 'corporate' }))).toBe(false)
    expect(await f.applies(reader({ 'environment.zone': 'untrusted' }))).toBe(true)
    await expect(f.applies(reader({}))).rejects.toEqual(missing('environment.zone'))
    await expect(f.applies(reader({ 'environment.zone': ['corporate'] }))).rejects.toEqual(missing('environment.zone'))
    expect(() => untrustedNetwork({ trustedZones: 'corporate' as never })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => untrustedNetwork({ trustedZones: [] })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => untrustedNetwork({ trustedZones: ['a'], weight: 101 })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => untrustedNetwork({ trustedZones: ['a'], attribute: 'environment.__proto__' })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => untrustedNetwork({ trustedZones: ['a'], trusted: ['b'] } as never)).toThrow(/unknown option "trusted"/)
  })

  it('offHours applies outside business hours; an unreadable time or zone cannot be assessed', async () => {
    const f = offHours({ hours: { timeZone: 'Europe/Paris' }, weight: 25 })
    expect(await f.applies(reader({ 'environment.time': Date.parse('2026-12-01T10:00:00Z') }))).toBe(false)
    expect(await f.applies(reader({ 'environment.time': '2026-12-01T20:00:00Z' }))).toBe(true)
    expect(await f.applies(reader({ 'environment.time': new Date('2026-12-06T10:00:00Z') }))).toBe(true)
    const model = createRiskModel({ factors: [f] })
    await expect(model.assess(reader({ 'environment.time': 'noon' }))).rejects.toThrow(/factor off-hours: input environment.time is "noon"|factor off-hours: input environment.time is/)
    const custom = offHours({ hours: { within: () => true } })
    expect(await custom.applies(reader({ 'environment.time': 0 }))).toBe(false)
    expect(() => offHours({ hours: { timeZone: 'Nowhere/City' } })).toThrow(expect.objectContaining(invalid) as never)
  })

  it('offHours takes the zone from an attribute (the resource site), across DST', async () => {
    const f = offHours({ hours: { timeZone: { attribute: 'resource.site.timeZone' } } })
    expect(f.inputs).toEqual(['environment.time', 'resource.site.timeZone'])
    // 2026-03-09 14:30Z: New York has moved to EDT (10:30 local, open); Paris is 15:30 (open).
    const t = Date.parse('2026-03-09T14:30:00Z')
    expect(await f.applies(reader({ 'environment.time': t, 'resource.site.timeZone': 'America/New_York' }))).toBe(false)
    // 13:30Z the same day: 09:30 EDT (open); without DST it would be 08:30 (closed).
    expect(await f.applies(reader({ 'environment.time': Date.parse('2026-03-09T13:30:00Z'), 'resource.site.timeZone': 'America/New_York' }))).toBe(false)
    expect(await f.applies(reader({ 'environment.time': Date.parse('2026-03-09T12:30:00Z'), 'resource.site.timeZone': 'America/New_York' }))).toBe(true)
    await expect(f.applies(reader({ 'environment.time': t }))).rejects.toEqual(missing('resource.site.timeZone'))
    await expect(f.applies(reader({ 'environment.time': t, 'resource.site.timeZone': 'Mars/Olympus' }))).rejects.toEqual(missing('resource.site.timeZone'))
    expect(() => offHours({ hours: { timeZone: { attribute: 'nowhere.zone' } } })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => offHours({ hours: { timeZone: { attribute: 'resource.tz' }, start: '25:00' } })).toThrow(expect.objectContaining(invalid) as never)
  })

  it('lowDeviceTrust with levels or an integer 0-100 score; missing or unknown cannot be assessed', async () => {
    const levels = lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] })
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'high' }))).toBe(false)
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'medium' }))).toBe(false)
    expect(await levels.applies(reader({ 'environment.deviceTrust': 'low' }))).toBe(true)
    await expect(levels.applies(reader({ 'environment.deviceTrust': 'ultra' }))).rejects.toEqual(missing('environment.deviceTrust'))
    await expect(levels.applies(reader({}))).rejects.toEqual(missing('environment.deviceTrust'))
    const score = lowDeviceTrust({ minimum: 70, attribute: 'environment.posture' })
    expect(await score.applies(reader({ 'environment.posture': 70 }))).toBe(false)
    expect(await score.applies(reader({ 'environment.posture': 69 }))).toBe(true)
    await expect(score.applies(reader({ 'environment.posture': '90' }))).rejects.toEqual(missing('environment.posture'))
    await expect(score.applies(reader({ 'environment.posture': NaN }))).rejects.toEqual(missing('environment.posture'))
    await expect(score.applies(reader({ 'environment.posture': 0.9 }))).rejects.toEqual(missing('environment.posture'))
    expect(() => lowDeviceTrust({ minimum: 'top', values: ['low'] })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => lowDeviceTrust({ minimum: 'low' })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => lowDeviceTrust({ minimum: 101 })).toThrow(expect.objectContaining(invalid) as never)
    // Documented 0-100: a 0-1 fraction is refused, with the fix.
    expect(() => lowDeviceTrust({ minimum: 0.7 })).toThrow(/0-1 fraction: write 70/)
    expect(() => lowDeviceTrust({ minimum: 70, onMissing: { points: 200 } })).toThrow(expect.objectContaining(invalid) as never)
  })

  it('dataSensitivity applies at or above the threshold; an unknown classification cannot be assessed', async () => {
    const f = dataSensitivity({ atLeast: 'CONFIDENTIAL' })
    expect(await f.applies(reader({ 'resource.classification': 'INTERNAL' }))).toBe(false)
    expect(await f.applies(reader({ 'resource.classification': 'CONFIDENTIAL' }))).toBe(true)
    expect(await f.applies(reader({ 'resource.classification': 'RESTRICTED' }))).toBe(true)
    await expect(f.applies(reader({ 'resource.classification': 'SECRET' }))).rejects.toEqual(missing('resource.classification'))
    await expect(f.applies(reader({}))).rejects.toEqual(missing('resource.classification'))
    const custom = dataSensitivity({ atLeast: 'high', levels: createLevels(['low', 'high']), name: 'pii' })
    expect(custom.name).toBe('pii')
    expect(await custom.applies(reader({ 'resource.classification': 'low' }))).toBe(false)
    const numeric = dataSensitivity({ atLeast: 3, levels: numericLevels() })
    expect(await numeric.applies(reader({ 'resource.classification': 4 }))).toBe(true)
    expect(await numeric.applies(reader({ 'resource.classification': 2 }))).toBe(false)
    expect(() => dataSensitivity({ atLeast: 'TOP' })).toThrow(expect.objectContaining(invalid) as never)
  })

  it('crossBorder compares ISO country codes; missing or malformed cannot be assessed', async () => {
    const f = crossBorder({})
    expect(f).toMatchObject({ name: 'cross-border', weight: 25, inputs: ['environment.country', 'subject.country'] })
    expect(await f.applies(reader({ 'subject.country': 'FR', 'environment.country': 'fr' }))).toBe(false)
    expect(await f.applies(reader({ 'subject.country': 'FR', 'environment.country': 'US' }))).toBe(true)
    await expect(f.applies(reader({ 'subject.country': 'FR' }))).rejects.toEqual(missing('environment.country'))
    await expect(f.applies(reader({ 'subject.country': 'FRA', 'environment.country': 'FR' }))).rejects.toEqual(missing('subject.country'))
    const custom = crossBorder({ homeAttribute: 'subject.directory.country', attribute: 'environment.geo.country' })
    expect(await custom.applies(reader({ 'subject.directory.country': 'DE', 'environment.geo.country': 'DE' }))).toBe(false)
    expect(() => crossBorder({ weight: -5 })).toThrow(expect.objectContaining(invalid) as never)
    expect(() => crossBorder({ homeAttribute: 'country' })).toThrow(expect.objectContaining(invalid) as never)
  })
})
