/**
 * DPoP at the core (RFC 9449 §4.3, §7, §8, §11): every proof check through createAuthenticator,
 * with real keys and signatures from @portcullis/testing and a frozen clock.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import {
  createAuthenticator,
  createMemoryReplayStore,
  type DpopOptions,
  type DpopReplayStore,
  type PortcullisError,
  type PortcullisRequest,
  type RequireTokenOptions,
} from '@portcullis/core'
import { createDpopProof, createIssuer, generateSigningKey, jwkThumbprint, type IssuerKey, type LocalIssuer } from '@portcullis/testing'
import { manualClock, rejection } from '../helpers.js'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const NOW_S = NOW / 1000
const ORIGIN = 'https://api.example.com'
const HTU = `${ORIGIN}/orders`
const ALGS = 'RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES384 ES512 EdDSA'

let issuer: LocalIssuer
let clientKey: IssuerKey
let jkt: string
beforeAll(async () => {
  issuer = await createIssuer({ clock: () => NOW })
  clientKey = await generateSigningKey('ES256')
  jkt = await jwkThumbprint(clientKey)
})
afterAll(() => issuer.close())

function authenticator(dpop: DpopOptions = { origin: ORIGIN }, extra: Partial<RequireTokenOptions> = {}, clock = () => NOW) {
  return createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock, dpop, ...extra })
}

function boundToken(key = jkt): Promise<string> {
  return issuer.mint({ sub: 'user-1', cnf: { jkt: key } })
}

function dpopRequest(token: string, proof: string | string[] | undefined, extra: Partial<PortcullisRequest> = {}): PortcullisRequest {
  const headers: Record<string, string | string[]> = { authorization: `DPoP ${token}` }
  if (proof !== undefined) headers['dpop'] = Array.isArray(proof) ? proof.join(', ') : proof
  return { method: 'GET', url: '/orders?page=2', headers, ...extra }
}

function proofFor(token: string, overrides: Partial<Parameters<typeof createDpopProof>[0]> = {}): string {
  return createDpopProof({ key: clientKey, htm: 'GET', htu: HTU, accessToken: token, clock: () => NOW, ...overrides })
}

function expectProofError(error: PortcullisError, description?: string): void {
  expect(error.code).toBe('invalid_dpop_proof')
  expect(error.status).toBe(401)
  const challenge = error.headers['WWW-Authenticate'] as string
  expect(challenge).toMatch(new RegExp(`^DPoP realm="api", error="invalid_dpop_proof", error_description="[^"]*", algs="${ALGS}"$`))
  if (description !== undefined) expect(challenge).toContain(description)
}

describe('DPoP success', () => {
  it('RFC 9449 §4.3, §7.1: a bound token with a valid proof is accepted; the identity keeps cnf.jkt', async () => {
    const token = await boundToken()
    const result = await authenticator().authenticate(dpopRequest(token, proofFor(token)))
    expect(result?.identity.confirmation).toEqual({ jkt })
    expect(result?.responseHeaders).toEqual({})
  })

  it.each(['dpop', 'DPOP', 'DPoP'])('RFC 9110 §11.1: the DPoP scheme is case-insensitive (%s)', async (scheme) => {
    const token = await boundToken()
    const request = dpopRequest(token, proofFor(token))
    const result = await authenticator().authenticate({ ...request, headers: { ...request.headers, authorization: `${scheme} ${token}` } })
    expect(result?.identity.subject).toBe('user-1')
  })

  it.each(['ES256', 'ES384', 'PS256', 'RS256', 'EdDSA'] as const)('RFC 9449 §4.3: proofs signed with %s are accepted', async (alg) => {
    const key = await generateSigningKey(alg)
    const token = await boundToken(await jwkThumbprint(key))
    const result = await authenticator().authenticate(dpopRequest(token, proofFor(token, { key })))
    expect(result?.identity.subject).toBe('user-1')
  })

  it('RFC 9449 §4.3: htu is compared after RFC 3986 normalisation (scheme/host case, default port, percent-encoding)', async () => {
    const token = await boundToken()
    const proof = proofFor(token, { htu: 'HTTPS://API.Example.COM:443/%6Frders' })
    await expect(authenticator().authenticate(dpopRequest(token, proof))).resolves.toBeDefined()
  })

  it('RFC 9449 §4.3: query and fragment of htu are ignored', async () => {
    const token = await boundToken()
    await expect(authenticator().authenticate(dpopRequest(token, proofFor(token, { htu: `${HTU}?page=9#x` })))).resolves.toBeDefined()
  })

  it('RFC 9449 §11.1: a proof with iat slightly in the future (within clockTolerance) is accepted', async () => {
    const token = await boundToken()
    await expect(authenticator().authenticate(dpopRequest(token, proofFor(token, { iat: NOW_S + 4 })))).resolves.toBeDefined()
  })
})

describe('DPoP proof checks (RFC 9449 §4.3)', () => {
  it('RFC 9449 §7.1: a DPoP-bound token without a proof -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, undefined))))
  })

  it('RFC 9449 §4.3, §7.2: two DPoP headers -> 400 invalid_request with the DPoP challenge', async () => {
    const token = await boundToken()
    const proof = proofFor(token)
    const error = await rejection(() => authenticator().authenticate(dpopRequest(token, [proof, proof])))
    expect(error.code).toBe('invalid_request')
    expect(error.status).toBe(400)
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP realm="api", error="invalid_request", error_description="More than one DPoP proof header", algs="/)
  })

  it('RFC 9449 §4.3: two DPoP headers seen in rawHeaders -> 400 invalid_request', async () => {
    const token = await boundToken()
    const proof = proofFor(token)
    const request = dpopRequest(token, proof, { rawHeaders: ['Authorization', `DPoP ${token}`, 'DPoP', proof, 'dpop', proof] })
    expect((await rejection(() => authenticator().authenticate(request))).code).toBe('invalid_request')
  })

  it.each([
    ['not a JWT', 'abc'],
    ['a JWE-like value', 'a.b.c.d.e'],
    ['bad base64url', 'e30.e30.@@@'],
  ])('RFC 9449 §4.3: a malformed proof (%s) -> 401 invalid_dpop_proof', async (_name, proof) => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proof))))
  })

  it('RFC 9449 §4.3: an oversized proof is refused unparsed', async () => {
    const token = await boundToken()
    const error = await rejection(() => authenticator({ origin: ORIGIN, maxProofLength: 512 }).authenticate(dpopRequest(token, 'a'.repeat(600))))
    expectProofError(error, 'too large')
  })

  it.each([
    ['typ JWT', { typ: 'JWT' }],
    ['typ at+jwt (token swapping)', { typ: 'at+jwt' }],
  ])('RFC 9449 §4.3: %s -> 401 invalid_dpop_proof', async (_name, overrides) => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, overrides)))), 'dpop+jwt')
  })

  it('RFC 9449 §4.3: a missing typ -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    const proof = proofFor(token, { header: { typ: undefined } })
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proof))))
  })

  it.each([
    ['none', 'none'],
    ['HS256 (a MAC)', 'HS256'],
    ['an unknown alg', 'XX256'],
  ])('RFC 9449 §4.3: alg %s -> 401 invalid_dpop_proof', async (_name, alg) => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { alg })))), 'algorithm')
  })

  it('RFC 9449 §4.3: an alg outside the configured allow-list is refused, and the challenge lists only the allowed ones', async () => {
    const token = await boundToken()
    const error = await rejection(() => authenticator({ origin: ORIGIN, algorithms: ['EdDSA'] }).authenticate(dpopRequest(token, proofFor(token))))
    expect(error.code).toBe('invalid_dpop_proof')
    expect(error.headers['WWW-Authenticate']).toMatch(/, algs="EdDSA"$/)
  })

  it('RFC 9449 §4.2, §4.3: a jwk with private key material -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    const error = await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { leakPrivateKey: true }))))
    expectProofError(error, 'must be a public key')
  })

  it('RFC 9449 §4.2: a symmetric jwk (kty oct) -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    const jwk = { kty: 'oct', k: Buffer.alloc(32, 1).toString('base64url') }
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { jwk })))))
  })

  it('RFC 9449 §4.2: a missing jwk -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { header: { jwk: undefined } })))))
  })

  it('RFC 8725 §3.1: a key type that does not fit the alg (RSA key, ES256 header) -> 401 invalid_dpop_proof', async () => {
    const rsa = await generateSigningKey('RS256')
    const token = await boundToken()
    const jwk = { kty: 'RSA', n: rsa.publicJwk.n, e: rsa.publicJwk.e }
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { jwk })))), 'does not fit')
  })

  it('a client RSA key with a huge public exponent is refused before verification (cost bound)', async () => {
    const rsa = await generateSigningKey('RS256')
    const token = await boundToken()
    const jwk = { kty: 'RSA', n: rsa.publicJwk.n, e: Buffer.alloc(16, 0xff).toString('base64url') }
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { key: rsa, jwk })))), 'too large')
  })

  it('RFC 9449 §4.3: a signature by another key than the jwk -> 401 invalid_dpop_proof', async () => {
    const other = await generateSigningKey('ES256')
    const token = await boundToken()
    const jwk = { kty: 'EC', crv: 'P-256', x: other.publicJwk.x, y: other.publicJwk.y }
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { jwk })))), 'signature')
  })

  it.each(['jti', 'htm', 'htu', 'iat'])('RFC 9449 §4.2, §4.3: a proof without %s -> 401 invalid_dpop_proof', async (claim) => {
    const token = await boundToken()
    const proof = proofFor(token, { claims: { [claim]: undefined } })
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proof))))
  })

  it('RFC 9449 §4.2, §7: a proof without ath -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    const proof = createDpopProof({ key: clientKey, htm: 'GET', htu: HTU, clock: () => NOW })
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proof))), 'ath')
  })

  it('RFC 9449 §11.1: an over-long jti is refused before it reaches the replay store', async () => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { jti: 'x'.repeat(257) })))), 'jti')
  })

  it('RFC 9449 §4.3: htm must equal the request method (case-sensitive)', async () => {
    const token = await boundToken()
    for (const htm of ['POST', 'get']) {
      expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { htm })))), 'method')
    }
  })

  it.each([
    ['another path', `${ORIGIN}/other`],
    ['another host', 'https://evil.example.com/orders'],
    ['another scheme', 'http://api.example.com/orders'],
    ['another port', 'https://api.example.com:8443/orders'],
    ['a relative URI', '/orders'],
  ])('RFC 9449 §4.3: htu for %s -> 401 invalid_dpop_proof', async (_name, htu) => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { htu })))), 'URI')
  })

  it('RFC 9449 §4.3, §11.1: a proof older than maxAge (+ tolerance) -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    await expect(authenticator().authenticate(dpopRequest(token, proofFor(token, { iat: NOW_S - 64 })))).resolves.toBeDefined()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { iat: NOW_S - 66 })))), 'too old')
  })

  it('RFC 9449 §4.3: a proof from the future beyond clockTolerance -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { iat: NOW_S + 6 })))), 'future')
  })

  it('RFC 9449 §4.3: ath of another access token -> 401 invalid_dpop_proof', async () => {
    const token = await boundToken()
    const proof = proofFor(await boundToken())
    expectProofError(await rejection(() => authenticator().authenticate(dpopRequest(token, proof))), 'another access token')
  })

  it('RFC 9449 §4.3, §6.1: a proof key other than cnf.jkt -> 401 invalid_token with the DPoP challenge', async () => {
    const token = await boundToken()
    const other = await generateSigningKey('ES256')
    const error = await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token, { key: other }))))
    expect(error.code).toBe('invalid_token')
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="/)
  })

  it('RFC 9449 §7.1: an unbound token presented with the DPoP scheme -> 401 invalid_token', async () => {
    const token = await issuer.mint({ sub: 'user-1' })
    const error = await rejection(() => authenticator().authenticate(dpopRequest(token, proofFor(token))))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('dpop_unbound')
  })
})

describe('DPoP downgrade and required DPoP', () => {
  it('RFC 9449 §7.2: a DPoP-bound token presented as Bearer -> 401 invalid_token, offering DPoP', async () => {
    const token = await boundToken()
    const error = await rejection(() => authenticator().authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}`, dpop: proofFor(token) } }))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('dpop_downgrade')
    expect(error.headers['WWW-Authenticate']).toMatch(/^Bearer realm="api", error="invalid_token", error_description="[^"]+", DPoP realm="api", algs="/)
  })

  it('RFC 9449 §7.1: without dpop configured, a DPoP-bound token is refused (the binding cannot be checked)', async () => {
    const token = await boundToken()
    const plain = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW })
    const error = await rejection(() => plain.authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } }))
    expect(error.code).toBe('invalid_token')
  })

  it('RFC 9449 §7.1, §7.2: no credentials -> both challenges, no error', async () => {
    const error = await rejection(() => authenticator().authenticate({ method: 'GET', url: '/orders', headers: {} }))
    expect(error.code).toBe('credentials_required')
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="api", DPoP realm="api", algs="${ALGS}"`)
  })

  it('RFC 9449 §7: dpop.required refuses a Bearer token, and challenges only with DPoP', async () => {
    const auth = authenticator({ origin: ORIGIN, required: true })
    const token = await issuer.mint({ sub: 'user-1' })
    const error = await rejection(() => auth.authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } }))
    expect(error.code).toBe('invalid_token')
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP realm="api", error="invalid_token", error_description="[^"]+", algs="/)
    const none = await rejection(() => auth.authenticate({ method: 'GET', url: '/orders', headers: {} }))
    expect(none.headers['WWW-Authenticate']).toBe(`DPoP realm="api", algs="${ALGS}"`)
    const bound = await boundToken()
    await expect(auth.authenticate(dpopRequest(bound, proofFor(bound)))).resolves.toBeDefined()
  })

  it('DPoP works whatever bearerMethods says (it governs Bearer tokens only)', async () => {
    const auth = authenticator({ origin: ORIGIN }, { bearerMethods: ['query'] })
    const token = await boundToken()
    await expect(auth.authenticate(dpopRequest(token, proofFor(token)))).resolves.toBeDefined()
    const plain = await issuer.mint()
    const error = await rejection(() => auth.authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${plain}` } }))
    expect(error.code).toBe('credentials_required')
  })

  it('plain Bearer tokens still work next to DPoP when DPoP is not required', async () => {
    const token = await issuer.mint({ sub: 'user-1' })
    const result = await authenticator().authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } })
    expect(result?.identity.confirmation).toBeUndefined()
  })
})

describe('DPoP challenges with resource metadata (RFC 9728 §5.1)', () => {
  it('proof errors, nonce errors and the downgrade offer carry resource_metadata', async () => {
    const resourceMetadata = 'https://api.example.com/.well-known/oauth-protected-resource'
    const token = await boundToken()
    const proofError = await rejection(() => authenticator({ origin: ORIGIN }, { resourceMetadata }).authenticate(dpopRequest(token, 'x.y.z')))
    expect(proofError.headers['WWW-Authenticate']).toMatch(new RegExp(`^DPoP realm="api", error="invalid_dpop_proof", error_description="[^"]+", algs="${ALGS}", resource_metadata="${resourceMetadata}"$`))
    const nonceError = await rejection(() => authenticator({ origin: ORIGIN, nonce: true }, { resourceMetadata }).authenticate(dpopRequest(token, proofFor(token))))
    expect(nonceError.headers['WWW-Authenticate']).toContain(`resource_metadata="${resourceMetadata}"`)
    const downgrade = await rejection(() => authenticator({ origin: ORIGIN }, { resourceMetadata }).authenticate({ method: 'GET', url: '/orders', headers: { authorization: `Bearer ${token}` } }))
    expect(downgrade.headers['WWW-Authenticate']).toMatch(new RegExp(`, DPoP realm="api", algs="${ALGS}", resource_metadata="${resourceMetadata}"$`))
  })
})

describe('DPoP replay (RFC 9449 §11.1)', () => {
  it('a replayed proof -> 401 invalid_token', async () => {
    const auth = authenticator()
    const token = await boundToken()
    const proof = proofFor(token)
    await expect(auth.authenticate(dpopRequest(token, proof))).resolves.toBeDefined()
    const error = await rejection(() => auth.authenticate(dpopRequest(token, proof)))
    expect(error.code).toBe('invalid_token')
    expect(error.reason).toBe('dpop_replay')
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP realm="api", error="invalid_token"/)
  })

  it('a replay is audited as authn_token_reuse', async () => {
    const events: string[] = []
    const auth = authenticator({ origin: ORIGIN }, { audit: (event) => void events.push(event.event) })
    const token = await boundToken()
    const proof = proofFor(token)
    await auth.authenticate(dpopRequest(token, proof))
    await rejection(() => auth.authenticate(dpopRequest(token, proof)))
    expect(events).toEqual(['authn_login_success', 'authn_token_reuse'])
  })

  it('a proof that fails a check does not take a place in the store', async () => {
    const keys: string[] = []
    const store: DpopReplayStore = {
      remember: (key) => {
        keys.push(key)
        return Promise.resolve(true)
      },
    }
    const token = await boundToken()
    await rejection(() => authenticator({ origin: ORIGIN, replayStore: store }).authenticate(dpopRequest(token, proofFor(token, { htm: 'POST' }))))
    expect(keys).toEqual([])
    const jti = 'a-very-recognisable-jti-value'
    await authenticator({ origin: ORIGIN, replayStore: store }).authenticate(dpopRequest(token, proofFor(token, { jti })))
    // RFC 9700 §4.9.3: the store sees a hash, never the jti.
    expect(keys).toHaveLength(1)
    expect(keys[0]).not.toContain(jti)
  })

  it('the entry lives as long as the proof could be accepted', async () => {
    const expiries: number[] = []
    const store: DpopReplayStore = {
      remember: (_key, expiresAt) => {
        expiries.push(expiresAt)
        return Promise.resolve(true)
      },
    }
    const token = await boundToken()
    await authenticator({ origin: ORIGIN, replayStore: store }).authenticate(dpopRequest(token, proofFor(token)))
    // iat + maxAge 60 + 2 x tolerance 5, and a second of margin.
    expect(expiries).toEqual([NOW + 71_000])
  })

  it('a failing replay store -> 503 (fail closed), never acceptance', async () => {
    const store: DpopReplayStore = { remember: () => Promise.reject(new Error('redis down')) }
    const token = await boundToken()
    const error = await rejection(() => authenticator({ origin: ORIGIN, replayStore: store }).authenticate(dpopRequest(token, proofFor(token))))
    expect(error.code).toBe('temporarily_unavailable')
    expect(error.status).toBe(503)
  })

  it('a full store refuses new proofs (503, Retry-After) and never forgets a live one', async () => {
    const store = createMemoryReplayStore({ maxEntries: 3, clock: () => NOW })
    const auth = authenticator({ origin: ORIGIN, replayStore: store })
    const token = await boundToken()
    const proofs = [proofFor(token), proofFor(token), proofFor(token), proofFor(token)]
    for (const proof of proofs.slice(0, 3)) await auth.authenticate(dpopRequest(token, proof))
    expect(store.size).toBe(3)
    const full = await rejection(() => auth.authenticate(dpopRequest(token, proofs[3] as string)))
    expect({ status: full.status, reason: full.reason }).toEqual({ status: 503, reason: 'replay_store_full' })
    expect(Number(full.headers['Retry-After'])).toBeGreaterThanOrEqual(1)
    // The first proof (the one an attacker would flush out) is still a replay.
    expect((await rejection(() => auth.authenticate(dpopRequest(token, proofs[0] as string)))).reason).toBe('dpop_replay')
  })
})

describe('DPoP server nonces (RFC 9449 §8, §9)', () => {
  function nonceOf(error: PortcullisError): string {
    return error.headers['DPoP-Nonce'] as string
  }

  it('RFC 9449 §9, §11.3: a proof without nonce -> 401 use_dpop_nonce with DPoP-Nonce; retrying with it succeeds', async () => {
    const auth = authenticator({ origin: ORIGIN, nonce: true })
    const token = await boundToken()
    const error = await rejection(() => auth.authenticate(dpopRequest(token, proofFor(token))))
    expect(error.code).toBe('use_dpop_nonce')
    expect(error.status).toBe(401)
    expect(error.headers['WWW-Authenticate']).toMatch(/^DPoP realm="api", error="use_dpop_nonce", error_description="[^"]+", algs="/)
    expect(error.headers['Cache-Control']).toBe('no-store')
    // RFC 9449 §8.1: nonce = 1*NQCHAR.
    expect(nonceOf(error)).toMatch(/^[\x21\x23-\x5b\x5d-\x7e]+$/)
    const result = await auth.authenticate(dpopRequest(token, proofFor(token, { nonce: nonceOf(error) })))
    expect(result?.responseHeaders).toEqual({})
  })

  it('RFC 9449 §9: nonces are unpredictable (each one differs)', async () => {
    const auth = authenticator({ origin: ORIGIN, nonce: true })
    const token = await boundToken()
    const a = nonceOf(await rejection(() => auth.authenticate(dpopRequest(token, proofFor(token)))))
    const b = nonceOf(await rejection(() => auth.authenticate(dpopRequest(token, proofFor(token)))))
    expect(a).not.toBe(b)
  })

  it('RFC 9449 §4.3: a forged or foreign nonce -> 401 use_dpop_nonce', async () => {
    const token = await boundToken()
    const other = authenticator({ origin: ORIGIN, nonce: true })
    const foreign = nonceOf(await rejection(() => other.authenticate(dpopRequest(token, proofFor(token)))))
    const auth = authenticator({ origin: ORIGIN, nonce: true })
    for (const nonce of [foreign, 'made-up', `${foreign.slice(0, -2)}AA`]) {
      expect((await rejection(() => auth.authenticate(dpopRequest(token, proofFor(token, { nonce }))))).code).toBe('use_dpop_nonce')
    }
  })

  it('nonce rotation: a nonce of the previous period is accepted once more with a fresh DPoP-Nonce; older ones expire', async () => {
    const clock = manualClock(NOW)
    const auth = authenticator({ origin: ORIGIN, nonce: { lifetime: 60 }, maxAge: 600 }, { clockTolerance: 300 }, clock.now)
    const token = await issuer.mint({ cnf: { jkt }, exp: NOW_S + 3600 })
    const first = nonceOf(await rejection(() => auth.authenticate(dpopRequest(token, proofFor(token)))))
    clock.advance(60_000)
    const rotated = await auth.authenticate(dpopRequest(token, proofFor(token, { nonce: first })))
    expect(rotated?.responseHeaders['DPoP-Nonce']).toMatch(/^[A-Za-z0-9_-]+$/)
    expect(rotated?.responseHeaders['DPoP-Nonce']).not.toBe(first)
    expect(rotated?.responseHeaders['Cache-Control']).toBe('no-store')
    clock.advance(60_000)
    expect((await rejection(() => auth.authenticate(dpopRequest(token, proofFor(token, { nonce: first }))))).code).toBe('use_dpop_nonce')
  })

  it('a shared nonce secret lets several instances accept each other\'s nonces', async () => {
    const secret = 'a shared secret of at least thirty-two bytes'
    const a = authenticator({ origin: ORIGIN, nonce: { secret } })
    const b = authenticator({ origin: ORIGIN, nonce: { secret } })
    const token = await boundToken()
    const nonce = nonceOf(await rejection(() => a.authenticate(dpopRequest(token, proofFor(token)))))
    await expect(b.authenticate(dpopRequest(token, proofFor(token, { nonce })))).resolves.toBeDefined()
  })
})

describe('DPoP request URI behind proxies (RFC 9449 §4.3; RFC 9700 §4.13)', () => {
  const PROXY = '10.0.0.5'

  function proxied(token: string, proof: string, remoteAddress: string, headers: Record<string, string>): PortcullisRequest {
    const base = dpopRequest(token, proof)
    return { ...base, remoteAddress, headers: { ...base.headers, ...headers } }
  }

  it('X-Forwarded-Proto/Host from a trusted proxy rebuild the external URI', async () => {
    const auth = authenticator({}, { trustedProxies: ['10.0.0.0/24'] })
    const token = await boundToken()
    const proof = proofFor(token, { htu: 'https://public.example.com/orders' })
    const request = proxied(token, proof, `::ffff:${PROXY}`, { host: 'internal:3000', 'x-forwarded-host': 'public.example.com', 'x-forwarded-proto': 'https' })
    await expect(auth.authenticate(request)).resolves.toBeDefined()
  })

  it('forwarded headers from an untrusted peer are ignored (the configured origin is used)', async () => {
    const auth = authenticator({ origin: ORIGIN }, { trustedProxies: [PROXY] })
    const token = await boundToken()
    const proof = proofFor(token, { htu: 'https://evil.example.com/orders' })
    const request = proxied(token, proof, '203.0.113.9', { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' })
    expectProofError(await rejection(() => auth.authenticate(request)), 'URI')
  })

  it('a trusted proxy cannot claim a host outside the configured origins', async () => {
    const auth = authenticator({ origin: ORIGIN }, { trustedProxies: [PROXY] })
    const token = await boundToken()
    const proof = proofFor(token, { htu: 'https://evil.example.com/orders' })
    const request = proxied(token, proof, PROXY, { 'x-forwarded-host': 'evil.example.com', 'x-forwarded-proto': 'https' })
    expectProofError(await rejection(() => auth.authenticate(request)))
  })

  it('a list value in X-Forwarded-Host (a proxy appending to a client copy) is refused', async () => {
    const auth = authenticator({}, { trustedProxies: [PROXY] })
    const token = await boundToken()
    const proof = proofFor(token, { htu: 'https://evil.example.com/orders' })
    const request = proxied(token, proof, PROXY, { 'x-forwarded-host': 'evil.example.com, public.example.com', 'x-forwarded-proto': 'https' })
    expectProofError(await rejection(() => auth.authenticate(request)), 'cannot be established')
  })

  it('with several origins the Host header only picks one of them', async () => {
    const auth = authenticator({ origin: [ORIGIN, 'https://api2.example.com'] })
    const token = await boundToken()
    const ok = dpopRequest(token, proofFor(token, { htu: 'https://api2.example.com/orders' }), { secure: true })
    await expect(auth.authenticate({ ...ok, headers: { ...ok.headers, host: 'api2.example.com' } })).resolves.toBeDefined()
    const bad = dpopRequest(token, proofFor(token, { htu: 'https://evil.example.com/orders' }), { secure: true })
    expectProofError(await rejection(() => auth.authenticate({ ...bad, headers: { ...bad.headers, host: 'evil.example.com' } })))
  })
})

describe('DPoP configuration', () => {
  const base = () => ({ issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri })
  it.each([
    ['no origin and no trusted proxy', {}, /dpop.origin is required/],
    ['an origin with a path', { origin: 'https://api.example.com/v1' }, /without path/],
    ['an HMAC alg', { origin: ORIGIN, algorithms: ['HS256'] }, /not an asymmetric algorithm/],
    ['alg none', { origin: ORIGIN, algorithms: ['none'] }, /not an asymmetric algorithm/],
    ['an unknown member', { origin: ORIGIN, maxage: 5 }, /dpop.maxage is not an option/],
    ['a short nonce secret', { origin: ORIGIN, nonce: { secret: 'short' } }, /at least 32 bytes/],
    ['maxAge above 600', { origin: ORIGIN, maxAge: 601 }, /dpop.maxAge/],
  ])('refuses %s', (_name, dpop, message) => {
    expect(() => createAuthenticator({ ...base(), dpop } as unknown as RequireTokenOptions)).toThrow(message)
  })

  it('refuses malformed trustedProxies', () => {
    expect(() => createAuthenticator({ ...base(), dpop: { origin: ORIGIN }, trustedProxies: ['10.0.0.0/33'] })).toThrow(/prefix length/)
    expect(() => createAuthenticator({ ...base(), dpop: { origin: ORIGIN }, trustedProxies: ['proxy.local'] })).toThrow(/not an IP address/)
  })
})
