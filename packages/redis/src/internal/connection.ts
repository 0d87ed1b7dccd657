import { createClient } from 'redis'
import { configurationError } from '@portcullis/core'
import type { RedisConnection, RedisStoreOptions } from '../options.js'

/**
 * The few commands the stores send, as every node-redis flavour (client, cluster, sentinel)
 * spells them.
 */
export interface Commands {
  set(key: string, value: string, options: { NX?: true; PX: number }): Promise<string | null>
  get(key: string): Promise<string | null>
  del(key: string): Promise<number>
  mGet(keys: string[]): Promise<Array<string | null>>
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>
  sSubscribe(channel: string, listener: (message: string) => void): Promise<void>
  sUnsubscribe(channel: string, listener?: (message: string) => void): Promise<void>
  duplicate?(): Commands
  connect(): Promise<unknown>
  close?(): Promise<void>
  destroy?(): void
  on(event: string, listener: (...args: unknown[]) => void): unknown
  off?(event: string, listener: (...args: unknown[]) => void): unknown
  readonly isOpen: boolean
  readonly isReady?: boolean
}

/** A store's view of its connection: the commands, and whether the store must close it. */
export interface Connection {
  readonly commands: Commands
  readonly owned: boolean
  /** Resolves once connected (at once if already); never rejects, reconnection is automatic. */
  ensureOpen(): Promise<void>
  close(): Promise<void>
}

/** Backoff of owned clients: quick first retries, then every 2 s, forever (automatic recovery). */
export function reconnectDelay(retries: number): number {
  return Math.min(50 * 2 ** Math.min(retries, 6), 2000)
}

function isRedisConnection(value: unknown): value is Commands {
  if (typeof value !== 'object' || value === null) return false
  const candidate = value as Record<string, unknown>
  return typeof candidate['set'] === 'function' && typeof candidate['eval'] === 'function' && typeof candidate['connect'] === 'function'
}

/** Opens (or adopts) the connection of a store; connection errors are handled, never thrown at the app. */
export function openConnection(options: Pick<RedisStoreOptions, 'client' | 'url'>, onError: (error: unknown) => void): Connection {
  if ((options.client === undefined) === (options.url === undefined)) throw configurationError('Give exactly one of client and url')
  let commands: Commands
  let owned = false
  if (options.client !== undefined) {
    if (!isRedisConnection(options.client)) throw configurationError('client must be a node-redis client, cluster or sentinel')
    commands = options.client as unknown as Commands
  } else {
    if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) throw configurationError('url must start with redis:// or rediss://')
    commands = createClient({
      url: options.url,
      disableOfflineQueue: true,
      commandsQueueMaxLength: 10_000,
      socket: { connectTimeout: 1000, reconnectStrategy: reconnectDelay },
    }) as unknown as Commands
    owned = true
  }
  // Without a listener an 'error' event would crash the process; errors surface as failed
  // commands (503 or fail-open) instead.
  commands.on('error', onError)
  let opening: Promise<void> | undefined
  return {
    commands,
    owned,
    ensureOpen() {
      if (commands.isReady ?? commands.isOpen) return Promise.resolve()
      if (commands.isOpen) {
        // Connecting or reconnecting (a client the application opened): wait for it. A sentinel
        // client emits no 'ready' of its own, hence the polling as well.
        return new Promise<void>((resolve) => {
          const ready = (): void => {
            if (!(commands.isReady ?? commands.isOpen)) return
            clearInterval(poll)
            commands.off?.('ready', ready)
            resolve()
          }
          const poll = setInterval(ready, 50)
          poll.unref()
          commands.on('ready', ready)
        })
      }
      opening ??= commands.connect().then(
        () => undefined,
        (error: unknown) => {
          opening = undefined
          onError(error)
        },
      )
      return opening
    },
    async close() {
      commands.off?.('error', onError)
      if (owned) await shutdown(commands)
    },
  }
}

/** Closes a connection: gracefully when it is up, at once when it is still trying to connect. */
export async function shutdown(commands: Commands): Promise<void> {
  if (!commands.isOpen) return
  if (commands.isReady ?? true) {
    try {
      await commands.close?.()
      return
    } catch {
      // Fall through to destroy.
    }
  }
  commands.destroy?.()
}

/** The connection type, re-exported for the option types. */
export type { RedisConnection }
