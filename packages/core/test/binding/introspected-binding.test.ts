/**
 * Bound tokens from RFC 7662 introspection go through the same bind step as JWTs: `cnf.jkt`
 * (RFC 9449 §6.1, §6.2) and `cnf["x5t#S256"]` (RFC 8705 §3.2).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, type PortcullisRequest } from '@portcullis/core'
import { createCertificateAuthority, createDpopProof, createIssuer, generateSigningKey, jwkThumbprint, type IssuerKey, type LocalIssuer } from '@portcullis/testing'
import { rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const ORIGIN = 'https://api.example.com'

let issuer: LocalIssuer
let key: IssuerKey
beforeAll(async () => {
  issuer = await createIssuer({ clock: () => NOW })
  key = await generateSigningKey('ES256')
})
afterAll(() => issuer.close())

function authenticator() {
  return createAuthenticator({
    issuer: issuer.issuer,
    audience: issuer.audience,
    jwksUri: issuer.jwksUri,
    clock: () => NOW,
    introspection: { clientId: issuer.introspectionClient.clientId, clientSecret: issuer.introspectionClient.clientSecret },
    dpop: { origin: ORIGIN },
    mtls: {},
  })
}

function dpop(token: string, proof?: string): PortcullisRequest {
  return { method: 'GET', url: '/r', headers: { authorization: `DPoP ${token}`, ...(proof === undefined ? {} : { dpop: proof }) } }
}

describe('introspected bound tokens', () => {
  it('RFC 9449 §6.1, §6.2: cnf.jkt from introspection needs a proof with that key', async () => {
    const token = issuer.opaqueToken({ cnf: { jkt: await jwkThumbprint(key) }, token_type: 'DPoP' })
    const auth = authenticator()
    const proof = createDpopProof({ key, htm: 'GET', htu: `${ORIGIN}/r`, accessToken: token, clock: () => NOW })
    const result = await auth.authenticate(dpop(token, proof))
    expect(result?.identity.tokenType).toBe('opaque')
    expect(result?.identity.confirmation?.jkt).toBe(await jwkThumbprint(key))
    const other = await generateSigningKey('ES256')
    const wrong = createDpopProof({ key: other, htm: 'GET', htu: `${ORIGIN}/r`, accessToken: token, clock: () => NOW })
    expect((await rejection(() => auth.authenticate(dpop(token, wrong)))).reason).toBe('dpop_jkt')
  })

  it('RFC 9449 §6.2: an introspection response with token_type other than DPoP -> 401 invalid_token', async () => {
    const token = issuer.opaqueToken({ cnf: { jkt: await jwkThumbprint(key) }, token_type: 'Bearer' })
    const proof = createDpopProof({ key, htm: 'GET', htu: `${ORIGIN}/r`, accessToken: token, clock: () => NOW })
    expect((await rejection(() => authenticator().authenticate(dpop(token, proof)))).reason).toBe('dpop_token_type')
    const typed = issuer.opaqueToken({ cnf: { jkt: await jwkThumbprint(key) }, token_type: 'DPoP' })
    const ok = createDpopProof({ key, htm: 'GET', htu: `${ORIGIN}/r`, accessToken: typed, clock: () => NOW })
    await expect(authenticator().authenticate(dpop(typed, ok))).resolves.toBeDefined()
  })

  it('RFC 9449 §7.2: an introspected DPoP-bound token presented as Bearer -> 401 invalid_token', async () => {
    const token = issuer.opaqueToken({ cnf: { jkt: await jwkThumbprint(key) } })
    const error = await rejection(() => authenticator().authenticate({ method: 'GET', url: '/r', headers: { authorization: `Bearer ${token}` } }))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'dpop_downgrade' })
  })

  it('RFC 8705 §3.2: cnf x5t#S256 from introspection is compared with the client certificate', async () => {
    const ca = createCertificateAuthority()
    const client = ca.issueClient()
    const token = issuer.opaqueToken({ cnf: { 'x5t#S256': client.thumbprint } })
    const auth = authenticator()
    const request = { method: 'GET', url: '/r', headers: { authorization: `Bearer ${token}` } }
    await expect(auth.authenticate({ ...request, clientCertificate: client.der })).resolves.toBeDefined()
    expect((await rejection(() => auth.authenticate({ ...request, clientCertificate: ca.issueClient().der }))).reason).toBe('certificate_mismatch')
  })
})
