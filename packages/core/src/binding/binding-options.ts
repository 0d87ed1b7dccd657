import type { KeyObject } from 'node:crypto'
import type { AsymmetricAlgorithm } from '../token/algorithms.js'
import type { DpopReplayStore } from './dpop/replay-store.js'
import type { CertificateHeaderFormat } from './mtls/client-certificate.js'

/**
 * Server-provided DPoP nonces (RFC 9449 §9).
 *
 * @example
 * ```ts
 * requireToken({ issuer, audience, dpop: { origin: 'https://api.example.com', nonce: { lifetime: 120, secret: process.env.DPOP_NONCE_SECRET } } })
 * ```
 */
export interface DpopNonceOptions {
  /**
   * Seconds a nonce is issued for; a nonce is accepted in its own period and the next one, and
   * a response to a proof using a nonce of the previous period carries a fresh `DPoP-Nonce`.
   * 1 to 3600. Default 300.
   */
  lifetime?: number
  /**
   * Key of the nonce MAC (at least 32 bytes). Default: random per process, so several
   * processes behind one endpoint must share a secret.
   */
  secret?: string | Uint8Array | KeyObject
}

/**
 * DPoP (RFC 9449) options of `requireToken`. Tokens bound with `cnf.jkt` are then accepted with
 * `Authorization: DPoP <token>` and a valid `DPoP` proof, and refused as Bearer (RFC 9449 §7.2).
 *
 * @example
 * ```ts
 * requireToken({ issuer, audience, dpop: { origin: 'https://api.example.com', required: true } })
 * ```
 */
export interface DpopOptions {
  /**
   * The public origin(s) of this API (`https://api.example.com`), from which the request URI
   * compared with `htu` is rebuilt. With several, the `Host` header picks one of them. Required
   * unless `trustedProxies` is set (the proxy's `X-Forwarded-Proto`/`X-Forwarded-Host` are then
   * used, limited to these origins when given).
   */
  origin?: string | readonly string[]
  /** Refuse every token that is not DPoP-bound, for every request of this middleware. Default false. */
  required?: boolean
  /** Accepted proof algorithms (asymmetric only). Default: RS/PS/ES 256-512 and EdDSA. */
  algorithms?: readonly AsymmetricAlgorithm[]
  /** Seconds a proof is accepted after its `iat` (1 to 600). Default 60. */
  maxAge?: number
  /** Where proof `jti`s are remembered. Default: an in-memory store of 100000 entries. */
  replayStore?: DpopReplayStore
  /** Require server nonces (`true` for the defaults). Default off. */
  nonce?: boolean | DpopNonceOptions
  /** Longest proof accepted, in characters (512 to 65536). Default 8192. */
  maxProofLength?: number
}

/**
 * Certificate-bound access tokens (RFC 8705 §3) options of `requireToken`. Tokens with
 * `cnf["x5t#S256"]` are accepted only with that client certificate.
 *
 * @example
 * ```ts
 * requireToken({ issuer, audience, mtls: {} })                                 // certificate from the TLS socket
 * requireToken({ issuer, audience, trustedProxies: ['10.0.0.5'], mtls: { certificateHeader: 'x-client-cert' } })
 * ```
 */
export interface MtlsOptions {
  /** Refuse every token that is not certificate-bound. Default false. */
  required?: boolean
  /**
   * Header in which a TLS-terminating proxy forwards the client certificate; only read when
   * the request comes from one of `trustedProxies`. Default: none (TLS socket only).
   */
  certificateHeader?: string
  /** Encoding of `certificateHeader`. Default `'pem'` (URL-encoded PEM, nginx `$ssl_client_escaped_cert`). */
  certificateHeaderFormat?: CertificateHeaderFormat
}
