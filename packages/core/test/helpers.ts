import type { PortcullisError, PortcullisRequest } from '@portcullis/core'

/** A plain core request with a bearer token in the Authorization header. */
export function bearer(token: string, extra: Partial<PortcullisRequest> = {}): PortcullisRequest {
  return { method: 'GET', url: '/resource', headers: { authorization: `Bearer ${token}` }, ...extra }
}

/** Runs `fn` and returns the PortcullisError it rejects with (fails the test otherwise). */
export async function rejection(fn: () => Promise<unknown>): Promise<PortcullisError> {
  try {
    await fn()
  } catch (error) {
    return error as PortcullisError
  }
  throw new Error('expected a rejection')
}

/** A frozen, manually advanced clock in milliseconds. */
export function manualClock(start = Date.UTC(2026, 0, 1)): { now: () => number; advance(ms: number): void } {
  let current = start
  return {
    now: () => current,
    advance(ms: number) {
      current += ms
    },
  }
}
