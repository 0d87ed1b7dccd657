import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { parseGatewayConfig } from '@portcullis/gateway'
import { headerValue } from '../src/identity-headers.js'
import { canonicalSegments } from '../src/rules/canonical-path.js'
import { compilePathTemplate } from '../src/rules/path-template.js'

const pathChars = fc.constantFrom('/', '.', '..', '%2e', '%2F', '%', 'a', 'b', ':', '\\', '\u0000', ' ', '?', '#', '%41', '~', '\r')
const paths = fc.array(pathChars, { maxLength: 20 }).map((parts) => `/${parts.join('')}`)

describe('properties', () => {
  it('canonicalSegments never throws and never yields a dot segment or a separator inside a segment', () => {
    fc.assert(fc.property(fc.oneof(paths, fc.string()), (path) => {
      const segments = canonicalSegments(path)
      if (segments === undefined) return
      for (const segment of segments) {
        expect(segment === '.' || segment === '..').toBe(false)
        expect(segment.includes('/') || segment.includes('\\')).toBe(false)
      }
    }), { numRuns: 2000 })
  })

  it('a template only captures non-empty parameters, from canonical paths', () => {
    const template = compilePathTemplate('/docs/:id/*')
    fc.assert(fc.property(paths, (path) => {
      const segments = canonicalSegments(path)
      if (segments === undefined) return
      const params = template.match(segments)
      if (params !== undefined) {
        expect(segments[0]).toBe('docs')
        expect(params['id']).toBe(segments[1])
        expect(params['id']).not.toBe('')
      }
    }), { numRuns: 2000 })
  })

  it('identity header values are never longer than the bound and never carry control characters', () => {
    fc.assert(fc.property(fc.oneof(fc.string(), fc.string({ unit: 'binary' }), fc.array(fc.string()), fc.integer(), fc.object()), fc.integer({ min: 16, max: 200 }), (value, max) => {
      const out = headerValue(value, max)
      if (out === undefined) return
      expect(out.length).toBeLessThanOrEqual(max)
      expect(/^[\u0020-\u007e]+$/.test(out)).toBe(true)
    }), { numRuns: 2000 })
  })

  it('any text given as a configuration is refused with a configuration error or accepted, never another error', () => {
    fc.assert(fc.property(fc.string({ maxLength: 200 }), (text) => {
      try {
        parseGatewayConfig(text, 'x.yaml')
      } catch (error) {
        expect((error as Error).name).toBe('GatewayConfigError')
      }
    }), { numRuns: 500 })
  })
})
