import { hash } from 'node:crypto'
import { configurationError } from '@portcullis/core'

/** Bumped when the layout of keys or values changes, so that two layouts never mix. */
export const KEY_FORMAT = 'v1'

/** SHA-256, base64url: the only form in which identifiers reach Redis (RFC 9700 §4.9.3 for tokens). */
export function hashOf(value: string): string {
  // The one-shot form: a few times faster than createHash for short values.
  return hash('sha256', value, 'base64url')
}

/** Checks a prefix: printable, no spaces (keys and pub/sub messages are space-separated). */
export function checkPrefix(prefix: unknown): string {
  if (typeof prefix !== 'string' || !/^[\x21-\x7e]{1,64}$/.test(prefix)) {
    throw configurationError('prefix must be 1 to 64 printable ASCII characters without spaces')
  }
  return prefix
}
