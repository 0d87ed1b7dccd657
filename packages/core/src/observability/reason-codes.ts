/**
 * The fixed set of reason codes metrics use as label values. Anything else maps to `other`,
 * so a label can never take a value an attacker or an issuer chose (bounded cardinality).
 */
export const METRIC_REASONS = [
  'none', 'missing', 'malformed', 'algorithm', 'signature', 'unknown_key', 'typ', 'issuer', 'audience',
  'expired', 'not_yet_valid', 'claims', 'token_type', 'inactive', 'revoked', 'delegation', 'binding',
  'certificate', 'dpop', 'dpop_nonce', 'dpop_replay', 'acr', 'max_age',
  // 503: a dependency could not answer.
  'jwks_unavailable', 'introspection', 'revocation', 'replay_store', 'internal',
  'other',
] as const

/** One of {@link METRIC_REASONS}. */
export type MetricReason = (typeof METRIC_REASONS)[number]

const INDEX = new Map<string, number>(METRIC_REASONS.map((reason, i) => [reason, i]))
const OTHER = INDEX.get('other') as number
const DPOP = INDEX.get('dpop') as number

/** The index in {@link METRIC_REASONS} of `reason` (DPoP proof details fold into `dpop`). */
export function reasonIndex(reason: string): number {
  const index = INDEX.get(reason)
  if (index !== undefined) return index
  return reason.startsWith('dpop_') ? DPOP : OTHER
}

/** The bounded label value for a free-form reason. */
export function metricReason(reason: string): MetricReason {
  return METRIC_REASONS[reasonIndex(reason)] as MetricReason
}
