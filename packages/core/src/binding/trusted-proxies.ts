import { configurationError } from '../errors.js'
import { parseCidrList, type CidrSet } from '../network/cidr.js'

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
