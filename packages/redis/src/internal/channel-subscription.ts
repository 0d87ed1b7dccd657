import { configurationError } from '@portcullis/core'
import { shutdown, type Commands, type Connection } from './connection.js'
import { topologyOf } from './topology.js'

/** What a {@link ChannelSubscription} tells its owner. */
export interface SubscriptionEvents {
  /** A message of the channel, in the order Redis sent them. */
  message(message: string): void
  /** The subscription may have missed messages (error, reconnection, end of the connection, failover). */
  lost(): void
  /** A connection came back: the owner may reload what it holds (and prove it current). */
  ready(): void
}

/**
 * Refuses, at creation, a client the subscription cannot listen through: plain and cluster
 * clients are duplicated (a sentinel client subscribes on a connection of its own).
 */
export function checkSubscribable(client: unknown, what: string): void {
  if (client === undefined || topologyOf(client) === 'sentinel') return
  if (typeof (client as { duplicate?: unknown }).duplicate !== 'function') throw configurationError(`client must support duplicate() ${what}`)
}

/**
 * A sharded subscription (SSUBSCRIBE) whatever the node-redis flavour of the store's connection.
 * It subscribes at once, retries every `retryMs` until it succeeds, relies on node-redis to
 * resubscribe after a reconnection, and reports `lost` as soon as node-redis reports that the
 * subscription may have missed messages, so that its owner drops what it holds at once rather
 * than at the end of its staleness bound. Connection errors never crash the process.
 *
 * - client: a duplicate (a connection in subscribed mode cannot send other commands); lost on
 *   its `error`, `reconnecting` and `end`.
 * - cluster: a duplicate; its sharded subscription has one connection to the shard of the
 *   channel, whose events the cluster reports as `node-error`, `node-reconnecting` and
 *   `node-disconnect` (any node of the duplicate: it only subscribes, so any event is ours).
 * - sentinel: the sentinel-managed client itself, whose pub/sub runs on a connection of its own
 *   to the master; it reports that connection's errors as `error`, and a failover as a
 *   `topology-change` of type `MASTER_CHANGE` (it then resubscribes on the new master).
 *
 * Some clients resubscribe only after they report being connected: `ready` does not prove that
 * messages are received, which an owner proves with a heartbeat of its own through the channel.
 */
export class ChannelSubscription {
  #closed = false
  readonly #subscriber: Commands
  readonly #owned: boolean
  readonly #listener: (message: string) => void
  readonly #lost = (): void => {
    if (!this.#closed) this.events.lost()
  }
  readonly #ready = (): void => {
    if (!this.#closed) this.events.ready()
  }
  readonly #masterChange = (event: unknown): void => {
    if ((event as { type?: unknown } | undefined)?.type === 'MASTER_CHANGE') this.#lost()
  }

  constructor(
    private readonly connection: Connection,
    private readonly channel: string,
    private readonly retryMs: number,
    private readonly events: SubscriptionEvents,
  ) {
    this.#listener = (message) => events.message(message)
    const topology = topologyOf(connection.commands)
    if (topology === 'sentinel') {
      this.#subscriber = connection.commands
      this.#owned = false
      this.#subscriber.on('error', this.#lost) // also keeps a connection error from crashing the process
      this.#subscriber.on('topology-change', this.#masterChange)
    } else {
      this.#subscriber = connection.commands.duplicate?.() as Commands
      this.#owned = true
      const events = topology === 'cluster' ? { lost: ['error', 'node-error', 'node-reconnecting', 'node-disconnect'], ready: 'node-ready' } : { lost: ['error', 'reconnecting', 'end'], ready: 'ready' }
      for (const event of events.lost) this.#subscriber.on(event, this.#lost)
      this.#subscriber.on(events.ready, this.#ready)
    }
    void this.#subscribe()
  }

  /** Whether the connection is up (its subscriptions are then in place, or about to be). */
  get ready(): boolean {
    return this.#subscriber.isReady ?? this.#subscriber.isOpen
  }

  /** Stops listening, and closes the connection if the subscription opened it. */
  async close(): Promise<void> {
    this.#closed = true
    try {
      await this.#subscriber.sUnsubscribe(this.channel, this.#listener)
    } catch {
      // Closing anyway.
    }
    if (this.#owned) {
      await shutdown(this.#subscriber)
    } else {
      this.#subscriber.off?.('error', this.#lost)
      this.#subscriber.off?.('topology-change', this.#masterChange)
    }
  }

  async #subscribe(): Promise<void> {
    try {
      if (this.#owned) {
        if (!this.#subscriber.isOpen) await this.#subscriber.connect()
      } else {
        await this.connection.ensureOpen()
      }
      await this.#subscriber.sSubscribe(this.channel, this.#listener)
      this.#ready()
    } catch {
      // Reconnection resubscribes; until then the owner does not trust what it holds.
      if (!this.#closed) setTimeout(() => void this.#subscribe(), this.retryMs).unref()
    }
  }
}
