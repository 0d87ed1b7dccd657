import { parseCidrList, type CidrSet } from '@portcullis/core'

/** Maps a client IP (or `undefined`: unknown client) to a zone name. */
export type ZoneResolver = (ip: string | undefined) => string

// A letter or underscore first: an integer-like key ("10") would be moved to the front of
// the object by JavaScript's property order and silently change which zone wins.
const ZONE_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/

function checkName(name: unknown, what: string): string {
  if (typeof name !== 'string' || !ZONE_NAME.test(name)) {
    throw new TypeError(`${what} ${JSON.stringify(name)} must start with a letter or "_" and use at most 64 of A-Z a-z 0-9 _ . : -`)
  }
  return name
}

/**
 * Compiles named network zones (CIDR lists) into a resolver: the first zone, in declaration
 * order, that contains the address wins; an unknown client (`undefined`), a non-address or
 * an address in no zone gets `fallback`. Overlapping zones are allowed on purpose (`vpn`
 * inside `corporate`: declare the narrower one first). Throws a `TypeError` naming the zone
 * on invalid configuration.
 *
 * @example
 * ```ts
 * const zoneOf = createZoneResolver({ vpn: ['10.8.0.0/16'], corporate: ['10.0.0.0/8', '2001:db8::/32'] })
 * zoneOf('10.8.1.1')  // 'vpn'
 * zoneOf('10.1.1.1')  // 'corporate'
 * zoneOf('8.8.8.8')   // 'untrusted'
 * zoneOf(undefined)   // 'untrusted'
 * ```
 */
export function createZoneResolver(zones: Readonly<Record<string, readonly string[]>>, fallback = 'untrusted'): ZoneResolver {
  if (typeof zones !== 'object' || zones === null || Array.isArray(zones)) {
    throw new TypeError('Network zones must be an object of zone name -> CIDR list')
  }
  checkName(fallback, 'The fallback zone')
  const compiled: (readonly [string, CidrSet])[] = Object.entries(zones).map(([name, list]) => {
    checkName(name, 'Zone')
    try {
      return [name, parseCidrList(list)] as const
    } catch (error) {
      throw new TypeError(`Zone ${JSON.stringify(name)}: ${(error as Error).message}`, { cause: error })
    }
  })
  return function zoneOf(ip) {
    if (ip === undefined) return fallback
    for (const [name, set] of compiled) if (set.has(ip)) return name
    return fallback
  }
}
