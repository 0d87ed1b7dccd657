import type { Effect } from '../algebra/decision.js'
import { createLevels, DEFAULT_CLASSIFICATION_LEVELS, numericLevels, type Levels } from '../environment/classification.js'
import { compileJsonCondition, type ConditionCompiler } from './json-condition.js'
import { checkAlgorithm, checkId, checkObligations, checkTarget, checkUniqueIds, type ConditionCompilerFn, type IssueSink, type Policy, type PolicyNode, type PolicySet, type Rule } from '../model/model.js'
import { PolicyValidationError, type PolicyIssue } from './policy-error.js'
import { FORBIDDEN_KEYS } from '../attributes/sanitize.js'

/**
 * Limits of a policy document.
 *
 * @example
 * ```ts
 * if (text.length > DOCUMENT_LIMITS.characters) throw new Error('policy too large')
 * ```
 */
export const DOCUMENT_LIMITS = Object.freeze({ characters: 1_048_576, depth: 64, values: 200_000, rules: 20_000, nesting: 8 })

const RULE_KEYS: ReadonlySet<string> = new Set(['id', 'effect', 'target', 'when', 'obligations', 'advice', 'description'])
const POLICY_KEYS: ReadonlySet<string> = new Set(['id', 'algorithm', 'target', 'rules', 'obligations', 'advice', 'description', 'levels'])
const SET_KEYS: ReadonlySet<string> = new Set(['id', 'algorithm', 'target', 'policies', 'obligations', 'advice', 'description', 'levels'])

function key(path: string, k: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `${path}.${k}` : `${path}[${JSON.stringify(k)}]`
}

// Is it JSON data, with no prototype keys? Checked before anything reads the document.
function checkJson(value: unknown, path: string, depth: number, budget: { values: number }, issue: IssueSink): void {
  if (++budget.values > DOCUMENT_LIMITS.values) {
    if (budget.values === DOCUMENT_LIMITS.values + 1) issue(path, `the document has more than ${DOCUMENT_LIMITS.values} values`)
    return
  }
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) issue(path, 'is not a finite number (not JSON)')
    return
  }
  if (typeof value !== 'object') return issue(path, `is a ${typeof value}, not a JSON value`)
  if (depth >= DOCUMENT_LIMITS.depth) return issue(path, `is nested deeper than ${DOCUMENT_LIMITS.depth}`)
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) checkJson(value[i], `${path}[${i}]`, depth + 1, budget, issue)
    return
  }
  const proto = Object.getPrototypeOf(value) as unknown
  if (proto !== Object.prototype && proto !== null) return issue(path, 'is not a plain JSON object')
  for (const k of Object.keys(value)) {
    if (FORBIDDEN_KEYS.has(k)) issue(key(path, k), `the key ${JSON.stringify(k)} is not allowed`)
    else checkJson((value as Record<string, unknown>)[k], key(path, k), depth + 1, budget, issue)
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function unknownKeys(node: Record<string, unknown>, allowed: ReadonlySet<string>, path: string, what: string, issue: IssueSink): void {
  for (const k of Object.keys(node)) if (!allowed.has(k)) issue(key(path, k), `is not a ${what} field (${[...allowed].join(', ')})`)
}

// Scales declared in the document, plus the built-in `classification` scale
// (PUBLIC < INTERNAL < CONFIDENTIAL < RESTRICTED) unless the document redefines it.
function checkLevels(levels: unknown, path: string, issue: IssueSink): Map<string, Levels> {
  const out = new Map<string, Levels>([['classification', createLevels(DEFAULT_CLASSIFICATION_LEVELS)]])
  if (levels === undefined) return out
  if (!isObject(levels)) {
    issue(path, 'must be an object of scale names to ordered level lists (lowest first)')
    return out
  }
  for (const [name, list] of Object.entries(levels)) {
    const at = key(path, name)
    if (!/^[A-Za-z][A-Za-z0-9_-]{0,63}$/.test(name)) issue(at, 'a scale name must be an identifier')
    if (list === 'numeric') {
      out.set(name, numericLevels())
      continue
    }
    if (!Array.isArray(list) || list.length < 2 || list.length > 64) {
      issue(at, 'must be "numeric" (levels are numbers, higher is above) or an array of 2 to 64 levels, lowest first')
      continue
    }
    const seen = new Set<unknown>()
    let ok = true
    list.forEach((level: unknown, i) => {
      if (typeof level !== 'string' || level.length === 0 || level.length > 64) {
        ok = false
        issue(`${at}[${i}]`, 'must be a non-empty string of at most 64 characters')
      } else if (seen.has(level)) {
        ok = false
        issue(`${at}[${i}]`, `duplicate level ${JSON.stringify(level)}`)
      }
      seen.add(level)
    })
    if (ok) out.set(name, createLevels(list as string[]))
  }
  return out
}

interface Loader {
  readonly issue: IssueSink
  readonly conditions: ConditionCompiler
  rules: number
}

// Target `match` and obligation `when` use the condition language (each its own node budget).
function conditionCompiler(loader: Loader): ConditionCompilerFn {
  return (node, path) => {
    loader.conditions.nodes = 0
    return compileJsonCondition(node, path, loader.conditions, loader.issue)
  }
}

function loadRule(node: unknown, path: string, loader: Loader): Rule | undefined {
  const { issue } = loader
  if (!isObject(node)) {
    issue(path, 'must be a rule object { id, effect, target?, when?, obligations?, advice? }')
    return undefined
  }
  unknownKeys(node, RULE_KEYS, path, 'rule', issue)
  checkId(node.id, `${path}.id`, issue)
  const effect = node.effect
  if (effect !== 'Permit' && effect !== 'Deny') issue(`${path}.effect`, "must be 'Permit' or 'Deny'")
  const eff: Effect = effect === 'Deny' ? 'Deny' : 'Permit'
  loader.conditions.nodes = 0
  const compile = conditionCompiler(loader)
  const target = checkTarget(node.target, `${path}.target`, issue, compile)
  const condition = node.when === undefined ? undefined : compileJsonCondition(node.when, `${path}.when`, loader.conditions, issue)
  const obligations = checkObligations(node.obligations, `${path}.obligations`, eff, issue, eff, compile)
  const advice = checkObligations(node.advice, `${path}.advice`, eff, issue, eff, compile)
  if (node.description !== undefined && typeof node.description !== 'string') issue(`${path}.description`, 'must be a string')
  return Object.freeze({
    kind: 'rule',
    id: node.id as string,
    effect: eff,
    target,
    condition,
    obligations: Object.freeze(obligations),
    advice: Object.freeze(advice),
    description: node.description as string | undefined,
  })
}

function loadNode(node: unknown, path: string, loader: Loader, nesting: number, root: boolean): PolicyNode | undefined {
  const { issue } = loader
  if (!isObject(node)) {
    issue(path, 'must be a policy { id, rules, ... } or a policy set { id, policies, ... }')
    return undefined
  }
  if (!root && 'levels' in node) issue(`${path}.levels`, 'levels are declared once, at the root of the document')
  const isSet = 'policies' in node
  if (isSet === 'rules' in node) {
    issue(path, 'must have exactly one of rules (a policy) or policies (a policy set)')
    return undefined
  }
  unknownKeys(node, isSet ? SET_KEYS : POLICY_KEYS, path, isSet ? 'policy set' : 'policy', issue)
  checkId(node.id, `${path}.id`, issue)
  const compile = conditionCompiler(loader)
  const target = checkTarget(node.target, `${path}.target`, issue, compile)
  const algorithm = checkAlgorithm(node.algorithm, `${path}.algorithm`, issue, isSet)
  const obligations = Object.freeze(checkObligations(node.obligations, `${path}.obligations`, 'Permit', issue, undefined, compile))
  const advice = Object.freeze(checkObligations(node.advice, `${path}.advice`, 'Permit', issue, undefined, compile))
  if (node.description !== undefined && typeof node.description !== 'string') issue(`${path}.description`, 'must be a string')
  const description = node.description as string | undefined
  const id = node.id as string
  if (isSet) {
    if (nesting >= DOCUMENT_LIMITS.nesting) {
      issue(`${path}.policies`, `policy sets are nested deeper than ${DOCUMENT_LIMITS.nesting}`)
      return undefined
    }
    const list = node.policies
    if (!Array.isArray(list) || list.length > 10_000) {
      issue(`${path}.policies`, 'must be an array of at most 10000 policies and policy sets')
      return undefined
    }
    const policies = list.map((child: unknown, i) => loadNode(child, `${path}.policies[${i}]`, loader, nesting + 1, false))
    const defined = policies.filter((p): p is PolicyNode => p !== undefined)
    checkUniqueIds(defined.length === policies.length ? defined : [], `${path}.policies`, issue)
    const set: PolicySet = { kind: 'policy-set', id, target, algorithm, policies: Object.freeze(defined), obligations, advice, description }
    return Object.freeze(set)
  }
  const list = node.rules
  if (!Array.isArray(list)) {
    issue(`${path}.rules`, 'must be an array of rules')
    return undefined
  }
  loader.rules += list.length
  if (loader.rules > DOCUMENT_LIMITS.rules) {
    issue(`${path}.rules`, `the document has more than ${DOCUMENT_LIMITS.rules} rules`)
    return undefined
  }
  const rules = list.map((r: unknown, i) => loadRule(r, `${path}.rules[${i}]`, loader))
  const defined = rules.filter((r): r is Rule => r !== undefined)
  checkUniqueIds(defined.length === rules.length ? defined : [], `${path}.rules`, issue)
  const policy: Policy = { kind: 'policy', id, target, algorithm, rules: Object.freeze(defined), obligations, advice, description }
  return Object.freeze(policy)
}

/**
 * Loads a JSON policy document (a string, or an already parsed value) into a policy the engine
 * evaluates, exactly like the TypeScript builders' output. Every problem is reported at once,
 * each with its JSON path: unknown keys, wrong types, unknown operators, operands of the wrong
 * type, bad CIDRs or time zones, unknown levels, duplicate ids, prototype keys (`__proto__`),
 * non-JSON values, and documents beyond the size and depth limits.
 *
 * @example
 * ```ts
 * const documents = loadPolicyDocument(`{
 *   "id": "documents",
 *   "levels": { "classification": ["PUBLIC", "INTERNAL", "CONFIDENTIAL", "RESTRICTED"] },
 *   "rules": [
 *     { "id": "clearance", "effect": "Permit", "target": { "actions": ["read"] },
 *       "when": { "op": "levelAtLeast", "scale": "classification", "attribute": "subject.claims.clearance", "ref": "resource.classification" } },
 *     { "id": "untrusted", "effect": "Deny", "when": { "op": "eq", "attribute": "environment.zone", "value": "untrusted" } }
 *   ]
 * }`)
 * ```
 * @throws PolicyValidationError with `issues: { path, reason }[]`.
 */
export function loadPolicyDocument(input: unknown): PolicyNode {
  const issues: PolicyIssue[] = []
  const issue: IssueSink = (path, reason) => {
    if (issues.length < 1000) issues.push({ path, reason })
  }
  let value = input
  if (typeof input === 'string') {
    if (input.length > DOCUMENT_LIMITS.characters) throw new PolicyValidationError([{ path: '$', reason: `the document is larger than ${DOCUMENT_LIMITS.characters} characters` }], 'policy document')
    try {
      value = JSON.parse(input) as unknown
    } catch (error) {
      throw new PolicyValidationError([{ path: '$', reason: `is not valid JSON (${error instanceof Error ? error.message : 'parse error'})` }], 'policy document')
    }
  }
  checkJson(value, '$', 0, { values: 0 }, issue)
  if (issues.length > 0) throw new PolicyValidationError(issues, 'policy document')
  const levels = checkLevels(isObject(value) ? value.levels : undefined, '$.levels', issue)
  const loader: Loader = { issue, conditions: { levels, nodes: 0 }, rules: 0 }
  const node = loadNode(value, '$', loader, 0, true)
  if (issues.length > 0 || node === undefined) throw new PolicyValidationError(issues.length > 0 ? issues : [{ path: '$', reason: 'is not a policy' }], 'policy document')
  return node
}
