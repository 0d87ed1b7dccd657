import { readFileSync } from 'node:fs'
import { describe, expect, it } from '@jest/globals'

const root = new URL('../../', import.meta.url)

describe('package.json sideEffects', () => {
  it('lists the module that installs Symbol.metadata (in every build), and only it, so bundlers keep the polyfill', () => {
    const { sideEffects } = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as { sideEffects: string[] }
    expect(sideEffects).toContain('./dist/esm/requirements/symbol-metadata.js')
    expect(sideEffects).toContain('./dist/cjs/requirements/symbol-metadata.js')
    for (const entry of sideEffects) expect(entry).toMatch(/^\.\/dist\/(?:.+\/)?requirements\/symbol-metadata\.c?js$/)
    const source = readFileSync(new URL('src/requirements/symbol-metadata.ts', root), 'utf8')
    expect(source).toContain("(Symbol as { metadata?: symbol }).metadata ??= Symbol.for('Symbol.metadata')")
    // The decorator metadata module imports it, so using a decorator always brings the polyfill.
    expect(readFileSync(new URL('src/requirements/route-requirements.ts', root), 'utf8')).toContain("import './symbol-metadata.js'")
  })
})
