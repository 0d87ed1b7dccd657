import { randomUUID } from 'node:crypto'
import { configurationError, createRejections } from '@portcullis/core'
import type { AuditSink, Identity } from '@portcullis/core'
import { ConditionError } from '../operators/condition-error.js'
import { compileMultipliers, compileResource, inApprovers, type CompiledResource } from './grant-config.js'
import { GrantError, isGrantError } from './grant-error.js'
import { emitGrantAudit, sendNotification, type GrantCallContext, type GrantLifecycle, type GrantNotificationKind, type GrantNotifier } from './grant-events.js'
import { checkActions, checkDuration, checkResource, checkText, checkUrgency, DEFAULT_MAX_JUSTIFICATION } from './grant-input.js'
import type { GrantStore } from './grant-store.js'
import { TERMINAL_STATUSES, type ApproverSet, type FreshAuthenticationConfig, type GrantRecord, type GrantResourceConfig, type Principal, type Urgency } from './grant-types.js'
import { createMemoryGrantStore } from './memory-grant-store.js'
import { grantCovers } from './grant-match.js'
import { autoApproves, checkFreshAuthentication, withTimeout } from './grant-checks.js'

/**
 * Hooks that give and take away the access outside Portcullis (a database role, a cloud IAM
 * binding). Both are awaited with a time box and receive an AbortSignal.
 */
export interface GrantProvisioning {
  /** Called once a grant is approved, before it becomes active. A failure (or timeout) fails the grant. */
  onGranted?(grant: GrantRecord, signal: AbortSignal): Promise<void> | void
  /** Called when an active (or failed) grant ends: revoked, expired. Failures are audited. */
  onEnded?(grant: GrantRecord, signal: AbortSignal): Promise<void> | void
  /** Time box of each hook in ms (default 5000). */
  readonly timeout?: number
}

/**
 * Options of {@link createGrantService}.
 *
 * @example
 * ```ts
 * createGrantService({ resources: { 'db:prod/*': { actions: ['read'], maxDuration: 3_600_000, approval: { approvers: { groups: ['dba'] } } } } })
 * ```
 */
export interface GrantServiceOptions {
  /** Grantable resources by name or glob (`db:prod/*`). */
  readonly resources: Readonly<Record<string, GrantResourceConfig>>
  /** Where grants live (default: the bounded in-memory store). */
  readonly store?: GrantStore
  /** Current time in ms (default `Date.now`); decides expiry, escalation and time windows. */
  readonly clock?: () => number
  /** Receives every lifecycle event (`authz_change`). */
  readonly audit?: AuditSink
  /** Notifies people (see `createWebhookNotifier`). */
  readonly notifier?: GrantNotifier
  readonly provisioning?: GrantProvisioning
  /** Multipliers of a resource's maximum duration by urgency (defaults LOW 0.5, MEDIUM 0.75, HIGH 1, CRITICAL 1.5). */
  readonly urgencyMultipliers?: Partial<Record<Urgency, number>>
  /** Fresh MFA demanded for CRITICAL requests and sensitive resources (RFC 9470); default `{ maxAge: 300 }`. `false` disables it. */
  readonly freshAuthentication?: FreshAuthenticationConfig | false
  /** Who may revoke any grant and see every request. */
  readonly admins?: ApproverSet
  /** A pending request nobody decided expires after this many ms (default 24 h). */
  readonly requestTtl?: number
  /** Ended records are deleted by `sweep()` after this many ms (default 7 days). */
  readonly retention?: number
  /** `sweep()` sends an `expiry_warning` this many ms before a grant ends (default 5 min; 0 disables). */
  readonly expiryWarning?: number
  /** Runs `sweep()` every this many ms on an `unref()`ed timer (default: never; call `sweep()` yourself). */
  readonly sweepInterval?: number
  /** Longest justification or comment (default 1000 characters). */
  readonly maxJustificationLength?: number
  /** Realm of the step-up challenge (default `grants`). */
  readonly realm?: string
}

/** What a user asks for. */
export interface GrantRequestInput {
  /** The requester (a verified identity). */
  readonly identity: Identity
  readonly resource: string
  readonly actions: readonly string[]
  readonly justification: string
  /** Requested duration in ms. */
  readonly duration: number
  readonly urgency: Urgency
}

/** Outcome of {@link GrantService.sweep}. */
export interface SweepResult {
  readonly expired: number
  readonly escalated: number
  readonly warned: number
  readonly deleted: number
}

/**
 * The just-in-time access service: requests, approvals, grants, extensions, revocations.
 *
 * @example
 * ```ts
 * const grants = createGrantService({ resources })
 * const request = await grants.request({ identity, resource: 'db:prod/orders', actions: ['read'], justification: 'INC-42', duration: 3_600_000, urgency: 'HIGH' })
 * await grants.approve(request.id, approverIdentity, { comment: 'ok' })
 * ```
 */
export interface GrantService {
  request(input: GrantRequestInput, context?: GrantCallContext): Promise<GrantRecord>
  /** Adds the approver's vote (idempotent: a second vote by the same approver changes nothing). Also approves a pending extension. */
  approve(id: string, approver: Identity, options?: { comment?: string }, context?: GrantCallContext): Promise<GrantRecord>
  /** Rejects the request (or the pending extension); one rejection ends it. */
  reject(id: string, approver: Identity, options?: { comment?: string }, context?: GrantCallContext): Promise<GrantRecord>
  /** Extends an active grant (the holder only), within the resource's extension limit. */
  extend(id: string, holder: Identity, input: { duration: number; justification: string }, context?: GrantCallContext): Promise<GrantRecord>
  /** Ends a grant or withdraws a request: the holder, an approver of the resource, or an admin. Idempotent. */
  revoke(id: string, actor: Identity, options?: { reason?: string }, context?: GrantCallContext): Promise<GrantRecord>
  /** A record as the caller may see it (holder, approver, admin), lazily escalated/expired. */
  get(id: string, viewer: Identity): Promise<GrantRecord>
  /** The caller's own requests and grants, newest first. */
  listMine(identity: Identity): Promise<GrantRecord[]>
  /** Pending requests (and extensions) the caller may decide now. */
  listApprovable(identity: Identity): Promise<GrantRecord[]>
  /** Grants active now that the caller may revoke as an approver of their resource or an admin (not their own). */
  listSupervised(identity: Identity): Promise<GrantRecord[]>
  /** Active grants of a principal at `now` (default: the clock) whose resource matches `resource` when given. */
  activeGrants(principal: Principal, resource?: string, now?: number): Promise<GrantRecord[]>
  /** Whether the identity may decide this record now. */
  canApprove(record: GrantRecord, identity: Identity): boolean
  /** Whether the identity is an approver of this record's resource (any status; escalation counted when due). */
  isApprover(record: GrantRecord, identity: Identity): boolean
  /** Whether the identity is an admin (`admins` option). */
  isAdmin(identity: Identity): boolean
  /** Marks ended grants expired (emitting their events), escalates and expires stale requests, warns, and deletes old records. */
  sweep(): Promise<SweepResult>
  /** Stops the sweep timer. */
  close(): void
  /** @internal */
  readonly clock: () => number
}

const MAX_CAS_ATTEMPTS = 16
// Records one sweep looks at, per group (live, ended); the next sweep takes the rest.
const SWEEP_BATCH = 10_000
const DAY = 24 * 3600 * 1000

function principalOf(identity: Identity, field: string): Principal {
  if (typeof identity !== 'object' || identity === null || typeof identity.subject !== 'string' || identity.subject === '') {
    throw new GrantError('invalid_input', 'an identity with a subject is required', field)
  }
  return { subject: identity.subject, issuer: identity.issuer }
}

const same = (a: Principal, b: Principal): boolean => a.subject === b.subject && a.issuer === b.issuer


/**
 * Creates the grants service. Options are validated here, once.
 *
 * Security notes: every state change is a compare-and-set on the record's version, so
 * concurrent approvals make one grant and an approval cannot follow a rejection or expiry;
 * expiry and escalation are computed from the clock whenever a record is read (no timer is
 * trusted); a grant counts in decisions only while `status === 'active' && now < expiresAt`.
 *
 * @example
 * ```ts
 * import { createGrantService } from '@portcullis/policy'
 * const grants = createGrantService({
 *   resources: { 'db:prod/*': { actions: ['read', 'write'], maxDuration: 4 * 3_600_000, approval: { approvers: { groups: ['dba'] }, required: 2 } } },
 *   audit: (event) => logger.warn(event),
 * })
 * ```
 */
export function createGrantService(options: GrantServiceOptions): GrantService {
  if (typeof options !== 'object' || options === null) throw configurationError('grants: options are required')
  const clock = options.clock ?? Date.now
  if (typeof clock !== 'function') throw configurationError('grants: clock must be a function returning ms')
  if (typeof options.resources !== 'object' || options.resources === null || Object.keys(options.resources).length === 0) {
    throw configurationError('grants: resources must name at least one grantable resource')
  }
  const resources: CompiledResource[] = Object.keys(options.resources).map((key) => compileResource(key, (options.resources as Record<string, GrantResourceConfig>)[key] as GrantResourceConfig))
  for (const r of resources) if (r.auto === undefined && r.approval === undefined) throw configurationError(`grants: resource ${JSON.stringify(r.key)} needs autoApprove or approval`)
  const byKey = new Map(resources.map((r) => [r.key, r]))
  const store = options.store ?? createMemoryGrantStore()
  const multipliers = compileMultipliers(options.urgencyMultipliers)
  const maxMultiplier = Math.max(...Object.values(multipliers))
  const fresh = options.freshAuthentication === false ? undefined : { maxAge: options.freshAuthentication?.maxAge ?? 300, acr: options.freshAuthentication?.acr }
  if (fresh !== undefined && (!Number.isInteger(fresh.maxAge) || fresh.maxAge < 0)) throw configurationError('grants: freshAuthentication.maxAge must be an integer number of seconds >= 0')
  const admins = options.admins === undefined ? undefined : compileResource('admins', { actions: ['x'], maxDuration: 1, approval: { approvers: options.admins } }).approval?.approvers
  const requestTtl = options.requestTtl ?? DAY
  const retention = options.retention ?? 7 * DAY
  const warnBefore = options.expiryWarning ?? 5 * 60_000
  const maxText = options.maxJustificationLength ?? DEFAULT_MAX_JUSTIFICATION
  const hookTimeout = options.provisioning?.timeout ?? 5000
  for (const [name, value] of [['requestTtl', requestTtl], ['retention', retention], ['expiryWarning', warnBefore], ['maxJustificationLength', maxText], ['provisioning.timeout', hookTimeout]] as const) {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) throw configurationError(`grants: ${name} must be an integer >= 0`)
  }
  const rejections = createRejections(options.realm ?? 'grants')
  const audit = options.audit
  const notifier = options.notifier
  // One request at a time per requester in this process: the duplicate check and the create
  // cannot interleave. (Across processes, a store with a uniqueness constraint is needed.)
  const requestLocks = new Map<string, Promise<unknown>>()

  function emit(lifecycle: GrantLifecycle, record: GrantRecord, actor: Principal | 'system', why: string | undefined, context: GrantCallContext | undefined, notify?: GrantNotificationKind): void {
    const now = clock()
    emitGrantAudit(audit, now, lifecycle, record, actor, why, context)
    if (notify !== undefined) sendNotification(notifier, notify, record, now)
  }

  function resourceFor(name: string): CompiledResource | undefined {
    const exact = byKey.get(name)
    if (exact !== undefined) return exact
    for (const r of resources) {
      try {
        if (r.glob?.test(name) === true) return r
      } catch (error) {
        if (!(error instanceof ConditionError)) throw error
      }
    }
    return undefined
  }

  /** The resource config of a stored record (config may have changed since: fall back to a match). */
  function configOf(record: GrantRecord): CompiledResource | undefined {
    return byKey.get(record.resourceKey) ?? resourceFor(record.resource)
  }

  function escalatedAt(record: GrantRecord, now: number): number | undefined {
    if (record.escalatedAt !== undefined) return record.escalatedAt
    const escalation = configOf(record)?.approval?.escalation
    const since = record.pendingExtension?.requestedAt ?? record.requestedAt
    return escalation !== undefined && now >= since + escalation.after ? since + escalation.after : undefined
  }

  function isApprover(record: GrantRecord, identity: Identity, now: number): boolean {
    const approval = configOf(record)?.approval
    if (approval === undefined) return false
    if (inApprovers(identity, approval.approvers)) return true
    return approval.escalation !== undefined && escalatedAt(record, now) !== undefined && inApprovers(identity, approval.escalation.approvers)
  }

  const isAdmin = (identity: Identity): boolean => admins !== undefined && inApprovers(identity, admins)

  function canDecide(record: GrantRecord, identity: Identity, now: number): boolean {
    if (identity.subject === undefined || (identity.subject === record.requester.subject && identity.issuer === record.requester.issuer)) return false
    const decidable = record.status === 'pending' || (record.status === 'active' && record.pendingExtension !== undefined && record.expiresAt !== undefined && now < record.expiresAt)
    return decidable && isApprover(record, identity, now)
  }

  // ---- store access: every change is a compare-and-set, retried on conflict ----

  async function load(id: unknown): Promise<GrantRecord> {
    if (typeof id !== 'string' || id === '' || id.length > 128) throw new GrantError('not_found', 'No such grant', 'id')
    let record: GrantRecord | undefined
    try {
      record = await store.get(id)
    } catch (error) {
      throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
    }
    if (record === undefined) throw new GrantError('not_found', 'No such grant', 'id')
    return record
  }

  async function write(next: GrantRecord, expected: number): Promise<boolean> {
    try {
      return await store.compareAndSet(next, expected)
    } catch (error) {
      throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
    }
  }

  /**
   * Applies `change` to the freshest record until a compare-and-set wins. `change` returns the
   * next record (without the version bump), or the record itself for "nothing to do", and may
   * throw a GrantError. The callback runs again on the re-read record after a conflict, so its
   * checks always see the state it changes.
   */
  async function update(id: string, change: (record: GrantRecord, now: number) => GrantRecord, after?: (before: GrantRecord, written: GrantRecord) => void): Promise<GrantRecord> {
    for (let attempt = 0; attempt < MAX_CAS_ATTEMPTS; attempt++) {
      const before = await refresh(await load(id))
      const next = change(before, clock())
      if (next === before) return before
      const written = { ...next, version: before.version + 1 }
      if (await write(written, before.version)) {
        after?.(before, written)
        return written
      }
    }
    throw new GrantError('temporarily_unavailable', 'The grant kept changing; try again')
  }

  /** Lazy evaluation of time: escalates and expires pending requests on read. */
  async function refresh(record: GrantRecord, attempt = 0): Promise<GrantRecord> {
    if (attempt >= MAX_CAS_ATTEMPTS) throw new GrantError('temporarily_unavailable', 'The grant kept changing; try again')
    const now = clock()
    if (record.status === 'pending' && now >= record.requestedAt + requestTtl) {
      const next: GrantRecord = { ...record, version: record.version + 1, status: 'expired', endedAt: now, endReason: 'no decision in time' }
      if (await write(next, record.version)) {
        emit('expired', next, 'system', 'no decision in time', undefined, 'expired')
        return next
      }
      return refresh(await load(record.id), attempt + 1)
    }
    const escalatesAt = record.status === 'pending' || record.pendingExtension !== undefined ? escalatedAt(record, now) : undefined
    if (record.escalatedAt === undefined && escalatesAt !== undefined) {
      const next: GrantRecord = { ...record, version: record.version + 1, escalatedAt: escalatesAt }
      if (await write(next, record.version)) {
        emit('escalated', next, 'system', undefined, undefined, 'escalated')
        return next
      }
      return refresh(await load(record.id), attempt + 1)
    }
    return record
  }

  async function runHook(hook: 'onGranted' | 'onEnded', record: GrantRecord): Promise<Error | undefined> {
    const fn = options.provisioning?.[hook]
    if (fn === undefined) return undefined
    try {
      await withTimeout((signal) => fn.call(options.provisioning, record, signal), hookTimeout)
      return undefined
    } catch (error) {
      return error instanceof Error ? error : new Error('provisioning failed')
    }
  }

  async function ended(record: GrantRecord): Promise<void> {
    const failure = await runHook('onEnded', record)
    if (failure !== undefined) emit('provisioning_failed', record, 'system', `onEnded: ${failure.message}`, undefined, 'provisioning_failed')
  }

  /**
   * Approved: run the provisioning hook, then activate. The grant's time starts at activation.
   * A failed hook fails the grant (status `failed`, never active) and onEnded undoes any part
   * of the provisioning that happened.
   */
  async function activate(record: GrantRecord, context: GrantCallContext | undefined): Promise<GrantRecord> {
    let current = record
    if (options.provisioning?.onGranted !== undefined) {
      const failure = await runHook('onGranted', record)
      if (failure !== undefined) {
        let failedNow = false
        const failed = await update(
          record.id,
          (r, now) => (r.status === 'provisioning' ? { ...r, status: 'failed', endedAt: now, endReason: 'provisioning failed' } : r),
          () => {
            failedNow = true
          },
        )
        if (failedNow) emit('provisioning_failed', failed, 'system', `onGranted: ${failure.message}`, context, 'provisioning_failed')
        if (failedNow || failed.status === 'revoked') await ended(failed) // undo whatever part was provisioned
        return failed
      }
    }
    let activated = false
    current = await update(
      record.id,
      (r, now) => (r.status === 'provisioning' ? { ...r, status: 'active', startsAt: now, expiresAt: now + r.grantedDuration } : r),
      () => {
        activated = true
      },
    )
    if (activated) emit('granted', current, 'system', undefined, context, 'granted')
    else if (current.status === 'revoked') await ended(current) // revoked while provisioning
    return current
  }

  async function listOf(principal: Principal, statuses: GrantRecord['status'][]): Promise<GrantRecord[]> {
    try {
      return await store.list({ subject: principal.subject, issuer: principal.issuer, statuses })
    } catch (error) {
      throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
    }
  }

  async function createRequest(input: GrantRequestInput, context: GrantCallContext | undefined): Promise<GrantRecord> {
    if (typeof input !== 'object' || input === null) throw new GrantError('invalid_input', 'a request object is required')
    const requester = principalOf(input.identity, 'identity')
    const name = checkResource(input.resource)
    const resource = resourceFor(name)
    if (resource === undefined) throw new GrantError('unknown_resource', 'No grantable resource matches', 'resource')
    // A glob request must stay inside the configured glob: only the configured key itself is accepted.
    if (/[*?\\]/.test(name) && name !== resource.key) throw new GrantError('unknown_resource', 'A resource pattern must be a configured pattern', 'resource')
    const actions = checkActions(input.actions)
    actions.forEach((action, i) => {
      if (!resource.actions.has(action)) throw new GrantError('action_not_grantable', `action ${JSON.stringify(action)} is not grantable on this resource`, `actions[${i}]`)
    })
    const justification = checkText(input.justification, 'justification', maxText, false) as string
    const duration = checkDuration(input.duration, 'duration')
    const urgency = checkUrgency(input.urgency)
    if (duration > Math.floor(resource.maxDuration * maxMultiplier)) {
      throw new GrantError('duration_exceeded', `duration must be at most ${Math.floor(resource.maxDuration * maxMultiplier)} ms on this resource`, 'duration')
    }
    const now = clock()
    checkFreshAuthentication(fresh, rejections, input.identity, resource, urgency, now)
    const live = await listOf(requester, ['pending', 'provisioning', 'active'])
    const duplicate = live.some((r) => r.resource === name && r.actions.some((a) => actions.includes(a)) && (r.status !== 'active' || (r.expiresAt ?? 0) > now) && (r.status !== 'pending' || now < r.requestedAt + requestTtl))
    if (duplicate) throw new GrantError('duplicate_grant', 'A pending or active grant already covers some of these actions', 'actions')
    const grantedDuration = Math.min(duration, Math.floor(resource.maxDuration * multipliers[urgency]))
    const auto = autoApproves(resource, input.identity, actions, grantedDuration, now)
    if (!auto && resource.approval === undefined) throw new GrantError('forbidden', 'This request does not qualify for automatic approval and the resource has no approvers')
    const record: GrantRecord = {
      id: randomUUID(),
      version: 1,
      status: auto ? 'provisioning' : 'pending',
      requester,
      resource: name,
      resourceKey: resource.key,
      actions,
      justification,
      urgency,
      requestedDuration: duration,
      grantedDuration,
      requestedAt: now,
      escalatedAt: undefined,
      approvals: [],
      rejection: undefined,
      autoApproved: auto,
      startsAt: undefined,
      expiresAt: undefined,
      extensions: [],
      pendingExtension: undefined,
      endedAt: undefined,
      endedBy: undefined,
      endReason: undefined,
      warned: false,
    }
    let created: boolean
    try {
      created = await store.create(record)
    } catch (error) {
      if (isGrantError(error)) throw error
      throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
    }
    if (!created) throw new GrantError('temporarily_unavailable', 'Could not create the request; try again')
    emit('requested', record, requester, justification, context, auto ? undefined : 'pending_approval')
    if (!auto) return record
    emit('auto_approved', record, 'system', undefined, context)
    return activate(record, context)
  }

  const service: GrantService = {
    clock,
    async request(input, context) {
      const key = typeof input?.identity?.subject === 'string' ? `${input.identity.issuer}\u0000${input.identity.subject}` : ''
      const previous = requestLocks.get(key) ?? Promise.resolve()
      const run = previous.then(
        () => createRequest(input, context),
        () => createRequest(input, context),
      )
      const settled = run.catch(() => undefined)
      requestLocks.set(key, settled)
      void settled.then(() => {
        if (requestLocks.get(key) === settled) requestLocks.delete(key)
      })
      return run
    },

    async approve(id, approverIdentity, approveOptions = {}, context) {
      const approver = principalOf(approverIdentity, 'approver')
      const comment = checkText(approveOptions.comment, 'comment', maxText, true)
      let lifecycle: 'approved' | 'extended' | undefined
      let voted = false
      const record = await update(id, (r, now) => {
        // Reset per attempt: a lost compare-and-set runs this again on the fresh record.
        lifecycle = undefined
        voted = false
        if (same(r.requester, approver)) throw new GrantError('self_approval', 'You cannot approve your own request')
        const extension = r.status === 'active' ? r.pendingExtension : undefined
        if (r.status !== 'pending' && extension === undefined) {
          // Natural idempotency: a retried approval of a request this approver already approved.
          if (r.approvals.some((v) => same(v.approver, approver))) return r
          throw new GrantError('invalid_state', `The request is ${r.status}`)
        }
        if (extension !== undefined && (r.expiresAt === undefined || now >= r.expiresAt)) throw new GrantError('invalid_state', 'The grant has ended')
        if (!canDecide(r, approverIdentity, now)) throw new GrantError('forbidden', 'You may not approve this request')
        const votes = extension?.approvals ?? r.approvals
        if (votes.some((v) => same(v.approver, approver))) return r // one vote per approver
        const vote = { approver, at: now, comment }
        const approval = configOf(r)?.approval
        const needed = escalatedAt(r, now) !== undefined && approval?.escalation !== undefined ? approval.escalation.required : (approval?.required ?? 1)
        const all = [...votes, vote]
        voted = true
        if (extension !== undefined) {
          if (all.length < needed) return { ...r, pendingExtension: { ...extension, approvals: all } }
          lifecycle = 'extended'
          return {
            ...r,
            pendingExtension: undefined,
            expiresAt: (r.expiresAt as number) + extension.duration,
            extensions: [...r.extensions, { by: r.requester, at: now, duration: extension.duration, justification: extension.justification }],
          }
        }
        lifecycle = all.length >= needed ? 'approved' : undefined
        return { ...r, approvals: all, status: all.length >= needed ? 'provisioning' : 'pending' }
      })
      if (lifecycle === undefined) {
        if (voted) emit('approved', record, approver, comment, context) // a vote short of the quorum is audited too
        return record
      }
      emit(lifecycle, record, approver, comment, context, lifecycle === 'approved' ? 'approved' : 'extended')
      return lifecycle === 'approved' ? activate(record, context) : record
    },

    async reject(id, approverIdentity, rejectOptions = {}, context) {
      const approver = principalOf(approverIdentity, 'approver')
      const comment = checkText(rejectOptions.comment, 'comment', maxText, true)
      let changed = false
      const record = await update(id, (r, now) => {
        changed = false
        if (same(r.requester, approver)) throw new GrantError('self_approval', 'You cannot decide your own request; revoke it to withdraw')
        if (r.status === 'rejected' && r.rejection !== undefined && same(r.rejection.approver, approver)) return r // retried
        if (!canDecide(r, approverIdentity, now)) {
          if (r.status !== 'pending' && r.pendingExtension === undefined) throw new GrantError('invalid_state', `The request is ${r.status}`)
          throw new GrantError('forbidden', 'You may not decide this request')
        }
        changed = true
        if (r.status === 'active') return { ...r, pendingExtension: undefined }
        return { ...r, status: 'rejected', rejection: { approver, at: now, comment }, endedAt: now, endedBy: approver, endReason: 'rejected' }
      })
      if (changed) emit('rejected', record, approver, comment, context, 'rejected')
      return record
    },

    async extend(id, holderIdentity, input, context) {
      const holder = principalOf(holderIdentity, 'identity')
      if (typeof input !== 'object' || input === null) throw new GrantError('invalid_input', 'an extension object is required')
      const duration = checkDuration(input.duration, 'duration')
      const justification = checkText(input.justification, 'justification', maxText, false) as string
      let lifecycle: 'extended' | 'extension_requested' = 'extended'
      const record = await update(id, (r, now) => {
        lifecycle = 'extended'
        if (!same(r.requester, holder)) throw new GrantError('forbidden', 'Only the holder may extend a grant')
        if (r.status !== 'active' || r.expiresAt === undefined || now >= r.expiresAt) throw new GrantError('invalid_state', 'Only an active grant can be extended')
        if (r.pendingExtension !== undefined) throw new GrantError('invalid_state', 'An extension is already awaiting approval')
        const resource = configOf(r)
        const used = r.extensions.reduce((sum, e) => sum + e.duration, 0)
        const limit = resource?.maxExtension ?? 0
        if (used + duration > limit) throw new GrantError('extension_exceeded', `extensions of this grant are limited to ${limit} ms in total (${limit - used} ms left)`, 'duration')
        if (resource?.extensionRequiresApproval === true && resource.approval !== undefined) {
          lifecycle = 'extension_requested'
          return { ...r, pendingExtension: { duration, justification, requestedAt: now, approvals: [] }, escalatedAt: undefined }
        }
        return { ...r, expiresAt: r.expiresAt + duration, extensions: [...r.extensions, { by: holder, at: now, duration, justification }] }
      })
      emit(lifecycle, record, holder, justification, context, lifecycle === 'extended' ? 'extended' : 'pending_approval')
      return record
    },

    async revoke(id, actorIdentity, revokeOptions = {}, context) {
      const actor = principalOf(actorIdentity, 'identity')
      const reason = checkText(revokeOptions.reason, 'reason', maxText, true)
      let before: GrantRecord | undefined
      const record = await update(
        id,
        (r, now) => {
          const allowed = same(r.requester, actor) || isAdmin(actorIdentity) || isApprover(r, actorIdentity, now)
          if (!allowed) throw new GrantError('forbidden', 'You may not revoke this grant')
          if (TERMINAL_STATUSES.has(r.status)) return r // idempotent: already over
          return { ...r, status: 'revoked', endedAt: now, endedBy: actor, endReason: reason ?? 'revoked', pendingExtension: undefined }
        },
        (b) => {
          before = b
        },
      )
      if (before !== undefined) {
        emit('revoked', record, actor, reason, context, 'revoked')
        if (before.status === 'active') await ended(record)
      }
      return record
    },

    async get(id, viewer) {
      const record = await refresh(await load(id))
      const now = clock()
      const visible = viewer.subject !== undefined && (same(record.requester, { subject: viewer.subject, issuer: viewer.issuer }) || isAdmin(viewer) || isApprover(record, viewer, now))
      if (!visible) throw new GrantError('not_found', 'No such grant', 'id')
      return record
    },

    async listMine(identity) {
      const principal = principalOf(identity, 'identity')
      const records = await listOf(principal, ['pending', 'provisioning', 'active', 'rejected', 'revoked', 'expired', 'failed'])
      return Promise.all(records.map((r) => refresh(r)))
    },

    async listApprovable(identity) {
      principalOf(identity, 'identity')
      let records: GrantRecord[]
      try {
        records = [...(await store.list({ statuses: ['pending'] })), ...(await store.list({ statuses: ['active'] })).filter((r) => r.pendingExtension !== undefined)]
      } catch (error) {
        throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
      }
      const out: GrantRecord[] = []
      for (const record of records) {
        if (record.status === 'active' && record.pendingExtension === undefined) continue
        const fresh = await refresh(record)
        if (canDecide(fresh, identity, clock())) out.push(fresh)
      }
      return out
    },

    async listSupervised(identity) {
      const viewer = principalOf(identity, 'identity')
      let records: GrantRecord[]
      try {
        records = await store.list({ statuses: ['active'] })
      } catch (error) {
        throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
      }
      const now = clock()
      return records.filter((r) => r.expiresAt !== undefined && now < r.expiresAt && !same(r.requester, viewer) && (isAdmin(identity) || isApprover(r, identity, now)))
    },

    async activeGrants(principal, resource, now = clock()) {
      const records = await listOf(principal, ['active'])
      return records.filter((r) => r.expiresAt !== undefined && now < r.expiresAt && (r.startsAt ?? 0) <= now && (resource === undefined || grantCovers(r.resource, resource)))
    },

    canApprove(record, identity) {
      return canDecide(record, identity, clock())
    },

    isApprover(record, identity) {
      return isApprover(record, identity, clock())
    },

    isAdmin,

    async sweep() {
      const now = clock()
      let expired = 0
      let escalated = 0
      let warned = 0
      let deleted = 0
      let records: GrantRecord[]
      try {
        // Live records first, so old ended ones never crowd them out of a bounded listing.
        const live = await store.list({ statuses: ['active', 'pending'], limit: SWEEP_BATCH })
        const done = await store.list({ statuses: ['rejected', 'revoked', 'expired', 'failed'], limit: SWEEP_BATCH })
        records = [...live, ...done]
      } catch (error) {
        throw new GrantError('temporarily_unavailable', 'The grant store is unavailable', undefined, error)
      }
      for (const record of records) {
        if (record.status === 'active' && record.expiresAt !== undefined && now >= record.expiresAt) {
          const next: GrantRecord = { ...record, version: record.version + 1, status: 'expired', endedAt: record.expiresAt, endReason: 'expired' }
          if (await write(next, record.version)) {
            expired++
            emit('expired', next, 'system', undefined, undefined, 'expired')
            await ended(next)
          }
        } else if (record.status === 'active' && warnBefore > 0 && !record.warned && record.expiresAt !== undefined && record.expiresAt - now <= warnBefore) {
          const next: GrantRecord = { ...record, version: record.version + 1, warned: true }
          if (await write(next, record.version)) {
            warned++
            sendNotification(notifier, 'expiry_warning', next, now)
          }
        } else if (record.status === 'pending' || record.pendingExtension !== undefined) {
          const after = await refresh(record).catch(() => record) // one contended record must not stop the sweep
          if (after.escalatedAt !== undefined && record.escalatedAt === undefined) escalated++
          if (after.status === 'expired') expired++
        } else if (TERMINAL_STATUSES.has(record.status) && record.endedAt !== undefined && now - record.endedAt >= retention) {
          if (await store.delete(record.id, record.version).catch(() => false)) deleted++
        }
      }
      return { expired, escalated, warned, deleted }
    },

    close() {
      if (timer !== undefined) clearInterval(timer)
      timer = undefined
    },
  }

  let timer: NodeJS.Timeout | undefined
  if (options.sweepInterval !== undefined) {
    const every = options.sweepInterval
    if (!Number.isInteger(every) || every < 100) throw configurationError('grants: sweepInterval must be an integer number of ms >= 100')
    timer = setInterval(() => {
      service.sweep().catch(() => undefined) // a store outage: the next sweep tries again
    }, every)
    timer.unref()
  }
  return service
}
