import { createHash, createPublicKey, generateKeyPairSync, sign, X509Certificate } from 'node:crypto'
import type { KeyObject } from 'node:crypto'
import { isIP } from 'node:net'
import { AsnConvert, OctetString } from '@peculiar/asn1-schema'
import {
  AlgorithmIdentifier,
  AttributeTypeAndValue,
  AttributeValue,
  BasicConstraints,
  Certificate,
  Extension,
  Extensions,
  id_ce_basicConstraints,
  id_ce_extKeyUsage,
  ExtendedKeyUsage,
  GeneralName,
  id_ce_subjectAltName,
  Name,
  RelativeDistinguishedName,
  SubjectAlternativeName,
  SubjectPublicKeyInfo,
  TBSCertificate,
  Validity,
  Version,
} from '@peculiar/asn1-x509'
import { serialNumber } from './internal/serial-number.js'

/*
 * X.509 certificates for mTLS tests, built from ASN.1 structures of @peculiar/asn1-x509 (a
 * maintained schema library: no hand-written DER) and signed with node:crypto (ECDSA P-256 with
 * SHA-256). No openssl CLI is needed, so the tests run anywhere `npm ci` does.
 */

// RFC 5758 §3.2: ecdsa-with-SHA256, parameters absent.
const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2'
const COMMON_NAME = '2.5.4.3'
const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2'
const SERVER_AUTH = '1.3.6.1.5.5.7.3.1'

/** A certificate and its private key. */
export interface TestCertificate {
  /** The certificate, DER. */
  readonly der: Buffer
  /** The certificate, PEM. */
  readonly pem: string
  /** The private key, PEM (PKCS #8), e.g. for `https.request({ cert, key })`. */
  readonly keyPem: string
  readonly privateKey: KeyObject
  /** `x5t#S256` of the certificate, for `cnf` of a certificate-bound token (RFC 8705 §3.1). */
  readonly thumbprint: string
  /** The node:crypto view of the certificate (subject, validity...). */
  readonly x509: X509Certificate
}

/** A certificate authority that issues client and server certificates. */
export interface TestCertificateAuthority extends TestCertificate {
  /** Issues a client certificate (extended key usage clientAuth) for `commonName`. */
  issueClient(commonName?: string, options?: IssueOptions): TestCertificate
  /** Issues a server certificate (serverAuth, with subjectAltName) for `localhost` / `127.0.0.1` / `::1` by default. */
  issueServer(commonName?: string, options?: IssueOptions): TestCertificate
}

/** Validity of an issued certificate. */
export interface IssueOptions {
  /** Start of validity. Default: one hour ago. */
  notBefore?: Date
  /** End of validity. Default: 30 days after `notBefore`. */
  notAfter?: Date
  /** Server certificates: subjectAltName DNS names and IPs. Default: `localhost`, `127.0.0.1`, `::1` for `localhost`, else the CN. */
  altNames?: readonly string[]
  /**
   * The subject's private key. Default: a fresh ECDSA P-256 key pair per certificate. Pass one to
   * renew a certificate for the same key, or to issue many certificates quickly.
   */
  privateKey?: KeyObject
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer
}

function name(commonName: string): Name {
  return new Name([
    new RelativeDistinguishedName([new AttributeTypeAndValue({ type: COMMON_NAME, value: new AttributeValue({ utf8String: commonName }) })]),
  ])
}

function extension(id: string, critical: boolean, value: object): Extension {
  return new Extension({ extnID: id, critical, extnValue: new OctetString(AsnConvert.serialize(value)) })
}

interface Subject {
  commonName: string
  ca: boolean
  usage?: string
  /** subjectAltName entries: DNS names and IP addresses (what TLS clients check). */
  altNames?: readonly string[]
  options: IssueOptions
}

function build(subject: Subject, issuerName: string, publicKey: KeyObject, signer: KeyObject, privateKey: KeyObject): TestCertificate {
  const notBefore = subject.options.notBefore ?? new Date(Date.now() - 3_600_000)
  const notAfter = subject.options.notAfter ?? new Date(notBefore.getTime() + 30 * 86_400_000)
  const serial = serialNumber()
  const extensions = [extension(id_ce_basicConstraints, true, new BasicConstraints({ cA: subject.ca }))]
  if (subject.usage !== undefined) extensions.push(extension(id_ce_extKeyUsage, false, new ExtendedKeyUsage([subject.usage])))
  if (subject.altNames !== undefined && subject.altNames.length > 0) {
    const names = subject.altNames.map((entry) => (isIP(entry) === 0 ? new GeneralName({ dNSName: entry }) : new GeneralName({ iPAddress: entry })))
    extensions.push(extension(id_ce_subjectAltName, false, new SubjectAlternativeName(names)))
  }
  const algorithm = new AlgorithmIdentifier({ algorithm: ECDSA_WITH_SHA256 })
  const tbs = new TBSCertificate({
    version: Version.v3,
    serialNumber: toArrayBuffer(serial),
    signature: algorithm,
    issuer: name(issuerName),
    subject: name(subject.commonName),
    validity: new Validity({ notBefore, notAfter }),
    subjectPublicKeyInfo: AsnConvert.parse(publicKey.export({ type: 'spki', format: 'der' }), SubjectPublicKeyInfo),
    extensions: new Extensions(extensions),
  })
  // X.509 carries ECDSA signatures DER-encoded, node:crypto's default.
  const signatureValue = sign('sha256', Buffer.from(AsnConvert.serialize(tbs)), signer)
  const der = Buffer.from(AsnConvert.serialize(new Certificate({ tbsCertificate: tbs, signatureAlgorithm: algorithm, signatureValue: toArrayBuffer(signatureValue) })))
  const x509 = new X509Certificate(der)
  return {
    der,
    pem: x509.toString(),
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    privateKey,
    thumbprint: x5tS256(der),
    x509,
  }
}

/**
 * Creates a self-signed certificate authority (ECDSA P-256) that issues client and server
 * certificates, for mTLS tests without the openssl CLI.
 *
 * @param commonName - the CA's subject CN. Default `Portcullis Test CA`.
 * @returns the CA certificate and key, with `issueClient` and `issueServer`.
 * @example
 * ```ts
 * import { createCertificateAuthority } from '@portcullis/testing'
 * const ca = createCertificateAuthority()
 * const server = ca.issueServer()
 * const client = ca.issueClient('client-1')
 * const token = await issuer.mint({ cnf: { 'x5t#S256': client.thumbprint } })
 * https.createServer({ cert: server.pem, key: server.keyPem, ca: ca.pem, requestCert: true, rejectUnauthorized: false }, app)
 * ```
 */
export function createCertificateAuthority(commonName = 'Portcullis Test CA'): TestCertificateAuthority {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
  const self = build({ commonName, ca: true, options: {} }, commonName, publicKey, privateKey, privateKey)
  function issue(subject: string, usage: string, options: IssueOptions, altNames?: readonly string[]): TestCertificate {
    const pair = options.privateKey === undefined ? generateKeyPairSync('ec', { namedCurve: 'P-256' }) : { privateKey: options.privateKey, publicKey: createPublicKey(options.privateKey) }
    return build({ commonName: subject, ca: false, usage, altNames, options }, commonName, pair.publicKey, privateKey, pair.privateKey)
  }
  return {
    ...self,
    issueClient: (subject = 'client', options = {}) => issue(subject, CLIENT_AUTH, options),
    issueServer: (subject = 'localhost', options = {}) =>
      issue(subject, SERVER_AUTH, options, options.altNames ?? (subject === 'localhost' ? ['localhost', '127.0.0.1', '::1'] : [subject])),
  }
}

/**
 * The RFC 8705 §3.1 thumbprint of a certificate: base64url(SHA-256(DER)), as in
 * `cnf["x5t#S256"]` of a certificate-bound token.
 *
 * @param certificate - DER bytes, a PEM string or a node:crypto `X509Certificate`.
 * @returns the base64url thumbprint, without padding.
 * @example
 * ```ts
 * import { x5tS256 } from '@portcullis/testing'
 * const token = await issuer.mint({ cnf: { 'x5t#S256': x5tS256(clientCertPem) } })
 * ```
 */
export function x5tS256(certificate: Uint8Array | string | X509Certificate): string {
  const der = certificate instanceof X509Certificate ? certificate.raw : typeof certificate === 'string' ? new X509Certificate(certificate).raw : certificate
  return createHash('sha256').update(der).digest('base64url')
}

/**
 * The value a TLS-terminating proxy forwards the certificate in: `'pem'` is URL-encoded PEM
 * (nginx `$ssl_client_escaped_cert`), `'rfc9440'` is the RFC 9440 `Client-Cert` byte sequence.
 *
 * @example
 * ```ts
 * import { forwardedCertificate } from '@portcullis/testing'
 * await request(app).get('/me').set('X-Client-Cert', forwardedCertificate(client))
 * ```
 */
export function forwardedCertificate(certificate: Pick<TestCertificate, 'pem' | 'der'>, format: 'pem' | 'rfc9440' = 'pem'): string {
  return format === 'pem' ? encodeURIComponent(certificate.pem) : `:${certificate.der.toString('base64')}:`
}
