import { isIP, SocketAddress } from 'node:net'

/** An IP address in canonical text form with its family. */
export interface IpAddress {
  /** Canonical text: dotted quad for IPv4 (also for IPv4-mapped IPv6), RFC 5952 for IPv6. */
  readonly address: string
  readonly family: 4 | 6
}

// Longer than any textual IPv6 address with a zone id: anything longer is not an address,
// and refusing it early keeps hostile header values cheap.
const MAX_ADDRESS_LENGTH = 64
const MAPPED_PREFIX = '::ffff:'

/**
 * Parses one IP address strictly, as `node:net` does: no leading zeros, hex or shortened
 * IPv4 forms (`010.0.0.1`, `0x7f.1`, `127.1` are refused, because resolvers disagree on what
 * they mean). IPv4-mapped IPv6 (`::ffff:10.0.0.1`, `::ffff:a00:1`) becomes the IPv4 address,
 * so one rule covers both spellings; an IPv6 zone id (`%eth0`) is dropped. Returns
 * `undefined` for anything else, including non-strings: it never throws on request data.
 *
 * @example
 * ```ts
 * parseIpAddress('::FFFF:10.0.0.1') // { address: '10.0.0.1', family: 4 }
 * parseIpAddress('010.0.0.1')       // undefined
 * ```
 */
export function parseIpAddress(value: unknown): IpAddress | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_ADDRESS_LENGTH) return undefined
  const family = isIP(value)
  if (family === 4) return { address: value, family: 4 }
  if (family !== 6) return undefined
  // SocketAddress canonicalises (lower case, `::` compression) and drops the zone id.
  const address = new SocketAddress({ address: value, family: 'ipv6' }).address
  if (address.startsWith(MAPPED_PREFIX)) {
    const tail = address.slice(MAPPED_PREFIX.length)
    if (isIP(tail) === 4) return { address: tail, family: 4 }
  }
  return { address, family: 6 }
}

/** The address as an unsigned integer (32 bits for IPv4, 128 for IPv6); `address` must be canonical. */
export function ipToBigInt(ip: IpAddress): bigint {
  if (ip.family === 4) return ip.address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(Number(octet)), 0n)
  let text = ip.address
  const lastColon = text.lastIndexOf(':')
  const tail = text.slice(lastColon + 1)
  if (tail.includes('.')) {
    // Embedded dotted quad (`::1.2.3.4`): rewrite it as two hex groups.
    const v4 = ipToBigInt({ address: tail, family: 4 })
    text = `${text.slice(0, lastColon + 1)}${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`
  }
  const [head = '', rest] = text.split('::')
  const left = head === '' ? [] : head.split(':')
  const right = rest === undefined || rest === '' ? [] : rest.split(':')
  const groups = rest === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right]
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n)
}
