import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createAuthenticator, parseCidrList, parseIpAddress } from '@portcullis/core'

describe('parseIpAddress', () => {
  it('keeps canonical IPv4 and canonicalises IPv6 (RFC 5952)', () => {
    expect(parseIpAddress('192.0.2.1')).toEqual({ address: '192.0.2.1', family: 4 })
    expect(parseIpAddress('2001:0DB8:0000::0001')).toEqual({ address: '2001:db8::1', family: 6 })
  })

  it('turns every spelling of an IPv4-mapped IPv6 address into IPv4', () => {
    for (const spelling of ['::ffff:10.0.0.1', '::FFFF:10.0.0.1', '::ffff:a00:1', '0:0:0:0:0:ffff:10.0.0.1']) {
      expect(parseIpAddress(spelling)).toEqual({ address: '10.0.0.1', family: 4 })
    }
  })

  it('drops an IPv6 zone id', () => {
    expect(parseIpAddress('fe80::1%eth0')).toEqual({ address: 'fe80::1', family: 6 })
  })

  it.each([
    '010.0.0.1', '0x7f.0.0.1', '127.1', '2130706433', '1.2.3.4 ', ' 1.2.3.4', '[::1]', '1.2.3.4:80', '256.0.0.1',
    'localhost', '', '::ffff:1.2.3.4.5', '1.2.3.4/32', '__proto__', '1.2.3.4\n', 'fe80::1%',
  ])('refuses %j', (value) => {
    expect(parseIpAddress(value)).toBeUndefined()
  })

  it('refuses oversize input cheaply', () => {
    expect(parseIpAddress('1'.repeat(10_000))).toBeUndefined()
    expect(parseIpAddress(`::ffff:1.2.3.4${' '.repeat(100)}`)).toBeUndefined()
  })

  it.each([undefined, null, 42, {}, ['1.2.3.4'], Symbol('ip')])('returns undefined for the non-string %p', (value) => {
    expect(parseIpAddress(value)).toBeUndefined()
  })

  it('reads the deprecated IPv4-compatible form ::a.b.c.d as IPv6, not as IPv4-mapped (RFC 4291 §2.5.5.1)', () => {
    expect(parseIpAddress('::1.2.3.4')).toEqual({ address: '::102:304', family: 6 })
    expect(parseIpAddress('::1:1.2.3.4')).toEqual({ address: '::1:102:304', family: 6 })
  })

  it('refuses leading zeros in an embedded IPv4 part and an empty or odd zone id', () => {
    for (const value of ['::ffff:010.0.0.1', '::FFFF:1.2.3.04', 'fe80::1%', 'fe80::1%%']) expect(parseIpAddress(value)).toBeUndefined()
  })
})

describe('parseCidrList', () => {
  const set = parseCidrList(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::ffff:172.16.0.0/108'])

  it('lists the blocks in canonical form, mapped blocks as IPv4', () => {
    expect(set.entries).toEqual(['10.0.0.0/8', '192.0.2.7/32', '2001:db8::/32', '172.16.0.0/12'])
    expect(Object.isFrozen(set.entries)).toBe(true)
  })

  it('matches IPv4, IPv6 and IPv4-mapped IPv6 addresses', () => {
    expect(set.has('10.255.255.255')).toBe(true)
    expect(set.has('11.0.0.0')).toBe(false)
    expect(set.has('192.0.2.7')).toBe(true)
    expect(set.has('192.0.2.8')).toBe(false)
    expect(set.has('2001:db8:ffff::1')).toBe(true)
    expect(set.has('2001:db9::1')).toBe(false)
    expect(set.has('::ffff:10.1.2.3')).toBe(true)
    expect(set.has('::ffff:a01:203')).toBe(true)
    expect(set.has('172.31.255.255')).toBe(true)
    expect(set.has('::ffff:172.32.0.0')).toBe(false)
  })

  it('never throws on request data: non-addresses are simply not members', () => {
    for (const value of ['10.0.0.1:443', '[2001:db8::1]', '010.0.0.1', 'x'.repeat(100_000), '__proto__', '', undefined, null, 10, {}, ['10.0.0.1']]) {
      expect(set.has(value)).toBe(false)
    }
  })

  it('an empty list contains nothing; /0 contains the whole family only', () => {
    expect(parseCidrList([]).has('1.2.3.4')).toBe(false)
    const all4 = parseCidrList(['0.0.0.0/0'])
    expect(all4.has('255.255.255.255')).toBe(true)
    expect(all4.has('::ffff:1.2.3.4')).toBe(true)
    expect(all4.has('2001:db8::1')).toBe(false)
    expect(parseCidrList(['::/0']).has('2001:db8::1')).toBe(true)
  })

  it.each([
    ['10.0.0.0/33', /exceeds 32/],
    ['2001:db8::/129', /exceeds 128/],
    ['10.0.0.0/08', /invalid prefix/],
    ['10.0.0.0/+8', /invalid prefix/],
    ['10.0.0.0/ 8', /invalid prefix/],
    ['10.0.0.0/', /invalid prefix/],
    ['10.0.0.0/8/8', /invalid prefix/],
    ['10.0.0.0/1e1', /invalid prefix/],
    ['10.0.0.1/8', /host bits/],
    ['2001:db8::1/32', /host bits/],
    ['::ffff:10.0.0.0/64', /at least 96/],
    ['010.0.0.0/8', /not an IP address/],
    ['10.0.0/8', /not an IP address/],
    ['fe80::%eth0/64', /zone id/],
    ['example.com/24', /not an IP address/],
    ['', /not an IP address/],
  ])('refuses %j with a TypeError', (entry, message) => {
    expect(() => parseCidrList([entry])).toThrow(TypeError)
    expect(() => parseCidrList([entry])).toThrow(message)
  })

  it('names the offending entry index and refuses non-arrays and non-strings', () => {
    expect(() => parseCidrList(['10.0.0.0/8', 'nope'])).toThrow('CIDR list entry 1')
    expect(() => parseCidrList('10.0.0.0/8' as never)).toThrow(TypeError)
    expect(() => parseCidrList([8 as never])).toThrow('must be a string')
  })

  // Reference: membership computed from integer ranges, independently of BlockList.
  const inRange = (ip: bigint, net: bigint, prefix: number, width: number): boolean =>
    ip >> BigInt(width - prefix) === net >> BigInt(width - prefix)

  it('agrees with integer-range arithmetic for IPv4 (property)', () => {
    const octets = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255))
    fc.assert(
      fc.property(octets, fc.integer({ min: 0, max: 32 }), octets, (netOctets, prefix, ipOctets) => {
        const netInt = BigInt(netOctets.reduce((a, o) => a * 256 + o, 0))
        const masked = prefix === 0 ? 0n : (netInt >> BigInt(32 - prefix)) << BigInt(32 - prefix)
        const netText = [24n, 16n, 8n, 0n].map((s) => String((masked >> s) & 255n)).join('.')
        const ipText = ipOctets.join('.')
        const ipInt = BigInt(ipOctets.reduce((a, o) => a * 256 + o, 0))
        const cidr = parseCidrList([`${netText}/${prefix}`])
        const expected = inRange(ipInt, masked, prefix, 32)
        expect(cidr.has(ipText)).toBe(expected)
        expect(cidr.has(`::ffff:${ipText}`)).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('agrees with integer-range arithmetic for IPv6 (property)', () => {
    const groups = fc.array(fc.nat(0xffff), { minLength: 8, maxLength: 8 })
    const toInt = (g: number[]): bigint => g.reduce((a, x) => (a << 16n) | BigInt(x), 0n)
    const toText = (n: bigint): string => Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16)).join(':')
    fc.assert(
      fc.property(groups, fc.integer({ min: 0, max: 128 }), groups, fc.nat(128), (netGroups, prefix, ipGroups, shared) => {
        const masked = prefix === 0 ? 0n : (toInt(netGroups) >> BigInt(128 - prefix)) << BigInt(128 - prefix)
        // Share a prefix with the network half of the time, so that members are common.
        const keep = BigInt(Math.min(shared, 128))
        const raw = toInt(ipGroups)
        const ipInt = keep === 0n ? raw : ((masked >> (128n - keep)) << (128n - keep)) | (raw & ((1n << (128n - keep)) - 1n))
        const ipText = toText(ipInt)
        if (parseIpAddress(ipText)?.family !== 6) return // IPv4-mapped range: covered above
        const netText = toText(masked)
        if (parseIpAddress(netText)?.family !== 6) return
        expect(parseCidrList([`${netText}/${prefix}`]).has(ipText)).toBe(inRange(ipInt, masked, prefix, 128))
      }),
      { numRuns: 500 },
    )
  })
})

describe('trustedProxies follows the same rule', () => {
  const base = { issuer: 'https://id.example.com/', audience: 'https://api.example.com', secret: 'a-32-byte-secret-for-hs256-tests!' }

  it.each(['10.0.0.0/08', '10.0.0.1/8', 'fe80::%eth0/64', '::ffff:10.0.0.0/64', '010.0.0.1'])('refuses %j as invalid_configuration', (entry) => {
    expect(() => createAuthenticator({ ...base, trustedProxies: [entry] })).toThrow(expect.objectContaining({ code: 'invalid_configuration' }))
  })

  it('accepts what parseCidrList accepts', () => {
    expect(() => createAuthenticator({ ...base, trustedProxies: ['10.0.0.0/8', '::ffff:172.16.0.0/108', '2001:db8::/32', '192.0.2.7'] })).not.toThrow()
  })
})
