import { BlockList, isIP } from 'node:net'

/** The loopback addresses: the default set of trusted proxies (a proxy on the same host). */
export const LOOPBACK = ['127.0.0.0/8', '::1']

/**
 * Compiles a list of IP addresses and CIDR ranges into a check of a connection's peer. Throws
 * an `Error` naming the bad entry. Only these peers may call the auth endpoints: the original
 * method, URI and host are taken from their headers, which anybody else could forge.
 */
export function compileProxyTrust(entries: readonly string[]): (address: string | undefined) => boolean {
  const list = new BlockList()
  for (const entry of entries) {
    const slash = entry.indexOf('/')
    const address = slash === -1 ? entry : entry.slice(0, slash)
    const family = isIP(address)
    if (family === 0) throw new Error(`${JSON.stringify(entry)} is not an IP address or CIDR range`)
    const type = family === 4 ? 'ipv4' : 'ipv6'
    if (slash === -1) {
      list.addAddress(address, type)
      continue
    }
    const text = entry.slice(slash + 1)
    const bits = /^[0-9]{1,3}$/.test(text) ? Number(text) : NaN
    if (!(bits >= 0 && bits <= (family === 4 ? 32 : 128))) throw new Error(`${JSON.stringify(entry)} has an invalid prefix length`)
    list.addSubnet(address, bits, type)
  }
  return (remote) => {
    if (remote === undefined) return false
    // Node reports IPv4 peers of a dual-stack socket as IPv4-mapped IPv6 (::ffff:127.0.0.1).
    const address = remote.startsWith('::ffff:') && isIP(remote.slice(7)) === 4 ? remote.slice(7) : remote
    const family = isIP(address)
    return family !== 0 && list.check(address, family === 4 ? 'ipv4' : 'ipv6')
  }
}
