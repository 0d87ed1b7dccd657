/**
 * Metrics and tracing of the gateway. `prom-client` and `@opentelemetry/api` are optional peer
 * dependencies, as for the core: they are imported only when the configuration turns the
 * feature on, and a missing package is a configuration error at that field.
 */
import { createMetrics, type PortcullisMetrics, type TracerLike } from '@portcullis/core'

/** The gateway's own counter of auth answers, by protocol and status. */
export interface AnswerCounter {
  inc(labels: { protocol: string; status: string }): void
}

/** The metrics of one gateway, created once and kept across reloads (prom-client refuses duplicate names). */
export interface GatewayMetrics {
  readonly core: PortcullisMetrics
  readonly answers: AnswerCounter
  /** The exposition text and its content type. */
  scrape(): Promise<{ contentType: string; text: string }>
}

interface PromRegistry {
  readonly contentType: string
  metrics(): Promise<string>
}

interface PromModule {
  readonly Registry: new () => PromRegistry
  readonly Counter: new (config: { name: string; help: string; labelNames: string[]; registers: PromRegistry[] }) => AnswerCounter
  readonly Histogram: new (config: never) => unknown
  readonly register: object
  collectDefaultMetrics(config: { register: PromRegistry }): void
}

/** Why an optional package could not be loaded. */
export class MissingPeerError extends Error {}

async function importPeer<T>(name: string): Promise<T> {
  try {
    const loaded = (await import(name)) as { default?: T } & T
    // prom-client is CommonJS: its exports are on `default` when imported from ESM.
    return (loaded.default ?? loaded) as T
  } catch (error) {
    throw new MissingPeerError(`needs the ${name} package (npm install ${name}): ${(error as Error).message}`)
  }
}

/**
 * Creates the metrics on a registry of their own: the core's `portcullis_*` metrics, the
 * process metrics of prom-client, and `portcullis_gateway_answers_total{protocol, status}`.
 */
export async function createGatewayMetrics(): Promise<GatewayMetrics> {
  const client = await importPeer<PromModule>('prom-client')
  const registry = new client.Registry()
  client.collectDefaultMetrics({ register: registry })
  const core = createMetrics({ client, registry })
  const answers = new client.Counter({
    name: 'portcullis_gateway_answers_total',
    help: 'Auth answers of the gateway, by proxy protocol and HTTP status.',
    labelNames: ['protocol', 'status'],
    registers: [registry],
  })
  return {
    core,
    answers,
    async scrape() {
      return { contentType: registry.contentType, text: await registry.metrics() }
    },
  }
}

/** What the gateway needs of `@opentelemetry/api`. */
export interface Tracing {
  readonly tracer: TracerLike
  /** Runs `fn` in the trace context the proxy sent (`traceparent`), so spans join the request's trace. */
  withRemoteParent<T>(headers: Readonly<Record<string, string | string[] | undefined>>, fn: () => T): T
}

interface OtelApi {
  readonly trace: { getTracer(name: string, version?: string): TracerLike }
  readonly context: { active(): unknown; with<T>(context: unknown, fn: () => T): T }
  readonly propagation: { extract(context: unknown, carrier: unknown): unknown }
}

/** The global tracer (`trace.getTracer('@portcullis/gateway')`) and context propagation. */
export async function loadTracing(): Promise<Tracing> {
  const api = await importPeer<OtelApi>('@opentelemetry/api')
  const tracer = api.trace.getTracer('@portcullis/gateway')
  return {
    tracer,
    withRemoteParent(headers, fn) {
      return api.context.with(api.propagation.extract(api.context.active(), headers), fn)
    },
  }
}
