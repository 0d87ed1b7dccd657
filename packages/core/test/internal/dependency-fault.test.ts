import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { networkFault, redactUrl } from '../../src/internal/dependency-fault.js'

describe('redactUrl', () => {
  it('never shows user info, query or fragment (property)', () => {
    const secret = fc.stringMatching(/^[A-Za-z0-9]{12,24}$/)
    fc.assert(
      fc.property(fc.webUrl({ withQueryParameters: true, withFragments: true }), secret, secret, (url, user, key) => {
        const parsed = new URL(url)
        parsed.username = `u${user}`
        parsed.password = `p${user}`
        parsed.searchParams.set('api_key', `k${key}`)
        const shown = redactUrl(parsed.href)
        expect(shown).not.toContain(`u${user}`)
        expect(shown).not.toContain(`p${user}`)
        expect(shown).not.toContain(`k${key}`)
        expect(shown.startsWith(parsed.origin)).toBe(true)
      }),
    )
  })

  it('keeps origin and path, marks a removed query', () => {
    expect(redactUrl('https://user:pw@id.example.com/keys?x=1#f')).toBe('https://id.example.com/keys?…')
    expect(redactUrl('not a url')).toBe('(invalid URL)')
  })
})

describe('networkFault', () => {
  it('classifies the socket error undici wraps, also inside an AggregateError', () => {
    const wrapped = (code: string) => new TypeError('fetch failed', { cause: Object.assign(new Error(code), { code }) })
    expect(networkFault(wrapped('ENOTFOUND'), 'https://a.example/').kind).toBe('dns')
    expect(networkFault(wrapped('ECONNREFUSED'), 'https://a.example/').kind).toBe('connect')
    expect(networkFault(wrapped('CERT_HAS_EXPIRED'), 'https://a.example/').kind).toBe('tls')
    const aggregate = new TypeError('fetch failed', { cause: new AggregateError([Object.assign(new Error('x'), { code: 'ECONNREFUSED' })]) })
    expect(networkFault(aggregate, 'https://a.example/').kind).toBe('connect')
    expect(networkFault(new Error('odd'), 'https://a.example/')).toMatchObject({ kind: 'network', url: 'https://a.example/' })
  })
})
