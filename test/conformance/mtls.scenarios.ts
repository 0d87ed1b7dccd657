/**
 * Certificate-bound access tokens (RFC 8705) over real mutual TLS, for every adapter: the app
 * listener of the adapter is served by an https server that requests (but does not verify) a
 * client certificate, as RFC 8705 §3 and §6.2 describe; the certificate reaches the core
 * from the TLS socket through the adapter's to-request. Proxy-header scenarios run over plain
 * HTTP on loopback, the trusted proxy being 127.0.0.1 or not.
 */
import https from 'node:https'
import type http from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { RequireTokenOptions } from '@portcullis/core'
import { createCertificateAuthority, createIssuer, forwardedCertificate } from '@portcullis/testing'
import type { LocalIssuer, TestCertificate, TestCertificateAuthority } from '@portcullis/testing'
import { closeServer, listen, NOW } from './helpers.js'
import type { AdapterUnderTest } from './suite.js'

const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]+"$/

interface Recorded {
  code?: unknown
  reason?: unknown
}

interface TlsResponse {
  status: number
  headers: http.IncomingHttpHeaders
  body: string
}

/** Registers the mTLS scenarios for `adapter`. */
export function runMtlsScenarios(adapter: AdapterUnderTest): void {
  describe('mTLS certificate-bound tokens (RFC 8705) over HTTPS', () => {
    let issuer: LocalIssuer
    let ca: TestCertificateAuthority
    let serverCert: TestCertificate
    let client: TestCertificate
    let other: TestCertificate
    const servers: http.Server[] = []

    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
      ca = createCertificateAuthority()
      serverCert = ca.issueServer()
      client = ca.issueClient('client-1')
      // Another CA's certificate: the RS need not validate chains (RFC 8705 §6.2), only the binding.
      other = createCertificateAuthority('Other CA').issueClient('client-2')
    })
    afterAll(() => issuer.close())
    afterEach(async () => {
      await Promise.all(servers.splice(0).map(closeServer))
    })

    function options(extra: Partial<RequireTokenOptions>): RequireTokenOptions {
      return { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, mtls: {}, ...extra }
    }

    async function startTls(errors: Recorded[], extra: Partial<RequireTokenOptions> = {}): Promise<https.Server> {
      const listener = adapter.createApp(options(extra), { onError: (err) => errors.push(err as Recorded) })
      const server = https.createServer(
        { key: serverCert.keyPem, cert: serverCert.pem, ca: ca.pem, requestCert: true, rejectUnauthorized: false },
        listener,
      )
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
      servers.push(server)
      return server
    }

    function get(server: https.Server, token: string, cert?: TestCertificate): Promise<TlsResponse> {
      const { port } = server.address() as AddressInfo
      return new Promise<TlsResponse>((resolve, reject) => {
        const req = https.request(
          {
            host: '127.0.0.1',
            port,
            path: '/me',
            ca: ca.pem,
            agent: false,
            headers: { authorization: `Bearer ${token}` },
            ...(cert === undefined ? {} : { cert: cert.pem, key: cert.keyPem }),
          },
          (res) => {
            const chunks: Buffer[] = []
            res.on('data', (chunk: Buffer) => chunks.push(chunk))
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }))
            res.on('error', reject)
          },
        )
        req.on('error', reject)
        req.end()
      })
    }

    const bound = (cert: TestCertificate = client): Promise<string> => issuer.mint({ sub: 'user-123', cnf: { 'x5t#S256': cert.thumbprint } })

    it('RFC 8705 §3, §3.1: the bound client certificate in the TLS handshake -> 200', async () => {
      const errors: Recorded[] = []
      const server = await startTls(errors)
      const res = await get(server, await bound(), client)
      expect({ status: res.status, errors }).toEqual({ status: 200, errors: [] })
      expect(JSON.parse(res.body)).toMatchObject({ hasAuth: true, subject: 'user-123' })
    })

    it('RFC 8705 §6.2: a certificate from an unknown CA is fine when it is the bound one', async () => {
      const errors: Recorded[] = []
      const server = await startTls(errors)
      expect((await get(server, await bound(other), other)).status).toBe(200)
    })

    it('RFC 8705 §3: another client certificate -> 401 invalid_token', async () => {
      const errors: Recorded[] = []
      const server = await startTls(errors)
      const res = await get(server, await bound(), other)
      expect({ status: res.status, code: errors.at(-1)?.code, reason: errors.at(-1)?.reason }).toEqual({ status: 401, code: 'invalid_token', reason: 'certificate_mismatch' })
      expect(res.headers['www-authenticate']).toMatch(INVALID_TOKEN)
    })

    it('RFC 8705 §3: no client certificate -> 401 invalid_token', async () => {
      const errors: Recorded[] = []
      const server = await startTls(errors)
      const res = await get(server, await bound())
      expect({ status: res.status, code: errors.at(-1)?.code, reason: errors.at(-1)?.reason }).toEqual({ status: 401, code: 'invalid_token', reason: 'certificate_missing' })
      expect(res.headers['www-authenticate']).toMatch(INVALID_TOKEN)
    })

    it('an unbound token over mTLS still works (the certificate is only checked for bound tokens)', async () => {
      const errors: Recorded[] = []
      const server = await startTls(errors)
      expect((await get(server, await issuer.mint(), client)).status).toBe(200)
    })

    describe('certificate forwarded by a TLS-terminating proxy (RFC 8705 §6.5; RFC 9700 §4.13)', () => {
      async function startHttp(trustedProxies: string[]): Promise<{ server: http.Server; errors: Recorded[] }> {
        const errors: Recorded[] = []
        const listener = adapter.createApp(options({ trustedProxies, mtls: { certificateHeader: 'x-client-cert' } }), { onError: (err) => errors.push(err as Recorded) })
        const server = await listen(listener)
        servers.push(server)
        return { server, errors }
      }

      it('URL-encoded PEM from a trusted proxy -> 200', async () => {
        const { server } = await startHttp(['127.0.0.1', '::1'])
        const res = await request(server).get('/me').set('Authorization', `Bearer ${await bound()}`).set('X-Client-Cert', forwardedCertificate(client))
        expect(res.status).toBe(200)
      })

      it('the header from an untrusted peer is ignored -> 401 invalid_token', async () => {
        const { server, errors } = await startHttp(['10.9.9.9'])
        const res = await request(server).get('/me').set('Authorization', `Bearer ${await bound()}`).set('X-Client-Cert', forwardedCertificate(client))
        expect({ status: res.status, code: errors.at(-1)?.code, reason: errors.at(-1)?.reason }).toEqual({ status: 401, code: 'invalid_token', reason: 'certificate_missing' })
      })

      it('another forwarded certificate -> 401 invalid_token', async () => {
        const { server } = await startHttp(['127.0.0.1', '::1'])
        const res = await request(server).get('/me').set('Authorization', `Bearer ${await bound()}`).set('X-Client-Cert', forwardedCertificate(other))
        expect(res.status).toBe(401)
        expect(res.headers['www-authenticate']).toMatch(INVALID_TOKEN)
      })

      it('a malformed forwarded certificate -> 401 invalid_token, never 500', async () => {
        const { server, errors } = await startHttp(['127.0.0.1', '::1'])
        for (const value of ['%E0%A4%A', 'not-a-certificate', encodeURIComponent('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----')]) {
          errors.length = 0
          const res = await request(server).get('/me').set('Authorization', `Bearer ${await bound()}`).set('X-Client-Cert', value)
          expect({ status: res.status, code: errors.at(-1)?.code }).toEqual({ status: 401, code: 'invalid_token' })
        }
      })
    })
  })
}
