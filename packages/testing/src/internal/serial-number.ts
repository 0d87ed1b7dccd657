import { randomBytes } from 'node:crypto'

/**
 * A random 16-byte certificate serial number that is a positive, minimally encoded DER INTEGER
 * (RFC 5280 §4.1.2.2, X.690 §8.3.2): the top byte is forced into 0x01..0x7f. Clearing only the
 * sign bit left a zero top byte one time in 256, which DER forbids (the leading zero would be
 * redundant) and which makes node:crypto refuse the certificate.
 *
 * @param random - 16 random bytes (default: fresh ones); exposed so tests can feed edge cases.
 */
export function serialNumber(random: Uint8Array = randomBytes(16)): Buffer {
  const serial = Buffer.from(random)
  // 127 values for 7 bits keeps the number within 16 bytes and is still about 127 bits of entropy.
  serial[0] = 1 + ((serial[0] as number) % 0x7f)
  return serial
}
