import { describe, expect, it } from '@jest/globals'
import { createZoneResolver } from '../../src/environment/network-zone.js'

describe('createZoneResolver', () => {
  const zoneOf = createZoneResolver({ vpn: ['10.8.0.0/16'], corporate: ['10.0.0.0/8', '2001:db8::/32'], dmz: ['192.0.2.0/24'] })

  it('first matching zone in declaration order wins', () => {
    expect(zoneOf('10.8.1.1')).toBe('vpn')
    expect(zoneOf('10.1.1.1')).toBe('corporate')
    expect(zoneOf('2001:db8::1')).toBe('corporate')
    expect(zoneOf('192.0.2.10')).toBe('dmz')
    const reversed = createZoneResolver({ corporate: ['10.0.0.0/8'], vpn: ['10.8.0.0/16'] })
    expect(reversed('10.8.1.1')).toBe('corporate')
  })

  it('unknown clients, non-addresses and unmatched addresses get the fallback', () => {
    expect(zoneOf(undefined)).toBe('untrusted')
    expect(zoneOf('8.8.8.8')).toBe('untrusted')
    expect(zoneOf('not-an-ip')).toBe('untrusted')
    expect(zoneOf('10.8.1.1:443')).toBe('untrusted')
    expect(zoneOf('x'.repeat(100_000))).toBe('untrusted')
    expect(createZoneResolver({}, 'internet')('10.0.0.1')).toBe('internet')
  })

  it('matches IPv4-mapped IPv6 clients against IPv4 zones', () => {
    expect(zoneOf('::ffff:10.8.0.1')).toBe('vpn')
  })

  it('refuses invalid configuration with a TypeError naming the zone', () => {
    expect(() => createZoneResolver({ corp: ['10.0.0.0/33'] })).toThrow(/Zone "corp": .*exceeds 32/)
    expect(() => createZoneResolver({ corp: '10.0.0.0/8' as never })).toThrow(TypeError)
    expect(() => createZoneResolver({ '10': ['10.0.0.0/8'] })).toThrow(/must start with a letter/)
    expect(() => createZoneResolver({ '': ['10.0.0.0/8'] })).toThrow(TypeError)
    expect(() => createZoneResolver({ 'a b': ['10.0.0.0/8'] })).toThrow(TypeError)
    expect(() => createZoneResolver({}, '')).toThrow(/fallback/)
    expect(() => createZoneResolver(null as never)).toThrow(TypeError)
    expect(() => createZoneResolver([['a', ['10.0.0.0/8']]] as never)).toThrow(TypeError)
  })

  it('a "__proto__" key from JSON is an ordinary zone name, and the prototype is not consulted', () => {
    const zones = JSON.parse('{"__proto__": ["10.0.0.0/8"], "office": ["192.0.2.0/24"]}') as Record<string, string[]>
    const resolve = createZoneResolver(zones)
    expect(resolve('10.1.1.1')).toBe('__proto__')
    expect(resolve('192.0.2.1')).toBe('office')
    const inherited = createZoneResolver(Object.create({ corp: ['10.0.0.0/8'] }) as Record<string, string[]>)
    expect(inherited('10.1.1.1')).toBe('untrusted')
  })
})
