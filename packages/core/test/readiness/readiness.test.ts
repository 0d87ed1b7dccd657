import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import { createServer } from 'node:net'
import { createAuthenticator, ReadinessError, type AuditEvent, type RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, manualClock } from '../helpers.js'

/** A loopback port nothing listens on (bound, then closed). */
async function closedPort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return port
}

async function readinessError(promise: Promise<unknown>): Promise<ReadinessError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  )
  expect(error).toBeInstanceOf(ReadinessError)
  return error as ReadinessError
}

describe('authenticator.ready() and health()', () => {
  let issuer: LocalIssuer
  const options = (extra: Partial<RequireTokenOptions> = {}): RequireTokenOptions => ({ issuer: issuer.issuer, audience: issuer.audience, ...extra })

  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(async () => {
    await issuer.close()
  })
  afterEach(() => {
    issuer.setDiscoveryBehaviour('ok')
    issuer.setJwksBehaviour('ok')
  })

  it('a reachable issuer: resolves with its key count; health() goes from down to ok without fetching', async () => {
    const auth = createAuthenticator(options())
    expect(auth.health()).toEqual({ status: 'down', issuers: [{ issuer: issuer.issuer, keys: 0, stale: false }] })
    issuer.resetStats()
    await expect(auth.ready()).resolves.toEqual({ issuers: [{ issuer: issuer.issuer, keys: 1 }] })
    const fetches = issuer.stats.jwks
    const health = auth.health()
    expect(health).toEqual({
      status: 'ok',
      issuers: [{ issuer: issuer.issuer, jwksUri: issuer.jwksUri, keys: 1, lastFetch: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), stale: false }],
    })
    // Fresh keys are not fetched again: ready() is cheap to call twice, health() never fetches.
    await auth.ready()
    auth.health()
    expect(issuer.stats.jwks).toBe(fetches)
  })

  it('a closed port: rejects naming the issuer, the URL and the refused connection', async () => {
    const port = await closedPort()
    const missing = `http://127.0.0.1:${port}/`
    const error = await readinessError(createAuthenticator({ issuer: missing, audience: 'https://api.example.com' }).ready())
    expect(error.failures).toEqual([
      expect.objectContaining({ issuer: missing, dependency: 'keys', kind: 'connect', url: expect.stringContaining(`127.0.0.1:${port}/.well-known/`) }),
    ])
    expect(error.message).toContain(`issuer "${missing}"`)
    expect(error.message).toContain('ECONNREFUSED')
  })

  it('a host name that does not resolve: kind dns', async () => {
    const error = await readinessError(createAuthenticator({ issuer: 'https://portcullis-readiness.invalid/', audience: 'https://api.example.com' }).ready({ timeout: 8000 }))
    expect(error.failures[0]).toMatchObject({ kind: 'dns', url: 'https://portcullis-readiness.invalid/.well-known/oauth-authorization-server' })
  })

  it('discovery answering 500: kind http_status, with the status in the message', async () => {
    issuer.setDiscoveryBehaviour('error')
    const error = await readinessError(createAuthenticator(options()).ready())
    expect(error.failures[0]).toMatchObject({ kind: 'http_status', dependency: 'keys' })
    expect(error.message).toContain('answered HTTP 500')
  })

  it('a JWKS that is not JSON: kind not_json, naming the JWKS URL and its content type', async () => {
    issuer.setJwksBehaviour({ body: '<html>sign in</html>', contentType: 'text/html' })
    const error = await readinessError(createAuthenticator(options()).ready())
    expect(error.failures[0]).toMatchObject({ kind: 'not_json', url: issuer.jwksUri })
    expect(error.message).toContain('text/html')
  })

  it('metadata naming another issuer: kind issuer_mismatch, naming both', async () => {
    issuer.setDiscoveryBehaviour({ body: { issuer: 'https://elsewhere.example/', jwks_uri: issuer.jwksUri } })
    const error = await readinessError(createAuthenticator(options()).ready())
    expect(error.failures[0]?.kind).toBe('issuer_mismatch')
    expect(error.message).toContain('"https://elsewhere.example/"')
    expect(error.message).toContain(JSON.stringify(issuer.issuer))
  })

  it('a JWKS without a usable key (empty, or not a key set): kind no_keys', async () => {
    issuer.setJwksBehaviour({ body: { keys: [] } })
    const auth = createAuthenticator(options())
    expect((await readinessError(auth.ready())).failures[0]).toMatchObject({ kind: 'no_keys', url: issuer.jwksUri })
    // Fixed at the issuer: the next ready() fetches again and succeeds.
    issuer.setJwksBehaviour('ok')
    await expect(auth.ready()).resolves.toEqual({ issuers: [{ issuer: issuer.issuer, keys: 1 }] })
    issuer.setJwksBehaviour({ body: { keys: [] } })
    issuer.setJwksBehaviour({ body: { notKeys: true } })
    expect((await readinessError(createAuthenticator(options()).ready())).failures[0]).toMatchObject({ kind: 'no_keys' })
  })

  it('a hanging JWKS: rejects within the timeout, kind timeout', async () => {
    issuer.setJwksBehaviour('hang')
    const started = Date.now()
    const error = await readinessError(createAuthenticator(options()).ready({ timeout: 200 }))
    expect(Date.now() - started).toBeLessThan(3000)
    expect(error.failures[0]).toMatchObject({ kind: 'timeout' })
    issuer.setJwksBehaviour('ok')
  })

  it('rejects a bad timeout option as a configuration error', async () => {
    await expect(createAuthenticator(options()).ready({ timeout: -1 })).rejects.toMatchObject({ code: 'invalid_configuration' })
  })

  it('never puts the query of a URL (an API key) into failures or messages', async () => {
    issuer.setJwksBehaviour('error')
    const error = await readinessError(createAuthenticator(options({ jwksUri: `${issuer.jwksUri}?api_key=s3cr3t` })).ready())
    expect(error.failures[0]).toMatchObject({ kind: 'http_status', url: `${issuer.jwksUri}?…` })
    expect(JSON.stringify(error.failures) + error.message).not.toContain('s3cr3t')
  })

  it('checks introspection discovery too, without the client secret in the error', async () => {
    const auth = createAuthenticator(options({ introspection: { clientId: 'api', clientSecret: 'introspection-secret-value' } }))
    await expect(auth.ready()).resolves.toEqual({ issuers: [{ issuer: issuer.issuer, keys: 1 }] })
    issuer.setDiscoveryBehaviour('error')
    const failing = createAuthenticator(options({ introspection: { clientId: 'api', clientSecret: 'introspection-secret-value' } }))
    const error = await readinessError(failing.ready())
    expect(error.failures.map((failure) => failure.dependency).sort()).toEqual(['introspection', 'keys'])
    expect(error.message).not.toContain('introspection-secret-value')
  })

  it('configured keys are ready at once and reported healthy', async () => {
    const auth = createAuthenticator(options({ keys: issuer.keys.map((key) => key.publicJwk) }))
    await expect(auth.ready()).resolves.toEqual({ issuers: [{ issuer: issuer.issuer, keys: 1 }] })
    expect(auth.health()).toEqual({ status: 'ok', issuers: [{ issuer: issuer.issuer, keys: 1, stale: false }] })
  })

  it('a failing refresh: health() is degraded (stale keys still serve, lastError names the failure)', async () => {
    const clock = manualClock(Date.now())
    const auth = createAuthenticator(options({ clock: clock.now, jwks: { cacheMaxAge: 60_000 } }))
    await auth.ready()
    issuer.setJwksBehaviour('error')
    clock.advance(61_000)
    await readinessError(auth.ready())
    const health = auth.health()
    expect(health.status).toBe('degraded')
    expect(health.issuers[0]).toMatchObject({ keys: 1, stale: true, lastError: { kind: 'http_status', url: issuer.jwksUri } })
  })

  it('several issuers: one down makes health() degraded and ready() names only that one', async () => {
    const other = await createIssuer({ audience: issuer.audience })
    try {
      const auth = createAuthenticator({ issuer: [issuer.issuer, other.issuer], audience: issuer.audience })
      other.setJwksBehaviour('error')
      const error = await readinessError(auth.ready())
      expect(error.failures.map((failure) => failure.issuer)).toEqual([other.issuer])
      expect(auth.health().status).toBe('degraded')
    } finally {
      await other.close()
    }
  })

  it('a 503 for unobtainable keys carries the cause (kind and URL) in its audit event, never the token', async () => {
    const events: AuditEvent[] = []
    const auth = createAuthenticator(options({ audit: (event) => void events.push(event) }))
    issuer.setJwksBehaviour({ body: 'not json', contentType: 'text/plain' })
    const token = await issuer.mint({ sub: 'alice' })
    await expect(auth.authenticate(bearer(token))).rejects.toMatchObject({ status: 503 })
    expect(events).toHaveLength(1)
    expect(events[0]).toMatchObject({ event: 'authn_login_fail', outcome: 'unknown', reason: 'jwks_unavailable', dependency: { kind: 'not_json', url: issuer.jwksUri } })
    expect(JSON.stringify(events)).not.toContain(token)
  })
})

describe('ready() with a custom fetch', () => {
  it('a failure of a custom fetch is kind network, its message kept but the URL query redacted', async () => {
    const auth = createAuthenticator({
      issuer: 'https://id.example.com/',
      audience: 'https://api.example.com',
      jwksUri: 'https://id.example.com/jwks?key=hidden-value',
      fetch: async (url) => {
        throw new Error(`proxy refused ${url}`)
      },
    })
    const error = await readinessError(auth.ready())
    expect(error.failures[0]).toMatchObject({ kind: 'network', url: 'https://id.example.com/jwks?…' })
    expect(error.message).toContain('proxy refused https://id.example.com/jwks?…')
    expect(error.message).not.toContain('hidden-value')
  })
})
