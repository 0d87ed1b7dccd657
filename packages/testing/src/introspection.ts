import { randomBytes, timingSafeEqual } from 'node:crypto'

/**
 * Client credentials the local issuer's introspection endpoint accepts.
 *
 * @example
 * ```ts
 * import type { IntrospectionClient } from '@portcullis/testing'
 * const client: IntrospectionClient = { clientId: 'orders-api', clientSecret: 's3cr3t' }
 * ```
 */
export interface IntrospectionClient {
  readonly clientId: string
  readonly clientSecret: string
}

/**
 * Options of {@link LocalIssuer.opaqueToken}.
 *
 * @example
 * ```ts
 * import type { OpaqueTokenOptions } from '@portcullis/testing'
 * const shortLived: OpaqueTokenOptions = { expiresIn: 30 }
 * ```
 */
export interface OpaqueTokenOptions {
  /** Lifetime in seconds from now; default the issuer's `tokenLifetime`. Negative = already expired. */
  expiresIn?: number
  /** Default members to leave out of the introspection response, e.g. `['exp', 'aud']`. */
  omit?: string[]
}

/**
 * One call the introspection endpoint received (for assertions on what the resource server sent).
 *
 * @example
 * ```ts
 * import { createIssuer, type IntrospectionCall } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const last: IntrospectionCall | undefined = issuer.introspectionCalls.at(-1)
 * ```
 */
export interface IntrospectionCall {
  /** How the client authenticated: `client_secret_basic`, `client_secret_post`, or `none`/`invalid`. */
  readonly clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none' | 'invalid'
  readonly tokenTypeHint: string | undefined
  /** Whether a `token` parameter was present (the token itself is not recorded). */
  readonly hasToken: boolean
}

// RFC 6749 §2.3.1 / Appendix B: id and secret are form-urlencoded inside the Basic credentials.
function formDecode(value: string): string {
  return decodeURIComponent(value.replace(/\+/g, ' '))
}

function same(a: string, b: string): boolean {
  const left = Buffer.from(a)
  const right = Buffer.from(b)
  return left.length === right.length && timingSafeEqual(left, right)
}

/** The state of the introspection endpoint: registered opaque tokens and calls received. */
export class IntrospectionRegistry {
  readonly #tokens = new Map<string, Record<string, unknown>>()
  readonly calls: IntrospectionCall[] = []
  readonly client: IntrospectionClient

  constructor(client: IntrospectionClient) {
    this.client = client
  }

  register(response: Record<string, unknown>): string {
    const token = randomBytes(24).toString('base64url')
    this.#tokens.set(token, response)
    return token
  }

  revoke(token: string): boolean {
    return this.#tokens.delete(token)
  }

  /** Answers one POST: `{ status, body }` per RFC 7662 §2.2/§2.3. */
  answer(authorization: string | undefined, contentType: string | undefined, rawBody: string, nowSeconds: number): { status: number; body: unknown } {
    if (!(contentType ?? '').toLowerCase().startsWith('application/x-www-form-urlencoded')) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'form body expected' } }
    }
    const form = new URLSearchParams(rawBody)
    const token = form.get('token') ?? undefined
    const clientAuth = clientAuthentication(authorization, form, this.client)
    this.calls.push({ clientAuth, tokenTypeHint: form.get('token_type_hint') ?? undefined, hasToken: token !== undefined })
    if (this.calls.length > 1000) this.calls.shift()
    if (clientAuth === 'none' || clientAuth === 'invalid') {
      return { status: 401, body: { error: 'invalid_client' } }
    }
    if (token === undefined || form.getAll('token').length !== 1) {
      return { status: 400, body: { error: 'invalid_request', error_description: 'exactly one token parameter is required' } }
    }
    const response = this.lookup(token, nowSeconds)
    // RFC 7662 §2.2: an expired, revoked or unknown token is simply inactive.
    if (response === undefined) return { status: 200, body: { active: false } }
    return { status: 200, body: { ...response, active: true } }
  }

  /** The members of a registered, unexpired opaque token. */
  lookup(token: string, nowSeconds: number): Record<string, unknown> | undefined {
    const response = this.#tokens.get(token)
    const exp = response?.['exp']
    return response === undefined || (typeof exp === 'number' && exp <= nowSeconds) ? undefined : response
  }
}

/** RFC 6749 §2.3.1 client authentication of a form POST: basic or post, never both. */
export function clientAuthentication(authorization: string | undefined, form: URLSearchParams, client: IntrospectionClient): IntrospectionCall['clientAuth'] {
  const postId = form.get('client_id')
  const postSecret = form.get('client_secret')
  if (authorization !== undefined) {
    // RFC 6749 §2.3.1: a client must not use more than one authentication method per request.
    if (postSecret !== null) return 'invalid'
    const match = /^Basic ([A-Za-z0-9+/]+=*)$/i.exec(authorization)
    if (match === null) return 'invalid'
    const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
    const colon = decoded.indexOf(':')
    if (colon === -1) return 'invalid'
    let id: string
    let secret: string
    try {
      id = formDecode(decoded.slice(0, colon))
      secret = formDecode(decoded.slice(colon + 1))
    } catch {
      return 'invalid'
    }
    return same(id, client.clientId) && same(secret, client.clientSecret) ? 'client_secret_basic' : 'invalid'
  }
  if (postId === null && postSecret === null) return 'none'
  return postId !== null && postSecret !== null && same(postId, client.clientId) && same(postSecret, client.clientSecret)
    ? 'client_secret_post'
    : 'invalid'
}
