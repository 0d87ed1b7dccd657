import { shutdown, type Commands } from './connection.js'

/** What a {@link ChannelSubscription} tells its owner. */
export interface SubscriptionEvents {
  /** A message of the channel, in the order Redis sent them. */
  message(message: string): void
  /** The subscription may have missed messages (error, reconnection, end of the connection). */
  lost(): void
  /** The subscription is (again) in place: messages from now on are received. */
  ready(): void
}

/**
 * A sharded subscription (SSUBSCRIBE) on a connection of its own (a connection in subscribed
 * mode cannot send other commands). It subscribes at once, retries every `retryMs` until it
 * succeeds, and relies on node-redis to resubscribe after a reconnection. Every way the
 * connection can drop messages is reported as `lost`; connection errors never crash the process.
 */
export class ChannelSubscription {
  #closed = false
  readonly #listener: (message: string) => void

  constructor(
    private readonly subscriber: Commands,
    private readonly channel: string,
    private readonly retryMs: number,
    private readonly events: SubscriptionEvents,
  ) {
    this.#listener = (message) => events.message(message)
    const lost = (): void => {
      if (!this.#closed) events.lost()
    }
    subscriber.on('error', lost) // also keeps a connection error from crashing the process
    subscriber.on('reconnecting', lost)
    subscriber.on('end', lost)
    subscriber.on('ready', () => {
      if (!this.#closed) events.ready()
    })
    void this.#subscribe()
  }

  /** Whether the connection is up (its subscriptions are then in place). */
  get ready(): boolean {
    return this.subscriber.isReady ?? this.subscriber.isOpen
  }

  async close(): Promise<void> {
    this.#closed = true
    try {
      await this.subscriber.sUnsubscribe(this.channel, this.#listener)
    } catch {
      // Closing anyway.
    }
    await shutdown(this.subscriber)
  }

  async #subscribe(): Promise<void> {
    try {
      if (!this.subscriber.isOpen) await this.subscriber.connect()
      await this.subscriber.sSubscribe(this.channel, this.#listener)
      if (!this.#closed) this.events.ready()
    } catch {
      // Reconnection resubscribes; until then the owner does not trust what it holds.
      if (!this.#closed) setTimeout(() => void this.#subscribe(), this.retryMs).unref()
    }
  }
}
