// Index of each base64url character (RFC 4648 §5) by char code; -1 for anything else.
const VALUE = new Int8Array(128).fill(-1)
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i
const ALPHABET_ONLY = /^[A-Za-z0-9_-]+$/

/**
 * True when `text` is canonical unpadded base64url (RFC 7515 §2, RFC 4648 §3.5): only the
 * URL-safe alphabet, no padding, a length that is not 1 modulo 4, and zero unused bits in the
 * last character. Node's decoder accepts all of these variations, so a segment that is not
 * canonical would have several spellings of the same bytes (one token, many strings).
 */
export function isCanonicalBase64url(text: string): boolean {
  const rest = text.length % 4
  // The regular expression runs as native code: faster than a loop here for token-sized input.
  if (rest === 1 || !ALPHABET_ONLY.test(text)) return false
  if (rest === 0) return true
  // 2 characters carry 1 byte (4 unused bits), 3 characters carry 2 bytes (2 unused bits).
  const last = VALUE[text.charCodeAt(text.length - 1)] as number
  return (last & (rest === 2 ? 0x0f : 0x03)) === 0
}
