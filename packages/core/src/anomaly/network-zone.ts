import ipaddr from 'ipaddr.js'
import { CANONICAL_IPV4, parseIpAddress } from '../network/ip-address.js'

/**
 * The default network zone of a client address: its IPv4 /24 or its IPv6 /48, the blocks
 * networks are usually given (a site's /48, RFC 6177 §3), so that a client moving inside its
 * own network is not a new zone. `undefined` for anything that is not an address.
 *
 * @example
 * ```ts
 * import { defaultNetworkZone } from '@portcullis/core'
 * defaultNetworkZone('203.0.113.7')        // '203.0.113.0/24'
 * defaultNetworkZone('2001:db8:1:2::7')    // '2001:db8:1::/48'
 * ```
 */
export function defaultNetworkZone(address: string | undefined): string | undefined {
  if (address === undefined) return undefined
  // The client address is usually canonical already (clientAddress): a plain dotted quad needs no parsing.
  if (CANONICAL_IPV4.test(address)) return `${address.slice(0, address.lastIndexOf('.'))}.0/24`
  const ip = parseIpAddress(address)
  if (ip === undefined) return undefined
  if (ip.family === 4) return `${ip.address.slice(0, ip.address.lastIndexOf('.'))}.0/24`
  const parts = (ipaddr.parse(ip.address) as ipaddr.IPv6).parts
  return `${new ipaddr.IPv6([parts[0] as number, parts[1] as number, parts[2] as number, 0, 0, 0, 0, 0]).toRFC5952String()}/48`
}
