import ipaddr from 'ipaddr.js'

/** An IP address in canonical text form with its family. */
export interface IpAddress {
  /** Canonical text: dotted quad for IPv4 (also for IPv4-mapped IPv6), RFC 5952 for IPv6. */
  readonly address: string
  readonly family: 4 | 6
}

// Longer than any textual IPv6 address with a zone id: anything longer is not an address,
// and refusing it early keeps hostile header values cheap.
const MAX_ADDRESS_LENGTH = 64
// The deprecated IPv4-compatible form `::a.b.c.d` (RFC 4291 §2.5.5.1).
const IPV4_COMPATIBLE = /^::[0-9.]+$/
/**
 * A canonical dotted quad: four decimal parts 0-255 without leading zeros. Such text is its own
 * canonical form, so it needs no parsing; this is the common case of every request (the peer
 * address, an X-Forwarded-For hop), where ipaddr.js costs microseconds.
 */
export const CANONICAL_IPV4 = /^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/
// The IPv4 peer of a dual-stack socket, as Node writes it.
const MAPPED_PREFIX = '::ffff:'

/**
 * Parses one IP address strictly, with `ipaddr.js` (as Express's proxy-addr does) under a
 * stricter gate: IPv4 only as four plain decimal parts, no leading zeros, hex or shortened
 * forms (`010.0.0.1`, `0x7f.1`, `127.1` are refused, because resolvers disagree on what they
 * mean), also inside IPv6. IPv4-mapped IPv6 (`::ffff:10.0.0.1`, `::ffff:a00:1`) becomes the
 * IPv4 address, so one rule covers both spellings; an IPv6 zone id (`%eth0`) is dropped.
 * Returns `undefined` for anything else, including non-strings: it never throws on request data.
 *
 * @example
 * ```ts
 * import { parseIpAddress } from '@portcullis/core'
 * parseIpAddress('::FFFF:10.0.0.1') // { address: '10.0.0.1', family: 4 }
 * parseIpAddress('010.0.0.1')       // undefined
 * ```
 */
export function parseIpAddress(value: unknown): IpAddress | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return undefined
  if (CANONICAL_IPV4.test(value)) return { address: value, family: 4 }
  if (value.startsWith(MAPPED_PREFIX)) {
    const tail = value.slice(MAPPED_PREFIX.length)
    if (CANONICAL_IPV4.test(tail)) return { address: tail, family: 4 }
  }
  if (ipaddr.IPv4.isValidFourPartDecimal(value)) return { address: ipaddr.IPv4.parse(value).toString(), family: 4 }
  if (!value.includes(':') || !ipaddr.IPv6.isValid(value)) return undefined
  const zone = value.indexOf('%')
  const text = zone === -1 ? value : value.slice(0, zone)
  if (zone === value.length - 1) return undefined
  const tail = text.slice(text.lastIndexOf(':') + 1)
  if (tail.includes('.') && !ipaddr.IPv4.isValidFourPartDecimal(tail)) return undefined
  const parts = ipaddr.IPv6.parse(value).parts.slice()
  // ipaddr.js reads `::a.b.c.d` as IPv4-mapped; it is the (deprecated) IPv4-compatible address.
  if (IPV4_COMPATIBLE.test(text)) parts[5] = 0
  const ip = new ipaddr.IPv6(parts)
  if (ip.isIPv4MappedAddress()) return { address: ip.toIPv4Address().toString(), family: 4 }
  return { address: ip.toRFC5952String(), family: 6 }
}
