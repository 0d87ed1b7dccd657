import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { parseCidrList, type PortcullisRequest } from '@portcullis/core'
import { createDeviceTrustReader } from '../../src/environment/device-trust.js'

const req = (value: unknown, remoteAddress = '192.0.2.1'): PortcullisRequest =>
  ({ method: 'GET', url: '/', headers: { 'x-device-trust': value } as PortcullisRequest['headers'], remoteAddress })

describe('createDeviceTrustReader', () => {
  const levels = createDeviceTrustReader({ header: 'x-device-trust', values: ['low', 'medium', 'high'] })
  const score = createDeviceTrustReader({ header: 'x-device-trust' })

  it('reads an allowed level exactly (trimmed, case-sensitive)', () => {
    expect(levels(req('high'))).toBe('high')
    expect(levels(req(' medium '))).toBe('medium')
    expect(levels(req('HIGH'))).toBeUndefined()
    expect(levels(req('highest'))).toBeUndefined()
    expect(levels(req('__proto__'))).toBeUndefined()
    expect(levels(req('constructor'))).toBeUndefined()
  })

  it('reads an integer 0-100 strictly', () => {
    expect(score(req('0'))).toBe(0)
    expect(score(req('42'))).toBe(42)
    expect(score(req('100'))).toBe(100)
    for (const bad of ['101', '042', '-1', '1e2', '50.5', '0x10', '', ' ', 'NaN', 'Infinity', '１０']) {
      expect(score(req(bad))).toBeUndefined()
    }
  })

  it('missing, repeated, non-string or oversize values give undefined', () => {
    expect(levels(req(undefined))).toBeUndefined()
    expect(levels(req(['high', 'high']))).toBeUndefined()
    expect(score(req(['50']))).toBeUndefined()
    expect(score(req(50))).toBeUndefined()
    expect(levels(req({ toString: () => 'high' }))).toBeUndefined()
    expect(levels(req(`high${' '.repeat(100)}`))).toBeUndefined()
    const polluted = { method: 'GET', url: '/', headers: Object.create({ 'x-device-trust': 'high' }) } as PortcullisRequest
    expect(levels(polluted)).toBeUndefined()
    expect(levels({ method: 'GET', url: '/', headers: null } as unknown as PortcullisRequest)).toBeUndefined()
  })

  it('with `from`, honours the header only from the gateway', () => {
    const gated = createDeviceTrustReader({ header: 'x-device-trust', values: ['low', 'high'], from: parseCidrList(['10.0.0.0/8']) })
    expect(gated(req('high', '10.0.0.5'))).toBe('high')
    expect(gated(req('high', '::ffff:10.0.0.5'))).toBe('high')
    expect(gated(req('high', '203.0.113.9'))).toBeUndefined()
    expect(gated({ method: 'GET', url: '/', headers: { 'x-device-trust': 'high' } })).toBeUndefined()
  })

  it('refuses invalid configuration', () => {
    for (const options of [
      { header: 'X-Device-Trust' }, { header: '' }, { header: 'a b' }, { header: 'x', values: [] },
      { header: 'x', values: ['a', 'a'] }, { header: 'x', values: [' a'] }, { header: 'x', values: [1] }, { header: 'x', values: 'a' },
      { header: 'x', from: ['10.0.0.0/8'] }, null,
    ]) {
      expect(() => createDeviceTrustReader(options as never)).toThrow(TypeError)
    }
  })

  it('only ever returns an allowed level or an integer 0-100 (property)', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 80 }), fc.anything()), (value) => {
        const l = levels(req(value))
        expect(l === undefined || ['low', 'medium', 'high'].includes(l as string)).toBe(true)
        const s = score(req(value))
        expect(s === undefined || (Number.isInteger(s) && (s as number) >= 0 && (s as number) <= 100)).toBe(true)
      }),
    )
  })
})
