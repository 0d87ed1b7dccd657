import { ConditionError } from '../operators/condition-error.js'
import type { AttributeProvider, ProviderContext } from '../attributes/providers.js'
import type { PolicyAttributes } from '../model/attributes.js'
import type { GrantService } from './grant-service.js'
import type { Urgency } from './grant-types.js'

/**
 * An active grant as policies see it at `subject.grants`: only grants of the subject that are
 * active at the decision time and cover the current resource.
 */
export interface ActiveGrantAttribute {
  readonly id: string
  readonly resource: string
  readonly actions: readonly string[]
  /** Epoch ms. */
  readonly startsAt: number
  /** Epoch ms, exclusive: the grant no longer counts at this instant. */
  readonly expiresAt: number
  readonly urgency: Urgency
}

/**
 * The subject attributes the grants provider adds; pass as the second type parameter of
 * `PolicyAttributes` to type `a.subject.grants`.
 *
 * @example
 * ```ts
 * const rule = permit<PolicyAttributes<Doc, GrantSubjectAttributes>>('jit', { when: (a) => grantFor(a) !== undefined })
 * ```
 */
export interface GrantSubjectAttributes {
  readonly grants: readonly ActiveGrantAttribute[]
}

/**
 * Options of {@link grantsProvider} (and of the engine option `grants`).
 *
 * @example
 * ```ts
 * createPolicyEngine(policy, { grants: { service: grants, resource: async (c) => `db:prod/${(await c.resource() as Table).name}` } })
 * ```
 */
export interface GrantsProviderOptions {
  readonly service: GrantService
  /**
   * The grant resource name of the decision. Default: the route's resource when it is a
   * string, else its string `grantResource` property; `undefined` means no grant applies.
   */
  readonly resource?: (context: ProviderContext) => string | undefined | Promise<string | undefined>
  /** Time box of the store lookup in ms (default 1000). */
  readonly timeout?: number
}

async function defaultResource(context: ProviderContext): Promise<string | undefined> {
  const resource = await context.resource()
  if (typeof resource === 'string') return resource
  const name = typeof resource === 'object' && resource !== null ? (resource as { grantResource?: unknown }).grantResource : undefined
  return typeof name === 'string' ? name : undefined
}

/**
 * The attribute provider behind `subject.grants`. It is never cached across requests (a
 * revocation counts on the very next decision), it filters on the decision time (a grant
 * counts while `now < expiresAt`, whatever the sweeper did), and it is `infrastructure`: a
 * store outage answers 503, never a silent deny or permit.
 *
 * @example
 * ```ts
 * createPolicyEngine(policy, { providers: { grants: grantsProvider({ service: grants }) } })
 * ```
 */
export function grantsProvider(options: GrantsProviderOptions | GrantService): AttributeProvider {
  const config: GrantsProviderOptions = 'service' in options ? options : { service: options }
  const service = config.service
  const resourceOf = config.resource ?? defaultResource
  return {
    category: 'subject',
    infrastructure: true,
    timeout: config.timeout ?? 1000,
    key: () => undefined,
    async load(context) {
      const identity = context.identity
      if (identity?.subject === undefined) return []
      const name = await resourceOf(context)
      if (name === undefined) return []
      const grants = await service.activeGrants({ subject: identity.subject, issuer: identity.issuer }, name, context.now)
      return grants.map((g) => ({ id: g.id, resource: g.resource, actions: [...g.actions], startsAt: g.startsAt as number, expiresAt: g.expiresAt as number, urgency: g.urgency }))
    },
  }
}

/**
 * Finds the active grant that covers `action` (default: the decision's action) and names it in
 * the decision's explanation (`subject.grants.<i>.id`).
 *
 * @example
 * ```ts
 * permit<PolicyAttributes<unknown, GrantSubjectAttributes>>('with-grant', { actions: ['write'], when: (a) => grantFor(a) !== undefined })
 * ```
 */
export function grantFor(a: PolicyAttributes<unknown, GrantSubjectAttributes>, action: string = a.action): ActiveGrantAttribute | undefined {
  const grants = a.subject.grants
  if (!Array.isArray(grants)) return undefined
  const index = grants.findIndex((g: ActiveGrantAttribute) => Array.isArray(g.actions) && g.actions.includes(action))
  if (index === -1) return undefined
  a.require(`subject.grants.${index}.id`) // records the grant's id in the explanation
  return grants[index] as ActiveGrantAttribute
}

/**
 * The index of the first grant in `grants` (the value of `subject.grants`) that covers
 * `action`, or -1; throws a ConditionError (the rule is Indeterminate) when `grants` is not such a list. Used by the JSON
 * operator `hasGrant`.
 */
export function findGrant(grants: unknown, action: unknown): number {
  if (!Array.isArray(grants)) throw new ConditionError('hasGrant reads a list of grants (subject.grants)')
  if (typeof action !== 'string') throw new ConditionError('hasGrant compares with an action name')
  return grants.findIndex((g: unknown) => typeof g === 'object' && g !== null && Array.isArray((g as { actions?: unknown }).actions) && ((g as { actions: unknown[] }).actions).includes(action))
}
