/**
 * The `RateLimit-Policy` and `RateLimit` fields of draft-ietf-httpapi-ratelimit-headers-10
 * (§3, §4): Structured Field lists of a quoted policy name with parameters `q` (quota) and
 * `w` (window, seconds), and `r` (remaining) and `t` (seconds until reset). Names are checked
 * at creation to need no escaping in an sf-string.
 */
export function policyHeader(name: string, points: number, duration: number): string {
  return `"${name}";q=${points};w=${duration}`
}

/** The `RateLimit` field for the current window. */
export function stateHeader(name: string, remaining: number, resetSeconds: number): string {
  return `"${name}";r=${remaining};t=${resetSeconds}`
}
