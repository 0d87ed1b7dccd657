import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { parseCidrList, type PortcullisRequest } from '@portcullis/core'
import { resolveClientIp } from '../../src/environment/client-ip.js'

const proxies = parseCidrList(['10.0.0.0/8', '2001:db8:ffff::/48'])

function req(remoteAddress: string | undefined, headers: Record<string, unknown> = {}): PortcullisRequest {
  return { method: 'GET', url: '/', headers: headers as PortcullisRequest['headers'], remoteAddress }
}

describe('resolveClientIp: peer', () => {
  it('is the peer address when no proxies are trusted, whatever the headers say', () => {
    expect(resolveClientIp(req('203.0.113.9', { 'x-forwarded-for': '10.1.1.1' }), undefined)).toBe('203.0.113.9')
  })

  it('ignores forwarding headers from an untrusted peer (spoofing)', () => {
    const spoof = req('203.0.113.9', { 'x-forwarded-for': '10.1.1.1', forwarded: 'for=10.1.1.1' })
    expect(resolveClientIp(spoof, proxies)).toBe('203.0.113.9')
    expect(resolveClientIp(spoof, proxies, { header: 'forwarded' })).toBe('203.0.113.9')
  })

  it('canonicalises the peer; a non-address peer is unknown', () => {
    expect(resolveClientIp(req('::ffff:203.0.113.9'), proxies)).toBe('203.0.113.9')
    expect(resolveClientIp(req('2001:DB8::0001'), proxies)).toBe('2001:db8::1')
    expect(resolveClientIp(req(undefined), proxies)).toBeUndefined()
    expect(resolveClientIp(req('localhost'), proxies)).toBeUndefined()
  })

  it('a trusted peer without the header is the client itself', () => {
    expect(resolveClientIp(req('10.0.0.2'), proxies)).toBe('10.0.0.2')
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '  ' }), proxies)).toBe('10.0.0.2')
  })

  it('recognises an IPv4-mapped peer as a trusted proxy', () => {
    expect(resolveClientIp(req('::ffff:10.0.0.2', { 'x-forwarded-for': '198.51.100.1' }), proxies)).toBe('198.51.100.1')
  })
})

describe('resolveClientIp: X-Forwarded-For', () => {
  it('walks right to left, skipping trusted hops', () => {
    const r = req('10.0.0.2', { 'x-forwarded-for': '1.1.1.1, 203.0.113.9, 10.0.0.7' })
    expect(resolveClientIp(r, proxies)).toBe('203.0.113.9')
  })

  it('a client cannot insert itself into the trusted chain: its values sit left of the real hop', () => {
    // The client sent "X-Forwarded-For: 10.9.9.9" to look internal; the proxy appended the real address.
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '10.9.9.9, 198.51.100.7' }), proxies)).toBe('198.51.100.7')
    // Garbage on the left is never reached.
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': 'evil, , "x", 198.51.100.7' }), proxies)).toBe('198.51.100.7')
  })

  it('when every hop is trusted, the leftmost one is the client', () => {
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '10.0.0.5, 10.0.0.7' }), proxies)).toBe('10.0.0.5')
  })

  it('accepts ports, brackets and IPv6 forms', () => {
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '198.51.100.7:51234' }), proxies)).toBe('198.51.100.7')
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '[2001:DB8::7]:443' }), proxies)).toBe('2001:db8::7')
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '[2001:db8::7]' }), proxies)).toBe('2001:db8::7')
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '2001:db8:0:0::7' }), proxies)).toBe('2001:db8::7')
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '::ffff:198.51.100.7' }), proxies)).toBe('198.51.100.7')
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': '198.51.100.7,\t2001:db8:ffff::1' }), proxies)).toBe('198.51.100.7')
  })

  it('joins repeated header lines in order', () => {
    const r = req('10.0.0.2', { 'x-forwarded-for': ['1.1.1.1', '198.51.100.7, 10.0.0.9'] })
    expect(resolveClientIp(r, proxies)).toBe('198.51.100.7')
  })

  it.each([
    'unknown', '', '010.0.0.1', '0x7f.0.0.1', '127.1', '2130706433', '198.51.100.7:99999', '198.51.100.7:', '[198.51.100.7]',
    '[2001:db8::7', '2001:db8::7]', 'fe80::1%eth0', '[fe80::1%25eth0]:1', 'example.com', '198.51.100.7 extra', '__proto__',
  ])('a malformed or obfuscated hop %j reached before an untrusted one gives undefined (unknown client)', (hop) => {
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': `${hop}, 10.0.0.9` }), proxies)).toBeUndefined()
  })

  it.each([
    ['a number', 42], ['an object', { toString: () => '1.1.1.1' }], ['an array with a non-string', ['1.1.1.1', 7]],
    ['an oversize header', `${'1.1.1.1, '.repeat(2000)}198.51.100.7`],
  ])('%s header gives undefined, without throwing', (_label, value) => {
    expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': value }), proxies)).toBeUndefined()
  })

  it('reads only own header properties (prototype pollution does not inject a header)', () => {
    const polluted = Object.create({ 'x-forwarded-for': '198.51.100.7' }) as Record<string, string>
    expect(resolveClientIp(req('10.0.0.2', polluted), proxies)).toBe('10.0.0.2')
    const headers = JSON.parse('{"__proto__": {"x-forwarded-for": "1.1.1.1"}}') as Record<string, unknown>
    expect(resolveClientIp(req('10.0.0.2', headers), proxies)).toBe('10.0.0.2')
  })

  it('survives a request without a headers object', () => {
    const broken = { method: 'GET', url: '/', headers: null, remoteAddress: '10.0.0.2' } as unknown as PortcullisRequest
    expect(resolveClientIp(broken, proxies)).toBeUndefined()
    expect(resolveClientIp({ ...broken, remoteAddress: '203.0.113.9' }, proxies)).toBe('203.0.113.9')
  })

  it('ignores Forwarded when X-Forwarded-For is configured', () => {
    expect(resolveClientIp(req('10.0.0.2', { forwarded: 'for=10.0.0.99' }), proxies)).toBe('10.0.0.2')
  })
})

describe('resolveClientIp: Forwarded (RFC 7239)', () => {
  const fwd = (value: unknown, peer = '10.0.0.2'): string | undefined =>
    resolveClientIp(req(peer, { forwarded: value, 'x-forwarded-for': '10.1.1.1' }), proxies, { header: 'forwarded' })

  it('reads the for= parameter of each element, right to left', () => {
    expect(fwd('for=192.0.2.60;proto=http;by=203.0.113.43')).toBe('192.0.2.60')
    expect(fwd('for=198.51.100.1, for=192.0.2.60, for=10.0.0.7')).toBe('192.0.2.60')
    expect(fwd('For="192.0.2.60:8080"')).toBe('192.0.2.60')
    expect(fwd('for="[2001:db8:cafe::17]:4711"')).toBe('2001:db8:cafe::17')
    expect(fwd('for="[2001:db8:cafe::17]"')).toBe('2001:db8:cafe::17')
    expect(fwd('proto=https; for=192.0.2.60')).toBe('192.0.2.60')
    expect(fwd(['for=1.1.1.1', 'for=192.0.2.60'])).toBe('192.0.2.60')
  })

  it('commas and semicolons inside quoted-strings do not split', () => {
    expect(fwd('for=192.0.2.60;ext="a,b;c", for=10.0.0.7')).toBe('192.0.2.60')
  })

  it('spoofed elements on the left are never reached', () => {
    expect(fwd('for=10.9.9.9, for=198.51.100.7')).toBe('198.51.100.7')
    expect(fwd('for=garbage;;, for=198.51.100.7')).toBe('198.51.100.7')
  })

  it.each([
    'for=unknown', 'for=_hidden', 'for="_abc:_port"', 'proto=http', 'for=2001:db8::17', 'for="2001:db8::17"',
    'for=192.0.2.60;for=198.51.100.1', 'for=', 'for', '=192.0.2.60', 'for="192.0.2.60', 'for=192.0.2.60"',
    'for="[2001:db8::1]:x"', 'for=192.0.2.60 ;', 'for=a b',
  ])('an element %j reached before an untrusted hop gives undefined', (element) => {
    expect(fwd(`${element}, for=10.0.0.9`)).toBeUndefined()
  })

  it('an unbalanced quote injected by the client fails safe instead of shifting elements', () => {
    // The client sent `for="x`; the proxy appended its element: the header no longer parses.
    expect(fwd('for="x, for=198.51.100.7')).toBeUndefined()
    expect(fwd('for="x, for="[2001:db8::1]"')).toBeUndefined()
  })

  it('never throws and never returns a non-address (property)', () => {
    const part = fc.constantFrom('for=', '"', '[', ']', ':', ';', ',', ' ', '1.2.3.4', '10.0.0.1', '2001:db8::1', '\\', 'unknown', '_x', 'proto=h')
    fc.assert(
      fc.property(fc.array(part, { maxLength: 12 }), fc.boolean(), (parts, forwarded) => {
        const value = parts.join('')
        const headers = forwarded ? { forwarded: value } : { 'x-forwarded-for': value }
        const ip = resolveClientIp(req('10.0.0.2', headers), proxies, { header: forwarded ? 'forwarded' : 'x-forwarded-for' })
        if (ip !== undefined) expect(parseCidrList([ip]).entries).toHaveLength(1)
      }),
      { numRuns: 500 },
    )
  })
})

describe('resolveClientIp: the result never depends on what the client prepends (property)', () => {
  it('for any client-written prefix, the first untrusted hop written by proxies wins', () => {
    const anyText = fc.string({ maxLength: 40 }).filter((s) => !s.includes(','))
    const untrusted = fc.tuple(fc.integer({ min: 11, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((o) => o.join('.'))
    const trustedHop = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255)).map((o) => `10.${o.join('.')}`)
    fc.assert(
      fc.property(fc.array(anyText, { maxLength: 4 }), untrusted, fc.array(trustedHop, { maxLength: 3 }), (prefix, client, hops) => {
        const header = [...prefix, client, ...hops].join(', ')
        expect(resolveClientIp(req('10.0.0.2', { 'x-forwarded-for': header }), proxies)).toBe(client)
      }),
    )
  })
})
