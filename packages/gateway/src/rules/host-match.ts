/**
 * Compiles the `host` of a rule: exact names, or `*.example.com` (one or more labels before
 * `example.com`, never `example.com` itself). `undefined` matches any host, a missing one too.
 */
export function compileHostMatch(host: string | readonly string[] | undefined): (hostname: string | undefined) => boolean {
  if (host === undefined) return () => true
  const list = typeof host === 'string' ? [host] : host
  const exact = new Set(list.filter((h) => !h.startsWith('*.')))
  const suffixes = list.filter((h) => h.startsWith('*.')).map((h) => h.slice(1))
  return (hostname) => hostname !== undefined && (exact.has(hostname) || suffixes.some((s) => hostname.endsWith(s) && hostname.length > s.length))
}
