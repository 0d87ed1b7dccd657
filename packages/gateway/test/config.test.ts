import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createGateway, isGatewayConfigError, parseGatewayConfig } from '@portcullis/gateway'
import { headerValue } from '../src/identity-headers.js'
import { canonicalSegments } from '../src/rules/canonical-path.js'
import { compilePathTemplate } from '../src/rules/path-template.js'
import { forwardAsk, nginxAsk, NOW, rulesYaml, startFixture, tokenSection, type Fixture } from './fixture.js'

function errorOf(text: string): string {
  try {
    parseGatewayConfig(text, 'gw.yaml')
  } catch (error) {
    expect(isGatewayConfigError(error)).toBe(true)
    return (error as Error).message
  }
  throw new Error('expected a configuration error')
}

describe('configuration errors name the file, the line and the field', () => {
  const head = 'token:\n  issuer: https://id.example.com/\n  audience: https://api.example.com\n'

  it('a misspelt rule field', () => {
    expect(errorOf(`${head}rules:\n  - path: /a\n    scope: [x]\n`)).toContain('gw.yaml:6: rules[0].scope: is not a setting')
  })

  it('a bad method, a bad host, an unknown token mode', () => {
    const message = errorOf(`${head}rules:\n  - path: /a\n    methods: [get]\n  - path: /b\n    host: Bad_Host\n    token: maybe\n`)
    expect(message).toContain('gw.yaml:6: rules[0].methods:')
    expect(message).toContain('gw.yaml:8: rules[1].host:')
    expect(message).toContain('gw.yaml:9: rules[1].token:')
  })

  it('YAML syntax errors and duplicate keys carry their line', () => {
    expect(errorOf(`${head}rules:\n  - path: /a\n    path: /b\n`)).toMatch(/gw\.yaml:6: .*(duplicate|unique)/i)
    expect(errorOf(`${head}rules: [\n`)).toMatch(/gw\.yaml:\d+: /)
  })

  it('a public rule cannot also require scopes', () => {
    expect(errorOf(`${head}rules:\n  - path: /a\n    token: none\n    scopes: [x]\n`)).toContain('rules[0].token: none (public) cannot be combined')
  })

  it('options the core refuses are reported at their field (compiled on load)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'portcullis-gateway-'))
    try {
      const file = join(dir, 'gw.yaml')
      writeFileSync(file, `${head}  clockTolerance: 9999\nrules:\n  - path: /a/:id/:id\n  - path: /b\n    scopes: ["bad scope"]\n  - path: /c\n    policy: { file: missing.json, action: read }\n`)
      let message = ''
      await createGateway({ config: file, watch: false }).catch((e: Error) => (message = e.message))
      expect(message).toContain(`${file}:4: token.clockTolerance:`)
      expect(message).toContain(`${file}:6: rules[0].path: parameter ":id" appears twice`)
      expect(message).toContain(`${file}:8: rules[1].scopes:`)
      expect(message).toContain(`${file}:10: rules[2].policy.file:`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('hot reload', () => {
  let f: Fixture | undefined
  afterEach(async () => {
    await f?.close()
    f = undefined
  })

  it('a valid new file replaces the rules; a bad one keeps the old rules and is reported', async () => {
    f = await startFixture(rulesYaml(), '', { watch: true })
    expect((await nginxAsk(f.port, 'GET', '/public/x')).status).toBe(200)
    expect((await nginxAsk(f.port, 'GET', '/open')).status).toBe(403)

    writeFileSync(f.file, `${tokenSection(f.issuer)}rules:\n  - path: /open\n    token: none\n`)
    for (let i = 0; i < 100 && (await nginxAsk(f.port, 'GET', '/open')).status !== 200; i++) await new Promise((r) => setTimeout(r, 20))
    expect((await nginxAsk(f.port, 'GET', '/open')).status).toBe(200)
    expect((await nginxAsk(f.port, 'GET', '/public/x')).status).toBe(403)

    writeFileSync(f.file, `${tokenSection(f.issuer)}rules:\n  - path: /open\n    tokn: none\n`)
    expect(await f.gateway.reload()).toBe(false)
    expect(f.logs.some((e) => e.level === 'error' && e.message.includes('rules[0].tokn'))).toBe(true)
    expect((await nginxAsk(f.port, 'GET', '/open')).status).toBe(200)
  })
})

describe('trust and answers', () => {
  let f: Fixture | undefined
  afterEach(async () => {
    await f?.close()
    f = undefined
  })

  it('refuses auth requests from addresses that are not trusted proxies', async () => {
    f = await startFixture(rulesYaml(), '', { top: 'trustedProxies: [10.0.0.1]\n' })
    const res = await forwardAsk(f.port, 'GET', '/public/x')
    expect(res.status).toBe(403)
    expect(res.headers['x-portcullis-subject']).toBeUndefined()
  })

  it('noMatchStatus 401 answers unmatched requests with a challenge', async () => {
    f = await startFixture(rulesYaml(), '', { top: 'noMatchStatus: 401\n' })
    const res = await nginxAsk(f.port, 'GET', '/nothing')
    expect(res.status).toBe(401)
    expect(res.headers['www-authenticate']).toBe('Bearer realm="api"')
  })

  it('identity header values are sanitised: CR/LF refused, non-ASCII encoded, long values left out', async () => {
    f = await startFixture(rulesYaml().replace('  claims:\n    email: X-Auth-Email\n', '  maxLength: 32\n  claims: { email: X-Auth-Email, name: X-Auth-Name, groups: X-Auth-Groups }\n'))
    const token = await f.token('docs:read', { email: 'a@b.c\r\nX-Admin: 1', name: 'Zoë 100%', groups: ['g'.repeat(40)] })
    const res = await nginxAsk(f.port, 'GET', '/docs/eng-1', { authorization: `Bearer ${token}` })
    expect(res.status).toBe(200)
    expect(res.headers['x-auth-email']).toBe('')
    expect(res.headers['x-admin']).toBeUndefined()
    expect(res.headers['x-auth-name']).toBe('Zo%C3%AB 100%25')
    expect(res.headers['x-auth-groups']).toBe('')
  })
})

describe('units', () => {
  it('path templates: parameters, a final wildcard, strict segments', () => {
    const t = compilePathTemplate('/docs/:id/files/*')
    expect(t.match(canonicalSegments('/docs/a%20b/files/x/y')!)).toEqual({ id: 'a b' })
    // A final * matches zero or more segments.
    expect(t.match(canonicalSegments('/docs/a/files')!)).toEqual({ id: 'a' })
    expect(t.match(canonicalSegments('/docs/a/other/x')!)).toBeUndefined()
    expect(t.match(canonicalSegments('/docs/a')!)).toBeUndefined()
    expect(t.match(canonicalSegments('/docs//files/x') ?? [])).toBeUndefined()
    expect(compilePathTemplate('/docs').match(canonicalSegments('/docs/')!)).toBeUndefined()
    expect(() => compilePathTemplate('/a/*/b')).toThrow('last segment')
    expect(() => compilePathTemplate('docs')).toThrow()
  })

  it('header values', () => {
    expect(headerValue('plain', 100)).toBe('plain')
    expect(headerValue(['a', 'b'], 100)).toBe('a b')
    expect(headerValue({ a: 1 }, 100)).toBeUndefined()
    expect(headerValue('x\ny', 100)).toBeUndefined()
    expect(headerValue('a\ud800b', 100)).toBeUndefined()
    expect(headerValue(NOW, 100)).toBe(String(NOW))
  })
})
