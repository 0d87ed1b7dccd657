import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createPublicKey } from 'node:crypto'
import fc from 'fast-check'
import { compactVerify } from 'jose'
import { createAuthenticator, type Authenticator } from '@portcullis/core'
import { createIssuer, SIGNING_ALGORITHMS, type LocalIssuer, type SigningAlgorithm } from '@portcullis/testing'
import { bearer } from '../helpers.js'

// Portcullis verifies signatures with node:crypto directly (faster than jose's WebCrypto
// path). This differential test keeps it honest: on valid and tampered tokens of every
// algorithm, it must accept exactly what jose's compactVerify accepts (RFC 7515 §5.2, RFC 9068 §4).
const B64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'

/** True when every segment of `token` is the canonical base64url spelling of its bytes. */
function isCanonical(token: string): boolean {
  return token.split('.').every((segment) => Buffer.from(segment, 'base64url').toString('base64url') === segment)
}

describe('signature verification agrees with jose', () => {
  let issuer: LocalIssuer
  let auth: Authenticator
  const tokens = new Map<SigningAlgorithm, string>()

  beforeAll(async () => {
    issuer = await createIssuer({ algorithms: [...SIGNING_ALGORITHMS] })
    auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience })
    for (const alg of SIGNING_ALGORITHMS) tokens.set(alg, await issuer.mint({ scope: 'a' }, { alg }))
  })
  afterAll(() => issuer.close())

  async function joseAccepts(token: string, alg: SigningAlgorithm): Promise<boolean> {
    const key = issuer.keys.find((k) => k.alg === alg)
    if (key === undefined) throw new Error(`no ${alg} key`)
    try {
      await compactVerify(token, createPublicKey(key.privateKey), { algorithms: [alg] })
      return true
    } catch {
      return false
    }
  }

  async function portcullisAccepts(token: string): Promise<boolean> {
    try {
      return (await auth.authenticate(bearer(token))) !== undefined
    } catch {
      return false
    }
  }

  it.each(SIGNING_ALGORITHMS.map((alg) => [alg]))('%s: both accept the untampered token', async (alg) => {
    const token = tokens.get(alg) as string
    expect(await joseAccepts(token, alg)).toBe(true)
    expect(await portcullisAccepts(token)).toBe(true)
  })

  // Portcullis is stricter in one documented way: it refuses non-canonical base64url (a last
  // character whose unused low bits are set), which jose decodes to the same bytes and accepts.
  // So the two must agree, except that Portcullis may refuse a respelled, non-canonical segment.
  it('agrees on every single-character tampering, except that it refuses non-canonical base64url', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...SIGNING_ALGORITHMS),
        fc.nat(),
        fc.constantFrom(...B64URL.split('')),
        async (alg, position, replacement) => {
          const token = tokens.get(alg) as string
          const index = position % token.length
          if (token[index] === '.') return true
          const tampered = token.slice(0, index) + replacement + token.slice(index + 1)
          const jose = await joseAccepts(tampered, alg)
          const portcullis = await portcullisAccepts(tampered)
          if (jose === portcullis) return true
          return jose && !portcullis && !isCanonical(tampered)
        },
      ),
      { numRuns: 400 },
    )
  })
})
