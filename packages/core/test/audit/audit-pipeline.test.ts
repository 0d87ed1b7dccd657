import { PassThrough } from 'node:stream'
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import pino from 'pino'
import { logs } from '@opentelemetry/api-logs'
import {
  createAuditPipeline,
  createAuthenticator,
  jsonLinesSink,
  otelLogSink,
  pinoSink,
  type AuditEvent,
  type OtelLogRecordLike,
} from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { bearer, rejection } from '../helpers.js'

function event(overrides: Partial<AuditEvent> = {}): AuditEvent {
  return {
    datetime: '2026-01-01T00:00:00.000Z', event: 'authz_fail', level: 'CRITICAL', outcome: 'failure', reason: 'scope',
    description: 'denied', correlation_id: 'c-1', decision_id: 'd-1', request_method: 'GET', request_uri: '/orders',
    source_ip: '203.0.113.7', useragent: 'jest', user_id: 'alice', ...overrides,
  }
}

describe('createAuditPipeline', () => {
  let issuer: LocalIssuer
  beforeAll(async () => {
    issuer = await createIssuer()
  })
  afterAll(() => issuer.close())

  it('delivers asynchronously and in order: emit returns before any sink runs', async () => {
    const seen: string[] = []
    const pipeline = createAuditPipeline({ sinks: [(e) => void seen.push(e.decision_id)] })
    for (let i = 0; i < 5; i++) pipeline.emit(event({ decision_id: `d-${i}` }))
    expect(seen).toEqual([])
    await pipeline.flush()
    expect(seen).toEqual(['d-0', 'd-1', 'd-2', 'd-3', 'd-4'])
    expect(pipeline.stats()).toMatchObject({ queued: 5, delivered: 5, dropped: 0, pending: 0 })
  })

  it('a blocked sink never blocks emit: the buffer stays bounded and drops are counted', async () => {
    let release: () => void = () => undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let calls = 0
    const pipeline = createAuditPipeline({ sinks: [() => { calls++; return gate }], bufferSize: 100, sinkTimeout: 60_000 })
    const started = performance.now()
    for (let i = 0; i < 10_000; i++) pipeline.emit(event())
    const elapsed = performance.now() - started
    await new Promise((resolve) => setImmediate(resolve))
    // The first event is with the sink; 100 wait in the buffer; everything else was dropped.
    expect(calls).toBe(1)
    expect(pipeline.stats()).toMatchObject({ queued: 100, dropped: 9900 })
    expect(elapsed).toBeLessThan(1000)
    release()
    await pipeline.flush()
    expect(pipeline.stats()).toMatchObject({ delivered: 100, pending: 0 })
  })

  it('gives up on a sink after sinkTimeout and counts throwing, rejecting and late sinks as errors', async () => {
    const seen: AuditEvent[] = []
    const pipeline = createAuditPipeline({
      sinks: [
        (e) => void seen.push(e),
        () => {
          throw new Error('down')
        },
        () => Promise.reject(new Error('down')),
        () => new Promise<void>(() => undefined),
      ],
      sinkTimeout: 20,
    })
    pipeline.emit(event())
    pipeline.emit(event())
    await pipeline.flush()
    expect(seen).toHaveLength(2)
    expect(pipeline.stats()).toMatchObject({ delivered: 2, sinkErrors: 6 })
  })

  it('samples only successes: denials and failures are always kept', async () => {
    const seen: AuditEvent[] = []
    const pipeline = createAuditPipeline({ sinks: [(e) => void seen.push(e)], sampleRate: 0.25, random: (() => { let i = 0; return () => (i++ % 4) / 4 })() })
    for (let i = 0; i < 8; i++) pipeline.emit(event({ outcome: 'success', event: 'authz_success', level: 'INFO' }))
    for (let i = 0; i < 8; i++) pipeline.emit(event({ outcome: 'failure' }))
    for (let i = 0; i < 4; i++) pipeline.emit(event({ outcome: 'unknown' }))
    await pipeline.flush()
    expect(seen.filter((e) => e.outcome === 'success')).toHaveLength(2)
    expect(seen.filter((e) => e.outcome !== 'success')).toHaveLength(12)
    expect(pipeline.stats().sampledOut).toBe(6)
  })

  it('masks personal fields before any sink sees them: keyed hash or redaction', async () => {
    const hashed: AuditEvent[] = []
    const redacted: AuditEvent[] = []
    const key = 'k'.repeat(32)
    const a = createAuditPipeline({ sinks: [(e) => void hashed.push(e)], mask: { fields: ['user_id', 'source_ip'], hashKey: key } })
    const b = createAuditPipeline({ sinks: [(e) => void redacted.push(e)], mask: { fields: ['user_id', 'useragent'] } })
    a.emit(event())
    a.emit(event())
    a.emit(event({ user_id: 'bob' }))
    b.emit(event())
    await Promise.all([a.flush(), b.flush()])
    expect(hashed[0]?.user_id).toMatch(/^hmac:[0-9a-f]{16}$/)
    expect(hashed[0]?.user_id).toBe(hashed[1]?.user_id)
    expect(hashed[2]?.user_id).not.toBe(hashed[0]?.user_id)
    expect(hashed[0]?.source_ip).toMatch(/^hmac:/)
    expect(hashed[0]?.useragent).toBe('jest')
    expect(redacted[0]).toMatchObject({ user_id: '[masked]', useragent: '[masked]', source_ip: '203.0.113.7' })
    expect(JSON.stringify([...hashed, ...redacted])).not.toContain('alice')
  })

  it('refuses bad options with clear messages', () => {
    const sink = (): void => undefined
    expect(() => createAuditPipeline({ sinks: [] })).toThrow(/sinks/)
    expect(() => createAuditPipeline({ sinks: [sink], bufferSize: 0 })).toThrow(/bufferSize/)
    expect(() => createAuditPipeline({ sinks: [sink], sampleRate: 2 })).toThrow(/sampleRate/)
    expect(() => createAuditPipeline({ sinks: [sink], correlationHeader: 'bad header' })).toThrow(/correlationHeader/)
    expect(() => createAuditPipeline({ sinks: [sink], mask: { fields: ['token' as never] } })).toThrow(/mask.fields/)
    expect(() => createAuditPipeline({ sinks: [sink], mask: { fields: ['user_id'], hashKey: 'short' } })).toThrow(/hashKey/)
    expect(() => createAuditPipeline({ sinks: [sink], extra: 1 } as never)).toThrow(/audit.extra is not an option/)
    expect(() => createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, audit: 'log' as never })).toThrow(/audit must be/)
  })

  it('requireToken takes pipeline options: correlation id from the configured header, validated, else generated', async () => {
    const events: AuditEvent[] = []
    const auth = createAuthenticator({
      issuer: issuer.issuer,
      audience: issuer.audience,
      audit: { sinks: [(e) => void events.push(e)], correlationHeader: 'X-Trace-Ref' },
    })
    const token = await issuer.mint({ sub: 'alice' })
    const headers = (value: string): Record<string, string> => ({ authorization: `Bearer ${token}`, 'x-trace-ref': value, 'x-request-id': 'ignored' })
    await auth.authenticate(bearer(token, { headers: headers('ref-42') }))
    await auth.authenticate(bearer(token, { headers: headers('a'.repeat(129)) }))
    await auth.authenticate(bearer(token, { headers: headers('evil\r\ninjected: 1') }))
    await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: { 'x-trace-ref': 'ref-43' } }))
    expect(events).toEqual([])
    await new Promise((resolve) => setImmediate(resolve))
    const ids = events.map((e) => e.correlation_id)
    expect(ids[0]).toBe('ref-42')
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/)
    expect(ids[2]).toMatch(/^[0-9a-f-]{36}$/)
    expect(ids[3]).toBe('ref-43')
    // Every event has its own decision id and the time the step took.
    expect(new Set(events.map((e) => e.decision_id)).size).toBe(4)
    for (const e of events) expect(e.latency_ms).toBeGreaterThanOrEqual(0)
  })

  it('pinoSink: one pino record per event, OWASP level as audit_level, pino level by severity, no token', async () => {
    const out = new PassThrough()
    const lines: string[] = []
    out.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter(Boolean)))
    const logger = pino({ base: undefined }, out)
    const pipeline = createAuditPipeline({ sinks: [pinoSink(logger)] })
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, audit: pipeline })
    const good = await issuer.mint({ sub: 'alice' })
    const expired = await issuer.mint({ sub: 'alice' }, { expiresIn: -60 })
    await auth.authenticate(bearer(good))
    await rejection(() => auth.authenticate(bearer(expired)))
    pipeline.emit(event())
    await pipeline.flush()
    await new Promise((resolve) => setImmediate(resolve))
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>)
    expect(records.map((r) => [r['level'], r['audit_level'], r['msg'], r['event']])).toEqual([
      [30, 'INFO', 'authn_login_success', 'authn_login_success'],
      [40, 'WARN', 'authn_login_fail', 'authn_login_fail'],
      [50, 'CRITICAL', 'authz_fail', 'authz_fail'],
    ])
    expect(records[0]).toMatchObject({ user_id: 'alice', reason: 'accepted' })
    for (const token of [good, expired]) expect(lines.join('\n')).not.toContain(token.split('.')[2])
    expect(() => pinoSink({} as never)).toThrow(TypeError)
  })

  it('jsonLinesSink: one JSON object per line, even with CR/LF in values; waits for drain under back-pressure', async () => {
    const out = new PassThrough({ highWaterMark: 64 })
    const pipeline = createAuditPipeline({ sinks: [jsonLinesSink(out)] })
    pipeline.emit(event({ description: 'line one\r\nline two' }))
    pipeline.emit(event({ decision_id: 'd-2' }))
    // Nothing reads the stream yet: the first write fills it and the pipeline waits for drain.
    await new Promise((resolve) => setTimeout(resolve, 20))
    expect(pipeline.stats()).toMatchObject({ delivered: 0, pending: 1 })
    const chunks: string[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk.toString()))
    await pipeline.flush()
    const lines = chunks.join('').split('\n').filter(Boolean)
    expect(lines).toHaveLength(2)
    expect(JSON.parse(lines[0] as string)).toMatchObject({ description: 'line one\r\nline two' })
    expect(JSON.parse(lines[1] as string)).toMatchObject({ decision_id: 'd-2' })
  })

  it('otelLogSink: an OpenTelemetry log record per event, named by the event, with semantic-convention attributes', async () => {
    const records: Array<{ scope: string; record: OtelLogRecordLike }> = []
    const provider = { getLogger: (scope: string) => ({ emit: (record: OtelLogRecordLike) => void records.push({ scope, record }) }) }
    const pipeline = createAuditPipeline({ sinks: [otelLogSink(provider)] })
    pipeline.emit(event({ route: '/orders/:id', client_id: 'app-1', required_scopes: ['orders:read'] }))
    pipeline.emit(event({ level: 'WARN', event: 'excess_rate_limit_exceeded' }))
    await pipeline.flush()
    expect(records[0]?.scope).toBe('@portcullis/core')
    expect(records[0]?.record).toMatchObject({
      eventName: 'authz_fail', severityNumber: 17, severityText: 'CRITICAL', body: 'denied',
      attributes: {
        'user.id': 'alice', 'client.address': '203.0.113.7', 'http.route': '/orders/:id', 'http.request.method': 'GET',
        'url.path': '/orders', 'portcullis.oauth.client_id': 'app-1', 'portcullis.oauth.required_scopes': ['orders:read'],
        'portcullis.audit.decision_id': 'd-1', 'portcullis.audit.correlation_id': 'c-1',
      },
    })
    expect(records[0]?.record.timestamp?.toISOString()).toBe('2026-01-01T00:00:00.000Z')
    expect(records[1]?.record).toMatchObject({ eventName: 'excess_rate_limit_exceeded', severityNumber: 13 })
    const direct: OtelLogRecordLike[] = []
    void otelLogSink({ emit: (record: OtelLogRecordLike) => void direct.push(record) })(event())
    expect(direct).toHaveLength(1)
    expect(() => otelLogSink({} as never)).toThrow(TypeError)
  })

  it('otelLogSink takes the real LoggerProvider and Logger of @opentelemetry/api-logs', async () => {
    // Compiles only if our structural types accept the library's own (the global no-op provider here).
    const pipeline = createAuditPipeline({ sinks: [otelLogSink(logs.getLoggerProvider()), otelLogSink(logs.getLogger('app'))] })
    pipeline.emit(event({ required_scopes: ['orders:read'] }))
    await pipeline.flush()
    expect(pipeline.stats()).toMatchObject({ delivered: 1, sinkErrors: 0 })
  })

  it('a plain sink function is still called synchronously, as before', async () => {
    const events: AuditEvent[] = []
    const auth = createAuthenticator({ issuer: issuer.issuer, audience: issuer.audience, audit: (e) => void events.push(e) })
    await auth.authenticate(bearer(await issuer.mint()))
    expect(events.map((e) => e.event)).toEqual(['authn_login_success'])
    expect(events[0]?.decision_id).toMatch(/^[0-9a-f-]{36}$/)
  })
})
