import { isIPv4 } from 'node:net'
import { SIGNING_ALGORITHMS } from '../algorithms.js'
import type { SigningAlgorithm } from '../algorithms.js'

export function assertSigningAlgorithm(value: unknown, what: string): asserts value is SigningAlgorithm {
  if (typeof value !== 'string' || !(SIGNING_ALGORITHMS as readonly string[]).includes(value)) {
    throw new TypeError(`${what} must be one of ${SIGNING_ALGORITHMS.join(', ')}; got ${String(value)}`)
  }
}

/** '' or '/a/b' with no trailing slash, so `${origin}${path}` is the issuer exactly. */
export function normalizePath(path: string | undefined): string {
  if (path === undefined || path === '' || path === '/') return ''
  if (typeof path !== 'string' || !path.startsWith('/') || /[?#\s]/.test(path)) {
    throw new TypeError(`path must start with "/" and contain no query, fragment or spaces; got ${String(path)}`)
  }
  return path.replace(/\/+$/, '')
}

/**
 * The server only ever listens on loopback: a test issuer bound to a public interface would hand
 * anyone on the network a key set that tests trust.
 */
export function loopbackHost(host: string | undefined): string {
  const bare = (host ?? '127.0.0.1').replace(/^\[(.*)\]$/, '$1')
  if (bare === 'localhost' || bare === '::1' || (isIPv4(bare) && bare.startsWith('127.'))) return bare
  throw new TypeError(`host must be a loopback address (127.x.x.x, ::1 or localhost); got ${String(host)}`)
}

export function assertFiniteSeconds(value: unknown, what: string, positive: boolean): asserts value is number {
  if (typeof value !== 'number' || !Number.isFinite(value) || (positive && value <= 0)) {
    throw new TypeError(`${what} must be a ${positive ? 'positive ' : ''}finite number of seconds; got ${String(value)}`)
  }
}
