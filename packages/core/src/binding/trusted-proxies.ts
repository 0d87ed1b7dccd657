import { BlockList, isIP } from 'node:net'
import { configurationError } from '../errors.js'
import type { PortcullisRequest } from '../request.js'

/** Decides whether the peer of a connection is a configured reverse proxy. */
export type ProxyTrust = (remoteAddress: string | undefined) => boolean

const NOBODY: ProxyTrust = () => false

// Node reports IPv4 peers of a dual-stack socket as IPv4-mapped IPv6 (::ffff:10.0.0.1).
function unmap(address: string): string {
  return address.startsWith('::ffff:') && isIP(address.slice(7)) === 4 ? address.slice(7) : address
}

/**
 * Compiles `trustedProxies` (IP addresses and CIDR ranges, IPv4 or IPv6) into a check of the
 * connection's peer address. Forwarded headers (`X-Forwarded-Proto`, `X-Forwarded-Host`) and
 * client-certificate headers are only read from these peers (RFC 9700 §4.13, SEC-08): anybody
 * else could simply send them.
 */
export function compileTrustedProxies(value: unknown): ProxyTrust {
  if (value === undefined) return NOBODY
  if (!Array.isArray(value)) throw configurationError('trustedProxies must be an array of IP addresses or CIDR ranges')
  const list = new BlockList()
  for (const entry of value as unknown[]) {
    if (typeof entry !== 'string') throw configurationError('trustedProxies must hold strings')
    const slash = entry.indexOf('/')
    const address = slash === -1 ? entry : entry.slice(0, slash)
    const family = isIP(address)
    if (family === 0) throw configurationError(`trustedProxies: ${JSON.stringify(entry)} is not an IP address or CIDR range`)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (slash === -1) {
      list.addAddress(address, type)
      continue
    }
    const prefix = entry.slice(slash + 1)
    const bits = /^[0-9]{1,3}$/.test(prefix) ? Number(prefix) : NaN
    if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128))) {
      throw configurationError(`trustedProxies: ${JSON.stringify(entry)} has an invalid prefix length`)
    }
    list.addSubnet(address, bits, type)
  }
  return (remoteAddress) => {
    if (remoteAddress === undefined) return false
    const address = unmap(remoteAddress)
    const family = isIP(address)
    if (family === 0) return false
    return list.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }
}

/**
 * The single value of a header set by a trusted proxy. A repeated header, or a list value,
 * means a proxy appended to a client-supplied copy instead of replacing it: refused.
 */
export function singleHeader(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined
  if (typeof value !== 'string' || value.includes(',')) return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
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
