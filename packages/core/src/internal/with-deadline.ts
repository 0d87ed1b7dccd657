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
