import type { IncomingMessage } from 'node:http'
import type { ProtocolHeadersConfig } from '../config/config.js'

/** The request the proxy is asking about. */
export interface OriginalRequest {
  readonly method: string
  /** Path and query, as the client sent them. */
  readonly uri: string
  /** Host name, lower case, without port; `undefined` when the proxy did not say. */
  readonly hostname: string | undefined
  /** `host[:port]` as the proxy gave it (rebuilds the DPoP `htu`). */
  readonly host: string | undefined
  readonly proto: 'http' | 'https' | undefined
}

/** The shapes of auth request the gateway answers. */
export type ProxyProtocol = 'nginx' | 'forward' | 'envoy'

/** Header names of the header-carrying protocols, lower case. */
export interface ProtocolHeaders {
  readonly method: string
  readonly uri: string
  readonly host: string
  readonly proto: string
}

/** nginx `auth_request`: the headers the documented `proxy_set_header` lines set. */
export const NGINX_HEADERS: ProtocolHeaders = { method: 'x-original-method', uri: 'x-original-uri', host: 'x-original-host', proto: 'x-original-proto' }
/** Caddy `forward_auth` and Traefik ForwardAuth. */
export const FORWARD_HEADERS: ProtocolHeaders = { method: 'x-forwarded-method', uri: 'x-forwarded-uri', host: 'x-forwarded-host', proto: 'x-forwarded-proto' }

/** Merges configured header names over the defaults (names are compared lower case). */
export function protocolHeaders(defaults: ProtocolHeaders, config: ProtocolHeadersConfig | undefined): ProtocolHeaders {
  if (config === undefined) return defaults
  return {
    method: (config.method ?? defaults.method).toLowerCase(),
    uri: (config.uri ?? defaults.uri).toLowerCase(),
    host: (config.host ?? defaults.host).toLowerCase(),
    proto: (config.proto ?? defaults.proto).toLowerCase(),
  }
}

const METHOD = /^[A-Z]{1,20}$/
// host[:port]: a reg-name or IPv4 address, or a bracketed IPv6 literal (RFC 3986 §3.2.2).
const HOST = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]{1,253})(:[0-9]{1,5})?$/

/**
 * The single value of a header. A repeated header, or a comma list where one value is
 * expected, means a proxy appended to a client's copy instead of replacing it: unusable.
 */
function single(req: IncomingMessage, name: string, allowComma = false): string | undefined | null {
  const value = req.headers[name]
  if (value === undefined) return undefined
  if (typeof value !== 'string' || (!allowComma && value.includes(','))) return null
  return value.trim()
}

function hostParts(host: string | undefined | null): { host: string | undefined; hostname: string | undefined } | null {
  if (host === null) return null
  if (host === undefined || host === '') return { host: undefined, hostname: undefined }
  const match = HOST.exec(host)
  if (match === null) return null
  return { host, hostname: (match[1] as string).toLowerCase().replace(/\.$/, '') }
}

/**
 * Reads the original request from an auth request of `protocol`. Returns a reason string when
 * the proxy's headers are missing or malformed (a misconfigured proxy: the gateway denies).
 * Only called for connections from trusted proxies.
 */
export function originalRequest(req: IncomingMessage, protocol: ProxyProtocol, headers: ProtocolHeaders, envoyPrefix: string): OriginalRequest | string {
  let method: string | undefined | null
  let uri: string | undefined | null
  let host: string | undefined | null
  const proto = single(req, headers.proto)
  if (protocol === 'envoy') {
    // Envoy's HTTP ext_authz service gets the original method, `path_prefix` + original path,
    // and the original :authority as Host.
    method = req.method
    uri = (req.url ?? '').slice(envoyPrefix.length)
    host = single(req, 'host')
  } else {
    method = single(req, headers.method)
    uri = single(req, headers.uri, true)
    host = single(req, headers.host)
  }
  if (method === undefined || method === null || !METHOD.test(method)) return `the ${headers.method} header is missing or not one method`
  if (uri === undefined || uri === null || !uri.startsWith('/')) return `the ${headers.uri} header is missing or not an origin-form request target`
  const parts = hostParts(host)
  if (parts === null) return `the ${protocol === 'envoy' ? 'host' : headers.host} header is not one host`
  if (proto === null || (proto !== undefined && proto !== 'http' && proto !== 'https')) return `the ${headers.proto} header is not http or https`
  return { method, uri, ...parts, proto }
}
