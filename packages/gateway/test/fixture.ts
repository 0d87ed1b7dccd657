/**
 * A gateway over real HTTP in front of the local issuer, with its configuration and policy in
 * a temporary directory, and a raw HTTP client (repeated headers, exact header control).
 */
import { randomUUID } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import http from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { createGateway, type Gateway, type GatewayLogEntry } from '@portcullis/gateway'

export const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
export const NOW_S = NOW / 1000

export const POLICY = {
  id: 'documents',
  rules: [
    { id: 'eng-read', effect: 'Permit', target: { actions: ['read'] }, when: { op: 'startsWith', attribute: 'resource.id', value: 'eng-' } },
  ],
}

/** The rules most tests run against (first match wins). */
export function rulesYaml(): string {
  return `
identityHeaders:
  claims:
    email: X-Auth-Email
rules:
  - name: public
    path: /public/*
    token: none
  - name: docs-read
    methods: [GET, HEAD]
    path: /docs/:id
    scopes: [docs:read]
    policy: { file: policy.json, action: read, resourceType: document }
  - name: docs-delete
    methods: [DELETE]
    path: /docs/:id
    scopes: { any: [docs:admin, admin] }
  - name: pay
    host: pay.example.com
    path: /pay
    stepUp: { acr: [mfa], maxAge: 300 }
  - name: maybe
    path: /maybe
    token: optional
  - name: shadowed
    path: /docs/:id
    token: none
`
}

export interface Fixture {
  readonly issuer: LocalIssuer
  readonly gateway: Gateway
  readonly port: number
  readonly dir: string
  readonly file: string
  readonly logs: GatewayLogEntry[]
  token(scopes: string | string[], claims?: Record<string, unknown>): Promise<string>
  close(): Promise<void>
}

export function tokenSection(issuer: LocalIssuer, extra = ''): string {
  return `token:\n  issuer: ${issuer.issuer}\n  audience: ${issuer.audience}\n${extra}`
}

export async function startFixture(rules = rulesYaml(), tokenExtra = '', options: { watch?: boolean; top?: string; port?: number } = {}): Promise<Fixture> {
  const issuer = await createIssuer({ clock: () => NOW })
  const dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-'))
  const file = join(dir, 'gateway.yaml')
  writeFileSync(join(dir, 'policy.json'), JSON.stringify(POLICY))
  writeFileSync(file, `${tokenSection(issuer, tokenExtra)}${options.top ?? ''}${rules}`)
  const logs: GatewayLogEntry[] = []
  const gateway = await createGateway({ config: file, clock: () => NOW, watch: options.watch ?? false, log: (e) => logs.push(e) })
  const { port } = await gateway.listen(options.port ?? 0, '127.0.0.1')
  return {
    issuer,
    gateway,
    port,
    dir,
    file,
    logs,
    token: (scopes, claims = {}) =>
      issuer.mint({ sub: 'user-123', client_id: 'test-client', scope: typeof scopes === 'string' ? scopes : scopes.join(' '), iat: NOW_S, exp: NOW_S + 300, jti: randomUUID(), ...claims }),
    async close() {
      await gateway.close()
      await issuer.close()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

/** One request with exactly these headers (an array value is sent as repeated lines). */
export function send(port: number, path: string, headers: http.OutgoingHttpHeaders, method = 'GET', host = '127.0.0.1'): Promise<RawResponse> {
  return new Promise<RawResponse>((resolve, reject) => {
    const req = http.request({ host, port, path, method, headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** An nginx-style auth subrequest for `method uri` on `host`. */
export function nginxAsk(port: number, method: string, uri: string, headers: http.OutgoingHttpHeaders = {}, host = 'api.example.com'): Promise<RawResponse> {
  return send(port, '/auth/nginx', { 'x-original-method': method, 'x-original-uri': uri, 'x-original-host': host, 'x-original-proto': 'https', ...headers })
}

/** A Caddy / Traefik forward-auth request. */
export function forwardAsk(port: number, method: string, uri: string, headers: http.OutgoingHttpHeaders = {}, host = 'api.example.com'): Promise<RawResponse> {
  return send(port, '/auth/forward', { 'x-forwarded-method': method, 'x-forwarded-uri': uri, 'x-forwarded-host': host, 'x-forwarded-proto': 'https', ...headers })
}

/** An Envoy ext_authz HTTP check: method and path prefixed, Host is the original authority. */
export function envoyAsk(port: number, method: string, uri: string, headers: http.OutgoingHttpHeaders = {}, host = 'api.example.com'): Promise<RawResponse> {
  return send(port, `/auth/envoy${uri}`, { host, ...headers }, method)
}

/**
 * The status a client gets through the documented proxy configuration: nginx only passes 401
 * and 403 on, so the nginx endpoint sends other refusals as a 403 with `X-Portcullis-Status`,
 * which the documented snippet turns back into that status.
 */
export function meant(res: RawResponse): number {
  const named = res.headers['x-portcullis-status']
  if (named === undefined) return res.status
  if (res.status !== 403) throw new Error(`X-Portcullis-Status on a ${res.status}`)
  return Number(named)
}
