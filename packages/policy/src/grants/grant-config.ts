import { configurationError } from '@portcullis/core'
import type { Identity } from '@portcullis/core'
import { compileGlob, type Glob } from '../operators/strings.js'
import { parseTimeWindows, type TemporalConstraint } from '../environment/temporal.js'
import { URGENCIES, type ApproverSet, type GrantResourceConfig, type Urgency } from './grant-types.js'

/** A compiled approver set. */
export interface CompiledApprovers {
  readonly users: ReadonlySet<string>
  readonly groups: ReadonlySet<string>
  readonly scopes: ReadonlySet<string>
}

/** A validated resource configuration. */
export interface CompiledResource {
  readonly key: string
  readonly glob: Glob | undefined
  readonly actions: ReadonlySet<string>
  readonly maxDuration: number
  readonly maxExtension: number
  readonly extensionRequiresApproval: boolean
  readonly sensitive: boolean
  readonly auto:
    | { readonly maxDuration: number; readonly users: ReadonlySet<string> | undefined; readonly groups: ReadonlySet<string> | undefined; readonly actions: ReadonlySet<string> | undefined; readonly windows: TemporalConstraint | undefined }
    | undefined
  readonly approval:
    | { readonly approvers: CompiledApprovers; readonly required: number; readonly escalation: { readonly after: number; readonly approvers: CompiledApprovers; readonly required: number } | undefined }
    | undefined
}

const MAX_MS = 366 * 24 * 3600 * 1000

function positiveMs(value: unknown, where: string, allowZero = false): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > MAX_MS) {
    throw configurationError(`${where} must be an integer number of ms in [${allowZero ? 0 : 1}, ${MAX_MS}]`)
  }
  return value
}

function stringSet(value: unknown, where: string): Set<string> {
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string' && v !== '' && v.length <= 256)) {
    throw configurationError(`${where} must be an array of non-empty strings`)
  }
  return new Set(value as string[])
}

function compileApprovers(set: ApproverSet | undefined, where: string): CompiledApprovers {
  if (typeof set !== 'object' || set === null) throw configurationError(`${where} must be an object { users?, groups?, scopes? }`)
  const out = {
    users: set.users === undefined ? new Set<string>() : stringSet(set.users, `${where}.users`),
    groups: set.groups === undefined ? new Set<string>() : stringSet(set.groups, `${where}.groups`),
    scopes: set.scopes === undefined ? new Set<string>() : stringSet(set.scopes, `${where}.scopes`),
  }
  if (out.users.size + out.groups.size + out.scopes.size === 0) throw configurationError(`${where} names nobody`)
  return out
}

function required(value: unknown, where: string): number {
  const n = value ?? 1
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 16) throw configurationError(`${where} must be an integer in [1, 16]`)
  return n
}

/** Validates one resource configuration at service creation. */
export function compileResource(key: string, config: GrantResourceConfig): CompiledResource {
  const where = `grants: resource ${JSON.stringify(key)}`
  if (key === '' || key.length > 256) throw configurationError(`${where}: the name must have 1-256 characters`)
  if (typeof config !== 'object' || config === null) throw configurationError(`${where} must be an object`)
  const actions = stringSet(config.actions, `${where}.actions`)
  if (actions.size === 0) throw configurationError(`${where}.actions must not be empty`)
  const maxDuration = positiveMs(config.maxDuration, `${where}.maxDuration`)
  const maxExtension = config.maxExtension === undefined ? 0 : positiveMs(config.maxExtension, `${where}.maxExtension`, true)
  const auto = config.autoApprove
  let windows: TemporalConstraint | undefined
  if (auto?.windows !== undefined) {
    try {
      windows = parseTimeWindows(auto.windows)
    } catch (error) {
      throw configurationError(`${where}.autoApprove.windows: ${(error as Error).message}`)
    }
  }
  const approval = config.approval
  const escalation = approval?.escalation
  const firstRequired = approval === undefined ? 1 : required(approval.required, `${where}.approval.required`)
  return {
    key,
    glob: /[*?\\]/.test(key) ? compileGlob(key) : undefined,
    actions,
    maxDuration,
    maxExtension,
    extensionRequiresApproval: config.extensionRequiresApproval === true,
    sensitive: config.sensitive === true,
    auto:
      auto === undefined
        ? undefined
        : {
            maxDuration: auto.maxDuration === undefined ? maxDuration : positiveMs(auto.maxDuration, `${where}.autoApprove.maxDuration`),
            users: auto.users === undefined ? undefined : stringSet(auto.users, `${where}.autoApprove.users`),
            groups: auto.groups === undefined ? undefined : stringSet(auto.groups, `${where}.autoApprove.groups`),
            actions: auto.actions === undefined ? undefined : stringSet(auto.actions, `${where}.autoApprove.actions`),
            windows,
          },
    approval:
      approval === undefined
        ? undefined
        : {
            approvers: compileApprovers(approval.approvers, `${where}.approval.approvers`),
            required: firstRequired,
            escalation:
              escalation === undefined
                ? undefined
                : {
                    after: positiveMs(escalation.after, `${where}.approval.escalation.after`),
                    approvers: compileApprovers(escalation.approvers, `${where}.approval.escalation.approvers`),
                    required: escalation.required === undefined ? firstRequired : required(escalation.required, `${where}.approval.escalation.required`),
                  },
          },
  }
}

/** Default urgency multipliers of the resource's maximum duration. */
export const DEFAULT_URGENCY_MULTIPLIERS: Readonly<Record<Urgency, number>> = Object.freeze({ LOW: 0.5, MEDIUM: 0.75, HIGH: 1.0, CRITICAL: 1.5 })

/** Validates the multipliers option (partial overrides of the defaults). */
export function compileMultipliers(value: Partial<Record<Urgency, number>> | undefined): Readonly<Record<Urgency, number>> {
  const out = { ...DEFAULT_URGENCY_MULTIPLIERS }
  if (value === undefined) return out
  for (const urgency of Object.keys(value)) {
    const m = (value as Record<string, unknown>)[urgency]
    if (!URGENCIES.includes(urgency as Urgency)) throw configurationError(`grants: urgencyMultipliers: unknown urgency ${JSON.stringify(urgency)}`)
    if (typeof m !== 'number' || !Number.isFinite(m) || m <= 0 || m > 10) throw configurationError(`grants: urgencyMultipliers.${urgency} must be a number in (0, 10]`)
    out[urgency as Urgency] = m
  }
  return out
}

/** The groups of an identity (`groups` claim, strings only). */
export function groupsOf(identity: Identity): readonly string[] {
  const groups = (identity.claims as Record<string, unknown>).groups
  return Array.isArray(groups) ? groups.filter((g): g is string => typeof g === 'string') : []
}

/** True when the identity is in the approver set. */
export function inApprovers(identity: Identity, set: CompiledApprovers): boolean {
  if (identity.subject !== undefined && set.users.has(identity.subject)) return true
  if (groupsOf(identity).some((g) => set.groups.has(g))) return true
  return identity.scopes.some((s) => set.scopes.has(s))
}
