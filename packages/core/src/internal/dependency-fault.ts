/**
 * Why a remote dependency (discovery metadata, a JWK Set, the introspection endpoint) could
 * not be used, in words an operator can act on. Carries the URL without its credentials or
 * query (which may hold an API key) and never a token or a client secret.
 */

/** What went wrong, as a stable, bounded value (logs, metrics, audit events, `health()`). */
export type DependencyFaultKind =
  /** The host name did not resolve (ENOTFOUND, EAI_AGAIN). */
  | 'dns'
  /** The TCP connection was refused, reset or could not be made. */
  | 'connect'
  /** The TLS handshake failed (untrusted or expired certificate, wrong host name). */
  | 'tls'
  /** No complete answer within the timeout. */
  | 'timeout'
  /** The answer was not HTTP 200 (redirects are never followed). */
  | 'http_status'
  /** The body was not JSON. */
  | 'not_json'
  /** The body exceeded the configured size limit. */
  | 'too_large'
  /** The metadata document names another issuer (RFC 8414 §3.3). */
  | 'issuer_mismatch'
  /** The metadata document lacks the member needed, or it is not an acceptable URL. */
  | 'invalid_metadata'
  /** The JWK Set is not one, or holds no key Portcullis can use. */
  | 'no_keys'
  /** Any other network failure. */
  | 'network'

/** A dependency failure with its kind and (redacted) URL. */
export class DependencyFault extends Error {
  readonly kind: DependencyFaultKind
  /** The URL that failed, without user info, query or fragment. */
  readonly url: string
  /** The HTTP status, for `http_status`. */
  readonly status: number | undefined
  constructor(kind: DependencyFaultKind, url: string, message: string, status?: number) {
    super(message)
    this.name = 'DependencyFault'
    this.kind = kind
    this.url = url
    this.status = status
  }
}

/** `url` without user info, query and fragment: enough to find the endpoint, nothing secret. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url)
    return `${parsed.origin}${parsed.pathname}${parsed.search === '' ? '' : '?…'}`
  } catch {
    return '(invalid URL)'
  }
}

const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN', 'EAI_NODATA', 'EAI_NONAME'])
const CONNECT_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EHOSTUNREACH', 'ENETUNREACH', 'EPIPE', 'ETIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_SOCKET', 'EADDRNOTAVAIL'])

/** The first `code` found on `error` or its causes (undici wraps the socket error, maybe in an AggregateError). */
function errorCode(error: unknown, depth = 0): string | undefined {
  if (typeof error !== 'object' || error === null || depth > 4) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code === 'string') return code
  const nested = (error as { errors?: unknown }).errors
  if (Array.isArray(nested) && nested.length > 0) return errorCode(nested[0], depth + 1)
  return errorCode((error as { cause?: unknown }).cause, depth + 1)
}

/** Classifies what `fetch` threw for `url` (before any response arrived). */
export function networkFault(error: unknown, url: string): DependencyFault {
  const shown = redactUrl(url)
  const code = errorCode(error)
  if (code !== undefined && DNS_CODES.has(code)) return new DependencyFault('dns', shown, `GET ${shown}: the host name does not resolve (${code})`)
  if (code !== undefined && CONNECT_CODES.has(code)) return new DependencyFault('connect', shown, `GET ${shown}: the connection failed (${code})`)
  if (code !== undefined && (code.startsWith('ERR_TLS') || code.includes('CERT') || code.startsWith('SELF_SIGNED') || code.startsWith('UNABLE_TO'))) {
    return new DependencyFault('tls', shown, `GET ${shown}: the TLS handshake failed (${code})`)
  }
  // A custom fetch may quote the URL it was given: show it redacted there too.
  const detail = (error instanceof Error ? error.message : String(error)).split(url).join(shown)
  return new DependencyFault('network', shown, `GET ${shown}: ${code === undefined ? detail : `${detail} (${code})`}`.slice(0, 500))
}

/** The first {@link DependencyFault} on `error` or its chain of causes. */
export function findFault(error: unknown): DependencyFault | undefined {
  let current = error
  for (let depth = 0; depth < 5 && typeof current === 'object' && current !== null; depth++) {
    if (current instanceof DependencyFault) return current
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}
