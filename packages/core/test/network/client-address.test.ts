import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { clientAddress, compileTrustedProxies, type PortcullisRequest } from '@portcullis/core'

const trust = compileTrustedProxies(['10.0.0.0/8', '2001:db8:ffff::/48'])
const untrustedV4 = fc.tuple(fc.integer({ min: 11, max: 223 }), fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((parts) => parts.join('.'))
const proxyV4 = fc.tuple(fc.nat(255), fc.nat(255), fc.integer({ min: 1, max: 254 })).map((parts) => `10.${parts.join('.')}`)
// What a client may write into X-Forwarded-For: anything without the list separator.
const forged = fc.string({ maxLength: 40 }).filter((s) => !s.includes(','))

function req(remoteAddress: string | undefined, xff?: string | string[]): PortcullisRequest {
  return { method: 'GET', url: '/', headers: xff === undefined ? {} : { 'x-forwarded-for': xff }, remoteAddress }
}

describe('clientAddress', () => {
  it('an untrusted peer is the client, whatever X-Forwarded-For says (property)', () => {
    fc.assert(
      fc.property(untrustedV4, fc.array(forged, { maxLength: 5 }), (peer, hops) => {
        expect(clientAddress(req(peer, hops.join(', ')), trust)).toBe(peer)
      }),
    )
  })

  it('behind trusted proxies, the client is the hop the nearest proxy wrote, whatever the client wrote to its left (property)', () => {
    fc.assert(
      fc.property(fc.array(forged, { maxLength: 5 }), untrustedV4, fc.array(proxyV4, { maxLength: 3 }), proxyV4, (left, client, inner, peer) => {
        expect(clientAddress(req(peer, [...left, client, ...inner].join(', ')), trust)).toBe(client)
      }),
    )
  })

  it('reads repeated headers as one list, canonicalises addresses, and stops at garbage on the last trusted hop', () => {
    expect(clientAddress(req('10.0.0.1', ['198.51.100.1', '203.0.113.5']), trust)).toBe('203.0.113.5')
    expect(clientAddress(req('::ffff:10.0.0.1', '::FFFF:203.0.113.5'), trust)).toBe('203.0.113.5')
    expect(clientAddress(req('2001:db8:ffff::1', '2001:DB8::0:1'), trust)).toBe('2001:db8::1')
    expect(clientAddress(req('10.0.0.1', '203.0.113.5, unknown'), trust)).toBe('10.0.0.1')
    expect(clientAddress(req('10.0.0.1', '010.0.0.1'), trust)).toBe('10.0.0.1')
    expect(clientAddress(req('10.0.0.1'), trust)).toBe('10.0.0.1')
    expect(clientAddress(req(undefined, '203.0.113.5'), trust)).toBeUndefined()
    // All hops trusted: the left-most proxy is the client.
    expect(clientAddress(req('10.0.0.1', '10.0.0.3, 10.0.0.2'), trust)).toBe('10.0.0.3')
  })
})
