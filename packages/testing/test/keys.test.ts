import { describe, expect, it } from '@jest/globals'
import { createPublicKey, verify } from 'node:crypto'
import { calculateJwkThumbprint, compactVerify, importJWK } from 'jose'
import { SIGNING_ALGORITHMS, generateSigningKey, signRaw } from '@portcullis/testing'
import type { SigningAlgorithm } from '@portcullis/testing'

const SHAPE: Record<SigningAlgorithm, { kty: string; crv?: string }> = {
  RS256: { kty: 'RSA' },
  RS384: { kty: 'RSA' },
  RS512: { kty: 'RSA' },
  PS256: { kty: 'RSA' },
  PS384: { kty: 'RSA' },
  PS512: { kty: 'RSA' },
  ES256: { kty: 'EC', crv: 'P-256' },
  ES384: { kty: 'EC', crv: 'P-384' },
  ES512: { kty: 'EC', crv: 'P-521' },
  EdDSA: { kty: 'OKP', crv: 'Ed25519' },
}
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k']

describe('generateSigningKey', () => {
  it('lists all ten algorithms', () => {
    expect([...SIGNING_ALGORITHMS].sort()).toEqual(Object.keys(SHAPE).sort())
  })

  it.each([...SIGNING_ALGORITHMS])('%s: public JWK of the right type, thumbprint kid, no private members', async (alg) => {
    const key = await generateSigningKey(alg)
    expect(key.alg).toBe(alg)
    expect(key.publicJwk).toMatchObject({ ...SHAPE[alg], alg, use: 'sig', kid: key.kid })
    expect(key.kid).toBe(await calculateJwkThumbprint(key.publicJwk, 'sha256'))
    for (const member of PRIVATE_MEMBERS) expect(key.publicJwk).not.toHaveProperty(member)
    expect(Object.isFrozen(key.publicJwk)).toBe(true)
    expect(key.privateKey.type).toBe('private')
    // The private key really matches the published public key.
    const token = signRaw({ alg }, { ok: true }, key)
    const { payload } = await compactVerify(token, await importJWK(key.publicJwk, alg))
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ ok: true })
  })

  it('uses the given kid', async () => {
    const key = await generateSigningKey('ES256', { kid: 'my-key' })
    expect(key.kid).toBe('my-key')
    expect(key.publicJwk.kid).toBe('my-key')
  })

  it('makes a deliberately weak 1024-bit RSA key that signs (jose itself refuses it)', async () => {
    const key = await generateSigningKey('RS256', { modulusLength: 1024 })
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(1024)
    expect(Buffer.from(key.publicJwk.n!, 'base64url')).toHaveLength(128)
    const token = signRaw({ alg: 'RS256', kid: key.kid }, { sub: 'weak' }, key)
    const [h, p, s] = token.split('.') as [string, string, string]
    const ok = verify('sha256', Buffer.from(`${h}.${p}`), createPublicKey(key.privateKey), Buffer.from(s, 'base64url'))
    expect(ok).toBe(true)
    await expect(importJWK(key.publicJwk, 'RS256').then((k) => compactVerify(token, k))).rejects.toThrow(/2048/)
  })

  it('makes a 4096-bit PS512 key on request', async () => {
    const key = await generateSigningKey('PS512', { modulusLength: 4096 })
    expect(key.privateKey.asymmetricKeyDetails?.modulusLength).toBe(4096)
  })

  it('rejects modulusLength for non-RSA keys and unknown algorithms', async () => {
    await expect(generateSigningKey('ES256', { modulusLength: 2048 })).rejects.toThrow(/only applies to RSA/)
    await expect(generateSigningKey('HS256' as SigningAlgorithm)).rejects.toThrow(/must be one of/)
    await expect(generateSigningKey('none' as SigningAlgorithm)).rejects.toThrow(TypeError)
  })
})
