import { describe, expect, it } from '@jest/globals'
import { EmbeddedJWK, decodeJwt, decodeProtectedHeader, jwtVerify } from 'jose'
import { createDpopProof, generateSigningKey } from '@portcullis/testing'

const base = { htm: 'GET', htu: 'https://api.example.com/r', accessToken: 't', clock: () => 1_900_000_000_000 }

describe('createDpopProof knobs for negative tests', () => {
  it('iat, jti, ath and typ override the defaults; the proof still verifies with its jwk', async () => {
    const key = await generateSigningKey('ES256')
    const proof = createDpopProof({ key, ...base, iat: 1_800_000_000, jti: 'fixed', ath: 'other', typ: 'JWT' })
    const { payload, protectedHeader } = await jwtVerify(proof, EmbeddedJWK, { currentDate: new Date(1_800_000_000_000) })
    expect(payload).toMatchObject({ iat: 1_800_000_000, jti: 'fixed', ath: 'other' })
    expect(protectedHeader.typ).toBe('JWT')
  })

  it('alg lies in the header while the signature uses the key algorithm', async () => {
    const key = await generateSigningKey('ES256')
    const proof = createDpopProof({ key, ...base, alg: 'HS256' })
    expect(decodeProtectedHeader(proof).alg).toBe('HS256')
    expect(Buffer.from(proof.split('.')[2] as string, 'base64url')).toHaveLength(64)
  })

  it('leakPrivateKey puts the private members into jwk; jwk replaces the key verbatim', async () => {
    const key = await generateSigningKey('ES256')
    expect(decodeProtectedHeader(createDpopProof({ key, ...base, leakPrivateKey: true })).jwk).toHaveProperty('d')
    const jwk = { kty: 'oct', k: 'AAAA' }
    expect(decodeProtectedHeader(createDpopProof({ key, ...base, jwk })).jwk).toEqual(jwk)
  })

  it('each proof gets a fresh jti by default', async () => {
    const key = await generateSigningKey('ES256')
    expect(decodeJwt(createDpopProof({ key, ...base })).jti).not.toBe(decodeJwt(createDpopProof({ key, ...base })).jti)
  })
})
