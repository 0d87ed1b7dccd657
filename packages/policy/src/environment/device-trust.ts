import type { PortcullisRequest } from '@portcullis/core'
import type { CidrSet } from '@portcullis/core'
import { parseIpAddress } from '@portcullis/core'

/** Options of {@link createDeviceTrustReader}. */
export interface DeviceTrustOptions {
  /** Lower-case name of the header a device-posture gateway sets (`x-device-trust`). */
  header: string
  /** Allowed levels, lowest first (`['low', 'medium', 'high']`); without it the value is an integer 0-100. */
  values?: readonly string[]
  /**
   * Only honour the header when the connection comes from one of these addresses (the
   * gateway). Without it the header is trusted from anyone: only do that when the edge
   * removes a client-sent copy.
   */
  from?: CidrSet
}

/** Reads the device trust of a request: a configured level, an integer 0-100, or `undefined`. */
export type DeviceTrustReader = (request: PortcullisRequest) => string | number | undefined

const HEADER_NAME = /^[a-z0-9!#$%&'*+.^_`|~-]{1,64}$/
const SCORE = /^(?:100|[1-9]?\d)$/
const MAX_VALUE_LENGTH = 64

/**
 * Compiles a device-trust reader. The header value (trimmed) must be exactly one of
 * `values` (case-sensitive), or, without `values`, a plain integer 0-100 (`042`, `1e2`,
 * `50.5` are refused). Missing, repeated, oversize or unexpected values give `undefined`,
 * which risk factors treat as the lowest trust: a device never gains trust from a value we
 * do not understand. Throws a `TypeError` on invalid configuration.
 *
 * @example
 * ```ts
 * const deviceTrust = createDeviceTrustReader({ header: 'x-device-trust', values: ['low', 'medium', 'high'] })
 * deviceTrust({ method: 'GET', url: '/', headers: { 'x-device-trust': 'high' } }) // 'high'
 * ```
 */
export function createDeviceTrustReader(options: DeviceTrustOptions): DeviceTrustReader {
  if (typeof options !== 'object' || options === null) throw new TypeError('Device trust options must be an object')
  const { header, values, from } = options
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    throw new TypeError('deviceTrust.header must be a lower-case header name')
  }
  let allowed: ReadonlySet<string> | undefined
  if (values !== undefined) {
    if (!Array.isArray(values) || values.length === 0) throw new TypeError('deviceTrust.values must be a non-empty array of strings')
    for (const value of values) {
      if (typeof value !== 'string' || value === '' || value !== value.trim() || value.length > MAX_VALUE_LENGTH) {
        throw new TypeError(`deviceTrust.values: ${JSON.stringify(value)} must be a non-empty trimmed string of at most ${MAX_VALUE_LENGTH} characters`)
      }
    }
    allowed = new Set(values)
    if (allowed.size !== values.length) throw new TypeError('deviceTrust.values has duplicates')
  }
  if (from !== undefined && (typeof from !== 'object' || typeof from.has !== 'function')) {
    throw new TypeError('deviceTrust.from must be a CIDR set (parseCidrList)')
  }

  return function deviceTrust(request) {
    if (from !== undefined && !from.has(parseIpAddress(request.remoteAddress)?.address)) return undefined
    const headers: unknown = request.headers
    if (typeof headers !== 'object' || headers === null) return undefined
    const raw = Object.hasOwn(headers, header) ? (headers as Record<string, unknown>)[header] : undefined
    // An array means the header was repeated: ambiguous, so no trust.
    if (typeof raw !== 'string' || raw.length > MAX_VALUE_LENGTH) return undefined
    const value = raw.trim()
    if (allowed !== undefined) return allowed.has(value) ? value : undefined
    return SCORE.test(value) ? Number(value) : undefined
  }
}
