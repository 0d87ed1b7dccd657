/**
 * @portcullis/policy: the policy decision point. An ABAC engine (XACML 3.0 decision algebra,
 * typed TypeScript rules and validated JSON documents, attribute providers, environment and
 * risk, obligations, explanations) that decides with or without the token path, plus the
 * policy enforcement requirement the adapters mount as `requirePolicy()`.
 */
export { createPolicyEngine } from './engine.js'
export type { DecisionRequest, DecisionResult, PolicyEngine, PolicyEngineOptions } from './engine.js'
export { createPolicyRequirement } from './enforcement/policy-requirement.js'
export type { PolicyEnforcement, PolicyRequirement, PolicyRouteOptions } from './enforcement/policy-requirement.js'
export { permit, deny, policy, policySet } from './model/builders.js'
export type { PolicyOptions, PolicySetOptions, RuleOptions } from './model/builders.js'
export type { Policy, PolicyNode, PolicySet, Rule, Target } from './model/model.js'
export { COMBINING_ALGORITHMS, isIndeterminate, pdpDecision } from './algebra/decision.js'
export type { CombiningAlgorithm, Decision, Effect } from './algebra/decision.js'
export { combine } from './algebra/combine.js'
export type { Applicability, ChildEvaluator } from './algebra/combine.js'
export type { EnvironmentAttributes, PolicyAttributes, SubjectAttributes } from './model/attributes.js'
export type { AttributeProvider, ProviderContext } from './attributes/providers.js'
export type { PolicyEnvironmentOptions, PolicyRiskFactor } from './environment/environment-options.js'
export type { AppliedRiskFactor, AttributeReader, RiskFactor } from './environment/risk.js'
export type { BusinessHoursConfig, TemporalConstraint } from './environment/temporal.js'
export type { RiskAssessment, RuleError } from './attributes/decision-state.js'
export { crossBorder, dataSensitivity, lowDeviceTrust, offHours, untrustedNetwork, type FactorOptions } from './environment/risk-factors.js'
export { createLevels, DEFAULT_CLASSIFICATION_LEVELS, type Levels } from './environment/classification.js'
export { enhancedMonitoring, responseHeaders, stepUp } from './obligations/obligation-spec.js'
export type { BuiltInObligation, CompiledObligation, ObligationSpec } from './obligations/obligation-spec.js'
export type { ObligationContext, ObligationHandler, ObligationHandlerMap, ObligationOutcome } from './obligations/obligation-handlers.js'
export type { Enforcement, Explanation } from './explanations/explanation.js'
export { PolicyValidationError, isPolicyValidationError } from './json/policy-error.js'
export { loadPolicyDocument, DOCUMENT_LIMITS } from './json/document.js'
export { loadPolicyFile, watchPolicyFile } from './json/policy-file.js'
export type { PolicyFileWatcher, WatchPolicyFileOptions } from './json/policy-file.js'
export type { PolicyIssue } from './json/policy-error.js'
