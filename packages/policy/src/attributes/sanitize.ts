import { ConditionError } from '../operators/condition-error.js'

/** Keys that would reach `Object.prototype` through a careless lookup: refused in paths and data. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'prototype', 'constructor'])

const MAX_DEPTH = 16
const MAX_NODES = 10_000
const MAX_STRING = 65_536

/**
 * Copies a provider's value into plain, frozen JSON-like data (null-prototype objects), or
 * throws a `ConditionError` saying why it is not data: a function, symbol, bigint, NaN, a
 * class instance, a cycle, a forbidden key, or more than the size bounds. A provider that
 * returns garbage fails; it never reaches a condition.
 *
 * @example
 * ```ts
 * sanitizeAttributeValue({ department: 'eng' }, 'subject.directory') // { department: 'eng' }
 * ```
 */
export function sanitizeAttributeValue(value: unknown, where: string): unknown {
  const budget = { nodes: 0 }
  return copy(value, where, 0, budget)
}

function copy(value: unknown, where: string, depth: number, budget: { nodes: number }): unknown {
  if (++budget.nodes > MAX_NODES) throw new ConditionError(`${where} is larger than ${MAX_NODES} values`)
  if (value === null || value === undefined || typeof value === 'boolean') return value
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new ConditionError(`${where} is not a finite number`)
    return value
  }
  if (typeof value === 'string') {
    if (value.length > MAX_STRING) throw new ConditionError(`${where} is a string longer than ${MAX_STRING}`)
    return value
  }
  if (depth >= MAX_DEPTH) throw new ConditionError(`${where} is nested deeper than ${MAX_DEPTH}`)
  if (value instanceof Date) {
    const ms = value.getTime()
    if (Number.isNaN(ms)) throw new ConditionError(`${where} is an invalid Date`)
    return new Date(ms).toISOString()
  }
  if (Array.isArray(value)) {
    const out: unknown[] = []
    for (let i = 0; i < value.length; i++) out.push(copy(value[i], `${where}[${i}]`, depth + 1, budget))
    return Object.freeze(out)
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown
    if (proto !== Object.prototype && proto !== null) throw new ConditionError(`${where} is not a plain object`)
    const out = Object.create(null) as Record<string, unknown>
    for (const key of Object.keys(value)) {
      if (FORBIDDEN_KEYS.has(key)) throw new ConditionError(`${where} has the forbidden key ${JSON.stringify(key)}`)
      out[key] = copy((value as Record<string, unknown>)[key], `${where}.${key}`, depth + 1, budget)
    }
    return Object.freeze(out)
  }
  throw new ConditionError(`${where} is a ${typeof value}, not data`)
}
