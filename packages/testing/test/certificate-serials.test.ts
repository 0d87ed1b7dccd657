import { createPublicKey, generateKeyPairSync, X509Certificate } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createCertificateAuthority } from '@portcullis/testing'
import { serialNumber } from '../src/internal/serial-number.js'

// RFC 5280 §4.1.2.2: a positive INTEGER; X.690 §8.3.2: minimally encoded, so its first byte may
// be zero only when the next one has its top bit set. Clearing the sign bit alone produced a
// zero first byte one time in 256: a certificate node:crypto refuses to parse.
describe('certificate serial numbers', () => {
  it('keep 16 bytes, a first byte in 0x01..0x7f and the random bytes after it, for any input', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (random) => {
        const serial = serialNumber(random)
        expect(serial).toHaveLength(16)
        expect(serial[0]).toBeGreaterThanOrEqual(0x01)
        expect(serial[0]).toBeLessThanOrEqual(0x7f)
        expect([...serial.subarray(1)]).toEqual([...random.subarray(1)])
      }),
      { numRuns: 2000, examples: [[new Uint8Array(16)], [new Uint8Array(16).fill(0x80)], [new Uint8Array(16).fill(0xff)]] },
    )
  })

  it('every one of 2000 issued certificates parses, is signed by the CA and has a distinct 16-byte positive serial', () => {
    const ca = createCertificateAuthority()
    // One subject key for all of them: key generation is not what this test is about.
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const serials = new Set<string>()
    for (let i = 0; i < 2000; i += 1) {
      const certificate = ca.issueClient(`client-${i}`, { privateKey })
      const parsed = new X509Certificate(certificate.der)
      expect(parsed.serialNumber).toMatch(/^(0[1-9A-F]|[1-7][0-9A-F])[0-9A-F]{30}$/) // 16 bytes, first in 0x01..0x7f
      expect(parsed.verify(ca.x509.publicKey)).toBe(true)
      serials.add(parsed.serialNumber)
    }
    expect(serials.size).toBe(2000)
  }, 120_000)

  it('a certificate renewed for the same key has the same public key and a new serial', () => {
    const ca = createCertificateAuthority()
    const first = ca.issueClient('alice')
    const renewed = ca.issueClient('alice', { privateKey: first.privateKey })
    expect(renewed.x509.publicKey.export({ format: 'jwk' })).toEqual(createPublicKey(first.privateKey).export({ format: 'jwk' }))
    expect(renewed.x509.serialNumber).not.toBe(first.x509.serialNumber)
    expect(renewed.thumbprint).not.toBe(first.thumbprint)
  })
})
