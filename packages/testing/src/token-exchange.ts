import type { JsonWebKey } from 'node:crypto'
import { verifyIssuerJwt } from './internal/verify-jws.js'
import { clientAuthentication, type IntrospectionClient } from './introspection.js'

/**
 * One token exchange the local issuer's token endpoint received.
 *
 * @example
 * ```ts
 * import { createIssuer, type TokenExchangeCall } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const last: TokenExchangeCall | undefined = issuer.tokenExchangeCalls.at(-1)
 * ```
 */
export interface TokenExchangeCall {
  readonly clientAuth: 'client_secret_basic' | 'client_secret_post' | 'none' | 'invalid'
  readonly audience: string | undefined
  readonly scope: string | undefined
  /** Whether the subject token was accepted (a valid JWT of this issuer or an active opaque token). */
  readonly subjectTokenValid: boolean
}

/** What the token endpoint needs from the issuer. */
export interface TokenExchangeHost {
  readonly issuer: string
  readonly client: IntrospectionClient
  readonly lifetime: number
  nowSeconds(): number
  publishedKeys(): { readonly keys: readonly JsonWebKey[] }
  lookupOpaque(token: string): Record<string, unknown> | undefined
  mint(claims: Record<string, unknown>, expiresIn: number): Promise<string>
}

const GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:token-exchange'
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token'

/**
 * The RFC 8693 token endpoint of the local issuer: exchanges a valid subject token (a JWT it
 * signed, or an active opaque token) for a JWT with the requested `audience` and `scope`, the
 * same `sub`, and the calling client as actor (`act`).
 */
export class TokenExchangeEndpoint {
  readonly calls: TokenExchangeCall[] = []
  readonly #host: TokenExchangeHost

  constructor(host: TokenExchangeHost) {
    this.#host = host
  }

  async answer(authorization: string | undefined, rawBody: string): Promise<{ status: number; body: unknown }> {
    const form = new URLSearchParams(rawBody)
    const clientAuth = clientAuthentication(authorization, form, this.#host.client)
    const audience = form.get('audience') ?? undefined
    const scope = form.get('scope') ?? undefined
    const record = (subjectTokenValid: boolean): void => {
      this.calls.push({ clientAuth, audience, scope, subjectTokenValid })
      if (this.calls.length > 1000) this.calls.shift()
    }
    if (clientAuth === 'none' || clientAuth === 'invalid') {
      record(false)
      return { status: 401, body: { error: 'invalid_client' } }
    }
    if (form.get('grant_type') !== GRANT_TYPE) {
      record(false)
      return { status: 400, body: { error: 'unsupported_grant_type' } }
    }
    const subjectToken = form.get('subject_token')
    if (subjectToken === null || form.get('subject_token_type') !== ACCESS_TOKEN_TYPE) {
      record(false)
      return { status: 400, body: { error: 'invalid_request' } }
    }
    const subject = this.#subject(subjectToken)
    record(subject !== undefined)
    if (subject === undefined) return { status: 400, body: { error: 'invalid_grant' } }
    const claims: Record<string, unknown> = {
      sub: subject['sub'],
      act: { sub: this.#host.client.clientId },
      ...(audience === undefined ? {} : { aud: audience }),
      ...(scope === undefined ? (typeof subject['scope'] === 'string' ? { scope: subject['scope'] } : {}) : { scope }),
    }
    const expiresIn = this.#host.lifetime
    const accessToken = await this.#host.mint(claims, expiresIn)
    return { status: 200, body: { access_token: accessToken, issued_token_type: ACCESS_TOKEN_TYPE, token_type: 'Bearer', expires_in: expiresIn } }
  }

  #subject(token: string): Record<string, unknown> | undefined {
    const opaque = this.#host.lookupOpaque(token)
    if (opaque !== undefined) return opaque
    return verifyIssuerJwt(token, this.#host.publishedKeys().keys, { issuer: this.#host.issuer, nowSeconds: this.#host.nowSeconds() })
  }
}
