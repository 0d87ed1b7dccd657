import { parseAttributePath, type AttributePath } from '../model/attribute-path.js'
import { checkOperand, JSON_OPERATORS } from './json-operators.js'
import type { IssueSink } from '../model/model.js'
import type { ConditionImpl } from '../model/condition-impl.js'
import type { Levels } from '../environment/classification.js'
import { ConditionError } from '../operators/condition-error.js'
import { PENDING } from '../attributes/pending.js'
import type { EvaluationScope } from '../attributes/decision-state.js'

type Fn = (scope: EvaluationScope) => boolean

/** Limits of a condition tree. */
const CONDITION_LIMITS = Object.freeze({ depth: 16, nodes: 2000, branches: 256 })

/** Compilation state shared by a document. */
export interface ConditionCompiler {
  /** Ordered level scales by name (A2's `createLevels`). */
  readonly levels: ReadonlyMap<string, Levels>
  nodes: number
}

const COMPARISON_KEYS: ReadonlySet<string> = new Set(['op', 'attribute', 'value', 'ref', 'scale'])

function present(path: AttributePath, value: unknown, scope: EvaluationScope): unknown {
  if (value === undefined || value === null) {
    scope.noteMissing(path.text)
    throw new ConditionError(`attribute ${path.text} is missing`)
  }
  return value
}

function allOf(children: readonly Fn[]): Fn {
  return (scope) => {
    let failure: unknown
    for (let i = 0; i < children.length; i++) {
      try {
        if (!(children[i] as Fn)(scope)) return false
      } catch (error) {
        // A later false still decides (XACML "and"); a wait outranks an error so it resolves.
        if (failure === undefined || error === PENDING) failure = error
      }
    }
    if (failure !== undefined) throw failure
    return true
  }
}

function anyOf(children: readonly Fn[]): Fn {
  return (scope) => {
    let failure: unknown
    for (let i = 0; i < children.length; i++) {
      try {
        if ((children[i] as Fn)(scope)) return true
      } catch (error) {
        if (failure === undefined || error === PENDING) failure = error
      }
    }
    if (failure !== undefined) throw failure
    return false
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function compileNode(node: unknown, path: string, depth: number, state: ConditionCompiler, issue: IssueSink): Fn | undefined {
  if (++state.nodes > CONDITION_LIMITS.nodes) {
    if (state.nodes === CONDITION_LIMITS.nodes + 1) issue(path, `conditions have more than ${CONDITION_LIMITS.nodes} nodes`)
    return undefined
  }
  if (depth > CONDITION_LIMITS.depth) {
    issue(path, `conditions are nested deeper than ${CONDITION_LIMITS.depth}`)
    return undefined
  }
  if (!isObject(node)) {
    issue(path, 'must be a condition object: { all: [...] }, { any: [...] }, { not: {...} } or { op, attribute, value | ref }')
    return undefined
  }
  const keys = Object.keys(node)
  if (keys.length === 1 && (keys[0] === 'all' || keys[0] === 'any')) {
    const key = keys[0]
    const list = node[key]
    if (!Array.isArray(list) || list.length === 0 || list.length > CONDITION_LIMITS.branches) {
      issue(`${path}.${key}`, `must be a non-empty array of at most ${CONDITION_LIMITS.branches} conditions`)
      return undefined
    }
    const children = list.map((child: unknown, i) => compileNode(child, `${path}.${key}[${i}]`, depth + 1, state, issue))
    if (children.some((c) => c === undefined)) return undefined
    return key === 'all' ? allOf(children as Fn[]) : anyOf(children as Fn[])
  }
  if (keys.length === 1 && keys[0] === 'not') {
    const child = compileNode(node.not, `${path}.not`, depth + 1, state, issue)
    return child === undefined ? undefined : (scope) => !child(scope)
  }
  if (!('op' in node)) {
    const unknown = keys.find((k) => !COMPARISON_KEYS.has(k) && k !== 'all' && k !== 'any' && k !== 'not')
    issue(unknown === undefined ? path : `${path}.${unknown}`, unknown === undefined ? 'all / any / not must be the only key of their object' : 'is not a condition key (all, any, not, op, attribute, value, ref, scale)')
    return undefined
  }
  return compileComparison(node, path, state, issue)
}

function compileComparison(node: Record<string, unknown>, path: string, state: ConditionCompiler, issue: IssueSink): Fn | undefined {
  let ok = true
  const bad = (where: string, reason: string): void => {
    ok = false
    issue(where, reason)
  }
  for (const key of Object.keys(node)) if (!COMPARISON_KEYS.has(key)) bad(`${path}.${key}`, 'is not a comparison key (op, attribute, value, ref, scale)')
  const name = node.op
  const operator = typeof name === 'string' && Object.prototype.hasOwnProperty.call(JSON_OPERATORS, name) ? JSON_OPERATORS[name] : undefined
  if (operator === undefined) {
    bad(`${path}.op`, `unknown operator ${JSON.stringify(name)}; one of ${Object.keys(JSON_OPERATORS).join(', ')}`)
    return undefined
  }
  const attribute = parseAttributePath(node.attribute)
  if (typeof attribute === 'string') bad(`${path}.attribute`, attribute)
  const hasValue = 'value' in node
  const hasRef = 'ref' in node
  let ref: AttributePath | undefined
  if (operator.operand === 'none') {
    if (hasValue || hasRef) bad(path, `${String(name)} takes no value or ref`)
  } else if (hasValue === hasRef) {
    bad(path, `${String(name)} needs exactly one of value (a literal) or ref (an attribute path)`)
  } else if (hasRef) {
    if (!operator.allowsRef) bad(`${path}.ref`, `${String(name)} compares with a literal value, not an attribute`)
    const parsed = parseAttributePath(node.ref)
    if (typeof parsed === 'string') bad(`${path}.ref`, parsed)
    else ref = parsed
  } else {
    const reason = checkOperand(operator, node.value)
    if (reason !== undefined) bad(`${path}.value`, reason)
  }
  let scale: Levels | undefined
  if (operator.operand === 'level') {
    const scaleName = node.scale
    scale = typeof scaleName === 'string' && state.levels.has(scaleName) ? state.levels.get(scaleName) : undefined
    if (scale === undefined) bad(`${path}.scale`, `must name a scale declared in "levels" (${[...state.levels.keys()].join(', ') || 'none declared'})`)
    else if (hasValue && !scale.has(node.value)) bad(`${path}.value`, `${JSON.stringify(node.value)} is not a level of scale ${JSON.stringify(node.scale)}${scale.numeric === true ? ' (a numeric scale: give a number)' : ''}`)
  } else if ('scale' in node) {
    bad(`${path}.scale`, `only level operators take a scale`)
  }
  let literal: unknown = node.value
  if (ok && hasValue && operator.prepare !== undefined) {
    try {
      literal = operator.prepare(node.value)
    } catch (error) {
      bad(`${path}.value`, error instanceof Error ? error.message : 'is invalid')
    }
  }
  if (!ok || typeof attribute === 'string') return undefined
  const apply = operator.apply
  if (operator.operand === 'none') {
    return (scope) => {
      const value = scope.read(attribute)
      return value !== undefined && value !== null
    }
  }
  const witness = operator.witness
  if (witness !== undefined) {
    const other = ref
    return (scope) => {
      const left = present(attribute, scope.read(attribute), scope)
      const index = witness(left, other === undefined ? literal : present(other, scope.read(other), scope))
      if (index === -1) return false
      scope.record(`${attribute.text}.${index}.id`, (left as readonly { id?: unknown }[])[index]?.id)
      return true
    }
  }
  if (ref !== undefined) {
    const other = ref
    return (scope) => apply(present(attribute, scope.read(attribute), scope), present(other, scope.read(other), scope), scale)
  }
  // A time condition whose zone is an attribute: "business hours at the resource's site".
  const zone = (literal as { zoneAttribute?: AttributePath } | null)?.zoneAttribute
  if (zone !== undefined) return (scope) => apply(present(attribute, scope.read(attribute), scope), literal, present(zone, scope.read(zone), scope))
  return (scope) => apply(present(attribute, scope.read(attribute), scope), literal, scale)
}

/**
 * Compiles a JSON condition into a condition of the engine, reporting every problem with its
 * JSON path. Returns undefined when there were problems.
 *
 * @example
 * ```ts
 * const condition = compileJsonCondition({ op: 'eq', attribute: 'subject.department', ref: 'resource.department' }, '$.rules[0].when', state, issue)
 * ```
 */
export function compileJsonCondition(node: unknown, path: string, state: ConditionCompiler, issue: IssueSink): ConditionImpl | undefined {
  const fn = compileNode(node, path, 0, state, issue)
  return fn === undefined ? undefined : { evaluate: fn, opaque: false, source: node }
}
