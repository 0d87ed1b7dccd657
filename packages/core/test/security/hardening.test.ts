/**
 * Hardening found by an adversarial review of @portcullis/core, through its public API: each
 * block reproduces a problem that was found and fixed, or an attack that was checked.
 */
import { randomUUID } from 'node:crypto'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { createAuthenticator, formatChallenge, type PortcullisError, type PortcullisRequest, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, generateSigningKey, type LocalIssuer } from '@portcullis/testing'

const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
const NOW_S = NOW / 1000

function bearer(token: string): PortcullisRequest {
  return { method: 'GET', url: '/r', headers: { authorization: `Bearer ${token}` } }
}

async function outcome(p: Promise<unknown>): Promise<{ ok: true; value: unknown } | { ok: false; error: PortcullisError }> {
  try {
    return { ok: true, value: await p }
  } catch (error) {
    return { ok: false, error: error as PortcullisError }
  }
}

function claims(issuer: LocalIssuer, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer.issuer, sub: 'user-123', aud: issuer.audience, client_id: 'c', iat: NOW_S, exp: NOW_S + 300, jti: randomUUID(),
    ...extra,
  }
}

let issuer: LocalIssuer
let other: LocalIssuer
beforeAll(async () => {
  issuer = await createIssuer({ clock: () => NOW, algorithms: ['RS256', 'ES256'] })
  other = await createIssuer({ clock: () => NOW })
})
afterAll(async () => {
  await issuer.close()
  await other.close()
})

function auth(extra: Partial<RequireTokenOptions> = {}) {
  return createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, clock: () => NOW, ...extra })
}

describe('sender-constrained tokens are refused while no binding can be checked', () => {
  // RFC 9449 §7.1, §7.2; RFC 8705 §3: a stolen bound token must not
  // work as a plain bearer token.
  it('a DPoP-bound token (cnf.jkt) sent with the Bearer scheme is refused', async () => {
    const token = await issuer.mint(claims(issuer, { cnf: { jkt: '0ZcOCORZNYy-DWpqq30jZyJGHTN0d2HglBV3uiguA4I' } }))
    const r = await outcome(auth().authenticate(bearer(token)))
    expect(r.ok ? 'accepted' : r.error.reason).toBe('binding')
  })
  it('an mTLS-bound token (cnf.x5t#S256) with no certificate check is refused', async () => {
    const token = await issuer.mint(claims(issuer, { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } }))
    const r = await outcome(auth().authenticate(bearer(token)))
    expect(r.ok ? 'accepted' : r.error.reason).toBe('binding')
    const jwkBound = await issuer.mint(claims(issuer, { cnf: { jwk: issuer.keys[0]!.publicJwk } }))
    const s = await outcome(auth().authenticate(bearer(jwkBound)))
    expect(s.ok ? 'accepted' : s.error.reason).toBe('binding')
  })
})

describe('static keys stay per issuer (RFC 8725 §3.8)', () => {
  it('a key list shared by several issuers is refused at creation', () => {
    expect(() => auth({
      issuer: [issuer.issuer, other.issuer],
      keys: [issuer.keys[0]!.publicJwk as never, other.keys[0]!.publicJwk as never],
    })).toThrow(/keys must map each issuer/)
  })
  it('with a record from issuer to keys, issuer B cannot sign tokens in the name of issuer A', async () => {
    const a = auth({
      issuer: [issuer.issuer, other.issuer],
      keys: { [issuer.issuer]: [issuer.keys[0]!.publicJwk as never], [other.issuer]: [other.keys[0]!.publicJwk as never] },
    })
    await expect(a.authenticate(bearer(await other.mint(claims(other))))).resolves.toBeDefined()
    await expect(a.authenticate(bearer(await issuer.mint(claims(issuer))))).resolves.toBeDefined()
    const forged = await other.mint(claims(issuer, { sub: 'admin' }), { key: other.keys[0]! })
    const r = await outcome(a.authenticate(bearer(forged)))
    expect(r.ok ? 'accepted' : r.error.code).toBe('invalid_token')
  })
  it('an HMAC secret cannot be shared by several issuers', () => {
    expect(() => auth({ issuer: [issuer.issuer, other.issuer], secret: 'x'.repeat(32) })).toThrow(/several issuers/)
  })
})

describe('one signature, one spelling', () => {
  // Buffer.from(..., 'base64url') ignores the unused bits of the last character: without a
  // canonical check one token would have several accepted spellings, each with its own
  // token_fingerprint.
  it('an RS256 signature whose last char differs only in its unused bits is refused', async () => {
    const token = await issuer.mint(claims(issuer))
    await expect(auth().authenticate(bearer(token))).resolves.toBeDefined()
    const [h, p, s] = token.split('.') as [string, string, string]
    // 256-byte RSA signature -> 342 chars, last char carries 2 bits + 4 unused bits.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
    const last = alphabet.indexOf(s[s.length - 1]!)
    const twin = `${h}.${p}.${s.slice(0, -1)}${alphabet[last ^ 0b0001]}`
    expect(twin).not.toBe(token)
    expect(Buffer.from(twin.split('.')[2]!, 'base64url').equals(Buffer.from(s, 'base64url'))).toBe(true)
    const r = await outcome(auth().authenticate(bearer(twin)))
    expect(r.ok).toBe(false)
  })
})

describe('the retry backoff applies only after a failure', () => {
  // With maxStale shorter than the backoff, a healthy endpoint must still be asked again.
  it('maxStale: 0 (never serve stale keys) still serves requests while the JWKS endpoint is up', async () => {
    let now = NOW
    const a = auth({ clock: () => now, jwks: { maxStale: 0 } })
    const token = await issuer.mint(claims(issuer))
    await expect(a.authenticate(bearer(token))).resolves.toBeDefined()
    now += 1000
    const r = await outcome(a.authenticate(bearer(token)))
    expect(r.ok ? 200 : r.error.status).toBe(200)
  })
  it('maxStale: 2000 ms, a request 3 s later with a healthy endpoint is not 503', async () => {
    let now = NOW
    const a = auth({ clock: () => now, jwks: { maxStale: 2000 } })
    const token = await issuer.mint(claims(issuer))
    await expect(a.authenticate(bearer(token))).resolves.toBeDefined()
    now += 3000
    const r = await outcome(a.authenticate(bearer(token)))
    expect(r.ok ? 200 : r.error.status).toBe(200)
  })
})

describe('RSA signatures have exactly the modulus length', () => {
  // RFC 8017 §8.1.2 step 1: OpenSSL's PSS path accepts a signature stripped of its leading zero
  // octet, which would give about 1 PS* token in 256 a second spelling.
  it('a PS256 signature shortened by its leading 0x00 is refused', async () => {
    const ps = await createIssuer({ clock: () => NOW, algorithms: ['PS256'] })
    try {
      const a = createAuthenticator({ issuer: ps.issuer, audience: ps.audience, clock: () => NOW })
      let stripped: string | undefined
      for (let i = 0; i < 5000 && stripped === undefined; i++) {
        const token = await ps.mint(claims(ps, { n: i }))
        const [h, p, s] = token.split('.') as [string, string, string]
        const sig = Buffer.from(s, 'base64url')
        if (sig[0] === 0) {
          await expect(a.authenticate(bearer(token))).resolves.toBeDefined()
          stripped = `${h}.${p}.${sig.subarray(1).toString('base64url')}`
        }
      }
      expect(stripped).toBeDefined()
      const r = await outcome(a.authenticate(bearer(stripped!)))
      expect(r.ok).toBe(false)
    } finally {
      await ps.close()
    }
  }, 60_000)
})

describe('the fetch timeout holds even for a fetch that ignores its signal', () => {
  // A custom FetchLike that never settles must not hold requests (and the single-flight slot)
  // forever.
  it('jwks.timeout bounds the wait even when the fetch never settles', async () => {
    const a = createAuthenticator({
      issuer: 'https://id.example.com', audience: 'api', jwksUri: 'https://id.example.com/jwks',
      jwks: { timeout: 200 },
      fetch: () => new Promise<Response>(() => undefined),
    })
    const token = issuer.signRaw({ alg: 'RS256', kid: 'k' }, { iss: 'https://id.example.com', aud: 'api', exp: NOW_S + 60 }, issuer.keys[0]!)
    const settled = await Promise.race([
      a.authenticate(bearer(token)).then(() => 'resolved', (e: PortcullisError) => `rejected ${e.status}`),
      new Promise((resolve) => setTimeout(() => resolve('still pending after 3 s'), 3000)),
    ])
    expect(settled).toBe('rejected 503')
  })
})

describe('configuration that can never work is refused at creation', () => {
  // Options are validated when the middleware is created, with clear messages.
  it('jwks.timeout above 2^31-1 ms is refused (Node would fire the timer after 1 ms)', () => {
    expect(() => createAuthenticator({ issuer: issuer.issuer, audience: 'a', jwks: { timeout: 3_000_000_000 } })).toThrow()
  })
  it('a static 1024-bit RSA KeyObject is refused (every token would be 401 unknown_key)', async () => {
    const weak = await generateSigningKey('RS256', { modulusLength: 1024 })
    const { createPublicKey } = await import('node:crypto')
    expect(() => createAuthenticator({ issuer: 'x', audience: 'y', keys: [createPublicKey(weak.privateKey)] })).toThrow()
  })
  it('a PEM *private* key given as a static key is refused, like a private KeyObject or a JWK with "d"', async () => {
    const k = await generateSigningKey('RS256')
    const pem = k.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string
    expect(() => createAuthenticator({ issuer: 'x', audience: 'y', keys: [k.privateKey] })).toThrow(/public key/)
    expect(() => createAuthenticator({ issuer: 'x', audience: 'y', keys: [pem] })).toThrow(/private key/)
  })
})

describe('formatChallenge quotes every value (RFC 6750 §3)', () => {
  // It is public: callers may pass policy-supplied scope or acr_values.
  it('a quote in scope / acr_values cannot add an auth-param', () => {
    const header = formatChallenge('Bearer', { realm: 'api', scope: 'a", error="insufficient_scope', acr_values: 'urn:x"\r\nX: y' })
    const params = [...header.matchAll(/(?:^Bearer |, )([a-z_]+)="([^"\\]*)"/g)].map((m) => m[1])
    expect(params).toEqual(['realm', 'scope', 'acr_values'])
    expect(header).toBe('Bearer realm="api", scope="a, error=insufficient_scope", acr_values="urn:xX: y"')
  })
})

describe('attacks checked and handled', () => {
  it('iss / kid named like Object.prototype members -> 401, never 500/503', async () => {
    const key = issuer.keys[0]!
    for (const iss of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const r = await outcome(auth().authenticate(bearer(issuer.signRaw({ alg: 'RS256', kid: key.kid }, { iss, aud: issuer.audience, exp: NOW_S + 60 }, key))))
      expect(r.ok ? 0 : r.error.status).toBe(401)
    }
    for (const kid of ['__proto__', 'constructor', 'toString']) {
      const r = await outcome(auth().authenticate(bearer(issuer.signRaw({ alg: 'RS256', kid }, claims(issuer), key))))
      expect(r.ok ? 0 : r.error.status).toBe(401)
    }
  })
  it('a "__proto__" claim does not pollute Object.prototype nor the claims prototype', async () => {
    const key = issuer.keys[0]!
    const payload = JSON.stringify(claims(issuer)).replace(/}$/, ',"__proto__":{"polluted":true,"scope":"admin"}}')
    const r = (await auth().authenticate(bearer(issuer.signRaw({ alg: 'RS256', kid: key.kid }, payload, key))))!
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined()
    expect((r.identity.claims as Record<string, unknown>)['polluted']).toBeUndefined()
    expect(r.identity.scopes).toEqual([])
  })
  it('exp/nbf boundaries with clockTolerance 0: exp == now refused, nbf == now accepted', async () => {
    const a = auth({ clockTolerance: 0 })
    const at = async (extra: Record<string, unknown>) => outcome(a.authenticate(bearer(await issuer.mint(claims(issuer, extra)))))
    expect((await at({ exp: NOW_S })).ok).toBe(false)
    expect((await at({ exp: NOW_S + 1 })).ok).toBe(true)
    expect((await at({ nbf: NOW_S })).ok).toBe(true)
    expect((await at({ nbf: NOW_S + 1 })).ok).toBe(false)
    // NumericDates are whole seconds here: a fraction is refused (never rounded either way).
    expect((await at({ exp: NOW_S + 0.001 })).ok).toBe(false)
    expect((await at({ exp: '9999999999' })).ok).toBe(false)
  })
  it('exp 1e400 (Infinity after JSON.parse) is refused', async () => {
    const key = issuer.keys[0]!
    const payload = JSON.stringify(claims(issuer)).replace(/"exp":\d+/, '"exp":1e400')
    const r = await outcome(auth().authenticate(bearer(issuer.signRaw({ alg: 'RS256', kid: key.kid }, payload, key))))
    expect(r.ok ? 0 : r.error.status).toBe(401)
  })
  it('negative, NaN and infinite clockTolerance are refused at creation', () => {
    for (const clockTolerance of [-1, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(() => auth({ clockTolerance })).toThrow()
    }
  })
  it('a JWKS that sends headers then stalls the body is bounded by jwks.timeout -> 503', async () => {
    const http = await import('node:http')
    const server = http.createServer((_q, res) => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.write('{"keys":[')
    })
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    try {
      const { port } = server.address() as { port: number }
      const a = auth({ jwksUri: `http://127.0.0.1:${port}/jwks`, jwks: { timeout: 300 } })
      const started = Date.now()
      const r = await outcome(a.authenticate(bearer(await issuer.mint(claims(issuer)))))
      expect(r.ok ? 0 : r.error.status).toBe(503)
      expect(Date.now() - started).toBeLessThan(3000)
    } finally {
      server.closeAllConnections()
      server.close()
    }
  })
  it('audit events never carry the token, even for a signature failure', async () => {
    const events: unknown[] = []
    const token = await issuer.mint(claims(issuer))
    const bad = `${token.slice(0, -4)}AAAA`
    await outcome(auth({ audit: (e) => void events.push(e) }).authenticate({ ...bearer(bad), url: `/r?access_token=${bad}` }))
    const text = JSON.stringify(events)
    expect(events.length).toBe(1)
    for (const part of bad.split('.')) expect(text).not.toContain(part)
  })
})
