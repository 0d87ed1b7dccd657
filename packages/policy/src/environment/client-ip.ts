import type { PortcullisRequest } from '@portcullis/core'
import type { CidrSet } from '@portcullis/core'
import { parseIpAddress } from '@portcullis/core'

/** Which header the trusted proxies write: only that one is read, the other is ignored. */
export type ForwardingHeader = 'x-forwarded-for' | 'forwarded'

/** Options of {@link resolveClientIp}. */
export interface ClientIpOptions {
  /**
   * The header the trusted proxies append to (default `x-forwarded-for`). Exactly one is read:
   * if both were, a client could send the one the proxy does not overwrite and pick its own IP.
   */
  header?: ForwardingHeader
}

// Far above any real proxy chain; a longer header is hostile and is not parsed at all.
const MAX_HEADER_LENGTH = 8192
const PORT = /^\d{1,5}$/
const isPort = (text: string): boolean => PORT.test(text) && Number(text) <= 65535
const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/
const QUOTED = /^"((?:[^"\\]|\\[\t\x20-\x7e\x80-\xff])*)"$/

function readHeader(request: PortcullisRequest, name: string): string | undefined | null {
  const headers: unknown = request.headers
  if (typeof headers !== 'object' || headers === null) return null
  const value = Object.hasOwn(headers, name) ? (headers as Record<string, unknown>)[name] : undefined
  if (value === undefined) return undefined
  let text: string
  if (typeof value === 'string') text = value
  // Repeated header lines form one list, in order (RFC 9110 §5.3).
  else if (Array.isArray(value) && value.every((v) => typeof v === 'string')) text = value.join(',')
  else return null
  if (text.length > MAX_HEADER_LENGTH) return null
  return text.trim() === '' ? undefined : text
}

// One hop of X-Forwarded-For or one Forwarded `for=` node: an address, optionally with a
// port; IPv6 in brackets when a port follows (and always in Forwarded, RFC 7239 §6).
function parseNode(text: string, bracketsRequired: boolean): string | undefined {
  let host = text
  if (host.startsWith('[')) {
    const close = host.indexOf(']')
    if (close === -1) return undefined
    const rest = host.slice(close + 1)
    if (rest !== '' && !(rest.startsWith(':') && isPort(rest.slice(1)))) return undefined
    host = host.slice(1, close)
    if (!host.includes(':')) return undefined
  } else {
    const colons = host.split(':').length - 1
    if (colons === 1) {
      const [address = '', port = ''] = host.split(':')
      if (!isPort(port)) return undefined
      host = address
    } else if (colons > 1 && bracketsRequired) {
      return undefined
    }
  }
  if (host.includes('%')) return undefined // zone ids are meaningless across hosts
  return parseIpAddress(host)?.address
}

// Splits on `separator` outside quoted-strings; `null` marks an unterminated quote.
function splitOutsideQuotes(text: string, separator: string): string[] | null {
  const parts: string[] = []
  let quoted = false
  let start = 0
  for (let i = 0; i < text.length; i++) {
    const c = text[i]
    if (quoted && c === '\\') i++
    else if (c === '"') quoted = !quoted
    else if (!quoted && c === separator) {
      parts.push(text.slice(start, i))
      start = i + 1
    }
  }
  if (quoted) return null
  parts.push(text.slice(start))
  return parts
}

// The `for` node of one Forwarded element (RFC 7239 §4), or undefined when the element is
// malformed, has no or several `for`, or says `unknown` / an obfuscated identifier.
function forwardedFor(element: string): string | undefined {
  const pairs = splitOutsideQuotes(element, ';')
  if (pairs === null) return undefined
  let node: string | undefined
  for (const pair of pairs) {
    const eq = pair.indexOf('=')
    const name = pair.slice(0, eq).trim()
    const raw = pair.slice(eq + 1).trim()
    if (eq === -1 || !TOKEN.test(name)) return undefined
    let value: string
    const quoted = QUOTED.exec(raw)
    if (quoted !== null) value = (quoted[1] as string).replace(/\\(.)/g, '$1')
    else if (TOKEN.test(raw)) value = raw
    else return undefined
    if (name.toLowerCase() === 'for') {
      if (node !== undefined) return undefined
      node = value
    }
  }
  return node === undefined ? undefined : parseNode(node, true)
}

/**
 * The client IP address for policies, in canonical form (IPv4-mapped IPv6 as IPv4). Without
 * trusted proxies, or when the connection's peer is not one of them, it is the peer address
 * (`remoteAddress`) and forwarding headers are ignored: anyone can send them. When the peer is
 * trusted, the configured header is walked right to left (the order proxies append in),
 * skipping trusted hops; the first untrusted hop is the client. Values the client wrote
 * itself sit to the left of that hop and are never reached, which defeats spoofing.
 *
 * Fail-safe rather than guessing: a malformed, `unknown` or obfuscated hop reached before an
 * untrusted one, a non-string or oversize header, or a peer that is not an IP address gives
 * `undefined` (an unknown client, which zones map to the fallback). A trusted peer without
 * the header is the client itself; a chain of trusted hops only yields its leftmost hop.
 * Never throws.
 *
 * @example
 * ```ts
 * const proxies = parseCidrList(['10.0.0.0/8'])
 * // peer 10.0.0.2, X-Forwarded-For: "1.1.1.1, 203.0.113.9, 10.0.0.7"
 * resolveClientIp(request, proxies) // '203.0.113.9' (1.1.1.1 was written by the client)
 * ```
 */
export function resolveClientIp(
  request: PortcullisRequest,
  trustedProxies: CidrSet | undefined,
  options: ClientIpOptions = {},
): string | undefined {
  const peer = parseIpAddress(request.remoteAddress)?.address
  if (peer === undefined || trustedProxies === undefined || !trustedProxies.has(peer)) return peer
  const name = options.header ?? 'x-forwarded-for'
  const header = readHeader(request, name)
  if (header === undefined) return peer
  if (header === null) return undefined
  const elements = name === 'forwarded' ? splitOutsideQuotes(header, ',') : header.split(',')
  if (elements === null) return undefined
  let hop: string | undefined = peer
  for (let i = elements.length - 1; i >= 0; i--) {
    const text = (elements[i] as string).trim()
    hop = name === 'forwarded' ? forwardedFor(text) : parseNode(text, false)
    if (hop === undefined || !trustedProxies.has(hop)) return hop
  }
  return hop
}
