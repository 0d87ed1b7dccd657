import { configurationError } from '../../errors.js'
import type { PortcullisRequest } from '../../request.js'
import { trustedProxyHeader, type ProxyTrust } from '../trusted-proxies.js'

// RFC 3986 §2.3 unreserved characters: a percent-encoding of one of them is decoded (§6.2.2.2).
const UNRESERVED = /[A-Za-z0-9\-._~]/
const PERCENT = /%([0-9A-Fa-f]{2})/g

/**
 * Normalises the path of a URI as RFC 3986 §6.2.2 asks: percent-encodings in upper case
 * (§6.2.2.1), unreserved characters decoded (§6.2.2.2). Dot segments (§6.2.2.3) never get
 * here: `normaliseHtu` refuses URIs that have any.
 */
function normalisePath(path: string): string {
  return path.replace(PERCENT, (_match, hex: string) => {
    const char = String.fromCharCode(parseInt(hex, 16))
    return UNRESERVED.test(char) ? char : `%${hex.toUpperCase()}`
  })
}

// scheme "://" authority, then the path exactly as written (up to the query or fragment).
const RAW_PATH = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*([^?#]*)/
// A dot segment ("." or ".."), raw or percent-encoded in any case ("%2e", ".%2E"...).
const DOT_SEGMENT = /(?:^|\/)(?:\.|%2e){1,2}(?=$|\/)/i
// Spaces and controls anywhere (the WHATWG parser silently drops tabs and newlines) and
// backslashes in the path (it reads them as "/"): what a router sees would differ.
function hasControlOrSpace(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code <= 0x20 || code === 0x7f) return true
  }
  return false
}

/**
 * Normalises an absolute http(s) URI for comparison (RFC 9449 §4.3 check 9): scheme
 * and host in lower case and the default port dropped (RFC 3986 §6.2.3, done by the WHATWG
 * parser), query and fragment removed, path normalised. Returns `undefined` for anything else
 * (relative URIs, other schemes, user info), and for a path with dot segments (raw or
 * percent-encoded) or backslashes: Express and Koa route on the path as received, without
 * removing dot segments, so `/admin/../orders` is not the resource `/orders` to them and must
 * never match a proof made for `/orders` (nor the other way round).
 */
export function normaliseHtu(value: string): string | undefined {
  if (hasControlOrSpace(value)) return undefined
  const raw = RAW_PATH.exec(value)?.[1]
  if (raw === undefined || raw.includes('\\') || DOT_SEGMENT.test(raw)) return undefined
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return undefined
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '') return undefined
  return `${url.protocol}//${url.host}${normalisePath(url.pathname)}`
}

/** Where the external origin of requests comes from, compiled from the options. */
export interface OriginRules {
  /** Configured public origins (normalised `scheme://host[:port]`). */
  readonly origins: readonly string[]
  readonly trustProxy: ProxyTrust
}

/** Validates `dpop.origin` (one origin or a list; no path, query or fragment). */
export function compileOrigins(value: unknown): string[] {
  if (value === undefined) return []
  const items = typeof value === 'string' ? [value] : Array.isArray(value) ? (value as unknown[]) : undefined
  if (items === undefined || items.length === 0) throw configurationError('dpop.origin must be an origin string or a non-empty array of them')
  return items.map((item) => {
    if (typeof item !== 'string') throw configurationError('dpop.origin must hold strings')
    let url: URL
    try {
      url = new URL(item)
    } catch {
      throw configurationError(`dpop.origin ${JSON.stringify(item)} is not an absolute URL`)
    }
    if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.href !== `${url.origin}/`) {
      throw configurationError(`dpop.origin ${JSON.stringify(item)} must be an http(s) origin without path, query or fragment`)
    }
    return url.origin
  })
}

function pathOf(target: string): string | undefined {
  if (target.startsWith('/')) {
    const end = target.search(/[?#]/)
    return end === -1 ? target : target.slice(0, end)
  }
  // absolute-form request target (RFC 9112 §3.2.2): only its path counts, never its authority.
  // The path is taken as written (a parsed URL would have removed its dot segments already).
  if (!/^https?:\/\//i.test(target)) return undefined
  const raw = RAW_PATH.exec(target)?.[1]
  return raw === undefined ? undefined : raw === '' ? '/' : raw
}

// Proxy headers hold exactly one value; `Host` too (Node keeps only the first of two).
const headerValue = trustedProxyHeader

/**
 * Rebuilds the external URI of `request` (without query and fragment), normalised, for the
 * `htu` comparison. The origin comes from configuration; `X-Forwarded-Proto` and
 * `X-Forwarded-Host` are only read when the connection comes from a trusted proxy, and the
 * `Host` header only picks one of several configured origins: a client can never make the
 * server accept a proof made for another server (host injection, RFC 9449 §4.3; RFC 9700 §4.13).
 * Returns `undefined` when the URI cannot be established safely.
 */
export function requestUri(request: PortcullisRequest, rules: OriginRules): string | undefined {
  const path = pathOf(request.url)
  if (path === undefined) return undefined
  let origin: string | undefined
  if (rules.trustProxy(request.remoteAddress)) {
    // `??` would fall back to Host on an unusable (null) X-Forwarded-Host: only on an absent one.
    const forwardedHost = headerValue(request, 'x-forwarded-host')
    const host = forwardedHost === undefined ? headerValue(request, 'host') : forwardedHost
    const forwardedProto = headerValue(request, 'x-forwarded-proto')
    if (forwardedProto === null) return undefined
    const proto = forwardedProto === undefined ? (request.secure === true ? 'https' : 'http') : forwardedProto.toLowerCase()
    if (host === null || proto === null || host === undefined || (proto !== 'http' && proto !== 'https')) return undefined
    origin = originOf(`${proto}://${host}`)
    // A configured list still limits what a proxy may claim.
    if (origin === undefined || (rules.origins.length > 0 && !rules.origins.includes(origin))) return undefined
  } else if (rules.origins.length === 1) {
    origin = rules.origins[0]
  } else if (rules.origins.length > 1) {
    const host = headerValue(request, 'host')
    if (host === null || host === undefined) return undefined
    origin = originOf(`${request.secure === true ? 'https' : 'http'}://${host}`)
    if (origin === undefined || !rules.origins.includes(origin)) return undefined
  } else {
    return undefined
  }
  return normaliseHtu(`${origin}${path}`)
}

function originOf(value: string): string | undefined {
  try {
    const url = new URL(value)
    // Anything beyond scheme://host[:port] in a Host header (a path, user info) is hostile.
    return url.href === `${url.origin}/` ? url.origin : undefined
  } catch {
    return undefined
  }
}
