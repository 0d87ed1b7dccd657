import { constants, createPrivateKey, randomUUID, sign, type KeyObject } from 'node:crypto'
import { configurationError } from '../errors.js'
import type { IntrospectionClientAuth } from './introspection-options.js'

/** Client credentials, checked at creation. */
export interface ClientCredentials {
  readonly method: IntrospectionClientAuth
  readonly clientId: string
  readonly clientSecret?: string
  readonly privateKey?: KeyObject
  readonly privateKeyId?: string
  /** `alg` of the client assertion, from the key type. */
  readonly assertionAlg?: string
}

/** What client authentication adds to one request. */
interface AuthenticatedRequest {
  readonly headers: Record<string, string>
  readonly params: Record<string, string>
}

const ASSERTION_TYPE = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer'

// RFC 6749 §2.3.1: id and secret are each application/x-www-form-urlencoded before being joined
// with ":" and base64-encoded, so a ":" or a non-ASCII character in them survives intact.
function formEncode(value: string): string {
  return new URLSearchParams([['', value]]).toString().slice(1)
}

function b64url(value: Buffer | string): string {
  return Buffer.from(value).toString('base64url')
}

function assertionAlg(key: KeyObject, name: string): string {
  switch (key.asymmetricKeyType) {
    case 'rsa':
      return 'RS256'
    case 'rsa-pss':
      return 'PS256'
    case 'ed25519':
      return 'EdDSA'
    case 'ec': {
      const curve = key.asymmetricKeyDetails?.namedCurve
      if (curve === 'prime256v1') return 'ES256'
      if (curve === 'secp384r1') return 'ES384'
      if (curve === 'secp521r1') return 'ES512'
      break
    }
    default:
      break
  }
  throw configurationError(`${name} must be an RSA, EC (P-256, P-384, P-521) or Ed25519 private key`)
}

/** Validates the client authentication options of `prefix` (e.g. `introspection`). */
export function compileClientCredentials(
  prefix: string,
  options: { clientId?: unknown; clientSecret?: unknown; clientAuth?: unknown; privateKey?: unknown; privateKeyId?: unknown },
): ClientCredentials {
  const { clientId, clientSecret, privateKeyId } = options
  if (typeof clientId !== 'string' || clientId === '') throw configurationError(`${prefix}.clientId is required (a non-empty string)`)
  const method = options.clientAuth ?? (options.privateKey !== undefined ? 'private_key_jwt' : 'client_secret_basic')
  if (method !== 'client_secret_basic' && method !== 'client_secret_post' && method !== 'private_key_jwt') {
    throw configurationError(`${prefix}.clientAuth must be 'client_secret_basic', 'client_secret_post' or 'private_key_jwt'`)
  }
  if (privateKeyId !== undefined && (typeof privateKeyId !== 'string' || privateKeyId === '')) {
    throw configurationError(`${prefix}.privateKeyId must be a non-empty string`)
  }
  if (method === 'private_key_jwt') {
    if (clientSecret !== undefined) throw configurationError(`${prefix}.clientSecret cannot be used with private_key_jwt`)
    let key: KeyObject
    try {
      key = typeof options.privateKey === 'string' ? createPrivateKey(options.privateKey) : (options.privateKey as KeyObject)
    } catch (error) {
      throw configurationError(`${prefix}.privateKey is not a readable private key`, error)
    }
    if (typeof key !== 'object' || key === null || key.type !== 'private') {
      throw configurationError(`${prefix}.privateKey must be a private KeyObject or PEM string`)
    }
    return {
      method,
      clientId,
      privateKey: key,
      assertionAlg: assertionAlg(key, `${prefix}.privateKey`),
      ...(privateKeyId === undefined ? {} : { privateKeyId }),
    }
  }
  if (options.privateKey !== undefined) throw configurationError(`${prefix}.privateKey needs clientAuth 'private_key_jwt'`)
  if (typeof clientSecret !== 'string' || clientSecret === '') {
    throw configurationError(`${prefix}.clientSecret is required for ${method} (a non-empty string)`)
  }
  return { method, clientId, clientSecret }
}

function signAssertion(credentials: ClientCredentials, audience: string, nowMs: number): string {
  const alg = credentials.assertionAlg as string
  const key = credentials.privateKey as KeyObject
  const iat = Math.floor(nowMs / 1000)
  const header = { alg, typ: 'JWT', ...(credentials.privateKeyId === undefined ? {} : { kid: credentials.privateKeyId }) }
  // RFC 7523 §3: iss and sub are the client id, aud the endpoint, a short life and a unique jti.
  const payload = { iss: credentials.clientId, sub: credentials.clientId, aud: audience, iat, exp: iat + 60, jti: randomUUID() }
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`
  const data = Buffer.from(input)
  let signature: Buffer
  if (alg === 'EdDSA') signature = sign(null, data, key)
  else if (alg.startsWith('ES')) signature = sign(`sha${alg.slice(2)}`, data, { key, dsaEncoding: 'ieee-p1363' })
  else if (alg === 'PS256') signature = sign('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 })
  else signature = sign('sha256', data, key)
  return `${input}.${b64url(signature)}`
}

/** The headers and form parameters that authenticate the client to `endpoint`. */
export function authenticateClient(credentials: ClientCredentials, endpoint: string, nowMs: number): AuthenticatedRequest {
  switch (credentials.method) {
    case 'client_secret_basic': {
      const pair = `${formEncode(credentials.clientId)}:${formEncode(credentials.clientSecret as string)}`
      return { headers: { authorization: `Basic ${Buffer.from(pair).toString('base64')}` }, params: {} }
    }
    case 'client_secret_post':
      return { headers: {}, params: { client_id: credentials.clientId, client_secret: credentials.clientSecret as string } }
    case 'private_key_jwt':
      return {
        headers: {},
        params: {
          client_id: credentials.clientId,
          client_assertion_type: ASSERTION_TYPE,
          client_assertion: signAssertion(credentials, endpoint, nowMs),
        },
      }
  }
}
