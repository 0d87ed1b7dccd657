import { createHmac, createSecretKey, randomBytes, timingSafeEqual, type KeyObject } from 'node:crypto'

/** Outcome of checking the `nonce` of a proof. */
export type NonceCheck = 'valid' | 'expiring' | 'invalid'

/** Issues and checks server nonces (RFC 9449 §9). */
export interface NonceIssuer {
  /** A fresh, unpredictable nonce for the current time window. */
  issue(): string
  /**
   * `valid`: issued in the current window; `expiring`: issued in the previous window (accepted,
   * but the response carries a fresh nonce); `invalid`: forged, malformed or older.
   */
  check(nonce: unknown): NonceCheck
}

const WINDOW_BYTES = 6
const RANDOM_BYTES = 12
const MAC_BYTES = 16
const BODY_BYTES = WINDOW_BYTES + RANDOM_BYTES
const NONCE_LENGTH = Math.ceil(((BODY_BYTES + MAC_BYTES) * 4) / 3)

/**
 * Stateless nonces: `base64url(window || random || HMAC-SHA256(key, window || random)[0..16])`.
 * The time window is in the nonce, so there is nothing to store and nothing to bound: a nonce
 * is good for its own window and the next one, i.e. between `lifetimeMs` and twice that. The
 * random part makes every nonce unpredictable (RFC 9449 §9); the MAC (node:crypto) makes them
 * unforgeable. Without a configured secret each process draws its own key, so several
 * processes behind one endpoint need the same `secret`.
 */
export function createNonceIssuer(lifetimeMs: number, clock: () => number, secret: KeyObject | undefined): NonceIssuer {
  const key = secret ?? createSecretKey(randomBytes(32))

  function mac(body: Buffer): Buffer {
    return createHmac('sha256', key).update(body).digest().subarray(0, MAC_BYTES)
  }

  function windowNow(): number {
    return Math.floor(clock() / lifetimeMs)
  }

  return {
    issue() {
      const body = Buffer.alloc(BODY_BYTES)
      body.writeUIntBE(windowNow(), 0, WINDOW_BYTES)
      randomBytes(RANDOM_BYTES).copy(body, WINDOW_BYTES)
      return Buffer.concat([body, mac(body)]).toString('base64url')
    },
    check(nonce) {
      if (typeof nonce !== 'string' || nonce.length !== NONCE_LENGTH || !/^[A-Za-z0-9_-]+$/.test(nonce)) return 'invalid'
      const raw = Buffer.from(nonce, 'base64url')
      if (raw.length !== BODY_BYTES + MAC_BYTES) return 'invalid'
      const body = raw.subarray(0, BODY_BYTES)
      if (!timingSafeEqual(mac(body), raw.subarray(BODY_BYTES))) return 'invalid'
      const age = windowNow() - body.readUIntBE(0, WINDOW_BYTES)
      return age === 0 ? 'valid' : age === 1 ? 'expiring' : 'invalid'
    },
  }
}
