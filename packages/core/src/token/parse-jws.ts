import { TokenInvalid } from '../internal/failures.js'

/** A compact JWS split and decoded, not yet verified. */
export interface ParsedJws {
  readonly header: Readonly<Record<string, unknown>>
  readonly payload: Record<string, unknown>
  /** ASCII bytes of `header.payload`, the JWS signing input (RFC 7515 §5.2). */
  readonly signingInput: Buffer
  readonly signature: Buffer
}

// base64url without padding or whitespace (RFC 7515 §2); anything else is refused.
const BASE64URL = /^[A-Za-z0-9_-]+$/
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false })

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  // A length of 1 modulo 4 cannot be base64url; Node would decode it leniently.
  if (!BASE64URL.test(segment) || segment.length % 4 === 1) {
    throw TokenInvalid.create('malformed', `The token ${what} is not base64url`)
  }
  let value: unknown
  try {
    // Strict UTF-8 (RFC 8725 §3.7): invalid sequences are an error, not replacement characters.
    value = JSON.parse(utf8.decode(Buffer.from(segment, 'base64url')))
  } catch {
    // No cause kept: a JSON.parse message quotes the input, and the input is token content.
    throw TokenInvalid.create('malformed', `The token ${what} is not valid JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw TokenInvalid.create('malformed', `The token ${what} is not a JSON object`)
  }
  return value as Record<string, unknown>
}

/**
 * Splits and decodes a compact JWS (RFC 7515 §7.1, RFC 7519 §7.2) strictly: exactly three
 * non-empty base64url parts, a header and a payload that are JSON objects in valid UTF-8.
 * JWE (five parts), JSON serialization and unsecured JWTs are refused.
 */
export function parseCompactJws(token: string): ParsedJws {
  const first = token.indexOf('.')
  const second = first === -1 ? -1 : token.indexOf('.', first + 1)
  if (first === -1 || second === -1 || token.indexOf('.', second + 1) !== -1) {
    throw TokenInvalid.create('malformed', 'The token is not a compact JWS')
  }
  const headerPart = token.slice(0, first)
  const payloadPart = token.slice(first + 1, second)
  const signaturePart = token.slice(second + 1)
  if (signaturePart === '' || !BASE64URL.test(signaturePart) || signaturePart.length % 4 === 1) {
    throw TokenInvalid.create('malformed', 'The token signature is not base64url')
  }
  const signature = Buffer.from(signaturePart, 'base64url')
  // The last character may carry unused bits that the decoder ignores: accept only the
  // canonical spelling, so one signature has one token string (tokens are hashed for audit
  // fingerprints and caches).
  if (signature.toString('base64url') !== signaturePart) {
    throw TokenInvalid.create('malformed', 'The token signature is not canonical base64url')
  }
  const header = decodeJsonObject(headerPart, 'header')
  const payload = decodeJsonObject(payloadPart, 'payload')
  return { header, payload, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature }
}
