import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { constants, createHmac, createPublicKey, verify } from 'node:crypto'
import { compactVerify, decodeProtectedHeader, importJWK } from 'jose'
import { createIssuer, generateSigningKey, signRaw } from '@portcullis/testing'
import type { IssuerKey, LocalIssuer } from '@portcullis/testing'

const segment = (token: string, i: number) => Buffer.from(token.split('.')[i]!, 'base64url').toString('utf8')

describe('signRaw', () => {
  let issuer: LocalIssuer
  let key: IssuerKey
  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: ['RS256'] })
    key = issuer.keys[0]!
  })
  afterAll(() => issuer.close())

  it('writes exactly the header given, nothing added', () => {
    const header = { alg: 'RS256', crit: ['x'], x: true, jwk: { kty: 'RSA' }, kid: '../../etc/passwd' }
    const token = signRaw(header, { sub: 'a' }, key)
    expect(segment(token, 0)).toBe(JSON.stringify(header))
    expect(decodeProtectedHeader(token)).toEqual(header)
    // No alg at all is also written as given.
    expect(JSON.parse(segment(signRaw({ typ: 'JWT' }, {}, key), 0))).toEqual({ typ: 'JWT' })
  })

  it('takes string headers and payloads verbatim', () => {
    const token = signRaw('{"alg":"RS256","alg":"none"}', '{"sub":"a","sub":"b"}', key)
    expect(segment(token, 0)).toBe('{"alg":"RS256","alg":"none"}')
    expect(segment(token, 1)).toBe('{"sub":"a","sub":"b"}')
    expect(segment(signRaw({ alg: 'RS256' }, [1, 'two'], key), 1)).toBe('[1,"two"]')
  })

  it('produces a signature jose verifies with the published key', async () => {
    const token = issuer.signRaw({ alg: 'RS256', kid: key.kid }, { sub: 'raw' }, key)
    const { payload, protectedHeader } = await compactVerify(token, await importJWK(key.publicJwk, 'RS256'))
    expect(protectedHeader).toEqual({ alg: 'RS256', kid: key.kid })
    expect(JSON.parse(new TextDecoder().decode(payload))).toEqual({ sub: 'raw' })
  })

  it('signs with signWith, whatever the header alg claims', async () => {
    const ps = await generateSigningKey('PS256')
    const token = signRaw({ alg: 'RS256' }, { sub: 'x' }, ps) // header lies: key.alg PS256 is used
    expect(decodeProtectedHeader(token).alg).toBe('RS256')
    await expect(compactVerify(token, await importJWK(ps.publicJwk, 'RS256'))).rejects.toThrow()
    const [h, p] = token.split('.')
    const ok = verify(
      'sha256',
      Buffer.from(`${h}.${p}`),
      { key: createPublicKey(ps.privateKey), padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
      Buffer.from(token.split('.')[2]!, 'base64url'),
    )
    expect(ok).toBe(true)

    const rs = signRaw({ alg: 'PS256' }, { sub: 'x' }, ps, { signWith: 'RS256' })
    const [h2, p2, s2] = rs.split('.') as [string, string, string]
    expect(verify('sha256', Buffer.from(`${h2}.${p2}`), createPublicKey(ps.privateKey), Buffer.from(s2, 'base64url'))).toBe(true)
  })

  it("'none' gives an empty signature", () => {
    const token = signRaw({ alg: 'none' }, { sub: 'x' }, key, { signWith: 'none' })
    expect(token.endsWith('.')).toBe(true)
    expect(token.split('.')).toHaveLength(3)
  })

  it('HS256 without a secret is keyed with the public key PEM (algorithm confusion)', () => {
    const token = signRaw({ alg: 'HS256', kid: key.kid }, { sub: 'x' }, key, { signWith: 'HS256' })
    const [h, p, s] = token.split('.') as [string, string, string]
    const pem = createPublicKey(key.privateKey).export({ type: 'spki', format: 'pem' }).toString()
    expect(s).toBe(createHmac('sha256', pem).update(`${h}.${p}`).digest('base64url'))
    const withSecret = signRaw({ alg: 'HS512' }, {}, key, { signWith: 'HS512', secret: 'shh' })
    const [h2, p2, s2] = withSecret.split('.') as [string, string, string]
    expect(s2).toBe(createHmac('sha512', 'shh').update(`${h2}.${p2}`).digest('base64url'))
  })

  it('rejects a payload that is not JSON-serialisable', () => {
    expect(() => signRaw({ alg: 'RS256' }, undefined, key)).toThrow(/payload is not JSON-serialisable/)
  })
})
