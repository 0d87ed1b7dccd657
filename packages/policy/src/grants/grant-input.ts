import { GrantError } from './grant-error.js'
import { URGENCIES, type Urgency } from './grant-types.js'

/** Longest justification or comment, in characters (default of `maxJustificationLength`). */
export const DEFAULT_MAX_JUSTIFICATION = 1000
const MAX_ACTIONS = 32
// Control characters (but tab and newline) would let a justification forge lines in logs and
// terminals; line and paragraph separators break lines in JavaScript-based viewers.
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    if ((c < 0x20 && c !== 0x09 && c !== 0x0a) || c === 0x7f || c === 0x2028 || c === 0x2029) return true
  }
  return false
}

/** Checks a bounded free-text field (justification, comment, reason). */
export function checkText(value: unknown, field: string, max: number, optional: boolean): string | undefined {
  if (value === undefined && optional) return undefined
  if (typeof value !== 'string') throw new GrantError('invalid_input', `${field} must be a string`, field)
  const text = value.trim()
  if (text === '') {
    if (optional) return undefined
    throw new GrantError('invalid_input', `${field} must not be empty`, field)
  }
  if (text.length > max) throw new GrantError('invalid_input', `${field} must have at most ${max} characters`, field)
  if (hasControl(text)) throw new GrantError('invalid_input', `${field} must not contain control characters`, field)
  return text
}

/** Checks a resource name. */
export function checkResource(value: unknown): string {
  if (typeof value !== 'string' || value === '' || value.length > 256 || hasControl(value)) {
    throw new GrantError('invalid_input', 'resource must be a string of 1-256 characters', 'resource')
  }
  return value
}

/** Checks the action list: 1-32 distinct non-empty strings. */
export function checkActions(value: unknown): string[] {
  if (!Array.isArray(value) || value.length === 0 || value.length > MAX_ACTIONS) {
    throw new GrantError('invalid_input', `actions must be a non-empty array of at most ${MAX_ACTIONS} strings`, 'actions')
  }
  const out: string[] = []
  value.forEach((action: unknown, i) => {
    if (typeof action !== 'string' || action === '' || action.length > 128) throw new GrantError('invalid_input', 'each action must be a string of 1-128 characters', `actions[${i}]`)
    if (out.includes(action)) throw new GrantError('invalid_input', `action ${JSON.stringify(action)} is listed twice`, `actions[${i}]`)
    out.push(action)
  })
  return out
}

/** Checks a duration in ms. */
export function checkDuration(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0 || value > 366 * 24 * 3600 * 1000) {
    throw new GrantError('invalid_input', `${field} must be a positive integer number of milliseconds`, field)
  }
  return value
}

/** Checks an urgency. */
export function checkUrgency(value: unknown): Urgency {
  if (typeof value !== 'string' || !URGENCIES.includes(value as Urgency)) {
    throw new GrantError('invalid_input', `urgency must be one of ${URGENCIES.join(', ')}`, 'urgency')
  }
  return value as Urgency
}
