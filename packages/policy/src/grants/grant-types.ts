import type { TimeWindowConfig } from '../operators/time-of-day.js'

/** How urgent a request is; scales the granted duration (see `urgencyMultipliers`). */
export type Urgency = 'LOW' | 'MEDIUM' | 'HIGH' | 'CRITICAL'

/** The urgencies, lowest first. */
export const URGENCIES: readonly Urgency[] = Object.freeze(['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'])

/**
 * Lifecycle of a record: `pending` (awaiting approval) → `provisioning` (approved, the
 * provisioning hook runs) → `active` → `expired` | `revoked`; or `pending` → `rejected` |
 * `expired` (nobody decided in time); or `provisioning` → `failed` (the hook failed: the grant
 * never becomes active). Only `active` grants count in decisions, and only before `expiresAt`.
 */
export type GrantStatus = 'pending' | 'provisioning' | 'active' | 'rejected' | 'revoked' | 'expired' | 'failed'

/** Statuses from which nothing changes any more. */
export const TERMINAL_STATUSES: ReadonlySet<GrantStatus> = new Set(['rejected', 'revoked', 'expired', 'failed'])

/** A user (by issuer and subject). */
export interface Principal {
  readonly subject: string
  readonly issuer: string
}

/** Who may approve: users (subjects), members of groups (the `groups` claim) or holders of scopes. Any match counts. */
export interface ApproverSet {
  readonly users?: readonly string[]
  readonly groups?: readonly string[]
  readonly scopes?: readonly string[]
}

/** The approval workflow of a resource. */
export interface ApprovalConfig {
  /** Who may approve in the first stage. */
  readonly approvers: ApproverSet
  /** How many distinct approvals are needed (n of m; default 1). */
  readonly required?: number
  /** After `after` ms without a decision, a second set may approve too. */
  readonly escalation?: {
    readonly after: number
    readonly approvers: ApproverSet
    /** Approvals needed once escalated (default: the first stage's). Votes already cast count. */
    readonly required?: number
  }
}

/** When a request is granted at once, without approval: all given criteria must hold. */
export interface AutoApproveConfig {
  /** Longest duration granted without approval (ms). */
  readonly maxDuration?: number
  /** Requesters (subjects) that qualify. */
  readonly users?: readonly string[]
  /** Requesters in one of these groups (the `groups` claim) qualify. */
  readonly groups?: readonly string[]
  /** Only these actions qualify (default: any grantable action). */
  readonly actions?: readonly string[]
  /** Only inside one of these recurring windows. */
  readonly windows?: readonly TimeWindowConfig[]
}

/** Configuration of one grantable resource (a name, or a glob such as `db:prod/*`). */
export interface GrantResourceConfig {
  /** Actions that may be granted. */
  readonly actions: readonly string[]
  /** Longest grant in ms, before the urgency multiplier. */
  readonly maxDuration: number
  /** Total extension allowed over the grant's life in ms (default 0: no extension). */
  readonly maxExtension?: number
  /** Extensions need an approval like the request did (default false). */
  readonly extensionRequiresApproval?: boolean
  /** Criteria under which a request is granted at once. */
  readonly autoApprove?: AutoApproveConfig
  /** Approval workflow; without it (and outside `autoApprove`) requests are refused. */
  readonly approval?: ApprovalConfig
  /** Sensitive resources demand a fresh MFA (like CRITICAL requests). */
  readonly sensitive?: boolean
}

/** Fresh-authentication demand (RFC 9470) for CRITICAL requests and sensitive resources. */
export interface FreshAuthenticationConfig {
  /** Maximum age in seconds of `auth_time` (default 300). */
  readonly maxAge?: number
  /** Acceptable `acr` values (default: any). */
  readonly acr?: readonly string[]
}

/** One approval (or rejection) vote. */
export interface GrantVote {
  readonly approver: Principal
  readonly at: number
  readonly comment: string | undefined
}

/** One extension of a grant. */
export interface GrantExtension {
  readonly by: Principal
  readonly at: number
  /** Added ms. */
  readonly duration: number
  readonly justification: string
}

/** A pending extension awaiting approval. */
export interface PendingExtension {
  readonly duration: number
  readonly justification: string
  readonly requestedAt: number
  readonly approvals: readonly GrantVote[]
}

/**
 * A grant or request as stored. Records are immutable values: every change writes a new
 * record with `version + 1` through the store's compare-and-set.
 */
export interface GrantRecord {
  readonly id: string
  /** Incremented on every write; the compare-and-set key. */
  readonly version: number
  readonly status: GrantStatus
  readonly requester: Principal
  /** The resource (or resource glob) the grant covers. */
  readonly resource: string
  /** The configured resource key it matched. */
  readonly resourceKey: string
  readonly actions: readonly string[]
  readonly justification: string
  readonly urgency: Urgency
  /** Requested duration, ms. */
  readonly requestedDuration: number
  /** Duration that will be (or was) granted, ms: min(requested, max × multiplier). */
  readonly grantedDuration: number
  readonly requestedAt: number
  /** When the first approval stage escalated (lazily set), if it did. */
  readonly escalatedAt: number | undefined
  readonly approvals: readonly GrantVote[]
  readonly rejection: GrantVote | undefined
  /** Granted without approval. */
  readonly autoApproved: boolean
  /** When the grant became active. */
  readonly startsAt: number | undefined
  /** End of the grant (exclusive): active while `now < expiresAt`. */
  readonly expiresAt: number | undefined
  readonly extensions: readonly GrantExtension[]
  readonly pendingExtension: PendingExtension | undefined
  /** When it reached a terminal status, and who ended it (revocation). */
  readonly endedAt: number | undefined
  readonly endedBy: Principal | undefined
  readonly endReason: string | undefined
  /** An expiry warning was sent. */
  readonly warned: boolean
}
