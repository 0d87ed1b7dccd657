/**
 * Shared harness of the token-lifecycle scenario files (introspection, revocation, step-up,
 * delegation, metadata): one app per test from `adapter.createLifecycleApp`, served on loopback,
 * with recorded errors and audit events.
 */
import type http from 'node:http'
import { afterEach, expect } from '@jest/globals'
import request from 'supertest'
import type { Response } from 'supertest'
import type { AuditEvent, RequireTokenOptions } from '@portcullis/core'
import { closeServer, listen } from './helpers.js'
import type { AdapterUnderTest, LifecycleRoutes } from './suite.js'

export interface LifecycleHarness {
  readonly server: http.Server
  /** Errors the app recorded since the last request. */
  readonly errors: Array<{ code?: unknown; reason?: unknown }>
  /** Audit events since the last request. */
  readonly events: AuditEvent[]
  /** GET `path` (default /me), with `Authorization: Bearer <token>` when a token is given. */
  get(token?: string, path?: string): Promise<Response>
  code(): unknown
  reason(): unknown
}

/** Registers cleanup for the calling describe block and returns the app factory. */
export function lifecycleApps(adapter: AdapterUnderTest): (options: RequireTokenOptions, routes?: LifecycleRoutes) => Promise<LifecycleHarness> {
  const servers: http.Server[] = []
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(closeServer))
  })
  return async (options, routes = {}) => {
    const errors: Array<{ code?: unknown; reason?: unknown }> = []
    const events: AuditEvent[] = []
    const listener = adapter.createLifecycleApp(
      { ...options, audit: (event) => void events.push(event) },
      { onError: (err) => void errors.push(err as { code?: unknown }) },
      routes,
    )
    const server = await listen(listener)
    servers.push(server)
    return {
      server,
      errors,
      events,
      async get(token, path = '/me') {
        errors.length = 0
        events.length = 0
        const test = request(server).get(path)
        return token === undefined ? await test : await test.set('Authorization', `Bearer ${token}`)
      },
      code: () => errors.at(-1)?.code,
      reason: () => errors.at(-1)?.reason,
    }
  }
}

// RFC 6750 §3: error_description limited to %x20-21 / %x23-5B / %x5D-7E.
const INVALID_TOKEN = /^Bearer realm="api", error="invalid_token", error_description="[\x20\x21\x23-\x5b\x5d-\x7e]*"$/

export function expectInvalidToken(res: Response, h: LifecycleHarness): void {
  expect({ status: res.status, code: h.code() }).toEqual({ status: 401, code: 'invalid_token' })
  expect(res.headers['www-authenticate']).toMatch(INVALID_TOKEN)
}

/** 503 with Retry-After; a dependency failure is never `invalid_token` (docs/architecture.md, "Failure policy"). */
export function expectUnavailable(res: Response, h: LifecycleHarness): void {
  expect({ status: res.status, code: h.code() }).toEqual({ status: 503, code: 'temporarily_unavailable' })
  expect(res.headers['retry-after']).toMatch(/^[1-9][0-9]*$/)
  expect(res.headers['www-authenticate'] ?? '').not.toContain('invalid_token')
}
