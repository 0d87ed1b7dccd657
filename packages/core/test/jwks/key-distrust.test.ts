import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { generateKeyPairSync } from 'node:crypto'
import { createAuthenticator, isPortcullisError, type Authenticator } from '@portcullis/core'
import { createIssuer, jwkThumbprint, type LocalIssuer } from '@portcullis/testing'
import { bearer } from '../helpers.js'

async function outcome(auth: Authenticator, token: string): Promise<string> {
  try {
    await auth.authenticate(bearer(token))
    return 'accepted'
  } catch (error) {
    if (isPortcullisError(error)) return error.reason
    throw error
  }
}

describe('Authenticator.onKeysRemoved and distrustKeys (RFC 7638 thumbprints)', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(async () => {
    await issuer.close()
  })

  it('reports the thumbprints of keys a JWKS refresh removed, until unregistered', async () => {
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, jwks: { cooldown: 0 }, cache: { admission: 'first-use' } })
    const heard: Array<readonly string[]> = []
    const unregister = auth.onKeysRemoved((thumbprints) => heard.push(thumbprints))
    auth.onKeysRemoved(() => {
      throw new Error('a broken listener changes nothing')
    })
    await auth.authenticate(bearer(await issuer.mint()))
    const first = issuer.keys[0]!
    await issuer.rotate({ keepPrevious: false })
    await auth.authenticate(bearer(await issuer.mint())) // a new kid: refetch without the old key
    expect(heard).toEqual([[await jwkThumbprint(first)]])
    unregister()
    await issuer.rotate({ keepPrevious: false })
    await auth.authenticate(bearer(await issuer.mint()))
    expect(heard).toHaveLength(1)
  })

  it('distrustKeys drops the key and the cached tokens it verified; a key still published comes back by one refetch', async () => {
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, cache: { admission: 'first-use' } })
    const heard: Array<readonly string[]> = []
    auth.onKeysRemoved((thumbprints) => heard.push(thumbprints))
    const token = await issuer.mint()
    await auth.authenticate(bearer(token))
    expect(auth.cache.size).toBe(1)
    const fetches = issuer.stats.jwks
    const thumbprint = await jwkThumbprint(issuer.keys.at(-1)!)
    expect(auth.distrustKeys([thumbprint, 'unknown'])).toBe(1)
    expect(auth.cache.size).toBe(0)
    expect(auth.distrustKeys([thumbprint])).toBe(0)
    expect(heard).toEqual([]) // a distrust is not a removal this process saw
    // The issuer still publishes the key: the next token naming it refetches (no cooldown wait) and is accepted.
    expect(await outcome(auth, token)).toBe('accepted')
    expect(issuer.stats.jwks).toBe(fetches + 1)
    // Once the issuer stops publishing it, a distrusted key stays out.
    const signing = issuer.keys.at(-1)!
    await issuer.rotate({ keepPrevious: false })
    expect(auth.distrustKeys([await jwkThumbprint(signing)])).toBe(1)
    expect(await outcome(auth, token)).toBe('unknown_key')
    expect(auth.distrustKeys([])).toBe(0)
  })

  it('never removes configured keys', async () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' })
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, keys: [publicKey], cache: { admission: 'first-use' } })
    const jwk = publicKey.export({ format: 'jwk' })
    expect(auth.distrustKeys([await jwkThumbprint(jwk as never)])).toBe(0)
  })
})
