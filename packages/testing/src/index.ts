/**
 * `@portcullis/testing`: a local OAuth 2.0 issuer for tests, examples and users' tests.
 *
 * @packageDocumentation
 */
export { SIGNING_ALGORITHMS } from './algorithms.js'
export type { RawSigningAlgorithm, SigningAlgorithm } from './algorithms.js'
export type { CustomResponse, EndpointBehaviour } from './behaviour.js'
export { createCertificateAuthority, forwardedCertificate, x5tS256 } from './certificates.js'
export type { IssueOptions, TestCertificate, TestCertificateAuthority } from './certificates.js'
export { createDpopProof, jwkThumbprint } from './dpop.js'
export { ecdsaTwin } from './ecdsa-twin.js'
export type { DpopProofOptions } from './dpop.js'
export { createIssuer } from './issuer.js'
export type {
  AddKeyOptions,
  CreateIssuerOptions,
  IssuerStats,
  LocalIssuer,
  MintOptions,
  RotateOptions,
} from './issuer.js'
export type { IntrospectionCall, IntrospectionClient, OpaqueTokenOptions } from './introspection.js'
export type { TokenExchangeCall } from './token-exchange.js'
export { generateSigningKey } from './keys.js'
export type { GenerateSigningKeyOptions, IssuerKey } from './keys.js'
export { signRaw } from './sign-raw.js'
export type { SignRawOptions } from './sign-raw.js'
