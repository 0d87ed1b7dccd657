import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto'
import { TokenInvalid } from '../../internal/failures.js'
import type { PortcullisRequest } from '../../request.js'
import { trustedProxyHeader, type ProxyTrust } from '../trusted-proxies.js'

/**
 * How a TLS-terminating proxy forwards the client certificate:
 * - `'pem'`: URL-encoded PEM, as nginx `$ssl_client_escaped_cert` or Traefik send it;
 * - `'rfc9440'`: RFC 9440 `Client-Cert`, a structured-field byte sequence `:base64(DER):`.
 */
export type CertificateHeaderFormat = 'pem' | 'rfc9440'

/** Where the client certificate is read from, compiled from `mtls` options. */
export interface CertificateRules {
  /** Lower-case header name, or undefined to use the TLS socket only. */
  readonly header: string | undefined
  readonly format: CertificateHeaderFormat
  readonly trustProxy: ProxyTrust
}

// A certificate chain forwarded by a proxy is a few KB; anything far larger is refused unparsed.
const MAX_HEADER_LENGTH = 32 * 1024
// Exactly one certificate: a second one (a chain, or a list) is refused, not skipped.
const PEM = /^-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----$/
const RFC9440 = /^:([A-Za-z0-9+/]+={0,2}):$/

function malformed(): TokenInvalid {
  return TokenInvalid.create('certificate', 'The forwarded client certificate is malformed')
}

function decodeHeader(value: string, format: CertificateHeaderFormat): Buffer {
  if (value.length > MAX_HEADER_LENGTH) throw malformed()
  if (format === 'rfc9440') {
    const match = RFC9440.exec(value.trim())
    if (match === null) throw malformed()
    return Buffer.from(match[1] as string, 'base64')
  }
  let pem: string
  try {
    pem = decodeURIComponent(value.trim())
  } catch {
    throw malformed()
  }
  const match = PEM.exec(pem.trim())
  if (match === null) throw malformed()
  return Buffer.from((match[1] as string).replace(/\s+/g, ''), 'base64')
}

/**
 * The DER of the request's client certificate: from the configured proxy header when the
 * peer is a trusted proxy (the proxy's own socket certificate means nothing then), otherwise
 * from the TLS socket. A header from any other peer is ignored (RFC 9700 §4.13; RFC 8705 §6.5). A forwarded
 * header that is repeated, a list or empty, or that is not exactly one well-formed X.509
 * certificate (parsed by node:crypto, RFC 8705 §7.5), is refused as `invalid_token`, never a 500.
 */
export function clientCertificateOf(request: PortcullisRequest, rules: CertificateRules): Uint8Array | undefined {
  if (rules.header !== undefined && rules.trustProxy(request.remoteAddress)) {
    // Exactly one copy holding one certificate (trustedProxyHeader): with a repeated, listed
    // or empty copy the first certificate would be the client's choice, e.g. a victim's.
    const value = trustedProxyHeader(request, rules.header)
    if (value === undefined) return undefined
    if (value === null) throw malformed()
    const der = decodeHeader(value, rules.format)
    try {
      // Parsed only to prove it is one certificate; the thumbprint is over these exact bytes.
      new X509Certificate(der)
    } catch {
      throw malformed()
    }
    return der
  }
  return request.clientCertificate
}

/**
 * `x5t#S256` of a certificate: base64url(SHA-256(DER)), no padding (RFC 8705 §3.1).
 *
 * @example
 * ```ts
 * import { certificateThumbprint } from '@portcullis/core'
 * const bound = req.auth?.confirmation?.['x5t#S256'] === certificateThumbprint(socket.getPeerCertificate().raw)
 * ```
 */
export function certificateThumbprint(der: Uint8Array): string {
  return createHash('sha256').update(der).digest('base64url')
}

/** Constant-time comparison of the token's `x5t#S256` with the certificate's (RFC 8705 §3, §3.1). */
export function thumbprintMatches(expected: string, der: Uint8Array): boolean {
  const actual = Buffer.from(certificateThumbprint(der))
  const wanted = Buffer.from(expected)
  return actual.length === wanted.length && timingSafeEqual(actual, wanted)
}
