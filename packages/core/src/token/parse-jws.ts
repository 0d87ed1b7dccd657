import { TokenInvalid } from '../internal/failures.js'
import { isCanonicalBase64url } from './base64url.js'
import { hasDuplicateMembers } from './duplicate-members.js'

/** A compact JWS split and decoded, not yet verified. */
export interface ParsedJws {
  readonly header: Readonly<Record<string, unknown>>
  readonly payload: Record<string, unknown>
  /** ASCII bytes of `header.payload`, the JWS signing input (RFC 7515 §5.2). */
  readonly signingInput: Buffer
  readonly signature: Buffer
}

// Strict UTF-8 (RFC 8725 §3.7): invalid sequences are an error, not replacement characters.
// `ignoreBOM: true` keeps a leading U+FEFF in the text instead of dropping it silently: a
// byte-order mark is not JSON (RFC 8259 §8.1), and it is refused below.
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true })

function decodeJsonObject(segment: string, what: string): Record<string, unknown> {
  // Canonical base64url only (RFC 7515 §2): one segment, one spelling.
  if (!isCanonicalBase64url(segment)) {
    throw TokenInvalid.create('malformed', `The token ${what} is not canonical base64url`)
  }
  const bytes = Buffer.from(segment, 'base64url')
  if (bytes.length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) {
    throw TokenInvalid.create('malformed', `The token ${what} starts with a byte-order mark`)
  }
  let text: string
  let value: unknown
  try {
    text = utf8.decode(bytes)
    value = JSON.parse(text)
  } catch {
    // No cause kept: a JSON.parse message quotes the input, and the input is token content.
    throw TokenInvalid.create('malformed', `The token ${what} is not valid JSON`)
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw TokenInvalid.create('malformed', `The token ${what} is not a JSON object`)
  }
  // RFC 7515 §5.2, RFC 7519 §4: a member named twice is refused, never "last one wins".
  if (hasDuplicateMembers(text, value)) {
    throw TokenInvalid.create('malformed', `The token ${what} names a member twice`)
  }
  return value as Record<string, unknown>
}

/**
 * Splits and decodes a compact JWS (RFC 7515 §7.1, RFC 7519 §7.2) strictly: exactly three
 * non-empty canonical base64url parts, a header and a payload that are JSON objects in valid
 * UTF-8, without a byte-order mark and without duplicate member names.
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
  // The last character may carry unused bits that the decoder ignores: accept only the
  // canonical spelling, so one signature has one token string (tokens are hashed for audit
  // fingerprints and caches).
  if (!isCanonicalBase64url(signaturePart)) {
    throw TokenInvalid.create('malformed', 'The token signature is not canonical base64url')
  }
  const signature = Buffer.from(signaturePart, 'base64url')
  const header = decodeJsonObject(headerPart, 'header')
  const payload = decodeJsonObject(payloadPart, 'payload')
  return { header, payload, signingInput: Buffer.from(token.slice(0, second), 'latin1'), signature }
}
