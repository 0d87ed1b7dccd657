/** Property-based tests of the DPoP and mTLS parsers: total (never throw unexpectedly), stable. */
import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { normaliseHtu, requestUri } from '../../src/binding/dpop/htu.js'
import { createNonceIssuer } from '../../src/binding/dpop/nonces.js'
import { verifyProof } from '../../src/binding/dpop/verify-proof.js'
import { clientCertificateOf } from '../../src/binding/mtls/client-certificate.js'
import { compileTrustedProxies } from '../../src/binding/trusted-proxies.js'
import { TokenInvalid } from '../../src/internal/failures.js'

const rules = {
  algorithms: new Set(['ES256'] as const),
  maxProofLength: 8192,
  maxJtiLength: 256,
  maxAgeSeconds: 60,
  clockToleranceSeconds: 5,
}

describe('DPoP parsers', () => {
  it('normaliseHtu is idempotent and never throws', () => {
    fc.assert(
      fc.property(fc.oneof(fc.webUrl({ withQueryParameters: true, withFragments: true }), fc.string()), (value) => {
        const once = normaliseHtu(value)
        if (once !== undefined) expect(normaliseHtu(once)).toBe(once)
      }),
      { numRuns: 300 },
    )
  })

  it('requestUri never throws and never takes its host from an untrusted request', () => {
    const trustNobody = compileTrustedProxies(undefined)
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), (url, host, forwarded) => {
        const uri = requestUri(
          { method: 'GET', url, headers: { host, 'x-forwarded-host': forwarded } },
          { origins: ['https://api.example.com'], trustProxy: trustNobody },
        )
        if (uri !== undefined) expect(uri.startsWith('https://api.example.com/')).toBe(true)
      }),
    )
  })

  it('verifyProof rejects arbitrary input with TokenInvalid only', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.tuple(fc.string(), fc.string(), fc.string()).map((parts) => parts.join('.'))), (proof) => {
        try {
          verifyProof(proof, { method: 'GET', uri: 'https://api.example.com/', accessToken: 't', now: 0 }, rules)
        } catch (error) {
          expect(error).toBeInstanceOf(TokenInvalid)
          return
        }
        throw new Error('accepted garbage')
      }),
    )
  })

  it('nonce checks are total: garbage is invalid, never an exception', () => {
    const nonces = createNonceIssuer(60_000, () => 0, undefined)
    fc.assert(fc.property(fc.anything(), (value) => expect(nonces.check(value)).toBe('invalid')))
  })
})

describe('mTLS header parser', () => {
  it('a forwarded header value is a certificate or TokenInvalid, never another error', () => {
    const trustAll = compileTrustedProxies(['0.0.0.0/0'])
    fc.assert(
      fc.property(fc.string({ maxLength: 2000 }), fc.constantFrom('pem' as const, 'rfc9440' as const), (value, format) => {
        try {
          clientCertificateOf({ method: 'GET', url: '/', headers: { 'x-client-cert': value }, remoteAddress: '10.0.0.1' }, { header: 'x-client-cert', format, trustProxy: trustAll })
        } catch (error) {
          expect(error).toBeInstanceOf(TokenInvalid)
        }
      }),
    )
  })
})
