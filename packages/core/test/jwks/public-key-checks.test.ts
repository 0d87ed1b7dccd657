/**
 * Degenerate public keys: keys under which a "signature" can be made without any private key
 * (RSA e = 1, small-order EdDSA points) or that are not valid points of their curve are
 * refused wherever a key is imported: a JWK Set, static keys, a DPoP proof's `jwk`.
 */
import { createHash, createPublicKey, generateKeyPairSync, verify, type JsonWebKey } from 'node:crypto'
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createAuthenticator, type FetchLike } from '@portcullis/core'
import { importJwk } from '../../src/jwks/import-jwk.js'
import { isSoundPublicKey } from '../../src/jwks/public-key-checks.js'
import { bearer, rejection } from '../helpers.js'

const b64 = (bytes: Uint8Array | string): string => Buffer.from(bytes).toString('base64url')
const hex = (text: string): Buffer => Buffer.from(text, 'hex')

const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' }) as Record<string, string>
const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ format: 'jwk' }) as Record<string, string>
const p521 = generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey.export({ format: 'jwk' }) as Record<string, string>
const ed = generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }) as Record<string, string>
const ed448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' }) as Record<string, string>

function bigIntBytes(value: bigint, length?: number): Buffer {
  let text = value.toString(16)
  if (text.length % 2 === 1) text = `0${text}`
  const bytes = Buffer.from(text, 'hex')
  return length === undefined ? bytes : Buffer.concat([Buffer.alloc(Math.max(0, length - bytes.length)), bytes])
}

describe('sound keys are still imported', () => {
  it.each([['RSA', rsa], ['EC P-256', ec], ['EC P-521', p521], ['Ed25519', ed], ['Ed448', ed448]])('%s', (_name, jwk) => {
    expect(importJwk(jwk)).toBeDefined()
  })
  it('RSA with e = 3 is still a valid key', () => {
    expect(importJwk({ ...rsa, e: b64(Buffer.from([3])) })).toBeDefined()
  })
})

describe('RSA: exponent and modulus', () => {
  it.each([0, 1, 2, 4, 65536, 65538])('e = %p is refused', (e) => {
    expect(importJwk({ ...rsa, e: b64(bigIntBytes(BigInt(e))) })).toBeUndefined()
  })
  it('an even modulus is refused', () => {
    const n = Buffer.from(rsa['n'] as string, 'base64url')
    n[n.length - 1] = (n[n.length - 1] as number) & 0xfe
    expect(importJwk({ ...rsa, n: b64(n) })).toBeUndefined()
  })
  it('property: an exponent is accepted exactly when it is odd and at least 3', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 2n ** 33n }), (e) => {
        expect(importJwk({ ...rsa, e: b64(bigIntBytes(e)) }) !== undefined).toBe(e >= 3n && e % 2n === 1n)
      }),
      { numRuns: 200 },
    )
  })
  it('rsa-pss keys (SPKI) are judged too', () => {
    const pss = generateKeyPairSync('rsa-pss', { modulusLength: 2048 }).publicKey
    expect(isSoundPublicKey(pss)).toBe(true)
    const e1 = createPublicKey({ key: { ...rsa, e: 'AQ' } as JsonWebKey, format: 'jwk' })
    expect(isSoundPublicKey(e1)).toBe(false)
  })
})

describe('EC: points of the curve only', () => {
  it('node:crypto refuses a point off the curve and (0, 0) at import (verified here)', () => {
    const y = Buffer.from(ec['y'] as string, 'base64url')
    y[31] = (y[31] as number) ^ 1
    expect(importJwk({ ...ec, y: b64(y) })).toBeUndefined()
    expect(importJwk({ ...ec, x: b64(Buffer.alloc(32)), y: b64(Buffer.alloc(32)) })).toBeUndefined()
  })
  it('a coordinate of the wrong length is refused (node:crypto would accept a leading zero)', () => {
    const padded = { ...ec, x: b64(Buffer.concat([Buffer.alloc(1), Buffer.from(ec['x'] as string, 'base64url')])) }
    expect(() => createPublicKey({ key: padded as JsonWebKey, format: 'jwk' })).not.toThrow()
    expect(importJwk(padded)).toBeUndefined()
    expect(importJwk({ ...ec, x: b64(Buffer.from(ec['x'] as string, 'base64url').subarray(1)) })).toBeUndefined()
  })
  it('a coordinate at or above the field prime is refused (P-521: x + p still fits in 66 bytes)', () => {
    const p = 2n ** 521n - 1n
    const x = BigInt(`0x${Buffer.from(p521['x'] as string, 'base64url').toString('hex')}`)
    if (x + p < 2n ** 528n) expect(importJwk({ ...p521, x: b64(bigIntBytes(x + p, 66)) })).toBeUndefined()
    expect(importJwk({ ...p521, x: b64(bigIntBytes(p, 66)) })).toBeUndefined()
  })
  it('a curve named in the JWK must be the curve of the point', () => {
    expect(importJwk({ ...ec, crv: 'P-384' })).toBeUndefined()
  })
})

// libsodium's blocklist: every canonical encoding of a small-order edwards25519 point, and
// non-canonical encodings (y >= p, or the sign bit set where x = 0) of the same points.
const ED25519_SMALL_ORDER = [
  '0100000000000000000000000000000000000000000000000000000000000000',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  '0000000000000000000000000000000000000000000000000000000000000000',
  '0000000000000000000000000000000000000000000000000000000000000080',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
]
const ED25519_NON_CANONICAL = [
  '0100000000000000000000000000000000000000000000000000000000000080',
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
  'eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
  'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
]

describe('EdDSA: no small-order or non-canonical public keys', () => {
  it('why: under the identity key, R = identity and S = 0 verify for ANY message', () => {
    const identity = createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: b64(hex(ED25519_SMALL_ORDER[0] as string)) }, format: 'jwk' })
    const forged = Buffer.concat([hex(ED25519_SMALL_ORDER[0] as string), Buffer.alloc(32)])
    expect(verify(null, Buffer.from('any message at all'), identity, forged)).toBe(true)
    expect(isSoundPublicKey(identity)).toBe(false)
  })
  it.each([...ED25519_SMALL_ORDER, ...ED25519_NON_CANONICAL])('Ed25519 %s is refused', (encoding) => {
    expect(importJwk({ kty: 'OKP', crv: 'Ed25519', x: b64(hex(encoding)) })).toBeUndefined()
  })
  it('property: a random 32-byte Ed25519 key is refused exactly when non-canonical or small-order', () => {
    const p = 2n ** 255n - 19n
    const smallY = new Set(ED25519_SMALL_ORDER.map((encoding) => BigInt(`0x${Buffer.from(hex(encoding)).reverse().toString('hex')}`) & (2n ** 255n - 1n)))
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.constantFrom(...[...ED25519_SMALL_ORDER, ...ED25519_NON_CANONICAL].map((e) => new Uint8Array(hex(e))))), (bytes) => {
        const y = BigInt(`0x${Buffer.from(bytes).reverse().toString('hex')}`) & (2n ** 255n - 1n)
        const entry = importJwk({ kty: 'OKP', crv: 'Ed25519', x: b64(bytes) })
        if (y >= p || smallY.has(y)) expect(entry).toBeUndefined()
        else if (entry !== undefined) expect(isSoundPublicKey(entry.key)).toBe(true)
      }),
      { numRuns: 300 },
    )
  })
  it.each([
    ['identity', `01${'00'.repeat(56)}`],
    ['y = p - 1 (order 2)', `${'fe'}${'ff'.repeat(27)}${'fe'}${'ff'.repeat(27)}00`],
    ['y = 0 (order 4)', '00'.repeat(57)],
    ['y = 0 with the sign bit', `${'00'.repeat(56)}80`],
    ['unused bits of the last byte set', `${Buffer.from(ed448['x'] as string, 'base64url').subarray(0, 56).toString('hex')}01`],
    ['y = p (non-canonical 0)', `${'ff'.repeat(28)}${'fe'}${'ff'.repeat(27)}00`],
  ])('Ed448 %s is refused', (_name, encoding) => {
    expect(importJwk({ kty: 'OKP', crv: 'Ed448', x: b64(hex(encoding)) })).toBeUndefined()
  })
})

describe('key_ops (RFC 7517 §4.3)', () => {
  it('duplicate values make the JWK invalid', () => {
    expect(importJwk({ ...ec, key_ops: ['verify', 'verify'] })).toBeUndefined()
    expect(importJwk({ ...ec, key_ops: ['verify'] })).toBeDefined()
  })
})

// RSASSA-PKCS1-v1_5 "signature" under e = 1: the encoded message itself (RFC 8017 §9.2).
function forgeRs256(modulusBytes: number, signingInput: string): Buffer {
  const digestInfo = Buffer.concat([hex('3031300d060960864801650304020105000420'), createHash('sha256').update(signingInput).digest()])
  return Buffer.concat([hex('0001'), Buffer.alloc(modulusBytes - digestInfo.length - 3, 0xff), hex('00'), digestInfo])
}

describe('a token "signed" under a degenerate key is refused end to end', () => {
  const ISSUER = 'https://id.example.com/'
  const AUDIENCE = 'https://api.example.com'
  const NOW_S = 1_900_000_000
  const degenerate = { ...rsa, e: 'AQ', kid: 'e1', alg: 'RS256' }

  function forgedToken(): string {
    const header = b64(JSON.stringify({ alg: 'RS256', kid: 'e1' }))
    const payload = b64(JSON.stringify({ iss: ISSUER, aud: AUDIENCE, sub: 'admin', scope: 'admin', iat: NOW_S, exp: NOW_S + 300 }))
    return `${header}.${payload}.${b64(forgeRs256(256, `${header}.${payload}`))}`
  }

  it('why: node:crypto verifies the forgery under e = 1', () => {
    const key = createPublicKey({ key: degenerate as JsonWebKey, format: 'jwk' })
    const [header, payload, signature] = forgedToken().split('.') as [string, string, string]
    expect(verify('sha256', Buffer.from(`${header}.${payload}`), key, Buffer.from(signature, 'base64url'))).toBe(true)
  })

  it('from a remote JWK Set: the key is skipped, the token is invalid', async () => {
    const fetch: FetchLike = async () => Response.json({ keys: [degenerate] })
    const auth = createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, jwksUri: 'https://id.example.com/jwks', fetch, clock: () => NOW_S * 1000 })
    const error = await rejection(() => auth.authenticate(bearer(forgedToken())))
    expect({ code: error.code, reason: error.reason }).toEqual({ code: 'invalid_token', reason: 'unknown_key' })
  })

  it('as a static key (JWK, PEM or KeyObject): a configuration error', () => {
    const key = createPublicKey({ key: degenerate as JsonWebKey, format: 'jwk' })
    for (const keys of [[degenerate], [key], [key.export({ type: 'spki', format: 'pem' }) as string]]) {
      expect(() => createAuthenticator({ issuer: ISSUER, audience: AUDIENCE, keys })).toThrow(/usable|degenerate/)
    }
  })
})
