/** Bounds and expiry of the DPoP replay store and of server nonces (RFC 9449 §9, §11.1). */
import { describe, expect, it } from '@jest/globals'
import { createMemoryReplayStore, DEFAULT_REPLAY_STORE_ENTRIES, DpopReplayStoreFull, MAX_PROOFS_PER_SECOND, replayStoreEntriesFor } from '@portcullis/core'
import { normaliseHtu } from '../../src/binding/dpop/htu.js'
import { createNonceIssuer } from '../../src/binding/dpop/nonces.js'
import { manualClock } from '../helpers.js'

describe('in-memory replay store', () => {
  it('RFC 9449 §11.1: the first use of a key is accepted, a second one within its lifetime is a replay', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    expect(await store.remember('k', clock.now() + 1000)).toBe(true)
    expect(await store.remember('k', clock.now() + 1000)).toBe(false)
  })

  it('entries expire: after expiry the key is new again', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    await store.remember('k', clock.now() + 1000)
    clock.advance(1000)
    expect(await store.remember('k', clock.now() + 1000)).toBe(true)
  })

  it('expired entries are purged on write, so the size tracks live proofs only', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ clock: clock.now })
    for (let i = 0; i < 50; i++) await store.remember(`a${i}`, clock.now() + 1000)
    expect(store.size).toBe(50)
    clock.advance(2000)
    await store.remember('b', clock.now() + 1000)
    expect(store.size).toBe(1)
  })

  it('is bounded, and never forgets a live entry: when full of live proofs it refuses (DpopReplayStoreFull)', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ maxEntries: 100, clock: clock.now })
    for (let i = 0; i < 100; i++) expect(await store.remember(`k${i}`, clock.now() + 60_000 + i)).toBe(true)
    const full = await store.remember('new', clock.now() + 60_000).then(() => undefined, (error: unknown) => error)
    expect(full).toBeInstanceOf(DpopReplayStoreFull)
    expect((full as DpopReplayStoreFull).retryAfterSeconds).toBe(60)
    expect(store.size).toBe(100)
    // The victim's proof (the oldest entry) is still remembered: a replay is still a replay.
    expect(await store.remember('k0', clock.now() + 60_000)).toBe(false)
    clock.advance(60_000)
    expect(await store.remember('new', clock.now() + 60_000)).toBe(true)
    expect(await store.remember('k50', clock.now() + 60_000)).toBe(false)
  })

  it('when full, frees expired entries even behind live ones (bounded sweep)', async () => {
    const clock = manualClock()
    const store = createMemoryReplayStore({ maxEntries: 3, clock: clock.now })
    await store.remember('long', clock.now() + 60_000)
    await store.remember('short1', clock.now() + 1000)
    await store.remember('short2', clock.now() + 1000)
    clock.advance(1000)
    expect(await store.remember('next', clock.now() + 60_000)).toBe(true)
    expect(store.size).toBe(2)
  })

  it('the default size covers the highest proof rate over a proof lifetime', () => {
    expect(DEFAULT_REPLAY_STORE_ENTRIES).toBe(MAX_PROOFS_PER_SECOND * 76)
    expect(replayStoreEntriesFor(600 + 3 * 300 + 1)).toBe(10_000_000)
  })

  it('refuses a nonsensical bound', () => {
    expect(() => createMemoryReplayStore({ maxEntries: 0 })).toThrow(RangeError)
    expect(() => createMemoryReplayStore({ maxEntries: 1.5 })).toThrow(RangeError)
  })
})

describe('server nonces', () => {
  it('RFC 9449 §9: a nonce is valid in its period, expiring in the next, invalid after (nothing stored)', () => {
    const clock = manualClock(0)
    const nonces = createNonceIssuer(60_000, clock.now, undefined)
    const nonce = nonces.issue()
    expect(nonce).toMatch(/^[A-Za-z0-9_-]{46}$/)
    expect(nonces.check(nonce)).toBe('valid')
    clock.advance(60_000)
    expect(nonces.check(nonce)).toBe('expiring')
    clock.advance(60_000)
    expect(nonces.check(nonce)).toBe('invalid')
  })

  it('a nonce from the future (a clock going back) or another key is invalid', () => {
    const clock = manualClock(600_000)
    const nonces = createNonceIssuer(60_000, clock.now, undefined)
    const nonce = nonces.issue()
    clock.advance(-120_000)
    expect(nonces.check(nonce)).toBe('invalid')
    expect(createNonceIssuer(60_000, clock.now, undefined).check(nonces.issue())).toBe('invalid')
  })

  it.each([undefined, 42, '', 'x'.repeat(46), 'x'.repeat(4096)])('a malformed nonce (%p) is invalid', (value) => {
    expect(createNonceIssuer(60_000, () => 0, undefined).check(value)).toBe('invalid')
  })
})

describe('htu normalisation (RFC 3986 §6.2.2, §6.2.3, RFC 9449 §4.3)', () => {
  it.each([
    ['HTTPS://API.EXAMPLE.COM/a', 'https://api.example.com/a'],
    ['https://api.example.com:443/a', 'https://api.example.com/a'],
    ['http://api.example.com:80/a', 'http://api.example.com/a'],
    ['https://api.example.com', 'https://api.example.com/'],
    ['https://api.example.com/%7euser/%2f', 'https://api.example.com/~user/%2F'],
    ['https://api.example.com/a?b=c#d', 'https://api.example.com/a'],
  ])('%s -> %s', (input, expected) => {
    expect(normaliseHtu(input)).toBe(expected)
  })

  // Dot segments are refused, not removed: Express and Koa route the path as received.
  it.each([
    '/a', 'ftp://api.example.com/a', 'https://user:pw@api.example.com/a', 'not a uri',
    'https://api.example.com/a/./b/../c', 'https://api.example.com/admin/%2e%2e/orders', 'https://api.example.com/a\\..\\orders',
  ])('%s is refused', (input) => {
    expect(normaliseHtu(input)).toBeUndefined()
  })
})
