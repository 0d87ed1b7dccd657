import { createHash } from 'node:crypto'
import type { ExtractedToken } from '../credentials/extract-token.js'
import type { Rejections } from '../credentials/rejections.js'
import type { PortcullisError } from '../errors.js'
import type { Identity } from '../identity/identity.js'
import { DependencyUnavailable, TokenInvalid } from '../internal/failures.js'
import type { PortcullisRequest } from '../request.js'
import type { BindingConfig, CompiledDpop, CompiledMtls } from './compile-binding.js'
import { requestUri } from './dpop/htu.js'
import { DpopReplayStoreFull } from './dpop/replay-store.js'
import { verifyProof } from './dpop/verify-proof.js'
import { clientCertificateOf, thumbprintMatches } from './mtls/client-certificate.js'

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

function useNonce(dpop: CompiledDpop, rejections: Rejections, description: string): PortcullisError {
  const nonce = (dpop.nonces as NonNullable<CompiledDpop['nonces']>).issue()
  // RFC 9449 §8, §9: the nonce travels in DPoP-Nonce; such responses are not cacheable.
  return rejections.dpopError('use_dpop_nonce', description, 'dpop_nonce', nonce)
}

async function checkDpop(
  request: PortcullisRequest,
  extracted: ExtractedToken,
  jkt: string,
  dpop: CompiledDpop,
  rejections: Rejections,
): Promise<Readonly<Record<string, string>>> {
  if (extracted.proof === undefined) {
    throw rejections.dpopError('invalid_dpop_proof', 'A DPoP proof is required with a DPoP-bound token', 'dpop_missing')
  }
  const uri = requestUri(request, dpop.origin)
  if (uri === undefined) {
    throw rejections.dpopError('invalid_dpop_proof', 'The request URI cannot be established for the DPoP proof', 'dpop_htu')
  }
  const now = dpop.clock()
  let proof
  try {
    proof = verifyProof(extracted.proof, { method: request.method, uri, accessToken: extracted.token, now }, dpop.proof)
  } catch (error) {
    if (error instanceof TokenInvalid) throw rejections.dpopError('invalid_dpop_proof', error.message, error.reason)
    throw error
  }
  // RFC 9449 §4.3 check 12, §6.1: the proof key must be the key the token is bound to.
  if (proof.jkt !== jkt) throw (rejections.dpop ?? rejections).invalidToken('The DPoP proof key does not match the access token binding', 'dpop_jkt')
  let headers = NO_HEADERS
  if (dpop.nonces !== undefined) {
    // RFC 9449 §4.3, §11.3: once nonces are on, a proof without a current one is never accepted.
    const state = dpop.nonces.check(proof.nonce)
    if (state === 'invalid') throw useNonce(dpop, rejections, proof.nonce === undefined ? 'A DPoP nonce is required' : 'The DPoP nonce is stale or invalid')
    if (state === 'expiring') headers = { 'DPoP-Nonce': dpop.nonces.issue(), 'Cache-Control': 'no-store' }
  }
  // Replay check last: only a proof that passed every other check takes a place in the store.
  // The key is a hash (RFC 9700 §4.9.3): neither the jti nor the key reaches the store in clear.
  const key = createHash('sha256').update(`${jkt}.${proof.jti}`).digest('base64url')
  const expiresAt = (proof.iat + dpop.proof.maxAgeSeconds + 2 * dpop.proof.clockToleranceSeconds) * 1000 + 1000
  let fresh: boolean
  try {
    fresh = await dpop.replayStore.remember(key, Math.max(expiresAt, now + 1000))
  } catch (error) {
    // Full of live proofs: refuse (503 + Retry-After) rather than forget one (it could be replayed).
    if (error instanceof DpopReplayStoreFull) {
      throw DependencyUnavailable.create('replay_store_full', 'The DPoP replay store is full; try again later', error.retryAfterSeconds)
    }
    throw DependencyUnavailable.create('replay_store', 'The DPoP replay store is unavailable', 1, error)
  }
  // RFC 9449 §11.1: a proof is used once.
  if (!fresh) throw (rejections.dpop ?? rejections).invalidToken('The DPoP proof has already been used', 'dpop_replay')
  return headers
}

function checkMtls(request: PortcullisRequest, x5t: string, mtls: CompiledMtls, rejections: Rejections): void {
  const der = clientCertificateOf(request, mtls.certificate)
  if (der === undefined) throw rejections.invalidToken('The access token is bound to a client certificate and none was presented', 'certificate_missing')
  // RFC 8705 §3, §3.1: exact thumbprint match over the presented DER.
  if (!thumbprintMatches(x5t, der)) throw rejections.invalidToken('The client certificate does not match the access token binding', 'certificate_mismatch')
}

/**
 * The bind step: proves the caller holds the key or certificate a sender-constrained token is
 * bound to (RFC 9449 §7, RFC 8705 §3). Reads `identity.confirmation`, so JWTs and introspected
 * tokens are checked alike. Resolves with response headers (a fresh `DPoP-Nonce`); throws a
 * `PortcullisError`, `TokenInvalid` or `DependencyUnavailable`.
 */
export async function checkBinding(
  request: PortcullisRequest,
  extracted: ExtractedToken,
  identity: Identity,
  config: BindingConfig,
  rejections: Rejections,
): Promise<Readonly<Record<string, string>>> {
  const jkt = identity.confirmation?.jkt
  const x5t = identity.confirmation?.['x5t#S256']
  let headers = NO_HEADERS
  if (extracted.scheme === 'dpop') {
    // RFC 9449 §7.1: the DPoP scheme is only for DPoP-bound tokens.
    if (jkt === undefined || config.dpop === undefined) {
      throw (rejections.dpop ?? rejections).invalidToken('The access token is not DPoP-bound', 'dpop_unbound')
    }
    // RFC 9449 §6.2: an introspection response that names a token_type must say DPoP.
    const tokenType = (identity.claims as Record<string, unknown>)['token_type']
    if (identity.tokenType === 'opaque' && tokenType !== undefined && (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'dpop')) {
      throw (rejections.dpop ?? rejections).invalidToken('The introspected token is not a DPoP token', 'dpop_token_type')
    }
    headers = await checkDpop(request, extracted, jkt, config.dpop, rejections)
  } else if (jkt !== undefined) {
    // RFC 9449 §7.2: a DPoP-bound token presented as Bearer is a downgrade attempt.
    throw rejections.dpopDowngrade('A DPoP-bound access token must be presented with the DPoP scheme')
  }
  if (x5t !== undefined) {
    if (config.mtls === undefined) throw rejections.invalidToken('Certificate-bound tokens are not accepted', 'certificate_unsupported')
    checkMtls(request, x5t, config.mtls, extracted.scheme === 'dpop' ? (rejections.dpop ?? rejections) : rejections)
  } else if (config.mtls?.required === true) {
    throw rejections.invalidToken('This resource requires a certificate-bound access token', 'certificate_required')
  }
  return headers
}
