import { canonicalSegments } from './canonical-path.js'

/** A compiled path template: `/docs/:id`, `/static/*`. */
export interface PathTemplate {
  readonly source: string
  /** The parameters of `segments` when they match, else `undefined`. */
  match(segments: readonly string[]): Record<string, string> | undefined
}

type Part = { kind: 'literal'; value: string } | { kind: 'param'; name: string } | { kind: 'rest' }

const PARAM = /^:([A-Za-z_][A-Za-z0-9_]{0,63})$/

/**
 * Compiles a path template. Segments are literals (compared with the decoded request segment,
 * case-sensitively), `:name` (exactly one non-empty segment, captured decoded) or a final `*`
 * (zero or more further segments). Throws an `Error` with a message for the config report.
 */
export function compilePathTemplate(source: string): PathTemplate {
  if (typeof source !== 'string' || !source.startsWith('/')) throw new Error('must be a path template starting with "/"')
  const segments = canonicalSegments(source.replace(/\*$/, 'x'))
  if (segments === undefined) throw new Error('must be a canonical path: no "//", "." or ".." segments, spaces or encoded separators')
  const raw = source.slice(1).split('/')
  const parts: Part[] = []
  const names = new Set<string>()
  raw.forEach((segment, index) => {
    if (segment === '*') {
      if (index !== raw.length - 1) throw new Error('"*" is only allowed as the last segment')
      parts.push({ kind: 'rest' })
      return
    }
    if (segment.startsWith(':')) {
      const name = PARAM.exec(segment)?.[1]
      if (name === undefined) throw new Error(`${JSON.stringify(segment)} is not a parameter (":name", letters, digits, "_")`)
      if (names.has(name)) throw new Error(`parameter ":${name}" appears twice`)
      names.add(name)
      parts.push({ kind: 'param', name })
      return
    }
    if (segment.includes('*') || segment.includes(':')) throw new Error(`${JSON.stringify(segment)}: "*" and ":" only start a whole segment`)
    parts.push({ kind: 'literal', value: decodeURIComponent(segment) })
  })

  return {
    source,
    match(request) {
      const params: Record<string, string> = Object.create(null) as Record<string, string>
      for (let i = 0; i < parts.length; i++) {
        const part = parts[i] as Part
        if (part.kind === 'rest') return params
        const segment = request[i]
        if (segment === undefined) return undefined
        if (part.kind === 'literal') {
          if (segment !== part.value) return undefined
        } else {
          if (segment === '') return undefined
          params[part.name] = segment
        }
      }
      return request.length === parts.length ? params : undefined
    },
  }
}
