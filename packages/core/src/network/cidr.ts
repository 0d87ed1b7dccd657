import ipaddr from 'ipaddr.js'
import { parseIpAddress, type IpAddress } from './ip-address.js'

/** A compiled set of CIDR blocks. */
export interface CidrSet {
  /** The blocks in canonical form (`10.0.0.0/8`, `2001:db8::/32`), in declaration order. */
  readonly entries: readonly string[]
  /**
   * True when `ip` is an address inside one of the blocks. An IPv4-mapped IPv6 address is
   * tested as its IPv4 address. Anything that is not a strictly valid address (non-string,
   * hostname, `010.0.0.1`, brackets, a port) gives `false`: this is applied to request data,
   * so it never throws.
   */
  has(ip: unknown): boolean
}

// Digits only, no sign, no leading zero: `/08`, `/+8` or `/ 8` are typos, not prefixes.
const PREFIX = /^(0|[1-9]\d{0,2})$/

type Block = [ipaddr.IPv4 | ipaddr.IPv6, number]

function hostBitsSet(ip: IpAddress, prefix: number): boolean {
  return ipaddr.parse(ip.address).toByteArray().some((byte, index) => {
    const networkBits = prefix - 8 * index
    return networkBits < 8 && (byte & (0xff >> Math.max(networkBits, 0))) !== 0
  })
}

function parseEntry(entry: unknown, index: number): { ip: IpAddress; prefix: number } {
  const where = `CIDR list entry ${index}`
  if (typeof entry !== 'string') throw new TypeError(`${where} must be a string`)
  const slash = entry.indexOf('/')
  const addressText = slash === -1 ? entry : entry.slice(0, slash)
  if (addressText.includes('%')) throw new TypeError(`${where} (${JSON.stringify(entry)}): a zone id is not allowed`)
  const ip = parseIpAddress(addressText)
  if (ip === undefined) throw new TypeError(`${where} (${JSON.stringify(entry)}) is not an IP address or CIDR block (IPv4 or IPv6)`)
  const width = ip.family === 4 ? 32 : 128
  let prefix = width
  if (slash !== -1) {
    const prefixText = entry.slice(slash + 1)
    if (!PREFIX.test(prefixText)) throw new TypeError(`${where} (${JSON.stringify(entry)}) has an invalid prefix length`)
    prefix = Number(prefixText)
    // An IPv4-mapped block (`::ffff:10.0.0.0/104`) is normalised to its IPv4 block.
    if (addressText.includes(':') && ip.family === 4) {
      if (prefix < 96) throw new TypeError(`${where} (${JSON.stringify(entry)}): an IPv4-mapped block needs a prefix of at least 96`)
      prefix -= 96
    }
    if (prefix > width) throw new TypeError(`${where} (${JSON.stringify(entry)}): the prefix length exceeds ${width}`)
  }
  // Host bits set (`10.0.0.1/8`) usually means a mistyped block: refuse rather than guess.
  if (hostBitsSet(ip, prefix)) throw new TypeError(`${where} (${JSON.stringify(entry)}) has host bits set beyond /${prefix}`)
  return { ip, prefix }
}

/**
 * Compiles a list of CIDR blocks or single addresses (IPv4 and IPv6) into a {@link CidrSet},
 * matched with `ipaddr.js`. The one CIDR rule of Portcullis (`trustedProxies`, the policy
 * operators and environment readers): parsing is strict, at load time; addresses as
 * {@link parseIpAddress} reads them, prefix lengths plain decimal within range (`/08` is
 * refused), host bits zero, no zone id; IPv4-mapped IPv6 blocks are rewritten as IPv4 blocks.
 * Throws a `TypeError` naming the entry on invalid configuration.
 *
 * @example
 * ```ts
 * import { parseCidrList } from '@portcullis/core'
 * const office = parseCidrList(['10.0.0.0/8', '2001:db8::/32', '192.0.2.7'])
 * office.has('10.1.2.3')         // true
 * office.has('::ffff:10.1.2.3')  // true (IPv4-mapped)
 * office.has('not an ip')        // false
 * ```
 */
export function parseCidrList(list: readonly string[]): CidrSet {
  if (!Array.isArray(list)) throw new TypeError('A CIDR list must be an array of strings')
  const blocks: Record<4 | 6, Block[]> = { 4: [], 6: [] }
  const entries: string[] = []
  list.forEach((entry: unknown, index) => {
    const { ip, prefix } = parseEntry(entry, index)
    blocks[ip.family].push([ipaddr.parse(ip.address), prefix])
    entries.push(`${ip.address}/${prefix}`)
  })
  Object.freeze(entries)
  return {
    entries,
    has(ip: unknown): boolean {
      const parsed = parseIpAddress(ip)
      if (parsed === undefined || blocks[parsed.family].length === 0) return false
      const address = ipaddr.parse(parsed.address)
      return blocks[parsed.family].some((block) => address.match(block))
    },
  }
}
