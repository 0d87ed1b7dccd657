import { compileGlob } from '../operators/strings.js'

/**
 * Whether a grant on `grantResource` (a name, or a configured glob) covers `resource`.
 *
 * @example
 * ```ts
 * grantCovers('db:prod/*', 'db:prod/orders') // true
 * ```
 */
export function grantCovers(grantResource: string, resource: string): boolean {
  if (grantResource === resource) return true
  if (!/[*?\\]/.test(grantResource)) return false
  try {
    return globCache(grantResource).test(resource)
  } catch {
    return false
  }
}

const globs = new Map<string, { test(value: unknown): boolean }>()
function globCache(pattern: string): { test(value: unknown): boolean } {
  let glob = globs.get(pattern)
  if (glob === undefined) {
    glob = compileGlob(pattern)
    if (globs.size > 1000) globs.clear()
    globs.set(pattern, glob)
  }
  return glob
}
