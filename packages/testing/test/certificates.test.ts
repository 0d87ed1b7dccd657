import { createHash, X509Certificate } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import { createCertificateAuthority, forwardedCertificate, x5tS256 } from '@portcullis/testing'

describe('test certificate authority', () => {
  const ca = createCertificateAuthority('My CA')

  it('the CA is self-signed and marked as a CA', () => {
    expect(ca.x509.subject).toBe('CN=My CA')
    expect(ca.x509.ca).toBe(true)
    expect(ca.x509.verify(ca.x509.publicKey)).toBe(true)
  })

  it('client certificates are signed by the CA, not CAs, for clientAuth, with their own key', () => {
    const client = ca.issueClient('alice')
    expect(client.x509.subject).toBe('CN=alice')
    expect(client.x509.ca).toBe(false)
    expect(client.x509.verify(ca.x509.publicKey)).toBe(true)
    expect(client.x509.checkPrivateKey(client.privateKey)).toBe(true)
    expect(client.x509.keyUsage).toEqual(['1.3.6.1.5.5.7.3.2'])
    expect(new X509Certificate(client.pem).raw.equals(client.der)).toBe(true)
  })

  it('server certificates carry subjectAltName for loopback', () => {
    const server = ca.issueServer()
    expect(server.x509.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1')
    expect(server.x509.checkHost('localhost')).toBe('localhost')
    expect(server.x509.checkIP('127.0.0.1')).toBe('127.0.0.1')
  })

  it('validity can be set (expired certificates for rotation tests)', () => {
    const notBefore = new Date('2020-01-01T00:00:00Z')
    const notAfter = new Date('2020-02-01T00:00:00Z')
    const old = ca.issueClient('old', { notBefore, notAfter })
    expect(new Date(old.x509.validTo).getTime()).toBe(notAfter.getTime())
  })

  it('x5tS256 is base64url(SHA-256(DER)) for DER, PEM and X509Certificate inputs (RFC 8705 §3.1)', () => {
    const client = ca.issueClient()
    const expected = createHash('sha256').update(client.der).digest('base64url')
    expect(client.thumbprint).toBe(expected)
    expect([x5tS256(client.der), x5tS256(client.pem), x5tS256(client.x509)]).toEqual([expected, expected, expected])
  })

  it('forwardedCertificate renders URL-encoded PEM and the RFC 9440 byte sequence', () => {
    const client = ca.issueClient()
    expect(decodeURIComponent(forwardedCertificate(client))).toBe(client.pem)
    expect(forwardedCertificate(client, 'rfc9440')).toBe(`:${client.der.toString('base64')}:`)
  })

  it('serial numbers differ between certificates', () => {
    expect(ca.issueClient().x509.serialNumber).not.toBe(ca.issueClient().x509.serialNumber)
  })
})
