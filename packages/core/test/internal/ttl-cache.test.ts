import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { TtlCache } from '../../src/internal/ttl-cache.js'
import { manualClock } from '../helpers.js'

describe('TtlCache (introspection and token-exchange caches)', () => {
  it('expires each entry at its own time, never later', () => {
    const clock = manualClock(1000)
    const cache = new TtlCache<string>({ maxEntries: 10 }, clock.now)
    cache.set('a', 'A', 1500)
    cache.set('b', 'B', 3000)
    cache.set('gone', 'G', 1000) // already expired: not stored
    expect(cache.size).toBe(2)
    clock.advance(499)
    expect(cache.get('a')).toBe('A')
    clock.advance(1)
    expect(cache.get('a')).toBeUndefined()
    expect(cache.get('b')).toBe('B')
  })

  it('evicts the least recently used entry when full; 0 entries disables it', () => {
    const clock = manualClock(0)
    const cache = new TtlCache<number>({ maxEntries: 2 }, clock.now)
    cache.set('a', 1, 100)
    cache.set('b', 2, 100)
    cache.get('a')
    cache.set('c', 3, 100)
    expect([cache.get('a'), cache.get('b'), cache.get('c')]).toEqual([1, undefined, 3])
    const off = new TtlCache<number>({ maxEntries: 0 }, clock.now)
    off.set('a', 1, 100)
    expect(off.get('a')).toBeUndefined()
  })

  it('never holds more than maxEntries, whatever the operations (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        fc.array(fc.tuple(fc.constantFrom('set', 'get', 'tick'), fc.integer({ min: 0, max: 20 }), fc.integer({ min: 1, max: 50 }))),
        (max, operations) => {
          const clock = manualClock(0)
          const cache = new TtlCache<number>({ maxEntries: max }, clock.now)
          for (const [op, key, time] of operations) {
            if (op === 'set') cache.set(String(key), key, clock.now() + time)
            else if (op === 'get') cache.get(String(key))
            else clock.advance(time)
            if (cache.size > max) return false
          }
          return true
        },
      ),
    )
  })

  it('never holds more estimated bytes than maxBytes, and skips an entry larger than the bound (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 500 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 1, max: 200 }))),
        (maxBytes, operations) => {
          const clock = manualClock(0)
          const cache = new TtlCache<number>({ maxEntries: 1000, maxBytes }, clock.now)
          for (const [key, bytes] of operations) {
            cache.set(String(key), key, 100, bytes)
            if (cache.bytes > maxBytes) return false
            if (bytes > maxBytes && cache.get(String(key)) !== undefined) return false
          }
          return true
        },
      ),
    )
  })
})
