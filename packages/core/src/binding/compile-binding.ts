import { createSecretKey, KeyObject } from 'node:crypto'
import { configurationError } from '../errors.js'
import { integerOption, optionsObject } from '../internal/option-checks.js'
import type { ChallengeSchemes } from '../credentials/rejections.js'
import type { BindingSupport } from '../identity/build-identity.js'
import { ALGORITHMS, DEFAULT_ALGORITHMS, isAlgorithm, isHmac, type AsymmetricAlgorithm } from '../token/algorithms.js'
import type { DpopNonceOptions, DpopOptions, MtlsOptions } from './binding-options.js'
import { compileOrigins, type OriginRules } from './dpop/htu.js'
import { createNonceIssuer, type NonceIssuer } from './dpop/nonces.js'
import { createMemoryReplayStore, replayStoreEntriesFor, type DpopReplayStore } from './dpop/replay-store.js'
import type { ProofRules } from './dpop/verify-proof.js'
import type { CertificateRules } from './mtls/client-certificate.js'
import { compileTrustedProxies, type ProxyTrust } from './trusted-proxies.js'

/** DPoP settings as the request path uses them. */
export interface CompiledDpop {
  readonly required: boolean
  /** The accepted proof algorithms, space-separated, for `algs` in challenges (RFC 9449 §7.1). */
  readonly algs: string
  readonly proof: ProofRules
  readonly origin: OriginRules
  readonly replayStore: DpopReplayStore
  readonly nonces: NonceIssuer | undefined
  readonly clock: () => number
}

/** mTLS settings as the request path uses them. */
export interface CompiledMtls {
  readonly required: boolean
  readonly certificate: CertificateRules
}

/** Everything the bind step needs. */
export interface BindingConfig {
  readonly dpop: CompiledDpop | undefined
  readonly mtls: CompiledMtls | undefined
  /** The schemes challenges offer. */
  readonly schemes: ChallengeSchemes
  /** Which `cnf` members buildIdentity may accept (they are checked by the bind step). */
  readonly support: BindingSupport
}

const DPOP_KEYS = ['origin', 'required', 'algorithms', 'maxAge', 'replayStore', 'nonce', 'maxProofLength']
const MTLS_KEYS = ['required', 'certificateHeader', 'certificateHeaderFormat']
// RFC 9110 §5.1 token characters, lower case: a header name we can look up.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/

function object<T>(value: unknown, name: string, known: readonly string[]): T {
  return optionsObject(value as object, name, known) as T
}

function bool(value: unknown, name: string): boolean {
  if (value === undefined) return false
  if (typeof value !== 'boolean') throw configurationError(`${name} must be a boolean`)
  return value
}

function dpopAlgorithms(value: unknown): AsymmetricAlgorithm[] {
  if (value === undefined) return [...DEFAULT_ALGORITHMS]
  if (!Array.isArray(value) || value.length === 0) throw configurationError('dpop.algorithms must be a non-empty array')
  for (const alg of value as unknown[]) {
    // RFC 9449 §4.3: registered, asymmetric, never none nor a MAC.
    if (!isAlgorithm(alg) || isHmac(alg) || ALGORITHMS[alg] === undefined) {
      throw configurationError(`dpop.algorithms: ${JSON.stringify(alg)} is not an asymmetric algorithm`)
    }
  }
  return [...new Set(value as AsymmetricAlgorithm[])]
}

function nonceIssuer(value: unknown, clock: () => number): NonceIssuer | undefined {
  if (value === undefined || value === false) return undefined
  const options: DpopNonceOptions = value === true ? {} : object<DpopNonceOptions>(value, 'dpop.nonce', ['lifetime', 'secret'])
  const lifetime = integerOption(options.lifetime, 'dpop.nonce.lifetime', 300, 1, 3600)
  let secret: KeyObject | undefined
  if (options.secret !== undefined) {
    const raw = options.secret
    if (raw instanceof KeyObject) {
      if (raw.type !== 'secret') throw configurationError('dpop.nonce.secret must be a secret key')
      secret = raw
    } else if (typeof raw === 'string' || raw instanceof Uint8Array) {
      secret = createSecretKey(typeof raw === 'string' ? Buffer.from(raw, 'utf8') : raw)
    } else {
      throw configurationError('dpop.nonce.secret must be a string, bytes or a secret KeyObject')
    }
    if ((secret.symmetricKeySize ?? 0) < 32) throw configurationError('dpop.nonce.secret must be at least 32 bytes')
  }
  return createNonceIssuer(lifetime * 1000, clock, secret)
}

function compileDpop(value: unknown, trustProxy: ProxyTrust, hasProxies: boolean, clock: () => number, clockTolerance: number): CompiledDpop {
  const options = object<DpopOptions>(value, 'dpop', DPOP_KEYS)
  const origins = compileOrigins(options.origin)
  if (origins.length === 0 && !hasProxies) {
    // Without a configured origin the URI could only come from the client's Host header, and a
    // proof made for another server would then pass the htu check (RFC 9449 §4.3).
    throw configurationError('dpop.origin is required (the public origin of this API, e.g. https://api.example.com) unless trustedProxies is set')
  }
  const maxAgeSeconds = integerOption(options.maxAge, 'dpop.maxAge', 60, 1, 600)
  // The default store holds every proof that can still be accepted at the highest rate this
  // process can verify (replayStoreEntriesFor): an entry lives at most maxAge + 3 x tolerance + 1 s.
  const replayStore = options.replayStore ?? createMemoryReplayStore({ clock, maxEntries: replayStoreEntriesFor(maxAgeSeconds + 3 * clockTolerance + 1) })
  if (typeof replayStore !== 'object' || replayStore === null || typeof replayStore.remember !== 'function') {
    throw configurationError('dpop.replayStore must have a remember(key, expiresAt) method')
  }
  const algorithms = dpopAlgorithms(options.algorithms)
  return {
    required: bool(options.required, 'dpop.required'),
    algs: algorithms.join(' '),
    proof: {
      algorithms: new Set(algorithms),
      maxProofLength: integerOption(options.maxProofLength, 'dpop.maxProofLength', 8192, 512, 65536),
      maxJtiLength: 256,
      maxAgeSeconds,
      clockToleranceSeconds: clockTolerance,
    },
    origin: { origins, trustProxy },
    replayStore,
    nonces: nonceIssuer(options.nonce, clock),
    clock,
  }
}

function compileMtls(value: unknown, trustProxy: ProxyTrust, hasProxies: boolean): CompiledMtls {
  const options = value === true ? {} : object<MtlsOptions>(value, 'mtls', MTLS_KEYS)
  let header: string | undefined
  if (options.certificateHeader !== undefined) {
    if (typeof options.certificateHeader !== 'string' || !HEADER_NAME.test(options.certificateHeader.toLowerCase())) {
      throw configurationError('mtls.certificateHeader must be a header name')
    }
    // A certificate header from just anybody would let any client claim any certificate.
    if (!hasProxies) throw configurationError('mtls.certificateHeader needs trustedProxies (the proxies allowed to set it)')
    header = options.certificateHeader.toLowerCase()
  }
  const format = options.certificateHeaderFormat ?? 'pem'
  if (format !== 'pem' && format !== 'rfc9440') throw configurationError(`mtls.certificateHeaderFormat must be 'pem' or 'rfc9440'`)
  return { required: bool(options.required, 'mtls.required'), certificate: { header, format, trustProxy } }
}

/**
 * Compiles `dpop`, `mtls` and `trustedProxies`. Without them no `cnf` binding can be checked,
 * and buildIdentity refuses bound tokens (RFC 9449 §7.1; RFC 8705 §3).
 */
export function compileBinding(
  options: { dpop?: unknown; mtls?: unknown; trustedProxies?: unknown },
  clock: () => number,
  clockTolerance: number,
): BindingConfig {
  const trustProxy = compileTrustedProxies(options.trustedProxies)
  const hasProxies = options.trustedProxies !== undefined && (options.trustedProxies as unknown[]).length > 0
  const dpop = options.dpop === undefined ? undefined : compileDpop(options.dpop, trustProxy, hasProxies, clock, clockTolerance)
  const mtls = options.mtls === undefined || options.mtls === false ? undefined : compileMtls(options.mtls, trustProxy, hasProxies)
  const schemes: ChallengeSchemes =
    dpop === undefined ? { bearer: true } : { bearer: !dpop.required, dpopAlgs: dpop.algs }
  return { dpop, mtls, schemes, support: { dpop: dpop !== undefined, mtls: mtls !== undefined } }
}
