import { createHmac } from 'node:crypto'
import { configurationError } from '../errors.js'
import type { AuditEvent } from './audit-event.js'

/** Event fields that may hold personal data and can be masked. */
export type MaskableAuditField = 'user_id' | 'client_id' | 'source_ip' | 'useragent'

const MASKABLE: ReadonlySet<string> = new Set<MaskableAuditField>(['user_id', 'client_id', 'source_ip', 'useragent'])

/**
 * Which fields of every audit event to mask before a sink sees them.
 *
 * @example
 * ```ts
 * const mask: AuditMaskOptions = { fields: ['user_id', 'source_ip'], hashKey: process.env.AUDIT_HASH_KEY }
 * ```
 */
export interface AuditMaskOptions {
  readonly fields: readonly MaskableAuditField[]
  /**
   * With a key, a masked value becomes `hmac:` + the first 16 hex digits of HMAC-SHA256(key,
   * value): the same subject still correlates across events, but cannot be recovered by
   * hashing guesses (an IPv4 address space is small) without the key. Without a key, masked
   * values become `[masked]`. At least 16 characters.
   */
  readonly hashKey?: string
}

/** Returns the function that masks an event, or `undefined` when nothing is masked. */
export function compileMask(options: AuditMaskOptions | undefined): ((event: AuditEvent) => AuditEvent) | undefined {
  if (options === undefined) return undefined
  if (typeof options !== 'object' || options === null || !Array.isArray(options.fields)) {
    throw configurationError('audit.mask must be { fields: [...], hashKey? }')
  }
  for (const key of Object.keys(options)) {
    if (key !== 'fields' && key !== 'hashKey') throw configurationError(`audit.mask.${key} is not an option`)
  }
  for (const field of options.fields) {
    if (!MASKABLE.has(field)) throw configurationError(`audit.mask.fields: ${JSON.stringify(field)} is not one of ${[...MASKABLE].join(', ')}`)
  }
  const { hashKey } = options
  if (hashKey !== undefined && (typeof hashKey !== 'string' || hashKey.length < 16)) {
    throw configurationError('audit.mask.hashKey must be a string of at least 16 characters')
  }
  const fields = [...new Set(options.fields)]
  if (fields.length === 0) return undefined
  const mask = (value: string): string =>
    hashKey === undefined ? '[masked]' : `hmac:${createHmac('sha256', hashKey).update(value).digest('hex').slice(0, 16)}`
  return (event) => {
    const copy: Record<string, unknown> = { ...event }
    for (const field of fields) {
      const value = copy[field]
      if (typeof value === 'string') copy[field] = mask(value)
    }
    return copy as unknown as AuditEvent
  }
}
