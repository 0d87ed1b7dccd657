// The same documents policy as examples/express-api (each example stands alone).
import { fileURLToPath } from 'node:url'
import {
  createPolicyEngine,
  deny,
  loadPolicyFile,
  lowDeviceTrust,
  offHours,
  permit,
  policy,
  policySet,
  untrustedNetwork,
  type PolicyAttributes,
  type PolicyEngine,
} from '@portcullis/policy'

/** A document of the example store. */
export interface Document {
  id: string
  type: 'document'
  title: string
  classification: 'PUBLIC' | 'INTERNAL' | 'CONFIDENTIAL' | 'RESTRICTED'
  department: string
  owner: string
  /** On legal hold: no edits. Always present (`false` when not held): the rule requires it. */
  legalHold: boolean
  /** IANA time zone of the site that owns the document: its business hours. */
  siteTimeZone: string
  /** Maximum age in seconds of the MFA a RESTRICTED document asks for. */
  stepUpMaxAge?: number
}

type DocumentAttributes = PolicyAttributes<Document>

/** Where the declarative half of the policy lives (next to `src/` and `dist/`). */
export const POLICY_FILE = fileURLToPath(new URL('../policies/documents.json', import.meta.url))

/**
 * The typed half: rules that read best as code. `owner-edits` lets only the owner update or delete a document,
 * `legal-hold` and `high-risk` are deny rules, and deny-overrides (the default) lets them win
 * over any permit. Every attribute is read with `a.require(path)`: a missing one makes the
 * rule Indeterminate (`undefined === undefined` would otherwise be `true`), and a risk score
 * that cannot be assessed (no device-trust header, unknown site time zone) is Indeterminate
 * too, so `high-risk` denies instead of scoring what it cannot see as zero.
 */
export const typedRules = policy({
  id: 'documents-typed',
  target: { resourceTypes: ['document'] },
  rules: [
    permit<DocumentAttributes>('owner-edits', { actions: ['update', 'delete'], when: (a) => a.require('resource.owner') === a.require('subject.id') }),
    deny<DocumentAttributes>('legal-hold', { actions: ['update', 'delete'], when: (a) => a.require('resource.legalHold') === true }),
    deny<DocumentAttributes>('high-risk', { when: (a) => (a.require('environment.risk.score') as number) > 50 }),
  ],
})

/** Options of {@link createDocumentsEngine}. */
export interface DocumentsEngineOptions {
  /** Current time in ms (tests freeze it). */
  clock?: () => number
  /** Reverse proxies whose X-Forwarded-For is believed (CIDRs). */
  trustedProxies?: readonly string[]
}

/**
 * The documents policy: the JSON document (clearance vs classification, department, business
 * hours at the document's site, network, device trust, step-up MFA for RESTRICTED) and the
 * typed rules (owner edits, legal hold, risk threshold), combined with deny-overrides.
 */
export async function createDocumentsEngine(options: DocumentsEngineOptions = {}): Promise<PolicyEngine> {
  const documents = await loadPolicyFile(POLICY_FILE)
  // Business hours at the document's site: one factor for every site, DST included.
  const hours = { timeZone: { attribute: 'resource.siteTimeZone' } }
  return createPolicyEngine(policySet({ id: 'documents-api', algorithm: 'deny-overrides', policies: [documents, typedRules] }), {
    ...(options.clock === undefined ? {} : { clock: options.clock }),
    environment: {
      timeZone: 'Europe/Paris',
      ...(options.trustedProxies === undefined ? {} : { trustedProxies: options.trustedProxies }),
      zones: { corporate: ['10.0.0.0/8', '192.168.0.0/16'], vpn: ['100.64.0.0/10'] },
      deviceTrust: { header: 'x-device-trust', values: ['low', 'medium', 'high'] },
      risk: {
        factors: [
          untrustedNetwork({ trustedZones: ['corporate', 'vpn'] }),
          offHours({ hours }),
          lowDeviceTrust({ minimum: 'medium', values: ['low', 'medium', 'high'] }),
        ],
      },
    },
  })
}
