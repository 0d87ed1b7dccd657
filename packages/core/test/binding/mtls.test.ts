/** Certificate-bound access tokens at the core (RFC 8705 §3, MTLS-*). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { certificateThumbprint, createAuthenticator, type PortcullisRequest, type RequireTokenOptions } from '@portcullis/core'
import {
  createCertificateAuthority,
  createIssuer,
  forwardedCertificate,
  x5tS256,
  type LocalIssuer,
  type TestCertificate,
  type TestCertificateAuthority,
} from '@portcullis/testing'
import { rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const PROXY = '10.1.2.3'

let issuer: LocalIssuer
let ca: TestCertificateAuthority
let client: TestCertificate
let other: TestCertificate
beforeAll(async () => {
  issuer = await createIssuer({ clock: () => NOW })
  ca = createCertificateAuthority()
  client = ca.issueClient('client-1')
  other = ca.issueClient('client-2')
})
afterAll(() => issuer.close())

function authenticator(extra: Partial<RequireTokenOptions> = { mtls: {} }) {
  return createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...extra })
}

function request(token: string, extra: Partial<PortcullisRequest> = {}, headers: Record<string, string> = {}): PortcullisRequest {
  return { method: 'GET', url: '/r', headers: { authorization: `Bearer ${token}`, ...headers }, ...extra }
}

const bound = (cert: TestCertificate = client): Promise<string> => issuer.mint({ cnf: { 'x5t#S256': cert.thumbprint } })

describe('thumbprints (RFC 8705 §3.1)', () => {
  it('x5t#S256 is base64url(SHA-256(DER)) without padding, the same in core and testing', () => {
    expect(client.thumbprint).toMatch(/^[A-Za-z0-9_-]{43}$/)
    expect(certificateThumbprint(client.der)).toBe(client.thumbprint)
    expect(x5tS256(client.pem)).toBe(client.thumbprint)
    expect(x5tS256(client.x509)).toBe(client.thumbprint)
  })

  it('the test CA issues real certificates: signed by the CA, with the key pair they claim', () => {
    expect(client.x509.verify(ca.x509.publicKey)).toBe(true)
    expect(client.x509.checkPrivateKey(client.privateKey)).toBe(true)
    expect(client.x509.issuer).toBe('CN=Portcullis Test CA')
    expect(client.x509.subject).toBe('CN=client-1')
  })
})

describe('certificate from the TLS socket', () => {
  it('RFC 8705 §3: the bound certificate -> accepted, confirmation exposed', async () => {
    const result = await authenticator().authenticate(request(await bound(), { clientCertificate: client.der }))
    expect(result?.identity.confirmation).toEqual({ 'x5t#S256': client.thumbprint })
  })

  it('RFC 8705 §3: another certificate -> 401 invalid_token', async () => {
    const error = await rejection(async () => authenticator().authenticate(request(await bound(), { clientCertificate: other.der })))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('certificate_mismatch')
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+"$/)
  })

  it('RFC 8705 §3: no certificate -> 401 invalid_token', async () => {
    const error = await rejection(async () => authenticator().authenticate(request(await bound())))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('certificate_missing')
  })

  it('RFC 8705 §3: without mtls configured, a certificate-bound token is refused', async () => {
    const error = await rejection(async () => authenticator({}).authenticate(request(await bound(), { clientCertificate: client.der })))
    expect(error.code).toBe('invalid_token')
  })

  it('an unbound token needs no certificate, unless mtls.required', async () => {
    const token = await issuer.mint()
    await expect(authenticator().authenticate(request(token))).resolves.toBeDefined()
    const error = await rejection(() => authenticator({ mtls: { required: true } }).authenticate(request(token, { clientCertificate: client.der })))
    expect(error.reason).toBe('certificate_required')
  })
})

describe('certificate from a trusted proxy header (RFC 8705 §6.5; RFC 9700 §4.13)', () => {
  const viaProxy = (format: 'pem' | 'rfc9440' = 'pem') =>
    authenticator({ trustedProxies: [PROXY], mtls: { certificateHeader: 'X-Client-Cert', certificateHeaderFormat: format } })

  it('URL-encoded PEM from a trusted proxy -> accepted', async () => {
    const token = await bound()
    const result = await viaProxy().authenticate(request(token, { remoteAddress: PROXY }, { 'x-client-cert': forwardedCertificate(client) }))
    expect(result?.identity.confirmation?.['x5t#S256']).toBe(client.thumbprint)
  })

  it('RFC 9440 Client-Cert byte sequence from a trusted proxy -> accepted', async () => {
    const token = await bound()
    const result = await viaProxy('rfc9440').authenticate(request(token, { remoteAddress: `::ffff:${PROXY}` }, { 'x-client-cert': forwardedCertificate(client, 'rfc9440') }))
    expect(result).toBeDefined()
  })

  it('the header from an untrusted peer is ignored (no socket certificate -> 401)', async () => {
    const token = await bound()
    const error = await rejection(() => viaProxy().authenticate(request(token, { remoteAddress: '203.0.113.7' }, { 'x-client-cert': forwardedCertificate(client) })))
    expect(error.reason).toBe('certificate_missing')
  })

  it('another forwarded certificate -> 401 invalid_token', async () => {
    const token = await bound()
    const error = await rejection(() => viaProxy().authenticate(request(token, { remoteAddress: PROXY }, { 'x-client-cert': forwardedCertificate(other) })))
    expect(error.reason).toBe('certificate_mismatch')
  })

  it.each([
    ['bad percent-encoding', '%E0%A4%A'],
    ['no PEM', 'hello'],
    ['PEM of garbage', encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')],
    ['oversized', 'a'.repeat(40_000)],
  ])('a malformed header (%s) -> 401 invalid_token, never 500', async (_name, value) => {
    const token = await bound()
    const error = await rejection(() => viaProxy().authenticate(request(token, { remoteAddress: PROXY }, { 'x-client-cert': value })))
    expect(error.code).toBe('invalid_token')
    expect(error.status).toBe(401)
  })

  it('a malformed RFC 9440 value -> 401 invalid_token', async () => {
    const token = await bound()
    const error = await rejection(() => viaProxy('rfc9440').authenticate(request(token, { remoteAddress: PROXY }, { 'x-client-cert': 'AAAA' })))
    expect(error.code).toBe('invalid_token')
  })
})
