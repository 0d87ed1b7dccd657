import type { ServerResponse } from 'node:http'
import { errorBody, isPortcullisError, type PortcullisError } from '@portcullis/core'

/**
 * The JSON error body is also sent in this header: nginx `auth_request` drops the body of the
 * auth answer, and the documented nginx snippet renders this header as the client's body.
 */
export const ERROR_HEADER = 'x-portcullis-error'

/** Answers an allowed request: 200, no body, the identity and obligation headers. */
export function allow(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  res.writeHead(200, { ...headers, 'cache-control': 'no-store', 'content-length': '0' })
  res.end()
}

/** Answers a refusal exactly as the adapters do: status, `WWW-Authenticate`, `errorBody()` (`status`: the one sent, for nginx). */
export function refuse(res: ServerResponse, error: PortcullisError, status = error.status): void {
  const body = JSON.stringify(errorBody(error))
  res.writeHead(status, {
    ...error.headers,
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    // The body is built from the error code and the core's fixed descriptions; strip anything
    // outside printable ASCII so it is always a valid header value.
    [ERROR_HEADER]: body.replace(/[^\u0020-\u007e]/g, '?'),
    'content-length': String(Buffer.byteLength(body)),
  })
  res.end(body)
}

/** A plain JSON answer of the gateway's own (health, refusals outside the token path). */
export function json(res: ServerResponse, status: number, body: Record<string, unknown>, headers: Record<string, string> = {}, type = 'application/json; charset=utf-8'): void {
  const text = JSON.stringify(body)
  res.writeHead(status, { 'cache-control': 'no-store', ...headers, 'content-type': type, 'content-length': String(Buffer.byteLength(text)) })
  res.end(text)
}

/** True for errors the core produced (answered as they are); anything else is a fault. */
export { isPortcullisError }
