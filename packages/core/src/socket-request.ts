import type { Socket } from 'node:net'
import type { TLSSocket } from 'node:tls'
import type { PortcullisRequest } from './request.js'

/**
 * A {@link PortcullisRequest} read from a Node.js HTTP request, as the adapters build one per
 * request. A class rather than an object literal: a literal with a getter is built through a slow
 * path of the engine on every call (it showed in CPU profiles of the cache-hit path), and the
 * certificate getter here is shared by every instance through the prototype.
 *
 * @example
 * ```ts
 * import { createServer } from 'node:http'
 * import { createAuthenticator, SocketRequest } from '@portcullis/core'
 * const auth = createAuthenticator({ issuer: 'https://id.example.com/', audience: 'https://api.example.com' })
 * createServer((req, res) => {
 *   auth.authenticate(new SocketRequest(req.method ?? 'GET', req.url ?? '/', req.headers, req.rawHeaders, undefined, req.socket)).then(
 *     (result) => res.end(result?.identity.subject ?? ''),
 *     (error: { status: number }) => { res.statusCode = error.status; res.end() },
 *   )
 * })
 * ```
 */
export class SocketRequest implements PortcullisRequest {
  /** Whether the connection is TLS (`https:`). */
  readonly secure: boolean
  /** The peer's address (the proxy's, behind one: see `trustedProxies`). */
  readonly remoteAddress: string | undefined
  readonly #socket: Socket | undefined
  readonly #body: unknown
  readonly #route: string | undefined

  constructor(
    readonly method: string,
    /** Path and query as received. */
    readonly url: string,
    readonly headers: PortcullisRequest['headers'],
    readonly rawHeaders: readonly string[] | undefined,
    body: unknown,
    socket: Socket | undefined,
    route?: string,
  ) {
    this.#socket = socket
    this.#body = body
    this.#route = route
    this.secure = (socket as TLSSocket | undefined)?.encrypted === true
    this.remoteAddress = socket?.remoteAddress
  }

  /**
   * The parsed body, when the framework has parsed one (form-encoded tokens, RFC 6750 §2.2).
   * An accessor, so that an adapter's subclass can read it from the framework only when asked.
   */
  get body(): unknown {
    return this.#body
  }

  /** The matched route template, for audit events, once routing has matched one. */
  get route(): string | undefined {
    return this.#route
  }

  /**
   * RFC 8705: the certificate of the TLS handshake, whether or not its chain was verified (the
   * token binding, not the chain, proves possession: RFC 8705 §6.2). Read lazily: only a
   * certificate-bound token needs it.
   */
  get clientCertificate(): Uint8Array | undefined {
    const socket = this.#socket as TLSSocket | undefined
    return this.secure && typeof socket?.getPeerCertificate === 'function' ? (socket.getPeerCertificate().raw as Buffer | undefined) : undefined
  }
}
