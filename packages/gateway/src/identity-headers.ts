import type { Identity } from '@portcullis/core'
import type { IdentityHeadersConfig } from './config/config.js'

/** Resolved identity header names (lower case) and the value bound. */
export interface IdentityHeaderNames {
  readonly subject: string | undefined
  readonly client: string | undefined
  readonly scopes: string | undefined
  readonly claims: readonly (readonly [claim: string, header: string])[]
  readonly maxLength: number
}

/** Default header names. */
export const DEFAULT_IDENTITY_HEADERS = { subject: 'x-portcullis-subject', client: 'x-portcullis-client', scopes: 'x-portcullis-scopes' } as const

/** Resolves the configured names over the defaults. */
export function identityHeaderNames(config: IdentityHeadersConfig | undefined): IdentityHeaderNames {
  const name = (value: string | false | undefined, fallback: string): string | undefined => (value === false ? undefined : (value ?? fallback).toLowerCase())
  return {
    subject: name(config?.subject, DEFAULT_IDENTITY_HEADERS.subject),
    client: name(config?.client, DEFAULT_IDENTITY_HEADERS.client),
    scopes: name(config?.scopes, DEFAULT_IDENTITY_HEADERS.scopes),
    claims: Object.entries(config?.claims ?? {}).map(([claim, header]) => [claim, header.toLowerCase()] as const),
    maxLength: config?.maxLength ?? 1024,
  }
}

/** Every header name the gateway may set on an allow answer (documented for the proxy configs). */
export function allIdentityHeaderNames(names: IdentityHeaderNames): string[] {
  return [names.subject, names.client, names.scopes, ...names.claims.map(([, header]) => header)].filter((n): n is string => n !== undefined)
}

/**
 * A header-safe rendering of a claim value, or `undefined` when it cannot be sent safely.
 * Strings, numbers and booleans are sent; a list of them is joined with spaces (like `scope`).
 * Control characters (CR, LF: header injection) make the value unusable; other non-ASCII text is
 * percent-encoded as UTF-8 so that every proxy passes it unchanged. A value longer than
 * `maxLength` is left out rather than cut: a truncated list of groups or scopes would still
 * look valid to the upstream.
 */
export function headerValue(value: unknown, maxLength: number): string | undefined {
  let text: string
  if (typeof value === 'string') text = value
  else if (typeof value === 'number' && Number.isFinite(value)) text = String(value)
  else if (typeof value === 'boolean') text = String(value)
  else if (Array.isArray(value) && value.length <= 256 && value.every((v) => typeof v === 'string' || typeof v === 'number')) text = value.join(' ')
  else return undefined
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (text === '' || /[\u0000-\u001f\u007f]/.test(text)) return undefined
  // Percent-encode non-ASCII (and '%' itself, so the encoding is unambiguous).
  let safe = text
  if (/[^\u0020-\u007e]|%/.test(text)) {
    try {
      safe = text.replace(/[^\u0020-\u007e]+|%/gu, (run) => encodeURIComponent(run))
    } catch {
      return undefined // a lone surrogate: not text
    }
  }
  return safe.length > maxLength ? undefined : safe
}

/**
 * The identity headers of an allowed request. Built only from the verified identity: nothing
 * the client sent is ever echoed. Every configured header is present, with an empty value when
 * there is no identity or no safe value: proxies that copy a header only when the answer has
 * it would otherwise pass on the client's copy or, like Caddy 2.6's `copy_headers`, an
 * unreplaced placeholder. nginx sends no header for an empty value; upstreams should treat an
 * empty identity header as absent.
 */
export function identityHeaders(identity: Identity | undefined, names: IdentityHeaderNames): Record<string, string> {
  const out: Record<string, string> = {}
  const set = (name: string | undefined, value: unknown): void => {
    if (name === undefined) return
    out[name] = identity === undefined ? '' : (headerValue(value, names.maxLength) ?? '')
  }
  set(names.subject, identity?.subject)
  set(names.client, identity?.clientId)
  set(names.scopes, identity?.scopes)
  for (const [claim, header] of names.claims) set(header, identity === undefined ? undefined : (identity.claims as Record<string, unknown>)[claim])
  return out
}
