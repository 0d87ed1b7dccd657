/**
 * The plain request shape the core works on. Adapters translate `req` / `ctx` into it; the
 * core never sees a framework object.
 */
export interface PortcullisRequest {
  /** HTTP method, upper case (`GET`). */
  readonly method: string
  /** The request target as received: path and query (`/orders?page=2`). */
  readonly url: string
  /** Headers with lower-case names, as Node's `IncomingMessage#headers` gives them. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>
  /**
   * Raw header list (`IncomingMessage#rawHeaders`). Node keeps only the first of repeated
   * `Authorization` headers in `headers`; with this list a repeated one is detected and
   * refused as `invalid_request` instead of silently ignored.
   */
  readonly rawHeaders?: readonly string[]
  /** The parsed body, when the framework parsed one (only read for the body method). */
  readonly body?: unknown
  /**
   * The remote address of the connection: for audit, and to decide whether the peer is one of
   * the configured `trustedProxies` (whose forwarded and client-certificate headers are read).
   */
  readonly remoteAddress?: string
  /** True when the connection itself is TLS (used to rebuild the request URI for DPoP `htu`). */
  readonly secure?: boolean
  /**
   * DER of the client certificate presented in the TLS handshake, when there was one (RFC 8705
   * certificate-bound tokens). Adapters read it from the TLS socket.
   */
  readonly clientCertificate?: Uint8Array
  /**
   * The matched route template (`/orders/:id`), when the adapter knows it: for audit events.
   * Never the raw path: it is bounded by the application's routes.
   */
  readonly route?: string
}
