import { configurationError } from '@portcullis/core'
import type { GrantNotification, GrantNotificationKind, GrantNotifier } from './grant-events.js'

/**
 * Options of {@link createWebhookNotifier}.
 *
 * @example
 * ```ts
 * createWebhookNotifier({ url: 'https://chat.example.com/hooks/approvals', headers: { authorization: `Bearer ${process.env.HOOK_TOKEN}` } })
 * ```
 */
export interface WebhookNotifierOptions {
  /** Where to POST; `https:`, or `http:` on a loopback host. */
  readonly url: string
  /** Extra request headers (e.g. a shared secret). */
  readonly headers?: Readonly<Record<string, string>>
  /** Which notifications to send (default: all). */
  readonly kinds?: readonly GrantNotificationKind[]
  /** Notifications waiting at most (default 1000); beyond it new ones are dropped (and counted). */
  readonly maxQueue?: number
  /** Attempts after the first (default 3), on network errors, timeouts, 429 and 5xx. */
  readonly retries?: number
  /** Time box of one attempt in ms (default 5000). */
  readonly timeout?: number
  /** First retry delay in ms, doubled each retry (default 500). */
  readonly backoff?: number
  /** Called when a notification is dropped (queue full, or retries spent). Must not throw. */
  readonly onDrop?: (notification: GrantNotification, reason: 'queue_full' | 'failed') => void
  /** For tests: the fetch implementation (default: the global fetch). */
  readonly fetch?: typeof fetch
}

/** A webhook notifier: `notify` queues and returns at once; one delivery runs at a time. */
export interface WebhookNotifier extends GrantNotifier {
  /** Resolves when the queue is empty (tests, graceful shutdown). */
  flush(): Promise<void>
  /** Notifications dropped so far. */
  readonly dropped: number
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]'])

/**
 * Sends grant notifications as JSON POSTs to a webhook, with a timeout per attempt and
 * retries with exponential backoff. It never blocks the request that caused the notification:
 * `notify` only enqueues, into a bounded queue, and deliveries run one at a time in the
 * background (their timers do not keep the process alive).
 *
 * @example
 * ```ts
 * import { createGrantService, createWebhookNotifier } from '@portcullis/policy'
 * const grants = createGrantService({ resources, notifier: createWebhookNotifier({ url: 'https://hooks.example.com/jit' }) })
 * ```
 */
export function createWebhookNotifier(options: WebhookNotifierOptions): WebhookNotifier {
  let url: URL
  try {
    url = new URL(options.url)
  } catch {
    throw configurationError('webhook notifier: url must be an absolute URL')
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) throw configurationError('webhook notifier: url must use https (http only on loopback)')
  const maxQueue = options.maxQueue ?? 1000
  const retries = options.retries ?? 3
  const timeout = options.timeout ?? 5000
  const backoff = options.backoff ?? 500
  for (const [name, value, min] of [['maxQueue', maxQueue, 1], ['retries', retries, 0], ['timeout', timeout, 1], ['backoff', backoff, 0]] as const) {
    if (!Number.isInteger(value) || value < min) throw configurationError(`webhook notifier: ${name} must be an integer >= ${min}`)
  }
  const kinds = options.kinds === undefined ? undefined : new Set(options.kinds)
  const send = options.fetch ?? fetch
  const headers = { ...options.headers, 'content-type': 'application/json' }
  const queue: GrantNotification[] = []
  let running: Promise<void> | undefined
  let dropped = 0

  const drop = (notification: GrantNotification, reason: 'queue_full' | 'failed'): void => {
    dropped++
    try {
      options.onDrop?.(notification, reason)
    } catch {
      // onDrop is observability; it cannot fail delivery.
    }
  }

  const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      setTimeout(resolve, ms).unref()
    })

  async function deliver(notification: GrantNotification): Promise<void> {
    const body = JSON.stringify(notification)
    for (let attempt = 0; attempt <= retries; attempt++) {
      if (attempt > 0) await sleep(backoff * 2 ** (attempt - 1))
      const signal = AbortSignal.timeout(timeout)
      try {
        const response = await send(url, { method: 'POST', headers, body, signal, redirect: 'error' })
        await response.arrayBuffer().catch(() => undefined) // release the connection
        if (response.ok) return
        if (response.status !== 429 && response.status < 500) break // the receiver refuses it: retrying will not help
      } catch {
        // network error or timeout: retry
      }
    }
    drop(notification, 'failed')
  }

  async function drain(): Promise<void> {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) await deliver(next)
    running = undefined
  }

  return {
    notify(notification) {
      if (kinds !== undefined && !kinds.has(notification.kind)) return
      if (queue.length >= maxQueue) return drop(notification, 'queue_full')
      queue.push(notification)
      running ??= drain()
    },
    async flush() {
      while (running !== undefined) await running
    },
    get dropped() {
      return dropped
    },
  }
}
