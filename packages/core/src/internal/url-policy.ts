/**
 * Where Portcullis may fetch keys and metadata from: `https:` anywhere, plain `http:` only on
 * loopback (local development and tests). A token is never a source of URLs (RFC 8725 §3.10).
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.startsWith('[') && hostname.endsWith(']') ? hostname.slice(1, -1) : hostname
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host)
}

/** Returns the parsed URL when it may be fetched, or a reason it may not. */
export function checkFetchableUrl(value: string): URL | string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    return 'is not an absolute URL'
  }
  if (url.username !== '' || url.password !== '') return 'must not contain credentials'
  if (url.hash !== '') return 'must not contain a fragment'
  if (url.protocol === 'https:') return url
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return url
  return 'must use https (plain http is allowed only on a loopback host)'
}
