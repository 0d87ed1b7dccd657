import { configurationError } from '../errors.js'
import { parseCidrList, type CidrSet } from '../network/cidr.js'
import type { PortcullisRequest } from '../request.js'

/** Decides whether the peer of a connection is a configured reverse proxy. */
export type ProxyTrust = (remoteAddress: string | undefined) => boolean

const NOBODY: ProxyTrust = () => false

/**
 * Compiles `trustedProxies` (IP addresses and CIDR ranges, IPv4 or IPv6, by the one CIDR rule
 * of `parseCidrList`) into a check of the connection's peer address; an IPv4 peer of a
 * dual-stack socket (`::ffff:10.0.0.1`) is matched as IPv4. Forwarded headers
 * (`X-Forwarded-Proto`, `X-Forwarded-Host`) and client-certificate headers are only read from
 * these peers (RFC 9700 §4.13): anybody else could simply send them.
 */
export function compileTrustedProxies(value: unknown): ProxyTrust {
  if (value === undefined) return NOBODY
  if (!Array.isArray(value)) throw configurationError('trustedProxies must be an array of IP addresses or CIDR ranges')
  let proxies: CidrSet
  try {
    proxies = parseCidrList(value as string[])
  } catch (error) {
    throw configurationError(`trustedProxies: ${(error as Error).message}`)
  }
  return (remoteAddress) => proxies.has(remoteAddress)
}

/** How many times header `lowerName` occurs in a raw header list (names compare case-insensitively). */
export function countRawHeader(rawHeaders: readonly string[], lowerName: string): number {
  let count = 0
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string
    if (name.length === lowerName.length && name.toLowerCase() === lowerName) count++
  }
  return count
}

/**
 * The one value of header `lowerName` that a trusted proxy set: `undefined` when the request
 * has none, `null` when it is unusable. A proxy that appends to a client-supplied copy instead
 * of replacing it leaves two copies (which Node joins with a comma, or for some names keeps
 * only the first of), a list, or an empty copy next to a real one: any of these means the
 * client may have chosen the value, so it is never read (RFC 9700 §4.13).
 */
export function trustedProxyHeader(request: PortcullisRequest, lowerName: string): string | undefined | null {
  const value = request.headers[lowerName]
  const copies = request.rawHeaders === undefined ? undefined : countRawHeader(request.rawHeaders, lowerName)
  if (value === undefined && (copies === undefined || copies === 0)) return undefined
  if (copies !== undefined && copies !== 1) return null
  if (typeof value !== 'string' || value.includes(',')) return null
  const trimmed = value.trim()
  return trimmed === '' ? null : trimmed
}
