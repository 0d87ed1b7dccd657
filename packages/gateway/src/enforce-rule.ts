/**
 * The one place where the gateway calls the requirement objects of `@portcullis/core` and
 * `@portcullis/policy`. A rule's scopes, step-up and policy are compiled here once and
 * enforced here per request, in the order the adapters document: token, rate limit, scopes,
 * step-up, policy (a missing scope is a 403 no re-authentication fixes, so it is reported
 * first). The rate limit counts before the authorization checks, so refused requests count too.
 */
import {
  createAuthenticationRequirement,
  createScopeRequirement,
  type AuthContext,
  type AuthenticationRequirement,
  type Identity,
  type PortcullisRequest,
  type RateLimitRequirement,
  type ScopeRequirement,
} from '@portcullis/core'
import { createPolicyRequirement, type PolicyEngine, type PolicyRequirement } from '@portcullis/policy'
import type { TokenMode } from './config/config.js'

/** What a rule requires, after validation of the file. */
export interface RuleRequirementSpec {
  readonly token: TokenMode
  readonly scopes?: { readonly list: readonly string[]; readonly match: 'all' | 'any' }
  readonly stepUp?: { readonly acr?: string | readonly string[]; readonly maxAge?: number }
  readonly policy?: { readonly engine: PolicyEngine; readonly action: string; readonly resourceType?: string }
  /** The rule's rate limit, counted after the token and before the other requirements. */
  readonly rateLimit?: RateLimitRequirement
  /** Current time in ms (tests); used by step-up. */
  readonly clock?: () => number
}

/** The input the policy's resource loader receives: the rule's path parameters. */
export interface RuleInput {
  readonly params: Readonly<Record<string, string>>
}

/** One request against one rule. */
export interface RuleEnforcementArgs {
  readonly request: PortcullisRequest
  readonly identity: Identity | undefined
  readonly context: AuthContext
  readonly params: Readonly<Record<string, string>>
}

/** A compiled rule. */
export interface RuleEnforcer {
  readonly token: TokenMode
  /**
   * Resolves with the response headers of the policy's obligations when the request may
   * pass; rejects with a `PortcullisError` (401, 403 or 503) otherwise.
   */
  enforce(args: RuleEnforcementArgs): Promise<Readonly<Record<string, string>>>
}

/** Which field of the rule a compile error belongs to. */
export class RequirementFieldError extends Error {
  constructor(readonly field: 'scopes' | 'stepUp' | 'policy', readonly original: unknown) {
    super((original as Error)?.message ?? String(original))
  }
}

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({})

function compile<T>(field: RequirementFieldError['field'], build: () => T): T {
  try {
    return build()
  } catch (error) {
    throw new RequirementFieldError(field, error)
  }
}

/**
 * Compiles a rule's requirements. Throws a {@link RequirementFieldError} naming the field
 * whose options the core or the policy package refused.
 */
export function compileRuleRequirements(spec: RuleRequirementSpec): RuleEnforcer {
  const scope: ScopeRequirement | undefined = spec.scopes === undefined
    ? undefined
    : compile('scopes', () => createScopeRequirement(spec.scopes!.list, { match: spec.scopes!.match }))
  const stepUp: AuthenticationRequirement | undefined = spec.stepUp === undefined
    ? undefined
    : compile('stepUp', () => createAuthenticationRequirement({ ...spec.stepUp, ...(spec.clock === undefined ? {} : { clock: spec.clock }) }))
  const policySpec = spec.policy
  const policy: PolicyRequirement<RuleInput> | undefined = policySpec === undefined
    ? undefined
    : compile('policy', () => createPolicyRequirement<RuleInput>(policySpec.engine, {
      action: policySpec.action,
      ...(policySpec.resourceType === undefined ? {} : { resourceType: policySpec.resourceType }),
      // The resource is what the path says about it: its parameters, and the rule's type.
      resource: (input) => ({ ...input.params, ...(policySpec.resourceType === undefined ? {} : { type: policySpec.resourceType }) }),
    }))

  return {
    token: spec.token,
    async enforce({ request, identity, context, params }) {
      if (spec.token === 'required' && identity === undefined) {
        // The gateway's authenticator is optional (one for every rule), so the "no token"
        // refusal and its audit event, which requireToken() emits itself, are made here.
        const error = context.rejections.credentialsRequired()
        if (context.auditor.enabled) {
          context.auditor.emit('authn_login_fail', 'WARN', request, { outcome: 'failure', reason: 'missing', description: error.message })
        }
        throw error
      }
      // The same requirements, in the same order, as requireScope / requireAuthentication /
      // requirePolicy on a route: each throws its PortcullisError.
      const input = { request, identity, context, input: { params } }
      // RateLimit and RateLimit-Policy go out on the allow answer too.
      const limited = spec.rateLimit === undefined ? NO_HEADERS : ((await spec.rateLimit.enforce(input)).responseHeaders ?? NO_HEADERS)
      if (scope !== undefined) scope.enforce(input)
      if (stepUp !== undefined) stepUp.enforce(input)
      if (policy === undefined) return limited
      const { responseHeaders } = await policy.enforce(input)
      return responseHeaders === undefined ? limited : { ...limited, ...responseHeaders }
    },
  }
}
