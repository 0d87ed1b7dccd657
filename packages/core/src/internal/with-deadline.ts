/**
 * Runs `work` with an abort signal and a hard deadline: after `timeoutMs` the signal aborts and
 * the returned promise rejects with `Error(message)`, even when `work` ignores the signal (a
 * custom fetch), so a stuck dependency can never hold requests forever.
 */
export async function withDeadline<T>(work: (signal: AbortSignal) => Promise<T>, timeoutMs: number, message: string): Promise<T> {
  const controller = new AbortController()
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      const error = new Error(message)
      controller.abort(error)
      reject(error)
    }, timeoutMs)
  })
  try {
    return await Promise.race([work(controller.signal), timeout])
  } finally {
    clearTimeout(timer)
  }
}

/**
 * Settles like `pending`, or rejects with `timeoutError()` after `timeoutMs`: one promise and
 * one (unref'd) timer, no abort signal. For the checks that run on every request (a revocation
 * or rate-limit store); `pending` may also be a plain value from a store written in JavaScript.
 */
export function settleWithin<T>(pending: T | PromiseLike<T>, timeoutMs: number, timeoutError: () => Error): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(timeoutError()), timeoutMs)
    timer.unref?.()
    Promise.resolve(pending).then(
      (value) => {
        clearTimeout(timer)
        resolve(value)
      },
      (error: unknown) => {
        clearTimeout(timer)
        reject(error)
      },
    )
  })
}
