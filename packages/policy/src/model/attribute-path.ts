import { FORBIDDEN_KEYS } from '../attributes/sanitize.js'

/** The four attribute categories. */
type AttributeCategory = 'subject' | 'resource' | 'action' | 'environment'

/** A parsed attribute path such as `subject.directory.department`. */
export interface AttributePath {
  readonly text: string
  readonly category: AttributeCategory
  readonly segments: readonly string[]
}

const SEGMENT = /^(?:[A-Za-z_$][A-Za-z0-9_$-]{0,63}|[0-9]{1,4})$/
const CATEGORIES: ReadonlySet<string> = new Set(['subject', 'resource', 'action', 'environment'])

/**
 * Parses `category.segment.segment`, or returns the reason it is not a path: an unknown
 * category, an empty or malformed segment, a prototype key (`__proto__`, `constructor`,
 * `prototype`), more than 8 segments, or `action` with segments.
 *
 * @example
 * ```ts
 * parseAttributePath('resource.owner') // { text: 'resource.owner', category: 'resource', segments: ['owner'] }
 * parseAttributePath('subject.__proto__') // 'segment "__proto__" is not allowed'
 * ```
 */
export function parseAttributePath(text: unknown): AttributePath | string {
  if (typeof text !== 'string') return 'an attribute path must be a string'
  if (text.length === 0 || text.length > 256) return 'an attribute path must have 1 to 256 characters'
  const parts = text.split('.')
  const category = parts[0] as string
  if (!CATEGORIES.has(category)) return `${JSON.stringify(category)} is not an attribute category (subject, resource, action, environment)`
  const segments = parts.slice(1)
  if (segments.length > 8) return 'an attribute path has at most 8 segments'
  if (category === 'action' && segments.length > 0) return '"action" has no sub-attributes'
  for (const segment of segments) {
    if (FORBIDDEN_KEYS.has(segment)) return `segment ${JSON.stringify(segment)} is not allowed`
    if (!SEGMENT.test(segment)) return `segment ${JSON.stringify(segment)} is not a valid name`
  }
  return { text, category: category as AttributeCategory, segments }
}

/**
 * Reads `segments` from `value` through own properties only (never the prototype chain);
 * `undefined` when a step is missing.
 *
 * @example
 * ```ts
 * walk({ a: { b: 1 } }, ['a', 'b'], 0) // 1
 * ```
 */
export function walk(value: unknown, segments: readonly string[], from: number): unknown {
  let current = value
  for (let i = from; i < segments.length; i++) {
    if (current === null || typeof current !== 'object') return undefined
    const segment = segments[i] as string
    if (!Object.prototype.hasOwnProperty.call(current, segment)) return undefined
    current = (current as Record<string, unknown>)[segment]
  }
  return current
}
