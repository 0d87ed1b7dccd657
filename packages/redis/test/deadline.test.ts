import { stat } from 'node:fs'
import { describe, expect, it } from '@jest/globals'
import { deadline } from '../src/internal/deadline.js'

describe('deadline', () => {
  it('settles with the promise when it is in time, and rejects with RedisTimeoutError when it is not', async () => {
    await expect(deadline(Promise.resolve(1), 50)).resolves.toBe(1)
    await expect(deadline(Promise.reject(new Error('boom')), 50)).rejects.toThrow('boom')
    await expect(deadline(new Promise(() => undefined), 20)).rejects.toMatchObject({ name: 'RedisTimeoutError', message: 'Redis did not answer within 20 ms' })
  })

  it('does not blame Redis for our own event-loop lag: an answer ready before the check phase wins', async () => {
    // A busy stretch in the check phase; the reply arrives meanwhile. In the next iteration the
    // overdue timer fires before the poll phase reads the reply: the reply must still win.
    let answer!: (value: string) => void
    const reply = new Promise<string>((resolve) => (answer = resolve))
    const result = deadline(reply, 10)
    setImmediate(() => {
      stat('.', () => answer('in time')) // I/O that completes during the busy stretch
      const until = Date.now() + 30
      while (Date.now() < until); // the deadline's timer is now overdue
    })
    await expect(result).resolves.toBe('in time')
  })
})
