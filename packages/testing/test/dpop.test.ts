import { describe, expect, it } from '@jest/globals'
import { createHash } from 'node:crypto'
import { EmbeddedJWK, calculateJwkThumbprint, decodeProtectedHeader, jwtVerify } from 'jose'
import { createDpopProof, generateSigningKey, jwkThumbprint } from '@portcullis/testing'

describe('createDpopProof', () => {
  it.each(['ES256', 'EdDSA', 'PS256'] as const)('%s: proof verifies with its embedded public key', async (alg) => {
    const key = await generateSigningKey(alg)
    const proof = createDpopProof({
      key,
      htm: 'POST',
      htu: 'http://127.0.0.1:3000/orders',
      accessToken: 'the-token',
      nonce: 'n-1',
      clock: () => 1_900_000_000_000,
    })
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { typ: 'dpop+jwt', algorithms: [alg], currentDate: new Date(1_900_000_000_000) })
    expect(protectedHeader.alg).toBe(alg)
    expect(protectedHeader.jwk).not.toHaveProperty('kid')
    expect(protectedHeader.jwk).not.toHaveProperty('d')
    expect(await calculateJwkThumbprint(protectedHeader.jwk!)).toBe(await jwkThumbprint(key))
    expect(payload).toMatchObject({
      htm: 'POST',
      htu: 'http://127.0.0.1:3000/orders',
      iat: 1_900_000_000,
      nonce: 'n-1',
      ath: createHash('sha256').update('the-token').digest('base64url'),
    })
    expect(typeof payload.jti).toBe('string')
  })

  it('overrides and removes members for negative tests', async () => {
    const key = await generateSigningKey('ES256')
    const proof = createDpopProof({ key, htm: 'GET', htu: 'https://x/y', claims: { jti: undefined, htm: 'PUT' }, header: { typ: 'JWT' } })
    expect(decodeProtectedHeader(proof).typ).toBe('JWT')
    const claims = JSON.parse(Buffer.from(proof.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>
    expect(claims).not.toHaveProperty('jti')
    expect(claims).not.toHaveProperty('ath')
    expect(claims.htm).toBe('PUT')
  })

  it('jwkThumbprint accepts a key or a JWK', async () => {
    const key = await generateSigningKey('ES256')
    expect(await jwkThumbprint(key)).toBe(key.kid)
    expect(await jwkThumbprint(key.publicJwk)).toBe(key.kid)
  })
})
