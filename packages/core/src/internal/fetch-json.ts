import { readLimited } from './read-limited.js'
import { withDeadline } from './with-deadline.js'

/** The fetch function Portcullis calls; inject your own (proxy, mTLS agent, tests). */
export type FetchLike = (input: string, init: RequestInit) => Promise<Response>

/** Limits of one remote JSON fetch. */
export interface FetchJsonLimits {
  readonly timeoutMs: number
  readonly maxBytes: number
}

/**
 * GETs a JSON document with a hard timeout covering headers and body, a size cap that is
 * enforced while streaming (a missing or lying Content-Length does not help an attacker),
 * and no redirects (a redirect could lead off the https/loopback policy). Throws on any
 * failure; callers turn that into "dependency unavailable".
 */
export async function fetchJson(fetchImpl: FetchLike, url: string, limits: FetchJsonLimits): Promise<unknown> {
  return withDeadline((signal) => fetchWithin(fetchImpl, url, limits, signal), limits.timeoutMs, `GET ${url} timed out after ${limits.timeoutMs} ms`)
}

async function fetchWithin(fetchImpl: FetchLike, url: string, limits: FetchJsonLimits, signal: AbortSignal): Promise<unknown> {
  const response = await fetchImpl(url, {
    method: 'GET',
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal,
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new Error(`GET ${url} answered HTTP ${response.status}`)
  }
  const declared = Number(response.headers.get('content-length') ?? 'NaN')
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new Error(`GET ${url} answered a document larger than ${limits.maxBytes} bytes`)
  }
  const text = await readLimited(response, limits.maxBytes, `GET ${url}`)
  return JSON.parse(text) as unknown
}
