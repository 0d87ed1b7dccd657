import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPairSync, createSecretKey } from 'node:crypto'
import { SignJWT } from 'jose'
import { createAuthenticator, isPortcullisError, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from './helpers.js'

const base = { issuer: 'https://id.example.com/', audience: 'https://api.example.com' }

function configError(options: unknown): string {
  try {
    createAuthenticator(options as RequireTokenOptions)
  } catch (error) {
    if (isPortcullisError(error) && error.code === 'invalid_configuration') return error.message
    throw error
  }
  throw new Error('expected a configuration error')
}

describe('options are validated at creation', () => {
  it.each([
    [{ audience: base.audience }, /issuer is required/],
    [{ issuer: base.issuer }, /audience is required/],
    [{ ...base, issuer: [] }, /issuer is required/],
    [{ ...base, audiance: 'x' }, /audiance is not an option/],
    [{ ...base, algorithms: ['none'] }, /"none" is not supported/],
    [{ ...base, algorithms: [] }, /algorithms must not be empty/],
    [{ ...base, algorithms: ['HS256'] }, /HS256 needs an explicit secret/],
    [{ ...base, secret: 'x'.repeat(32), algorithms: ['RS256'] }, /RS256 cannot be used with a secret/],
    [{ ...base, secret: 'short' }, /at least 32 bytes for HS256/],
    [{ ...base, secret: 'x'.repeat(32), jwksUri: 'https://id.example.com/jwks' }, /secret cannot be combined/],
    [{ ...base, jwksUri: 'http://id.example.com/jwks' }, /must use https/],
    [{ ...base, issuer: 'http://id.example.com/' }, /issuer \(used for discovery\) must use https/],
    [{ ...base, jwksUri: 'https://user:pw@id.example.com/jwks' }, /must not contain credentials/],
    [{ ...base, issuer: ['https://a.example/', 'https://b.example/'], jwksUri: 'https://a.example/jwks' }, /map each issuer/],
    [{ ...base, jwksUri: { 'https://other.example/': 'https://other.example/jwks' } }, /not a configured issuer/],
    [{ ...base, realm: 'a"b' }, /realm must be/],
    [{ ...base, profile: 'oidc' }, /profile must be/],
    [{ ...base, clockTolerance: -1 }, /clockTolerance must be/],
    [{ ...base, clockTolerance: 301 }, /clockTolerance must be a number of seconds from 0 to 300/],
    [{ ...base, jwks: { maxKeys: 0 } }, /jwks.maxKeys must be an integer from 1 to 1000/],
    [{ ...base, maxTokenLength: 8 }, /maxTokenLength must be an integer from 16/],
    [{ ...base, bearerMethods: ['cookie'] }, /"cookie" is not one of/],
    [{ ...base, jwks: { cooldowm: 1 } }, /jwks.cooldowm is not an option/],
    [{ ...base, dpop: {} }, /dpop.origin is required/],
    [{ ...base, mtls: { certificateHeader: 'x-client-cert' } }, /needs trustedProxies/],
    [{ ...base, keys: { keys: [] } }, /no usable public verification key/],
    [{ ...base, keys: ['not a pem'] }, /keys\[0\] is not a PEM public key/],
  ])('%j is refused', (options, message) => {
    expect(configError(options)).toMatch(message)
  })

  it('accepts loopback http for local issuers', () => {
    expect(() => createAuthenticator({ issuer: 'http://127.0.0.1:8080', audience: 'x' })).not.toThrow()
    expect(() => createAuthenticator({ issuer: 'http://localhost:8080/realms/a', audience: 'x' })).not.toThrow()
  })
})

describe('key material other than a JWKS URL', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['RS256', 'ES256'] })
  })
  afterAll(() => issuer.close())

  it('verifies with static keys given as a JWK Set, JWKs, PEM and KeyObjects', async () => {
    const token = await issuer.mint({}, { alg: 'ES256' })
    const es = issuer.keys.find((key) => key.alg === 'ES256')
    if (es === undefined) throw new Error('no ES256 key')
    const pem = es.privateKey.export({ type: 'pkcs8', format: 'pem' }) // private: must be refused
    const { createPublicKey } = await import('node:crypto')
    const publicKey = createPublicKey(es.privateKey)
    for (const keys of [
      { keys: issuer.keys.map((key) => key.publicJwk) },
      [es.publicJwk],
      [publicKey.export({ type: 'spki', format: 'pem' }) as string],
      [publicKey],
    ]) {
      const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, keys: keys as never })
      expect((await auth.authenticate(bearer(token)))?.identity.subject).toBe('user-123')
    }
    expect(configError({ ...base, keys: [es.privateKey] })).toMatch(/must be a public key/)
    expect(typeof pem).toBe('string')
  })

  it('HMAC: verifies HS256 with an explicit secret and refuses every asymmetric token', async () => {
    const secret = createSecretKey(Buffer.alloc(32, 7))
    const auth = createAuthenticator({ ...base, secret })
    const now = Math.floor(Date.now() / 1000)
    const hs = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(base.issuer).setAudience(base.audience).setIssuedAt(now).setExpirationTime(now + 60)
      .sign(Buffer.alloc(32, 7))
    expect((await auth.authenticate(bearer(hs)))?.identity.subject).toBe('svc')
    const wrongSecret = await new SignJWT({ sub: 'svc' })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(base.issuer).setAudience(base.audience).setExpirationTime(now + 60)
      .sign(Buffer.alloc(32, 8))
    expect((await rejection(() => auth.authenticate(bearer(wrongSecret)))).reason).toBe('signature')
    const rs = await issuer.mint({ iss: base.issuer, aud: base.audience })
    expect((await rejection(() => auth.authenticate(bearer(rs)))).reason).toBe('algorithm')
  })

  it('refuses RSA keys under 2048 bits given as static keys (RFC 8725 §3.5)', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 1024 })
    const jwk = publicKey.export({ format: 'jwk' })
    expect(configError({ ...base, keys: [jwk] })).toMatch(/not a usable public verification JWK/)
  })
})
