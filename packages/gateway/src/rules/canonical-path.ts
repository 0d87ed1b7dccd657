/**
 * The path of the original request, split into decoded segments, or `undefined` when it is not
 * in canonical form. The gateway and the upstream must read the same path: a proxy passes the
 * raw request target on, and an upstream that resolves `/public/../admin` or decodes `%2F`
 * after the gateway matched `/public/*` would serve what the rules never allowed (path
 * confusion, RFC 3986 §5.2.4, §6.2.2). Such paths are refused rather than normalised.
 */
export function canonicalSegments(target: string): string[] | undefined {
  const end = target.search(/[?#]/)
  const path = end === -1 ? target : target.slice(0, end)
  if (!path.startsWith('/') || path.length > 8192) return undefined
  // Control characters, spaces, backslashes (Windows-style separators) and encoded separators,
  // NULs and dots: none has a meaning two parsers agree on.
  // eslint-disable-next-line no-control-regex -- control characters are exactly what is refused
  if (/[\u0000-\u0020\u007f\\]/.test(path) || /%(2f|5c|00|2e)/i.test(path)) return undefined
  const raw = path.slice(1).split('/')
  const segments: string[] = []
  for (let i = 0; i < raw.length; i++) {
    const part = raw[i] as string
    // An empty segment is only allowed as the last one (a trailing slash): `//` collapses in
    // some servers and not in others.
    if (part === '' && i !== raw.length - 1) return undefined
    if (part === '.' || part === '..') return undefined
    let decoded: string
    try {
      decoded = decodeURIComponent(part)
    } catch {
      return undefined
    }
    segments.push(decoded)
  }
  return segments
}
