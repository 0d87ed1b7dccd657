/** The error of a Redis command that did not answer in time. */
export class RedisTimeoutError extends Error {
  constructor(ms: number) {
    super(`Redis did not answer within ${ms} ms`)
    this.name = 'RedisTimeoutError'
  }
}

/**
 * Settles with `promise`, or rejects after `ms`. node-redis drops its own command timeout once
 * a command is written to the socket, so a paused or unreachable server would otherwise keep the
 * caller waiting: this deadline covers the whole round trip.
 *
 * When the timer fires, the rejection waits for the check phase of the event loop (one
 * `setImmediate`): after a busy stretch, timers run before pending socket data is read, and a
 * reply that had arrived in time would otherwise count as a timeout of Redis when the delay was
 * our own.
 */
export function deadline<T>(promise: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false
    const timer = setTimeout(() => {
      setImmediate(() => {
        if (settled) return
        settled = true
        reject(new RedisTimeoutError(ms))
      })
    }, ms)
    promise.then(
      (value) => {
        clearTimeout(timer)
        if (settled) return
        settled = true
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        if (settled) return
        settled = true
        reject(error instanceof Error ? error : new Error(String(error)))
      },
    )
  })
}
