import type { FetchLike } from './fetch-json.js'
import { readLimited } from './read-limited.js'
import { withDeadline } from './with-deadline.js'

/** Limits of one form POST. */
interface PostFormLimits {
  readonly timeoutMs: number
  readonly maxBytes: number
}

/** The answer of a form POST: the status and the parsed JSON body (`undefined` when not JSON). */
interface PostFormResult {
  readonly status: number
  readonly body: unknown
}

/**
 * POSTs `application/x-www-form-urlencoded` parameters and reads a JSON answer, with the same
 * guarantees as `fetchJson`: one hard timeout over headers and body (also when a custom fetch
 * ignores the signal), a size cap enforced while streaming, and no redirects (a redirect would
 * carry our client credentials and the caller's token somewhere else). Throws on transport
 * failures; the caller decides what a non-200 status means.
 */
export async function postForm(
  fetchImpl: FetchLike,
  url: string,
  form: URLSearchParams,
  headers: Readonly<Record<string, string>>,
  limits: PostFormLimits,
): Promise<PostFormResult> {
  return withDeadline((signal) => postWithin(fetchImpl, url, form, headers, limits, signal), limits.timeoutMs, `POST ${url} timed out after ${limits.timeoutMs} ms`)
}

async function postWithin(
  fetchImpl: FetchLike,
  url: string,
  form: URLSearchParams,
  headers: Readonly<Record<string, string>>,
  limits: PostFormLimits,
  signal: AbortSignal,
): Promise<PostFormResult> {
  const response = await fetchImpl(url, {
    method: 'POST',
    headers: { ...headers, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'error',
    signal,
  })
  const declared = Number(response.headers.get('content-length') ?? 'NaN')
  if (declared > limits.maxBytes) {
    await response.body?.cancel().catch(() => undefined)
    throw new Error(`POST ${url} answered a body larger than ${limits.maxBytes} bytes`)
  }
  const text = await readLimited(response, limits.maxBytes, `POST ${url}`)
  let body: unknown
  try {
    body = JSON.parse(text) as unknown
  } catch {
    body = undefined
  }
  return { status: response.status, body }
}
