import ipaddr from 'ipaddr.js'
import { parseIpAddress } from '../network/ip-address.js'

/**
 * The rate limit key of a client address: IPv4 as is, IPv6 by its /64, the smallest prefix a
 * site is usually given (RFC 6177 §2), since one client can pick any address inside it. An
 * unknown address is `unknown` (one shared bucket).
 */
export function addressKey(address: string | undefined): string {
  const ip = parseIpAddress(address)
  if (ip === undefined) return 'unknown'
  if (ip.family === 4) return ip.address
  const bytes = ipaddr.parse(ip.address).toByteArray().slice(0, 8).concat([0, 0, 0, 0, 0, 0, 0, 0])
  return `${ipaddr.fromByteArray(bytes).toString()}/64`
}
