/**
 * A response served instead of the real document, e.g. a hostile JWKS or discovery metadata
 * naming another issuer.
 *
 * @example
 * ```ts
 * import type { CustomResponse } from '@portcullis/testing'
 * const tooMany: CustomResponse = { body: { keys: Array(10_000).fill({ kty: 'RSA' }) } }
 * ```
 */
export interface CustomResponse {
  /** JSON value to serialise; a string is sent verbatim (e.g. truncated JSON). */
  body: unknown
  /** HTTP status, default 200. */
  status?: number
  /** Content-Type, default `application/json`. */
  contentType?: string
}

/**
 * How an endpoint answers, for failure tests:
 * - `'ok'`: the real document (default);
 * - `'error'`: HTTP 500 with a JSON error body;
 * - `'down'`: the socket is destroyed without a response (the client sees a network error);
 * - `'hang'`: no answer until the issuer is closed (client timeouts);
 * - a {@link CustomResponse}: that body and status instead of the real document.
 *
 * @example
 * ```ts
 * import { createIssuer, type EndpointBehaviour } from '@portcullis/testing'
 * const issuer = await createIssuer()
 * const outage: EndpointBehaviour = 'down'
 * issuer.setJwksBehaviour(outage)
 * ```
 */
export type EndpointBehaviour = 'ok' | 'error' | 'down' | 'hang' | CustomResponse
