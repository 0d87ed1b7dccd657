/**
 * The cross-adapter conformance suite: the same scenarios, run against every adapter, so that
 * Express and Koa (each in two majors) cannot drift apart. Each test names the RFC section it
 * proves (listed in docs/conformance.md) and asserts status, the exact challenge and the
 * error `code`. Errors are rendered by each framework's default handler; the app only records
 * the error object (hooks.onError) so its `code` can be asserted.
 */
import { createPublicKey, randomUUID } from 'node:crypto'
import type http from 'node:http'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { Response, Test } from 'supertest'
import type { AuditEvent, ProtectedResourceMetadataOptions, RequireAuthenticationOptions, RequireTokenOptions } from '@portcullis/core'
import { createIssuer, generateSigningKey, SIGNING_ALGORITHMS } from '@portcullis/testing'
import type { CreateIssuerOptions, IssuerKey, LocalIssuer, SigningAlgorithm } from '@portcullis/testing'
import { runDpopScenarios } from './dpop.scenarios.js'
import { runDelegationScenarios } from './delegation.scenarios.js'
import { runIntrospectionScenarios } from './introspection.scenarios.js'
import { runMetadataScenarios } from './metadata.scenarios.js'
import { runRevocationScenarios } from './revocation.scenarios.js'
import { runStepUpScenarios } from './step-up.scenarios.js'
import { runMtlsScenarios } from './mtls.scenarios.js'
import { runHardeningScenarios } from './hardening.scenarios.js'
import {
  b64url,
  claimsFor,
  closeServer,
  leakMarkers,
  listen,
  manualClock,
  NOW,
  NOW_S,
  rawEcdsaToDer,
  rawGet,
  segments,
  waitFor,
} from './helpers.js'
import { runPolicyScenarios, type PolicyAppSetup } from './policy.scenarios.js'
import { runDecoratorScenarios } from './decorators.scenarios.js'
import { runRateLimitScenarios } from './rate-limit.scenarios.js'
import { runAnomalyScenarios } from './anomaly.scenarios.js'

/** Hooks the app of an adapter calls; `onError` records an error and must not handle it. */
export interface AppHooks {
  onError(err: unknown): void
  /**
   * When set, the app renders Portcullis errors with the adapter's `errorHandler()` (JSON bodies)
   * instead of the framework's default handler, reporting 5xx errors here.
   */
  jsonErrors?: { onServerError(err: unknown): void }
}

/** One adapter under test: builds the suite's app with that framework's default error handling. */
export interface AdapterUnderTest {
  name: string
  /** Which default error handler renders errors (their bodies differ; status and headers do not). */
  framework: 'express' | 'koa' | 'fastify'
  /**
   * Builds the app: GET /me (identity as JSON), GET /orders (requireScope 'orders:read'),
   * GET /reports (requireScope ['reports:read', 'admin'], match any), POST /form; body parsing
   * (form and JSON) and `requireToken(tokenOptions)` run at app level before the routes.
   * GET /boom, before requireToken, throws a plain Error (not a Portcullis one).
   */
  createApp(tokenOptions: RequireTokenOptions, hooks: AppHooks): http.RequestListener
  /**
   * The token-lifecycle app (lifecycle-harness.ts): `protectedResourceMetadata(routes.metadata)`
   * when given, then `requireToken(tokenOptions)`, GET /me (identity as JSON) and GET /step-up
   * (`requireAuthentication(routes.stepUp)` when given); errors recorded as in `createApp`.
   */
  createLifecycleApp(tokenOptions: RequireTokenOptions, hooks: AppHooks, routes: LifecycleRoutes): http.RequestListener
  /** Builds the policy app described by {@link PolicyAppSetup} (policy.scenarios.ts). */
  createPolicyApp(setup: PolicyAppSetup, hooks: AppHooks): http.RequestListener
  /**
   * The rate limit app (rate-limit.scenarios.ts), errors rendered by `errorHandler()`:
   * `requireToken(tokenOptions)`, then GET /rl/subject (`rateLimit({ points: 2, duration: 60 })`),
   * /rl/direct (`key: 'ip'`, 1 per 60 s), /rl/proxied (the same, loopback as trusted proxy),
   * /rl/tiers (`tier:pro` scope 3 per 60 s as `pro`, else 1 per 60 s) and /rl/ctrl (a controller
   * method with `@RateLimit({ points: 1, duration: 30 })` answering `{ subject, by }`); every
   * limit on `clock`.
   */
  createRateLimitApp(tokenOptions: RequireTokenOptions, hooks: AppHooks, clock: () => number): http.RequestListener
}

/** Optional routes of {@link AdapterUnderTest.createLifecycleApp}. */
export interface LifecycleRoutes {
  stepUp?: RequireAuthenticationOptions
  metadata?: ProtectedResourceMetadataOptions
}

/** The fields of a recorded error the suite reads. */
interface RecordedError {
  code?: unknown
  status?: unknown
  message?: unknown
  reason?: unknown
}

interface Harness {
  readonly server: http.Server
  /** Errors the app recorded since the last `send`. */
  readonly errors: unknown[]
  readonly agent: ReturnType<typeof request>
  /** Clears the recorded errors, then performs the request. */
  send(test: Test): Promise<Response>
  /** GET `path` with `Authorization: Bearer <token>`. */
  bearer(token: string, path?: string): Promise<Response>
  lastError(): RecordedError | undefined
}

const BARE = 'Bearer realm="api"'
// RFC 6750 §3: error_description limited to %x20-21 / %x23-5B / %x5D-7E.
const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*"$/
const INVALID_REQUEST = /^Bearer realm="api", error="invalid_request", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/
const SCOPE_DESCRIPTION = 'The access token does not have the required scope'

function insufficientScope(scopes: readonly string[]): string {
  return `Bearer realm="api", error="insufficient_scope", error_description="${SCOPE_DESCRIPTION}", scope="${scopes.join(' ')}"`
}

/** What the assertions read of a supertest or raw response. */
interface AnyResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

function codeOf(h: Harness): unknown {
  return h.lastError()?.code
}

/** 200 and nothing recorded. The recorded codes are in the comparison to explain a failure. */
function expectOk(res: Response, h: Harness): void {
  expect({ status: res.status, errors: h.errors.map((e) => (e as RecordedError).code) }).toEqual({ status: 200, errors: [] })
}

function expectCredentialsRequired(res: AnyResponse, h: Harness): void {
  expect({ status: res.status, code: codeOf(h) }).toEqual({ status: 401, code: 'credentials_required' })
  // RFC 6750 §3.1: no error code nor any other error information.
  expect(res.headers['www-authenticate']).toBe(BARE)
}

function expectInvalidRequest(res: AnyResponse, h: Harness, ...secrets: string[]): void {
  expect({ status: res.status, code: codeOf(h) }).toEqual({ status: 400, code: 'invalid_request' })
  const challenge = res.headers['www-authenticate']
  expect(challenge).toMatch(INVALID_REQUEST)
  for (const secret of secrets.flatMap(leakMarkers)) {
    expect(challenge).not.toContain(secret)
    expect(res.text).not.toContain(secret)
  }
}

/** 401 invalid_token; the challenge and the body never echo the token (RFC 6750 §3). */
function expectInvalidToken(res: Response, h: Harness, token?: string): void {
  expect({ status: res.status, code: codeOf(h) }).toEqual({ status: 401, code: 'invalid_token' })
  const challenge = res.headers['www-authenticate']
  expect(challenge).toMatch(INVALID_TOKEN)
  if (token !== undefined) {
    for (const secret of leakMarkers(token)) {
      expect(challenge).not.toContain(secret)
      expect(res.text).not.toContain(secret)
    }
  }
}

/** 503 with an integer Retry-After >= 1; a dependency failure is never `invalid_token` (docs/architecture.md, "Failure policy"). */
function expectUnavailable(res: Response, h: Harness): void {
  expect({ status: res.status, code: codeOf(h) }).toEqual({ status: 503, code: 'temporarily_unavailable' })
  const retryAfter = res.headers['retry-after']
  expect(retryAfter).toMatch(/^[0-9]+$/)
  expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
  expect(res.headers['www-authenticate'] ?? '').not.toContain('error="invalid_token"')
}

function captureThrow(fn: () => unknown): unknown {
  try {
    fn()
  } catch (error) {
    return error
  }
  return undefined
}

/** Registers every scenario for `adapter`. */
export function runConformanceSuite(adapter: AdapterUnderTest): void {
  describe(`conformance: ${adapter.name}`, () => {
    runDpopScenarios(adapter)
    runIntrospectionScenarios(adapter)
    runRevocationScenarios(adapter)
    runStepUpScenarios(adapter)
    runDelegationScenarios(adapter)
    runMetadataScenarios(adapter)
    runMtlsScenarios(adapter)
    runHardeningScenarios(adapter)
    // One issuer with a key per algorithm serves the stateless scenarios. Scenarios that change
    // an issuer (outages, rotation, floods, hostile key sets) get their own issuer and app.
    let issuer: LocalIssuer
    const servers: http.Server[] = []
    const ownIssuers: LocalIssuer[] = []

    beforeAll(async () => {
      issuer = await createIssuer({ algorithms: [...SIGNING_ALGORITHMS], clock: () => NOW })
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all([...servers.splice(0).map(closeServer), ...ownIssuers.splice(0).map((i) => i.close())])
    })

    async function newIssuer(options: CreateIssuerOptions = {}): Promise<LocalIssuer> {
      const created = await createIssuer({ clock: () => NOW, ...options })
      ownIssuers.push(created)
      return created
    }

    function keyOf(alg: SigningAlgorithm, from: LocalIssuer = issuer): IssuerKey {
      const key = from.keys.find((k) => k.alg === alg)
      if (key === undefined) throw new Error(`no ${alg} key`)
      return key
    }

    /** A fresh app for `iss` (default: the shared issuer) with a frozen clock, plus overrides. */
    async function start(
      overrides: Partial<RequireTokenOptions> = {},
      iss: LocalIssuer = issuer,
      extraHooks: Omit<AppHooks, 'onError'> = {},
    ): Promise<Harness> {
      const merged: Record<string, unknown> = {
        issuer: iss.issuer,
        audience: iss.audience,
        jwksUri: iss.jwksUri,
        clock: () => NOW,
        ...overrides,
      }
      for (const name of Object.keys(merged)) if (merged[name] === undefined) delete merged[name]
      const errors: unknown[] = []
      const listener = adapter.createApp(merged as unknown as RequireTokenOptions, { onError: (err) => errors.push(err), ...extraHooks })
      const server = await listen(listener)
      servers.push(server)
      const agent = request(server)
      const harness: Harness = {
        server,
        errors,
        agent,
        async send(test) {
          errors.length = 0
          return await test
        },
        bearer(token, path = '/me') {
          return harness.send(agent.get(path).set('Authorization', `Bearer ${token}`))
        },
        lastError: () => errors.at(-1) as RecordedError | undefined,
      }
      return harness
    }

    // ---------------------------------------------------------------------------------------
    describe('RFC 6750 credentials', () => {
      it('RFC 6750 §3, §3.1; RFC 9110 §15.5.2: no credentials -> 401 with a bare challenge', async () => {
        const h = await start()
        const res = await h.send(h.agent.get('/me'))
        expectCredentialsRequired(res, h)
      })

      it('RFC 6750 §3.1: a non-Bearer scheme (Basic) is answered like no credentials', async () => {
        const h = await start()
        const res = await h.send(h.agent.get('/me').set('Authorization', 'Basic dXNlcjpwYXNzd29yZA=='))
        expectCredentialsRequired(res, h)
      })

      it.each([
        ['"Bearer" with no token', 'Bearer'],
        ['a space inside the token ("Bearer a b")', 'Bearer a b'],
        ['a character outside b64token ("@")', 'Bearer abc@def'],
        ['a character outside b64token (",")', 'Bearer abc,def'],
      ])('RFC 6750 §2.1, §3.1: malformed header, %s -> 400 invalid_request', async (_name, value) => {
        const h = await start()
        const res = await h.send(h.agent.get('/me').set('Authorization', value))
        expectInvalidRequest(res, h)
      })

      it('RFC 6750 §2.1: a malformed header never echoes the credentials', async () => {
        const h = await start()
        const token = `${await issuer.mint()}@`
        const res = await h.send(h.agent.get('/me').set('Authorization', `Bearer ${token}`))
        expectInvalidRequest(res, h, token)
      })

      it('RFC 6750 §3; RFC 9449 §7.2: two Authorization headers -> 400 invalid_request', async () => {
        const h = await start()
        const token = await issuer.mint()
        h.errors.length = 0
        const res = await rawGet(h.server, '/me', { Authorization: [`Bearer ${token}`, `Bearer ${token}`] })
        expectInvalidRequest(res, h, token)
      })

      it.each(['bearer', 'BEARER', 'BeArEr'])('RFC 9110 §11.1: the scheme is case-insensitive (%s)', async (scheme) => {
        const h = await start()
        const res = await h.send(h.agent.get('/me').set('Authorization', `${scheme} ${await issuer.mint()}`))
        expectOk(res, h)
        expect(res.body).toMatchObject({ hasAuth: true, subject: 'user-123' })
      })

      it('RFC 6750 §2.1: several spaces after the scheme (1*SP) are accepted', async () => {
        const h = await start()
        const res = await h.send(h.agent.get('/me').set('Authorization', `Bearer   ${await issuer.mint()}`))
        expectOk(res, h)
      })

      it('RFC 6750 §3: the realm option names the realm of every challenge', async () => {
        const h = await start({ realm: 'orders-api' })
        const res = await h.send(h.agent.get('/me'))
        expect(res.status).toBe(401)
        expect(res.headers['www-authenticate']).toBe('Bearer realm="orders-api"')
        const bad = await h.bearer('a.b.c')
        expect(bad.headers['www-authenticate']).toMatch(/^Bearer realm="orders-api", error="invalid_token", error_description=/)
      })

      it('RFC 9700 §4.3.2; RFC 6750 §2.3: the query method is off by default; a query token is ignored -> 401 bare', async () => {
        const h = await start()
        const res = await h.send(h.agent.get('/me').query({ access_token: await issuer.mint() }))
        expectCredentialsRequired(res, h)
      })

      it('RFC 9700 §4.3.2: with the query method off, a query token next to a header token is ignored -> 200', async () => {
        const h = await start()
        const token = await issuer.mint()
        const res = await h.send(h.agent.get('/me').query({ access_token: 'x' }).set('Authorization', `Bearer ${token}`))
        expectOk(res, h)
        expect(res.headers['cache-control']).toBeUndefined()
      })

      it('RFC 6750 §2.3: with the query method enabled a query token works, answered Cache-Control: private', async () => {
        const h = await start({ bearerMethods: ['header', 'query'] })
        const res = await h.send(h.agent.get('/me').query({ access_token: await issuer.mint() }))
        expectOk(res, h)
        expect(res.body).toMatchObject({ hasAuth: true, subject: 'user-123' })
        expect(res.headers['cache-control']).toBe('private')
      })

      it('RFC 6750 §2, §3.1: header and query tokens together -> 400 invalid_request', async () => {
        const h = await start({ bearerMethods: ['header', 'query'] })
        const token = await issuer.mint()
        const res = await h.send(h.agent.get('/me').query({ access_token: token }).set('Authorization', `Bearer ${token}`))
        expectInvalidRequest(res, h, token)
      })

      // application/x-www-form-urlencoded decodes parameter names: "access%5Ftoken" IS access_token.
      it('RFC 6750 §2, §3.1: header token plus a percent-encoded access%5Ftoken query parameter -> 400 invalid_request', async () => {
        const h = await start({ bearerMethods: ['header', 'query'] })
        const token = await issuer.mint()
        const res = await h.send(h.agent.get(`/me?access%5Ftoken=${token}`).set('Authorization', `Bearer ${token}`))
        expectInvalidRequest(res, h, token)
      })

      it('RFC 6750 §2.3: a query token under a percent-encoded name (access%5Ftoken) is read', async () => {
        const h = await start({ bearerMethods: ['query'] })
        const res = await h.send(h.agent.get(`/me?access%5Ftoken=${await issuer.mint()}`))
        expectOk(res, h)
        expect(res.body).toMatchObject({ hasAuth: true })
      })

      it('RFC 6750 §2, §3.1: a repeated access_token query parameter -> 400 invalid_request', async () => {
        const h = await start({ bearerMethods: ['query'] })
        const token = await issuer.mint()
        const res = await h.send(h.agent.get(`/me?access_token=${token}&access_token=${token}`))
        expectInvalidRequest(res, h, token)
      })

      it('RFC 6750 §2.2: the body method is off by default; a form token is ignored -> 401 bare', async () => {
        const h = await start()
        const res = await h.send(h.agent.post('/form').type('form').send({ access_token: await issuer.mint() }))
        expectCredentialsRequired(res, h)
      })

      it('RFC 6750 §2.2: with the body method enabled a form-encoded POST token works', async () => {
        const h = await start({ bearerMethods: ['header', 'body'] })
        const res = await h.send(h.agent.post('/form').type('form').send({ access_token: await issuer.mint(), other: 'x' }))
        expectOk(res, h)
        expect(res.body).toMatchObject({ hasAuth: true, subject: 'user-123', tokenType: 'jwt' })
      })

      it('RFC 6750 §2.2: the body method is never used with GET (the body is parsed, the token ignored) -> 401 bare', async () => {
        const h = await start({ bearerMethods: ['header', 'body'] })
        const res = await h.send(h.agent.get('/me').type('form').send(`access_token=${await issuer.mint()}`))
        expectCredentialsRequired(res, h)
      })

      it('RFC 6750 §2.2: a JSON body access_token is not the body method -> 401 bare', async () => {
        const h = await start({ bearerMethods: ['header', 'body'] })
        const res = await h.send(h.agent.post('/form').type('json').send({ access_token: await issuer.mint() }))
        expectCredentialsRequired(res, h)
      })

      it('RFC 6750 §2, §3.1: a repeated access_token body parameter -> 400 invalid_request', async () => {
        const h = await start({ bearerMethods: ['body'] })
        const token = await issuer.mint()
        const res = await h.send(h.agent.post('/form').type('form').send(`access_token=${token}&access_token=${token}`))
        expectInvalidRequest(res, h, token)
      })

      it('RFC 6750 §2, §3.1: header and body tokens together -> 400 invalid_request', async () => {
        const h = await start({ bearerMethods: ['header', 'body'] })
        const token = await issuer.mint()
        const res = await h.send(
          h.agent.post('/form').set('Authorization', `Bearer ${token}`).type('form').send({ access_token: token }),
        )
        expectInvalidRequest(res, h, token)
      })

      it('a 100 KB token (over maxTokenLength) -> 401 invalid_token, refused unparsed', async () => {
        const h = await start()
        const token = await issuer.mint({ padding: 'x'.repeat(100 * 1024) })
        expect(token.length).toBeGreaterThan(100 * 1024)
        const res = await h.bearer(token)
        expectInvalidToken(res, h, token)
        expect(h.lastError()?.reason).toBe('oversized')
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('algorithms and token types', () => {
      it.each([...SIGNING_ALGORITHMS])('RFC 8725 §3.1; RFC 9068 §4: a %s token of the issuer is accepted', async (alg) => {
        const h = await start()
        const res = await h.bearer(await issuer.mint({ scope: 'orders:read profile' }, { alg }), '/me')
        expectOk(res, h)
        expect(res.body).toEqual({
          subject: 'user-123',
          issuer: issuer.issuer,
          audience: [issuer.audience],
          scopes: ['orders:read', 'profile'],
          clientId: 'test-client',
          tokenType: 'jwt',
          hasAuth: true,
        })
      })

      it.each(['at+jwt', 'at+JWT', 'application/at+jwt', 'APPLICATION/AT+JWT'])(
        'RFC 9068 §4; RFC 7519 §5.1: profile rfc9068 accepts typ %s',
        async (typ) => {
          const h = await start({ profile: 'rfc9068' })
          const res = await h.bearer(await issuer.mint({}, { typ }))
          expectOk(res, h)
        },
      )

      it.each([
        ['JWT', 'JWT'],
        ['missing', null],
      ])('RFC 9068 §4: profile rfc9068 refuses typ %s', async (_name, typ) => {
        const h = await start({ profile: 'rfc9068' })
        const token = await issuer.mint({}, { typ })
        expectInvalidToken(await h.bearer(token), h, token)
      })

      it.each(['jti', 'client_id', 'sub', 'iat'])('RFC 9068 §2.2: profile rfc9068 refuses a token without %s', async (claim) => {
        const h = await start({ profile: 'rfc9068' })
        const token = await issuer.mint({}, { omit: [claim] })
        expectInvalidToken(await h.bearer(token), h, token)
      })

      // RFC 9068 §2.2 requires jti as defined by RFC 7519 §4.1.7: a case-sensitive string. A null
      // or numeric jti is not the required claim (sub, client_id and iat are type-checked alike).
      it.each([
        ['null', null],
        ['a number', 5],
      ])('RFC 9068 §2.2; RFC 7519 §4.1.7: profile rfc9068 refuses a jti that is %s', async (_name, jti) => {
        const h = await start({ profile: 'rfc9068' })
        const token = await issuer.mint({ jti })
        expectInvalidToken(await h.bearer(token), h, token)
      })

      it.each([
        ['JWT', 'JWT'],
        ['jwt', 'jwt'],
        ['at+jwt', 'at+jwt'],
        ['missing', null],
      ])('RFC 8725 §3.11: the default profile accepts typ %s', async (_name, typ) => {
        const h = await start()
        expectOk(await h.bearer(await issuer.mint({}, { typ })), h)
      })

      it.each(['dpop+jwt', 'id_token+jwt', 'logout+jwt', 'secevent+jwt', 'application/dpop+jwt', 'JOSE'])(
        'RFC 8725 §3.12: the default profile refuses typ %s (another kind of JWT)',
        async (typ) => {
          const h = await start()
          const token = await issuer.mint({}, { typ })
          expectInvalidToken(await h.bearer(token), h, token)
        },
      )
    })

    // ---------------------------------------------------------------------------------------
    describe('attacks on the JOSE header, the serialization and the signature', () => {
      const header = (key: IssuerKey, extra: Record<string, unknown> = {}): Record<string, unknown> => ({
        alg: key.alg,
        typ: 'at+jwt',
        kid: key.kid,
        ...extra,
      })
      const rs = (): IssuerKey => keyOf('RS256')

      interface AttackCase {
        name: string
        token: () => string | Promise<string>
        options?: Partial<RequireTokenOptions>
      }

      const cases: AttackCase[] = [
        {
          name: 'RFC 9068 §4; RFC 8725 §3.2: alg "none", unsigned (empty signature)',
          token: () => issuer.signRaw({ alg: 'none', typ: 'at+jwt' }, claimsFor(issuer), rs(), { signWith: 'none' }),
        },
        {
          name: 'RFC 9068 §4: alg "none" with the issuer kid and a real RS256 signature',
          token: () => issuer.signRaw(header(rs(), { alg: 'none' }), claimsFor(issuer), rs(), { signWith: 'RS256' }),
        },
        {
          name: 'RFC 7515 §4.1.1; RFC 8725 §3.1: alg "nOnE", unsigned (no case-insensitive block-list bypass)',
          token: () => issuer.signRaw({ alg: 'nOnE' }, claimsFor(issuer), rs(), { signWith: 'none' }),
        },
        {
          name: 'RFC 8725 §3.1: HS256 keyed with the RSA public key PEM (algorithm confusion)',
          token: () => issuer.signRaw(header(rs(), { alg: 'HS256' }), claimsFor(issuer), rs(), { signWith: 'HS256' }),
        },
        {
          name: 'RFC 8725 §3.1: HS256 keyed with the bytes of the RSA JWK "n"',
          token: () =>
            issuer.signRaw(header(rs(), { alg: 'HS256' }), claimsFor(issuer), rs(), {
              signWith: 'HS256',
              secret: Buffer.from(String(rs().publicJwk.n), 'base64url'),
            }),
        },
        {
          name: 'RFC 9068 §4; OpenID Connect Core 1.0 §10.1.1: unknown kid (valid signature by an unpublished key)',
          token: async () => issuer.mint({}, { key: await generateSigningKey('RS256') }),
        },
        {
          name: 'RFC 8725 §3.10: kid "../../../../etc/passwd"',
          token: () => issuer.mint({}, { header: { kid: '../../../../etc/passwd' } }),
        },
        {
          name: `RFC 8725 §3.10: kid "' OR '1'='1"`,
          token: () => issuer.mint({}, { header: { kid: "' OR '1'='1" } }),
        },
        {
          name: 'RFC 8725 §3.10: a 10 KB kid (maxTokenLength raised so the kid check itself answers)',
          token: () => issuer.mint({}, { header: { kid: 'k'.repeat(10 * 1024) } }),
          options: { maxTokenLength: 64 * 1024 },
        },
        {
          name: 'RFC 8725 §3.10: a 10 KB kid (default maxTokenLength)',
          token: () => issuer.mint({}, { header: { kid: 'k'.repeat(10 * 1024) } }),
        },
        {
          name: 'RFC 8725 §3.10; RFC 9068 §4: embedded "jwk" header with the attacker key, attacker kid',
          token: async () => {
            const attacker = await generateSigningKey('RS256')
            return issuer.mint({}, { key: attacker, header: { jwk: attacker.publicJwk } })
          },
        },
        {
          name: 'RFC 8725 §3.10; RFC 9068 §4: embedded "jwk" header with the attacker key, no kid',
          token: async () => {
            const attacker = await generateSigningKey('ES256')
            return issuer.mint({}, { key: attacker, header: { jwk: attacker.publicJwk, kid: undefined } })
          },
        },
        {
          name: 'RFC 8725 §3.10; RFC 9068 §4: embedded "jwk" header with the attacker key under the published kid',
          token: async () => {
            const attacker = await generateSigningKey('RS256')
            return issuer.mint({}, { key: attacker, header: { jwk: attacker.publicJwk, kid: rs().kid } })
          },
        },
        {
          // The member must not be consulted at all, so a certificate-shaped value suffices.
          name: 'RFC 8725 §3.10; RFC 9068 §4: "x5c" header carrying the attacker key, no kid',
          token: async () => {
            const attacker = await generateSigningKey('RS256')
            const der = createPublicKey(attacker.privateKey).export({ type: 'spki', format: 'der' }).toString('base64')
            return issuer.mint({}, { key: attacker, header: { x5c: [der], kid: undefined } })
          },
        },
        {
          name: 'RFC 7519 §7.2; RFC 8725 §3.3: unknown critical extension (crit ["exp-foo"] with the member present)',
          token: () => issuer.mint({}, { header: { crit: ['exp-foo'], 'exp-foo': 1 } }),
        },
        {
          name: 'RFC 7519 §7.2: unencoded payload ("b64": false, crit ["b64"], RFC 7797)',
          token: () => issuer.mint({}, { header: { b64: false, crit: ['b64'] } }),
        },
        {
          name: 'RFC 7519 §7.2: compressed payload ("zip": "DEF")',
          token: () => issuer.mint({}, { header: { zip: 'DEF' } }),
        },
        {
          name: 'RFC 8725 §3.11: nested token ("cty": "JWT")',
          token: () => issuer.mint({}, { header: { cty: 'JWT' } }),
        },
        {
          // RFC 7515 §4: duplicate members are rejected or read lexically-last; either way "none" wins here.
          name: 'RFC 7519 §4; RFC 9068 §4: duplicate "alg" members, "none" last, RS256 signature',
          token: () => issuer.signRaw(`{"alg":"RS256","typ":"at+jwt","kid":"${rs().kid}","alg":"none"}`, claimsFor(issuer), rs()),
        },
        {
          name: 'RFC 7519 §7.2: a 2-part token',
          token: async () => segments(await issuer.mint()).slice(0, 2).join('.'),
        },
        {
          name: 'RFC 7519 §7.2: a 4-part token',
          token: async () => {
            const token = await issuer.mint()
            return `${token}.${segments(token)[2]}`
          },
        },
        {
          name: 'RFC 7519 §7.2: a 5-part (JWE-shaped) token',
          token: async () => {
            const [h, p, s] = segments(await issuer.mint())
            return `${h}.${p}.${s}.${p}.${s}`
          },
        },
        {
          name: 'RFC 6750 §2.1; RFC 7515 §2: "=" padding on the signature (b64token, not base64url)',
          token: async () => `${await issuer.mint()}=`,
        },
        {
          name: 'RFC 7515 §2: "+" inside the payload segment (b64token, not base64url)',
          token: async () => {
            const [h, p, s] = segments(await issuer.mint())
            return `${h}.${p.slice(0, 8)}+${p.slice(9)}.${s}`
          },
        },
        {
          name: 'RFC 7515 §2: "/" inside the signature segment (b64token, not base64url)',
          token: async () => {
            const [h, p, s] = segments(await issuer.mint())
            return `${h}.${p}.${s.slice(0, 8)}/${s.slice(9)}`
          },
        },
        {
          name: 'RFC 7519 §7.2: the header is a JSON array',
          token: () => issuer.signRaw('["RS256"]', claimsFor(issuer), rs()),
        },
        {
          name: 'RFC 7519 §7.2: the header is not JSON',
          token: () => issuer.signRaw('{alg:RS256}', claimsFor(issuer), rs()),
        },
        {
          name: 'RFC 7519 §7.2: the payload is not JSON',
          token: () => issuer.signRaw(header(rs()), 'this is not json', rs()),
        },
        {
          name: 'RFC 7519 §7.2: the payload is a JSON array',
          token: () => issuer.signRaw(header(rs()), '[{"iss":"x"}]', rs()),
        },
        {
          name: 'RFC 8725 §3.7: the payload is not valid UTF-8',
          token: () => issuer.signRaw(header(rs()), new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), rs()),
        },
        {
          name: 'RFC 8725 §3.3: the signature of another token swapped in',
          token: async () => {
            const [, , signature] = segments(await issuer.mint({ sub: 'alice' }))
            const [h, p] = segments(await issuer.mint({ sub: 'mallory', scope: 'admin' }))
            return `${h}.${p}.${signature}`
          },
        },
        {
          name: 'RFC 8725 §3.3: one bit of the signature flipped',
          token: async () => {
            const [h, p, s] = segments(await issuer.mint())
            const signature = Buffer.from(s, 'base64url')
            signature[10] = (signature[10] as number) ^ 0x01
            return `${h}.${p}.${signature.toString('base64url')}`
          },
        },
        {
          name: 'RFC 8725 §3.3: the payload changed after signing',
          token: async () => {
            const [h, , s] = segments(await issuer.mint())
            return `${h}.${b64url(claimsFor(issuer, { sub: 'admin', scope: 'admin' }))}.${s}`
          },
        },
        {
          name: 'RFC 8725 §3.1: alg "rs256" (algorithm names are case-sensitive)',
          token: () => issuer.mint({}, { header: { alg: 'rs256' } }),
        },
        {
          name: 'RFC 8725 §3.1: header alg RS256 on a PS256 signature (same RSA key)',
          token: () => issuer.signRaw(header(rs()), claimsFor(issuer), rs(), { signWith: 'PS256' }),
        },
        {
          name: 'RFC 8725 §3.1: header alg RS256 on a PS256 signature by the PS256 key',
          token: () => issuer.mint({}, { alg: 'PS256', header: { alg: 'RS256' } }),
        },
        {
          name: 'RFC 8725 §3.1: header alg PS256 on an RS256 signature',
          token: () => issuer.signRaw(header(keyOf('PS256')), claimsFor(issuer), keyOf('PS256'), { signWith: 'RS256' }),
        },
        {
          name: 'RFC 8725 §3.1; RFC 7517 §4.4: header alg ES384 with the kid of the ES256 key',
          token: () => issuer.signRaw(header(keyOf('ES256'), { alg: 'ES384' }), claimsFor(issuer), keyOf('ES256')),
        },
        {
          name: 'RFC 8725 §3.1: header alg RS256 with the kid of the ES256 key',
          token: () => issuer.signRaw(header(keyOf('ES256'), { alg: 'RS256' }), claimsFor(issuer), keyOf('ES256')),
        },
        {
          name: 'RFC 7518 §3.4: an ES256 signature re-encoded as DER',
          token: async () => {
            const [h, p, s] = segments(await issuer.mint({}, { alg: 'ES256' }))
            return `${h}.${p}.${rawEcdsaToDer(Buffer.from(s, 'base64url')).toString('base64url')}`
          },
        },
        {
          name: 'RFC 7518 §3.4: an all-zero 64-byte ES256 signature',
          token: async () => {
            const [h, p] = segments(await issuer.mint({}, { alg: 'ES256' }))
            return `${h}.${p}.${Buffer.alloc(64).toString('base64url')}`
          },
        },
        {
          name: 'RFC 8725 §3.3: an EdDSA token with its signature truncated',
          token: async () => {
            const [h, p, s] = segments(await issuer.mint({}, { alg: 'EdDSA' }))
            return `${h}.${p}.${s.slice(0, 40)}`
          },
        },
      ]

      it.each(cases)('$name -> 401 invalid_token', async ({ token: build, options }) => {
        const h = await start(options)
        const token = await build()
        const res = await h.bearer(token)
        expectInvalidToken(res, h, token)
      })

      it.each(['jku', 'x5u'])(
        'RFC 8725 §3.10; RFC 9068 §4: a "%s" header pointing at an attacker JWKS is never followed',
        async (member) => {
          const attacker = await newIssuer()
          const attackerKey = keyOf('RS256', attacker)
          const h = await start()
          const token = issuer.signRaw(
            { alg: 'RS256', typ: 'at+jwt', kid: attackerKey.kid, [member]: attacker.jwksUri },
            claimsFor(issuer),
            attackerKey,
          )
          expectInvalidToken(await h.bearer(token), h, token)
          expect(attacker.stats).toEqual({ jwks: 0, discovery: 0, introspection: 0, token: 0 })
        },
      )

      it('RFC 8725 §3.8; RFC 9068 §4: a valid token of another (untrusted) issuer is refused', async () => {
        const other = await newIssuer({ audience: issuer.audience })
        const h = await start()
        const token = await other.mint()
        expectInvalidToken(await h.bearer(token), h, token)
        expect(other.stats).toEqual({ jwks: 0, discovery: 0, introspection: 0, token: 0 })
      })

      it('RFC 8725 §3.8: with two trusted issuers, keys are per issuer (iss A signed by B key -> 401)', async () => {
        const a = await newIssuer()
        const b = await newIssuer({ algorithms: ['ES256'] })
        const h = await start({ issuer: [a.issuer, b.issuer], jwksUri: { [a.issuer]: a.jwksUri, [b.issuer]: b.jwksUri } }, a)
        expectOk(await h.bearer(await a.mint()), h)
        expectOk(await h.bearer(await b.mint()), h)
        const crossed = await b.mint({ iss: a.issuer })
        expectInvalidToken(await h.bearer(crossed), h, crossed)
      })

      it('RFC 8725 §3.2: an RS256 token by a 1024-bit RSA key published in the JWKS is refused', async () => {
        const own = await newIssuer()
        const weak = await generateSigningKey('RS256', { modulusLength: 1024, kid: 'weak-1024' })
        own.addKey(weak, { publish: true })
        expect(own.keys.map((k) => k.kid)).toContain('weak-1024')
        const h = await start({}, own)
        // The control proves the key set itself was fetched and is otherwise usable.
        expectOk(await h.bearer(await own.mint()), h)
        const token = await own.mint({}, { key: weak })
        expectInvalidToken(await h.bearer(token), h, token)
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('claims', () => {
      interface ClaimCase {
        name: string
        token: () => Promise<string>
        options?: Partial<RequireTokenOptions>
      }

      const rejected: ClaimCase[] = [
        { name: 'RFC 7519 §4.1.4; RFC 9068 §4; RFC 6749 §7: expired (exp = now - 60)', token: () => issuer.mint({ exp: NOW_S - 60 }) },
        { name: 'RFC 7519 §4.1.5: nbf in the future (now + 60)', token: () => issuer.mint({ nbf: NOW_S + 60 }) },
        { name: 'RFC 7519 §4.1.6: iat in the future (now + 60)', token: () => issuer.mint({ iat: NOW_S + 60, exp: NOW_S + 600 }) },
        { name: 'RFC 7519 §4.1.4: exp as a string', token: () => issuer.mint({ exp: String(NOW_S + 300) }) },
        { name: 'RFC 6750 §5.2: exp missing', token: () => issuer.mint({}, { omit: ['exp'] }) },
        { name: 'RFC 9068 §4: wrong iss', token: () => issuer.mint({ iss: 'https://evil.example' }) },
        { name: 'RFC 9068 §4; RFC 7519 §7.3: iss with an extra trailing slash', token: () => issuer.mint({ iss: `${issuer.issuer}/` }) },
        { name: 'RFC 9068 §4: iss missing', token: () => issuer.mint({}, { omit: ['iss'] }) },
        { name: 'RFC 7519 §4.1.3; RFC 9068 §4: aud list without ours', token: () => issuer.mint({ aud: ['https://a.test', 'https://b.test'] }) },
        { name: 'RFC 8725 §3.9; RFC 9068 §4: aud missing', token: () => issuer.mint({}, { omit: ['aud'] }) },
        { name: 'RFC 7519 §7.3: aud differing only in case', token: () => issuer.mint({ aud: issuer.audience.toUpperCase() }) },
        { name: 'RFC 7519 §4.1.3: aud an empty list', token: () => issuer.mint({ aud: [] }) },
        { name: 'RFC 6749 §3.3: scope claim as a number', token: () => issuer.mint({ scope: 42 }) },
        { name: 'RFC 6749 §3.3: scope with a character outside scope-token', token: () => issuer.mint({ scope: 'a "admin"' }) },
        {
          name: 'maxTokenAge exceeded (iat = now - 120, maxTokenAge 60)',
          token: () => issuer.mint({ iat: NOW_S - 120, exp: NOW_S + 300 }),
          options: { maxTokenAge: 60 },
        },
        { name: 'requiredClaims: a required claim missing', token: () => issuer.mint(), options: { requiredClaims: ['tenant'] } },
      ]

      it.each(rejected)('$name -> 401 invalid_token', async ({ token: build, options }) => {
        const h = await start(options)
        const token = await build()
        expectInvalidToken(await h.bearer(token), h, token)
      })

      const accepted: ClaimCase[] = [
        { name: 'RFC 7519 §4.1.4: exp within the clock tolerance (now - 2)', token: () => issuer.mint({ exp: NOW_S - 2 }) },
        { name: 'RFC 7519 §4.1.5: nbf within the clock tolerance (now + 2)', token: () => issuer.mint({ nbf: NOW_S + 2 }) },
        {
          name: 'RFC 7519 §4.1.3; RFC 9700 §2.3: aud list containing ours',
          token: () => issuer.mint({ aud: ['https://other.example', issuer.audience] }),
        },
        {
          name: 'maxTokenAge not exceeded (iat = now - 30, maxTokenAge 60)',
          token: () => issuer.mint({ iat: NOW_S - 30 }),
          options: { maxTokenAge: 60 },
        },
        { name: 'RFC 7519 §4: unknown claims are ignored', token: () => issuer.mint({ 'https://example/claim': { a: 1 }, x: [1] }) },
      ]

      it.each(accepted)('$name -> 200', async ({ token: build, options }) => {
        const h = await start(options)
        expectOk(await h.bearer(await build()), h)
      })

      it('RFC 7519 §4.1.4: the expired rejection is reported with reason "expired"', async () => {
        const h = await start()
        expectInvalidToken(await h.bearer(await issuer.mint({ exp: NOW_S - 60 })), h)
        expect(h.lastError()?.reason).toBe('expired')
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('key sets, discovery and outages', () => {
      it('stale-if-error: JWKS down with keys cached -> still 200 after a failed refresh', async () => {
        const clock = manualClock()
        const own = await newIssuer({ clock: clock.now })
        const h = await start({ clock: clock.now, jwks: { cacheMaxAge: 60_000 } }, own)
        expectOk(await h.bearer(await own.mint()), h)
        expect(own.stats.jwks).toBe(1)
        own.setJwksBehaviour('error')
        clock.advance(120_000)
        // Past cacheMaxAge: a refresh is attempted; the cached keys keep serving meanwhile.
        expectOk(await h.bearer(await own.mint()), h)
        await waitFor(() => own.stats.jwks >= 2)
        // After the refresh failed, the last good keys still serve (stale-if-error).
        expectOk(await h.bearer(await own.mint()), h)
      })

      it('stale-if-error: the last good keys serve only until jwks.maxStale -> then 503', async () => {
        const clock = manualClock()
        const own = await newIssuer({ clock: clock.now })
        const h = await start({ clock: clock.now, jwks: { cacheMaxAge: 60_000, maxStale: 300_000 } }, own)
        expectOk(await h.bearer(await own.mint()), h)
        own.setJwksBehaviour('down')
        clock.advance(200_000)
        expectOk(await h.bearer(await own.mint()), h)
        clock.advance(200_000)
        expectUnavailable(await h.bearer(await own.mint()), h)
      })

      it('stale-if-error: an outage is not answered with a fetch per request, and access recovers with the endpoint', async () => {
        const clock = manualClock()
        const own = await newIssuer({ clock: clock.now })
        own.setJwksBehaviour('error')
        const h = await start({ clock: clock.now }, own)
        expectUnavailable(await h.bearer(await own.mint()), h)
        expectUnavailable(await h.bearer(await own.mint()), h)
        expect(own.stats.jwks).toBe(1)
        own.setJwksBehaviour('ok')
        clock.advance(5_000)
        expectOk(await h.bearer(await own.mint()), h)
        expect(own.stats.jwks).toBe(2)
      })

      it.each(['error', 'down'] as const)(
        'JWKS %s from the start -> 503 with Retry-After, never invalid_token',
        async (behaviour) => {
          const own = await newIssuer()
          own.setJwksBehaviour(behaviour)
          const h = await start({}, own)
          expectUnavailable(await h.bearer(await own.mint()), h)
          expect(own.stats.jwks).toBe(1)
        },
      )

      it("fail closed: JWKS 'hang' with jwks.timeout 200 -> 503 within a few seconds", async () => {
        const own = await newIssuer()
        own.setJwksBehaviour('hang')
        const h = await start({ jwks: { timeout: 200 } }, own)
        const started = Date.now()
        const res = await h.bearer(await own.mint())
        expect(Date.now() - started).toBeLessThan(3000)
        expectUnavailable(res, h)
      })

      it.each([
        ['a body that is not JSON', { body: '<html>not json</html>', contentType: 'text/html' }],
        ['{ "keys": "x" }', { body: { keys: 'x' } }],
        ['a JSON array', { body: [] }],
        ['truncated JSON', { body: '{"keys": [' }],
      ])('RFC 7517 §5: a hostile JWKS (%s) -> 503', async (_name, behaviour) => {
        const own = await newIssuer()
        own.setJwksBehaviour(behaviour)
        const h = await start({}, own)
        expectUnavailable(await h.bearer(await own.mint()), h)
      })

      it('a JWKS larger than jwks.maxBytes -> 503', async () => {
        const own = await newIssuer()
        own.setJwksBehaviour({ body: { keys: [own.keys[0]?.publicJwk], padding: 'x'.repeat(8 * 1024) } })
        const h = await start({ jwks: { maxBytes: 4 * 1024 } }, own)
        expectUnavailable(await h.bearer(await own.mint()), h)
      })

      // Junk keys (no modulus: not importable) are skipped one by one (RFC 7517 §5), but the parser
      // only examines the first maxKeys * 8 entries (32 * 8 = 256 by default) so that a hostile
      // set costs bounded work. A real key inside that window verifies; one after 5000 junk
      // entries is never looked at, so its tokens are refused as an unknown key (401, not 503).
      it('RFC 7517 §5: 5000 junk keys followed by the real key -> the real key verifies when listed first', async () => {
        const own = await newIssuer()
        const junk = Array.from({ length: 5000 }, (_, i) => ({ kty: 'RSA', kid: `junk-${i}`, e: 'AQAB' }))
        own.setJwksBehaviour({ body: { keys: [own.keys[0]?.publicJwk, ...junk] } })
        const h = await start({}, own)
        expectOk(await h.bearer(await own.mint()), h)
      })

      it('RFC 7517 §5: the real key after 5000 junk keys is beyond the examined window -> 401 invalid_token', async () => {
        const own = await newIssuer()
        const junk = Array.from({ length: 5000 }, (_, i) => ({ kty: 'RSA', kid: `junk-${i}`, e: 'AQAB' }))
        own.setJwksBehaviour({ body: { keys: [...junk, own.keys[0]?.publicJwk] } })
        const h = await start({}, own)
        const token = await own.mint()
        expectInvalidToken(await h.bearer(token), h, token)
        expect(h.lastError()?.reason).toBe('unknown_key')
      })

      it('OpenID Connect Core 1.0 §10.1.1: a flood of unknown kids (50 requests) costs at most 2 JWKS fetches', async () => {
        const own = await newIssuer()
        const forger = await generateSigningKey('RS256')
        const h = await start({}, own)
        const forged = (): Promise<string> => own.mint({}, { key: forger, header: { kid: randomUUID() } })
        const concurrent = await Promise.all(
          Array.from({ length: 25 }, async () => h.agent.get('/me').set('Authorization', `Bearer ${await forged()}`)),
        )
        const sequential: Response[] = []
        for (let i = 0; i < 25; i++) sequential.push(await h.bearer(await forged()))
        for (const res of [...concurrent, ...sequential]) {
          expect(res.status).toBe(401)
          expect(res.headers['www-authenticate']).toMatch(INVALID_TOKEN)
        }
        expect(own.stats.jwks).toBeLessThanOrEqual(2)
        expect(own.stats.jwks).toBeGreaterThanOrEqual(1)
      })

      it('OpenID Connect Core 1.0 §10.1.1: after rotate(), a token with the new kid is accepted once the cooldown has passed', async () => {
        const clock = manualClock()
        const own = await newIssuer({ clock: clock.now })
        const h = await start({ clock: clock.now, jwks: { cooldown: 30_000 } }, own)
        expectOk(await h.bearer(await own.mint()), h)
        const rotated = await own.rotate()
        const token = await own.mint()
        expect(segments(token)[0]).toBe(b64url({ alg: 'RS256', typ: 'at+jwt', kid: rotated.kid }))
        // Within the cooldown the unknown kid causes no refetch.
        expectInvalidToken(await h.bearer(token), h, token)
        expect(own.stats.jwks).toBe(1)
        clock.advance(30_001)
        expectOk(await h.bearer(token), h)
        expect(own.stats.jwks).toBe(2)
        // The previous key stays published and accepted (OpenID Connect Core 1.0 §10.1.1).
        expectOk(await h.bearer(await own.mint({}, { kid: own.keys[0]?.kid as string })), h)
      })

      it('RFC 8414 §3.1; RFC 9700 §2.6: an issuer with path /tenant1 and no jwksUri is discovered', async () => {
        const own = await newIssuer({ path: '/tenant1' })
        expect(own.issuer.endsWith('/tenant1')).toBe(true)
        const h = await start({ jwksUri: undefined }, own)
        const res = await h.bearer(await own.mint({ scope: 'orders:read' }), '/orders')
        expectOk(res, h)
        expect(res.body).toMatchObject({ issuer: own.issuer })
        expect(own.stats).toEqual({ jwks: 1, discovery: 1, introspection: 0, token: 0 })
      })

      it('RFC 8414 §3.3; OpenID Connect Discovery 1.0 §4.3: a discovery document naming another issuer is not used -> 503', async () => {
        const own = await newIssuer({ path: '/tenant1' })
        own.setDiscoveryBehaviour({ body: { ...own.metadata, issuer: 'https://evil.example/tenant1' } })
        const h = await start({ jwksUri: undefined }, own)
        expectUnavailable(await h.bearer(await own.mint()), h)
        expect(own.stats.jwks).toBe(0)
      })

      it('RFC 8414 §2: a discovered plain-http jwks_uri on a non-loopback host is not fetched -> 503', async () => {
        const own = await newIssuer()
        own.setDiscoveryBehaviour({ body: { ...own.metadata, jwks_uri: 'http://keys.example.com/jwks' } })
        const h = await start({ jwksUri: undefined }, own)
        expectUnavailable(await h.bearer(await own.mint()), h)
      })

      it.each([
        ['jwksUri http on a public host', { issuer: 'https://id.example.com/', jwksUri: 'http://id.example.com/jwks' }],
        ['jwksUri http on a host merely starting 127.', { issuer: 'https://id.example.com/', jwksUri: 'http://127.0.0.1.x.io/k' }],
        ['issuer http on a public host, discovered', { issuer: 'http://id.example.com/', jwksUri: undefined }],
      ])('RFC 8414 §2: %s -> requireToken throws invalid_configuration at creation', (_name, options) => {
        const merged: Record<string, unknown> = { audience: 'https://api.example.test', ...options }
        if (merged['jwksUri'] === undefined) delete merged['jwksUri']
        const error = captureThrow(() =>
          adapter.createApp(merged as unknown as RequireTokenOptions, { onError: () => undefined }),
        )
        expect(error).toMatchObject({ name: 'PortcullisError', code: 'invalid_configuration' })
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('configuration (validated when the app is built)', () => {
      const build = (options: Record<string, unknown>): unknown =>
        captureThrow(() =>
          adapter.createApp(
            { issuer: issuer.issuer, audience: issuer.audience, ...options } as unknown as RequireTokenOptions,
            { onError: () => undefined },
          ),
        )

      it.each([
        ['RFC 9068 §4; RFC 8725 §3.2: algorithms ["none"]', { algorithms: ['none'], jwksUri: 'https://id.example.com/jwks' }],
        ['RFC 8725 §3.1: HS256 without a secret', { algorithms: ['HS256'], jwksUri: 'https://id.example.com/jwks' }],
        ['RFC 8725 §3.1: a secret together with a jwksUri', { secret: 'x'.repeat(32), jwksUri: 'https://id.example.com/jwks' }],
        ['RFC 8725 §3.1: RS256 allowed together with a secret', { secret: 'x'.repeat(32), algorithms: ['HS256', 'RS256'] }],
        ['RFC 6750 §2.3: an unknown bearer method', { bearerMethods: ['cookie'], jwksUri: 'https://id.example.com/jwks' }],
        ['RFC 6750 §3: a realm with a quote', { realm: 'a"b', jwksUri: 'https://id.example.com/jwks' }],
      ])('%s -> invalid_configuration', (_name, options) => {
        expect(build(options)).toMatchObject({ name: 'PortcullisError', code: 'invalid_configuration' })
      })

      it('RFC 8725 §3.1: with an explicit secret, HS256 tokens verify and RS256 tokens of the issuer do not', async () => {
        const secret = 'k'.repeat(48)
        const h = await start({ jwksUri: undefined, secret, algorithms: ['HS256'] })
        const hmacHeader = { alg: 'HS256', typ: 'at+jwt' }
        const hmac = issuer.signRaw(hmacHeader, claimsFor(issuer), keyOf('RS256'), { signWith: 'HS256', secret })
        expectOk(await h.bearer(hmac), h)
        const rsa = await issuer.mint()
        expectInvalidToken(await h.bearer(rsa), h, rsa)
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('scopes', () => {
      it.each([
        ['/orders', 'orders:read'],
        ['/orders', 'profile orders:read orders:write'],
        ['/reports', 'reports:read'],
        ['/reports', 'admin'],
        ['/reports', 'admin reports:read'],
      ])('RFC 6750 §3.1; RFC 9068 §2.2.3: %s with scope "%s" -> 200', async (path, scope) => {
        const h = await start()
        const res = await h.bearer(await issuer.token(scope), path)
        expectOk(res, h)
        expect(res.body).toMatchObject({ hasAuth: true, scopes: scope.split(' ') })
      })

      it.each([
        ['/orders', 'orders:write', ['orders:read']],
        ['/orders', 'ORDERS:READ', ['orders:read']],
        ['/orders', '', ['orders:read']],
        ['/reports', 'orders:read reports:write', ['reports:read', 'admin']],
      ])('RFC 6750 §3, §3.1; RFC 6749 §3.3: %s with scope "%s" -> 403 insufficient_scope', async (path, scope, required) => {
        const h = await start()
        const res = await h.bearer(await issuer.token(scope), path)
        expect({ status: res.status, code: codeOf(h) }).toEqual({ status: 403, code: 'insufficient_scope' })
        expect(res.headers['www-authenticate']).toBe(insufficientScope(required))
      })

      it('RFC 6750 §3.1: a token without any scope claim -> 403 insufficient_scope', async () => {
        const h = await start()
        const res = await h.bearer(await issuer.mint(), '/orders')
        expect(res.status).toBe(403)
        expect(res.headers['www-authenticate']).toBe(insufficientScope(['orders:read']))
      })

      it.each([
        ['scp array', { scp: ['orders:read', 'profile'] }],
        ['scp string', { scp: 'orders:read profile' }],
        ['permissions array', { permissions: ['orders:read', 'profile'] }],
      ])('RFC 9068 §2.2.3: scopes from %s count', async (_name, claims) => {
        const h = await start()
        const res = await h.bearer(await issuer.mint(claims), '/orders')
        expectOk(res, h)
        expect(res.body).toMatchObject({ scopes: ['orders:read', 'profile'] })
      })

      it('RFC 9068 §2.2.3: scope, scp and permissions are merged without duplicates', async () => {
        const h = await start()
        const res = await h.bearer(await issuer.mint({ scope: 'a b', scp: ['b', 'c'], permissions: ['c', 'admin'] }), '/reports')
        expectOk(res, h)
        expect(res.body).toMatchObject({ scopes: ['a', 'b', 'c', 'admin'] })
      })

      it('a permissions claim that is not an array -> 401 invalid_token', async () => {
        const h = await start()
        const token = await issuer.mint({ permissions: 'orders:read' })
        expectInvalidToken(await h.bearer(token, '/orders'), h, token)
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('optional mode', () => {
      it('no token -> 200 without identity', async () => {
        const h = await start({ optional: true })
        const res = await h.send(h.agent.get('/me'))
        expectOk(res, h)
        expect(res.body).toEqual({
          subject: null,
          issuer: null,
          audience: null,
          scopes: null,
          clientId: null,
          tokenType: null,
          hasAuth: false,
        })
      })

      it('a valid token still yields the identity', async () => {
        const h = await start({ optional: true })
        const res = await h.bearer(await issuer.mint())
        expectOk(res, h)
        expect(res.body).toMatchObject({ hasAuth: true, subject: 'user-123' })
      })

      it('an invalid token is still refused -> 401 invalid_token', async () => {
        const h = await start({ optional: true })
        const token = await issuer.mint({ exp: NOW_S - 60 })
        expectInvalidToken(await h.bearer(token), h, token)
      })

      it('a malformed header is still refused -> 400 invalid_request', async () => {
        const h = await start({ optional: true })
        expectInvalidRequest(await h.send(h.agent.get('/me').set('Authorization', 'Bearer a b')), h)
      })

      it('RFC 6750 §3.1: requireScope without identity -> 401 with the bare challenge', async () => {
        const h = await start({ optional: true })
        const res = await h.send(h.agent.get('/orders'))
        expectCredentialsRequired(res, h)
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('audit', () => {
      it('RFC 9700 §4.9.3: events are emitted per outcome and never contain a token', async () => {
        const events: AuditEvent[] = []
        const h = await start({ audit: (event) => void events.push(event), bearerMethods: ['header', 'query'] })
        const tokens: string[] = []
        const use = async (token: Promise<string>): Promise<string> => {
          const value = await token
          tokens.push(value)
          return value
        }

        expectOk(await h.bearer(await use(issuer.mint())), h)
        expect(events.at(-1)).toMatchObject({
          event: 'authn_login_success',
          outcome: 'success',
          user_id: 'user-123',
          client_id: 'test-client',
        })
        expect(events.at(-1)?.token_fingerprint).toMatch(/^[0-9a-f]{16}$/)

        const expired = await use(issuer.mint({ exp: NOW_S - 60 }))
        expectInvalidToken(await h.bearer(expired), h, expired)
        expect(events.at(-1)).toMatchObject({ event: 'authn_login_fail', outcome: 'failure', reason: 'expired' })

        const forged = await use(issuer.mint({}, { key: await generateSigningKey('ES256') }))
        expectInvalidToken(await h.bearer(forged), h, forged)
        expect(events.at(-1)).toMatchObject({ event: 'authn_login_fail', outcome: 'failure' })

        const malformed = `${await use(issuer.mint())} extra`
        expectInvalidRequest(await h.send(h.agent.get('/me').set('Authorization', `Bearer ${malformed}`)), h)
        expect(events.at(-1)).toMatchObject({ event: 'input_validation_fail', outcome: 'failure' })

        const unscoped = await use(issuer.token('profile'))
        const denied = await h.bearer(unscoped, '/orders')
        expect(denied.status).toBe(403)
        expect(events.at(-1)).toMatchObject({
          event: 'authz_fail',
          outcome: 'failure',
          required_scopes: ['orders:read'],
          user_id: 'user-123',
        })

        const queried = await use(issuer.mint())
        expectOk(await h.send(h.agent.get('/me').query({ access_token: queried })), h)
        expect(events.at(-1)).toMatchObject({ event: 'authn_login_success', request_uri: '/me' })

        expectCredentialsRequired(await h.send(h.agent.get('/me')), h)
        expect(events.at(-1)).toMatchObject({ event: 'authn_login_fail', reason: 'missing' })

        const serialized = JSON.stringify(events)
        for (const token of tokens) for (const marker of leakMarkers(token)) expect(serialized).not.toContain(marker)
      })
    })

    // ---------------------------------------------------------------------------------------
    describe('errorHandler(): JSON error bodies', () => {
      async function jsonApp(iss: LocalIssuer = issuer, overrides: Partial<RequireTokenOptions> = {}) {
        const serverErrors: unknown[] = []
        const h = await start(overrides, iss, { jsonErrors: { onServerError: (err) => serverErrors.push(err) } })
        return { h, serverErrors }
      }

      it('RFC 6750 §3.1: a 401 keeps its challenge and gets a JSON body', async () => {
        const { h } = await jsonApp()
        const res = await h.bearer(await issuer.mint(claimsFor(issuer, { exp: NOW_S - 60 })))
        expectInvalidToken(res, h)
        expect(res.headers['content-type']).toMatch(/^application\/json/)
        expect(res.body).toEqual({ error: 'invalid_token', error_description: 'The access token expired' })
      })

      it('RFC 6750 §3.1: a 403 keeps its scope challenge and gets a JSON body', async () => {
        const { h } = await jsonApp()
        const res = await h.bearer(await issuer.mint(claimsFor(issuer, { scope: 'other' })), '/orders')
        expect(res.status).toBe(403)
        expect(res.headers['www-authenticate']).toBe(insufficientScope(['orders:read']))
        expect(res.body).toEqual({ error: 'insufficient_scope', error_description: SCOPE_DESCRIPTION })
      })

      it('RFC 6750 §3.1: no token gives the bare challenge and a JSON body', async () => {
        const { h } = await jsonApp()
        const res = await h.send(h.agent.get('/me'))
        expectCredentialsRequired(res, h)
        expect(res.body).toEqual({ error: 'credentials_required', error_description: 'No access token was provided' })
      })

      it('a 503 shows only its code to the client and is reported to onServerError', async () => {
        const down = await newIssuer()
        down.setJwksBehaviour('error')
        const { h, serverErrors } = await jsonApp(down)
        const res = await h.bearer(await down.mint(claimsFor(down)))
        expectUnavailable(res, h)
        expect(res.body).toEqual({ error: 'temporarily_unavailable' })
        expect(serverErrors.map((e) => (e as RecordedError).code)).toEqual(['temporarily_unavailable'])
      })

      it('other errors are left to the framework', async () => {
        const { h, serverErrors } = await jsonApp()
        const res = await h.send(h.agent.get('/boom'))
        expect(res.status).toBe(500)
        // Fastify's default handler has a JSON body of its own, with an `error` member.
        if (adapter.framework === 'fastify') expect(res.body).toEqual({ statusCode: 500, error: 'Internal Server Error', message: 'not a Portcullis error' })
        else expect(res.text).not.toContain('"error"')
        expect(serverErrors).toEqual([])
      })
    })

    runPolicyScenarios(adapter)
    runDecoratorScenarios(adapter)
    runRateLimitScenarios(adapter)
    runAnomalyScenarios(adapter)

    describe("rendering by the framework's default error handler", () => {
      it('errors: 401, 400, 403 and 503 keep status and headers with no custom renderer', async () => {
        const h = await start()
        const missing = await h.send(h.agent.get('/me'))
        expect([missing.status, missing.headers['www-authenticate']]).toEqual([401, BARE])
        const malformed = await h.send(h.agent.get('/me').set('Authorization', 'Bearer a b'))
        expect(malformed.status).toBe(400)
        expect(malformed.headers['www-authenticate']).toMatch(INVALID_REQUEST)
        const scope = await h.bearer(await issuer.mint(), '/orders')
        expect([scope.status, scope.headers['www-authenticate']]).toEqual([403, insufficientScope(['orders:read'])])
      })

      if (adapter.framework === 'koa') {
        it('Koa: the body of an exposed error (401/400/403) is its message text', async () => {
          const h = await start()
          for (const test of [
            () => h.agent.get('/me'),
            () => h.agent.get('/me').set('Authorization', 'Bearer a b'),
            () => h.agent.get('/me').set('Authorization', 'Bearer a.b.c'),
          ]) {
            const res = await h.send(test())
            expect(res.status).toBeLessThan(500)
            expect(res.text).toBe(h.lastError()?.message)
            expect(res.headers['content-type']).toMatch(/^text\/plain/)
          }
        })

        it('Koa: a 503 is not exposed: the body is the status text, not the description', async () => {
          const own = await newIssuer()
          own.setJwksBehaviour('error')
          const h = await start({}, own)
          const res = await h.bearer(await own.mint())
          expectUnavailable(res, h)
          expect(res.text).toBe('Service Unavailable')
        })
      } else if (adapter.framework === 'fastify') {
        it('Fastify: the default handler renders { statusCode, code, error, message } as JSON', async () => {
          const h = await start()
          for (const [test, status, error] of [
            [() => h.agent.get('/me'), 401, 'Unauthorized'],
            [() => h.agent.get('/me').set('Authorization', 'Bearer a b'), 400, 'Bad Request'],
            [() => h.agent.get('/me').set('Authorization', 'Bearer a.b.c'), 401, 'Unauthorized'],
          ] as const) {
            const res = await h.send(test())
            expect(res.headers['content-type']).toMatch(/^application\/json/)
            expect(res.body).toEqual({ statusCode: status, code: h.lastError()?.code, error, message: h.lastError()?.message })
            expect(res.text).not.toMatch(/\bat .+:\d+:\d+/)
          }
        })

        it('Fastify: a 503 carries Retry-After and no challenge', async () => {
          const own = await newIssuer()
          own.setJwksBehaviour('error')
          const h = await start({}, own)
          const res = await h.bearer(await own.mint())
          expectUnavailable(res, h)
          expect(res.headers['www-authenticate']).toBeUndefined()
          expect(res.body).toMatchObject({ statusCode: 503, code: 'temporarily_unavailable' })
        })
      } else {
        it('Express: the default handler renders the error message without any stack frame', async () => {
          const h = await start()
          for (const test of [() => h.agent.get('/me'), () => h.agent.get('/me').set('Authorization', 'Bearer a b')]) {
            const res = await h.send(test())
            expect(res.headers['content-type']).toMatch(/^text\/html/)
            expect(res.text).toContain(String(h.lastError()?.message))
            expect(res.text).not.toMatch(/\bat .+:\d+:\d+/)
          }
        })

        it('Express: a 503 carries Retry-After and no challenge', async () => {
          const own = await newIssuer()
          own.setJwksBehaviour('error')
          const h = await start({}, own)
          const res = await h.bearer(await own.mint())
          expectUnavailable(res, h)
          expect(res.headers['www-authenticate']).toBeUndefined()
        })
      }
    })
  })
}
