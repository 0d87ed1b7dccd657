import { parseCidrList } from '@portcullis/core'
import { compare, compareInstants, parseInstant, type ComparisonOperator } from '../operators/compare.js'
import { ConditionError, describeValue } from '../operators/condition-error.js'
import { parseIpAddress } from '@portcullis/core'
import { containsAll, containsAny, contains, intersects, isIn, isNotIn, subsetOf } from '../operators/sets.js'
import { compileGlob, endsWith, equalsIgnoreCase, includes, startsWith } from '../operators/strings.js'
import { parseTimeWindow, type TimeWindowConfig } from '../operators/time-of-day.js'
import type { Levels } from '../environment/classification.js'
import { zoned, type TimeZoneSource, type ZonedConstraint } from '../operators/zone-source.js'
import { parseBusinessHours, type BusinessHoursConfig } from '../environment/temporal.js'
import { findGrant } from '../grants/grants-provider.js'

/** The operand an operator takes. */
type OperandKind = 'primitive' | 'comparable' | 'string' | 'list' | 'instant' | 'number' | 'cidrs' | 'window' | 'glob' | 'level' | 'none'

/** A JSON operator: how its literal operand is checked and compiled, and how it applies. */
interface JsonOperator {
  /** What the literal `value` must be (checked at load). */
  readonly operand: OperandKind
  /** Whether `ref` (attribute-to-attribute) is allowed instead of `value`. */
  readonly allowsRef: boolean
  /** Prepares the literal once at load (throws TypeError with the reason). */
  readonly prepare?: (value: unknown) => unknown
  /** Applies to the attribute value and the (prepared) operand; throws ConditionError when undecidable. */
  readonly apply: (left: unknown, right: unknown, extra: unknown) => boolean
  readonly description: string
  /**
   * For list operators that find an element (`hasGrant`): the index of the element that made
   * the condition true, or -1. The condition records `<attribute>.<index>.id` in the
   * explanation, so it names the grant that permitted.
   */
  readonly witness?: (left: unknown, right: unknown) => number
}

function cmp(op: ComparisonOperator): JsonOperator['apply'] {
  return (left, right) => compare(op, left, right)
}

// Epoch milliseconds (environment.time, subject.authTime) are instants too.
function asInstant(value: unknown): unknown {
  return typeof value === 'number' && Number.isFinite(value) ? new Date(value) : value
}

function date(op: ComparisonOperator): JsonOperator['apply'] {
  return (left, right) => compareInstants(op, asInstant(left), asInstant(right))
}

function ipIn(left: unknown, right: unknown): boolean {
  if (parseIpAddress(left) === undefined) throw new ConditionError(`${describeValue(left)} is not an IP address`)
  return (right as { has(ip: unknown): boolean }).has(left)
}

function level(test: (a: number, b: number) => boolean): JsonOperator['apply'] {
  return (left, right, extra) => {
    const scale = extra as Levels // A2's ordered levels: an unknown level is a ConditionError
    return test(scale.rank(left), scale.rank(right))
  }
}

// A literal list compiled once: its Set and the one primitive type of its elements.
interface LiteralSet {
  readonly set: ReadonlySet<unknown>
  readonly kind: string | undefined
}

function literalSet(value: unknown): LiteralSet {
  const list = value as readonly unknown[]
  return { set: new Set(list), kind: list.length === 0 ? undefined : typeof list[0] }
}

function member(value: unknown, literal: LiteralSet): boolean {
  const type = typeof value
  if (type !== 'string' && type !== 'number' && type !== 'boolean') throw new ConditionError(`Set elements must be strings, numbers or booleans, not ${describeValue(value)}`)
  if (Number.isNaN(value)) throw new ConditionError('NaN cannot be a set element')
  if (literal.kind !== undefined && literal.kind !== type) throw new ConditionError(`Cannot mix ${type} and ${literal.kind} values in a set comparison`)
  return literal.set.has(value)
}

function isLiteralSet(value: unknown): value is LiteralSet {
  return typeof value === 'object' && value !== null && (value as LiteralSet).set instanceof Set
}

function checkPrimitive(value: unknown): void {
  if (typeof value !== 'string' && typeof value !== 'boolean' && (typeof value !== 'number' || !Number.isFinite(value))) {
    throw new TypeError('must be a string, a finite number or a boolean')
  }
}

/**
 * The operators of the JSON condition language. Every operator is strict: a missing attribute,
 * a value of the wrong type (no coercion) or an unparsable value makes the condition
 * Indeterminate, never `false`, so a negated test or a Deny rule cannot open access.
 */
export const JSON_OPERATORS: Readonly<Record<string, JsonOperator>> = Object.freeze({
  eq: { operand: 'primitive', allowsRef: true, apply: cmp('eq'), description: 'equal (same type)' },
  ne: { operand: 'primitive', allowsRef: true, apply: cmp('ne'), description: 'not equal (same type)' },
  lt: { operand: 'comparable', allowsRef: true, apply: cmp('lt'), description: 'less than (numbers or strings)' },
  lte: { operand: 'comparable', allowsRef: true, apply: cmp('lte'), description: 'less than or equal' },
  gt: { operand: 'comparable', allowsRef: true, apply: cmp('gt'), description: 'greater than' },
  gte: { operand: 'comparable', allowsRef: true, apply: cmp('gte'), description: 'greater than or equal' },
  in: { operand: 'list', allowsRef: true, prepare: literalSet, apply: (l, r) => (isLiteralSet(r) ? member(l, r) : isIn(l, r)), description: 'value is one of the list' },
  notIn: { operand: 'list', allowsRef: true, prepare: literalSet, apply: (l, r) => (isLiteralSet(r) ? !member(l, r) : isNotIn(l, r)), description: 'value is none of the list' },
  contains: { operand: 'primitive', allowsRef: true, apply: (l, r) => contains(l, r), description: 'list attribute contains the value' },
  containsAny: { operand: 'list', allowsRef: true, apply: (l, r) => containsAny(l, r), description: 'list attribute contains one of the values' },
  containsAll: { operand: 'list', allowsRef: true, apply: (l, r) => containsAll(l, r), description: 'list attribute contains all the values' },
  subsetOf: { operand: 'list', allowsRef: true, apply: (l, r) => subsetOf(l, r), description: 'every element of the list attribute is in the values' },
  intersects: { operand: 'list', allowsRef: true, apply: (l, r) => intersects(l, r), description: 'list attribute and values share an element' },
  equalsIgnoreCase: { operand: 'string', allowsRef: true, apply: (l, r) => equalsIgnoreCase(l, r), description: 'strings equal ignoring case' },
  startsWith: { operand: 'string', allowsRef: true, apply: (l, r) => startsWith(l, r), description: 'string prefix' },
  endsWith: { operand: 'string', allowsRef: true, apply: (l, r) => endsWith(l, r), description: 'string suffix' },
  includes: { operand: 'string', allowsRef: true, apply: (l, r) => includes(l, r), description: 'substring' },
  glob: {
    operand: 'glob',
    allowsRef: false,
    prepare: (value) => compileGlob(value as string),
    apply: (l, r) => (r as { test(v: unknown): boolean }).test(l),
    description: 'whole-string glob (`*`, `?`, `\\` escapes; bounded, no regex)',
  },
  before: { operand: 'instant', allowsRef: true, apply: date('lt'), description: 'instant strictly before (ISO 8601 or epoch ms)' },
  after: { operand: 'instant', allowsRef: true, apply: date('gt'), description: 'instant strictly after' },
  notBefore: { operand: 'instant', allowsRef: true, apply: date('gte'), description: 'instant at or after' },
  notAfter: { operand: 'instant', allowsRef: true, apply: date('lte'), description: 'instant at or before' },
  withinTimeWindow: {
    operand: 'window',
    allowsRef: false,
    prepare: (value) => zoned(value as TimeWindowConfig & { timeZone: TimeZoneSource }, (c) => parseTimeWindow(c)),
    apply: (l, r, zone) => {
      const instant = parseInstant(asInstant(l))
      if (instant === undefined) throw new ConditionError(`${describeValue(l)} is not an instant`)
      return (r as ZonedConstraint).within(instant, zone)
    },
    description: 'instant falls in a recurring local window { days?, start, end, timeZone } (timeZone: a zone name or { attribute })',
  },
  withinBusinessHours: {
    operand: 'window',
    allowsRef: false,
    prepare: (value) => zoned(value as BusinessHoursConfig & { timeZone: TimeZoneSource }, (c) => parseBusinessHours(c)),
    apply: (l, r, zone) => {
      const instant = parseInstant(asInstant(l))
      if (instant === undefined) throw new ConditionError(`${describeValue(l)} is not an instant`)
      return (r as ZonedConstraint).within(instant, zone)
    },
    description: 'instant falls in business hours { timeZone, days?, start?, end?, holidays? } (timeZone: a zone name or { attribute })',
  },
  ipInRange: { operand: 'cidrs', allowsRef: false, prepare: (value) => parseCidrList(value as string[]), apply: ipIn, description: 'IP in one of the CIDR blocks' },
  ipNotInRange: {
    operand: 'cidrs',
    allowsRef: false,
    prepare: (value) => parseCidrList(value as string[]),
    apply: (l, r) => !ipIn(l, r),
    description: 'IP in none of the CIDR blocks (a non-IP is Indeterminate)',
  },
  levelAtLeast: { operand: 'level', allowsRef: true, apply: level((a, b) => a >= b), description: 'ordered level >= (needs `scale`)' },
  levelAtMost: { operand: 'level', allowsRef: true, apply: level((a, b) => a <= b), description: 'ordered level <= (needs `scale`)' },
  levelAbove: { operand: 'level', allowsRef: true, apply: level((a, b) => a > b), description: 'ordered level > (needs `scale`)' },
  levelBelow: { operand: 'level', allowsRef: true, apply: level((a, b) => a < b), description: 'ordered level < (needs `scale`)' },
  hasGrant: {
    operand: 'string',
    allowsRef: true,
    apply: (l, r) => findGrant(l, r) !== -1,
    witness: findGrant,
    description: 'a grant of the list (subject.grants) covers the action (a name, or ref: "action")',
  },
  exists: { operand: 'none', allowsRef: false, apply: () => true, description: 'the attribute is present (never Indeterminate)' },
})

/**
 * Checks a literal operand for an operator; returns the reason it is wrong, or undefined.
 *
 * @example
 * ```ts
 * checkOperand(JSON_OPERATORS.in, 'x') // 'must be an array of strings, numbers or booleans'
 * ```
 */
export function checkOperand(operator: JsonOperator, value: unknown): string | undefined {
  try {
    switch (operator.operand) {
      case 'primitive':
        checkPrimitive(value)
        return undefined
      case 'comparable':
        if (typeof value !== 'string' && (typeof value !== 'number' || !Number.isFinite(value))) return 'must be a string or a finite number'
        return undefined
      case 'level':
        return (typeof value === 'string' && value.length <= 4096) || (typeof value === 'number' && Number.isFinite(value)) ? undefined : 'must be a level: a string of at most 4096 characters, or a number on a numeric scale'
      case 'string':
      case 'glob':
        return typeof value === 'string' && value.length <= 4096 ? undefined : 'must be a string of at most 4096 characters'
      case 'list':
        if (!Array.isArray(value) || value.length > 1024) return 'must be an array of at most 1024 strings, numbers or booleans'
        value.forEach(checkPrimitive)
        if (new Set(value.map((v) => typeof v)).size > 1) return 'must not mix types'
        return undefined
      case 'instant':
        return parseInstant(asInstant(value)) === undefined ? 'must be an ISO 8601 instant (e.g. 2026-01-31T00:00:00Z) or epoch milliseconds' : undefined
      case 'cidrs':
        return Array.isArray(value) && value.length > 0 && value.length <= 4096 ? undefined : 'must be a non-empty array of CIDR blocks'
      case 'window':
        return typeof value === 'object' && value !== null && !Array.isArray(value) ? undefined : 'must be an object { days?, start, end, timeZone }'
      case 'none':
        return value === undefined ? undefined : 'takes no value'
    }
    return undefined
  } catch (error) {
    return error instanceof Error ? error.message : 'is invalid'
  }
}
