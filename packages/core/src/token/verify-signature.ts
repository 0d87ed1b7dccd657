import { constants, createHmac, timingSafeEqual, verify, type KeyObject } from 'node:crypto'
import { ALGORITHMS, type Algorithm } from './algorithms.js'

function rsaSignatureLength(key: KeyObject): number {
  return Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 0) / 8)
}

const PSS = { padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: constants.RSA_PSS_SALTLEN_DIGEST }

/**
 * Verifies a JWS signature with node:crypto (RFC 7518 §3). No primitive is implemented here:
 * this only picks the digest, padding and signature encoding that RFC 7518 fixes for `alg`.
 * The key must already be bound to `alg` (see `keyFitsAlgorithm`). Never throws: any failure
 * (malformed signature, wrong length, OpenSSL error) is a failed verification.
 */
export function verifySignature(alg: Algorithm, key: KeyObject, signingInput: Buffer, signature: Buffer): boolean {
  const spec = ALGORITHMS[alg]
  try {
    switch (spec.family) {
      case 'rsa':
        if (signature.length !== rsaSignatureLength(key)) return false
        return verify(spec.hash, signingInput, key, signature)
      case 'rsa-pss':
        // OpenSSL accepts a PSS signature stripped of its leading zero byte: require the exact
        // modulus length (RFC 8017 §8.1.2) so a signature has a single encoding.
        if (signature.length !== rsaSignatureLength(key)) return false
        return verify(spec.hash, signingInput, { key, ...PSS }, signature)
      case 'ec':
        // JWS carries ECDSA signatures as raw r||s (RFC 7518 §3.4). A DER signature or any
        // other length is refused before OpenSSL sees it.
        if (signature.length !== spec.signatureLength) return false
        return verify(spec.hash, signingInput, { key, dsaEncoding: 'ieee-p1363' }, signature)
      case 'okp':
        return verify(null, signingInput, key, signature)
      case 'hmac': {
        const expected = createHmac(spec.hash as string, key).update(signingInput).digest()
        return expected.length === signature.length && timingSafeEqual(expected, signature)
      }
    }
  } catch {
    return false
  }
}
