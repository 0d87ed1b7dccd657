/**
 * Shared plumbing of the conformance suite: the frozen clock, the HTTP server every adapter is
 * served from, the JSON view of an identity that every adapter's routes answer with, and the
 * token surgery used by attack scenarios. Nothing here knows a framework.
 */
import { randomUUID } from 'node:crypto'
import http from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import type { Identity } from '@portcullis/core'
import type { LocalIssuer } from '@portcullis/testing'

/** The suite's frozen "now" (ms): issuers mint relative to it and resource servers verify at it. */
export const NOW = Date.UTC(2030, 0, 15, 12, 0, 0)
/** {@link NOW} in seconds (NumericDate). */
export const NOW_S = NOW / 1000

/** A clock tests advance by hand (JWKS cache age, cooldown, rotation). */
export interface ManualClock {
  readonly now: () => number
  advance(ms: number): void
}

export function manualClock(start = NOW): ManualClock {
  let current = start
  return {
    now: () => current,
    advance(ms) {
      current += ms
    },
  }
}

/** What every adapter's routes answer with: the identity as JSON, `null` for absent members. */
export interface IdentityView {
  subject: string | null
  issuer: string | null
  audience: readonly string[] | null
  scopes: readonly string[] | null
  clientId: string | null
  tokenType: string | null
  hasAuth: boolean
  /** With `requireToken({ anomalies })`: the request's report, as the handler sees it. */
  anomalies?: { score: number; kinds: readonly string[]; held: boolean[] }
}

export function identityView(auth: Identity | undefined): IdentityView {
  return {
    subject: auth?.subject ?? null,
    issuer: auth?.issuer ?? null,
    audience: auth?.audience ?? null,
    scopes: auth?.scopes ?? null,
    clientId: auth?.clientId ?? null,
    tokenType: auth?.tokenType ?? null,
    hasAuth: auth !== undefined,
    ...(auth?.anomalies === undefined ? {} : { anomalies: { score: auth.anomalies.score, kinds: auth.anomalies.kinds, held: auth.anomalies.signals.map((s) => s.held) } }),
  }
}

/**
 * What a careless handler might do with `req.auth`: change the scope claim and a nested claim.
 * Returns whether any change took (the claims of a cached answer must be frozen in depth).
 */
export function tamper(auth: Identity | undefined): boolean {
  const claims = auth?.claims as Record<string, unknown> | undefined
  if (claims === undefined) return false
  let changed = false
  try {
    claims['scope'] = 'orders:read admin'
    changed = true
  } catch {
    // frozen: the assignment throws in strict mode
  }
  const roles = (claims['ext'] as { roles?: unknown } | undefined)?.roles
  try {
    if (Array.isArray(roles)) {
      roles.push('admin')
      changed = true
    }
  } catch {
    // frozen
  }
  return changed
}

/**
 * Serves `listener` on a loopback port. Node's default 16 KB header limit would answer a 100 KB
 * Authorization header with 431 before the app sees it; a larger limit lets the token-size
 * rule of Portcullis itself be tested.
 */
export async function listen(listener: http.RequestListener): Promise<http.Server> {
  const server = http.createServer({ maxHeaderSize: 512 * 1024 }, listener)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  return server
}

export function closeServer(server: http.Server): Promise<void> {
  return new Promise<void>((resolve) => {
    server.close(() => resolve())
    server.closeAllConnections()
  })
}

/** A response read without supertest (for requests supertest cannot express). */
export interface RawResponse {
  status: number
  headers: http.IncomingHttpHeaders
  text: string
}

/**
 * GET with raw headers: an array value is sent as repeated header lines (two Authorization
 * headers), which supertest's `set` cannot do.
 */
export function rawGet(server: http.Server, path: string, headers: http.OutgoingHttpHeaders): Promise<RawResponse> {
  const { port } = server.address() as AddressInfo
  return new Promise<RawResponse>((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, path, method: 'GET', headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') })
      })
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}

/** Polls `predicate` until it holds (background work such as a stale-while-revalidate refresh). */
export async function waitFor(predicate: () => boolean, timeoutMs = 3000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition not met in time')
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
}

/** Default claims of a well-formed access token of `issuer` at {@link NOW}, with overrides. */
export function claimsFor(issuer: LocalIssuer, overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: issuer.issuer,
    sub: 'user-123',
    aud: issuer.audience,
    client_id: 'test-client',
    iat: NOW_S,
    exp: NOW_S + 300,
    jti: randomUUID(),
    ...overrides,
  }
}

/** The three segments of a compact JWS. */
export function segments(token: string): [string, string, string] {
  const parts = token.split('.')
  if (parts.length !== 3) throw new Error(`not a compact JWS: ${parts.length} parts`)
  return parts as [string, string, string]
}

/** Pieces of a token long enough that finding one in a response or a log means a leak. */
export function leakMarkers(token: string): string[] {
  return [token, ...token.split('.').filter((part) => part.length >= 16)]
}

// DER INTEGER of an unsigned big-endian number: minimal length, a 0x00 prefix when the top bit is set.
function derInteger(bytes: Buffer): Buffer {
  let start = 0
  while (start < bytes.length - 1 && bytes[start] === 0) start++
  let body = bytes.subarray(start)
  if ((body[0] as number) & 0x80) body = Buffer.concat([Buffer.from([0]), body])
  return Buffer.concat([Buffer.from([0x02, body.length]), body])
}

/** Re-encodes a raw ECDSA `r||s` JWS signature (RFC 7518 §3.4) as an ASN.1 DER signature. */
export function rawEcdsaToDer(raw: Buffer): Buffer {
  const half = raw.length / 2
  const sequence = Buffer.concat([derInteger(raw.subarray(0, half)), derInteger(raw.subarray(half))])
  return Buffer.concat([Buffer.from([0x30, sequence.length]), sequence])
}

/** A JSON value encoded as one base64url JWS segment. */
export function b64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value), 'utf8').toString('base64url')
}

/**
 * `name@version` of an installed framework package (an npm alias such as `express4` included),
 * after checking its major: an alias silently pointing at another major would test nothing new.
 */
export function frameworkLabel(name: string, packageName: string, major: number): string {
  const { version } = createRequire(import.meta.url)(`${packageName}/package.json`) as { version: string }
  if (!version.startsWith(`${major}.`)) throw new Error(`${packageName} should be ${name} ${major}.x, found ${version}`)
  return `${name}@${version}`
}
