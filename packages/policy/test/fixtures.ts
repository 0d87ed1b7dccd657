import type { AuditEvent, AuthContext, Identity, PortcullisRequest } from '@portcullis/core'

/** A verified-looking identity for policy tests (the engine never re-verifies it). */
export function identity(overrides: Partial<Identity> = {}): Identity {
  return {
    subject: 'alice',
    issuer: 'https://id.example.com/',
    audience: ['https://api.example.com'],
    clientId: 'app',
    scopes: ['documents:read'],
    claims: { sub: 'alice', department: 'eng' },
    tokenType: 'jwt',
    expiresAt: undefined,
    confirmation: undefined,
    actor: [],
    acr: undefined,
    amr: undefined,
    authTime: undefined,
    ...overrides,
  }
}

/** A plain core request. */
export function request(extra: Partial<PortcullisRequest> = {}): PortcullisRequest {
  return { method: 'GET', url: '/docs/1', headers: {}, remoteAddress: '203.0.113.7', ...extra }
}

/** An AuthContext capturing audit events. */
export async function auditContext(): Promise<{ context: AuthContext; events: AuditEvent[] }> {
  const { createAuthenticator } = await import('@portcullis/core')
  const events: AuditEvent[] = []
  const auth = createAuthenticator({
    issuer: 'https://id.example.com/',
    audience: 'https://api.example.com',
    secret: 'a-test-secret-of-at-least-32-bytes!!',
    algorithms: ['HS256'],
    audit: (event: AuditEvent) => {
      events.push(event)
    },
  } as never)
  return { context: auth.context, events }
}

/** Runs `fn` and returns what it rejects with. */
export async function rejection(fn: () => Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await fn()
  } catch (error) {
    return error as Record<string, unknown>
  }
  throw new Error('expected a rejection')
}

export const FROZEN = Date.parse('2026-01-05T10:00:00Z')
