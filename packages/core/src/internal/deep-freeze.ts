/**
 * Freezes a JSON value in depth and returns it. Answers that are cached and shared by every
 * request with the same token are frozen, so no request (or handler) can change what the
 * next one sees.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value
  Object.freeze(value)
  for (const member of Object.values(value)) deepFreeze(member)
  return value
}
