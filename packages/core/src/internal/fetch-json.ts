import { DependencyFault, networkFault, redactUrl } from './dependency-fault.js'
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
 * and no redirects (a redirect could lead off the https/loopback policy). Throws a
 * `DependencyFault` naming the URL and what happened on any failure; callers turn that into
 * "dependency unavailable".
 */
export async function fetchJson(fetchImpl: FetchLike, url: string, limits: FetchJsonLimits): Promise<unknown> {
  const timeoutMessage = `GET ${redactUrl(url)} timed out after ${limits.timeoutMs} ms`
  try {
    return await withDeadline((signal) => fetchWithin(fetchImpl, url, limits, signal), limits.timeoutMs, timeoutMessage)
  } catch (error) {
    if (error instanceof DependencyFault) throw error
    if (error instanceof Error && error.message === timeoutMessage) throw new DependencyFault('timeout', redactUrl(url), timeoutMessage)
    throw networkFault(error, url)
  }
}

async function fetchWithin(fetchImpl: FetchLike, url: string, limits: FetchJsonLimits, signal: AbortSignal): Promise<unknown> {
  const shown = redactUrl(url)
  const response = await fetchImpl(url, {
    method: 'GET',
    headers: { accept: 'application/json' },
    redirect: 'error',
    signal,
  })
  if (response.status !== 200) {
    await response.body?.cancel().catch(() => undefined)
    throw new DependencyFault('http_status', shown, `GET ${shown} answered HTTP ${response.status}`, response.status)
  }
  const declared = Number(response.headers.get('content-length') ?? 'NaN')
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new DependencyFault('too_large', shown, `GET ${shown} answered a document larger than ${limits.maxBytes} bytes`)
  }
  let text: string
  try {
    text = await readLimited(response, limits.maxBytes, `GET ${shown}`)
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error)
    throw message.includes('larger than') ? new DependencyFault('too_large', shown, message) : networkFault(error, url)
  }
  try {
    return JSON.parse(text) as unknown
  } catch {
    const type = response.headers.get('content-type')?.slice(0, 100) ?? 'no Content-Type'
    throw new DependencyFault('not_json', shown, `GET ${shown} answered a body that is not JSON (${type})`)
  }
}
