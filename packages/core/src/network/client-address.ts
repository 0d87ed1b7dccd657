import type { ProxyTrust } from '../binding/trusted-proxies.js'
import type { PortcullisRequest } from '../request.js'
import { parseIpAddress } from './ip-address.js'

// More hops than any real proxy chain: a longer X-Forwarded-For is not walked further.
const MAX_HOPS = 32

/**
 * The address of the client behind a request, for per-IP limits: the connection's peer, unless
 * the peer is one of `trustedProxies`; then `X-Forwarded-For` is walked from the right (the
 * hop the trusted proxy added) past further trusted proxies, and the first address that is not
 * a trusted proxy is the client. Entries left of it were written by the client and are never
 * read (RFC 7239 §8.3; RFC 9700 §4.13). An unparsable entry stops the walk at the last trusted
 * hop, so a forged list can only move the request into its proxy's (shared, stricter) bucket.
 * Canonical text (`::ffff:10.0.0.1` is `10.0.0.1`); `undefined` when the peer is unknown.
 *
 * @example
 * ```ts
 * import { clientAddress, compileTrustedProxies } from '@portcullis/core'
 * clientAddress(request, compileTrustedProxies(['10.0.0.0/8'])) // '203.0.113.7' behind 10.0.0.2
 * ```
 */
export function clientAddress(request: PortcullisRequest, trustProxy: ProxyTrust): string | undefined {
  let current = parseIpAddress(request.remoteAddress)?.address
  if (current === undefined || !trustProxy(current)) return current
  const header = request.headers['x-forwarded-for']
  // Node joins repeated X-Forwarded-For lines with ", ": the last line is the nearest proxy's.
  const forwarded = typeof header === 'string' ? header : Array.isArray(header) ? header.join(',') : undefined
  if (forwarded === undefined) return current
  const hops = forwarded.split(',')
  for (let i = hops.length - 1, walked = 0; i >= 0 && walked < MAX_HOPS; i--, walked++) {
    const hop = parseIpAddress((hops[i] as string).trim())?.address
    if (hop === undefined) return current
    current = hop
    if (!trustProxy(current)) return current
  }
  return current
}
