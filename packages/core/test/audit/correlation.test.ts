import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { createAuditPipeline, createAuthenticator, type AuditEvent } from '@portcullis/core'

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SAFE = /^[A-Za-z0-9._:@/+=-]{1,128}$/

describe('correlation id from the configured header (property)', () => {
  it('is the header value when it is short and log-safe, else a fresh UUID: never a CR, LF, quote or space', async () => {
    const events: AuditEvent[] = []
    const audit = createAuditPipeline({ sinks: [(e) => void events.push(e)], correlationHeader: 'x-ref', bufferSize: 10_000 })
    const auth = createAuthenticator({ issuer: 'https://id.example.com/', audience: 'api', secret: 's'.repeat(32), audit })
    const values = fc.oneof(fc.string({ maxLength: 200 }), fc.stringMatching(/^[A-Za-z0-9._:@/+=-]{1,140}$/), fc.constantFrom('a\r\nb', 'x y', '"q"', ''))
    await fc.assert(
      fc.asyncProperty(values, async (value) => {
        events.length = 0
        await auth.authenticate({ method: 'GET', url: '/', headers: { 'x-ref': value } }).catch(() => undefined)
        await audit.flush()
        const id = events[0]?.correlation_id as string
        if (SAFE.test(value)) expect(id).toBe(value)
        else expect(id).toMatch(UUID)
        expect(id).toMatch(SAFE)
      }),
      { numRuns: 300 },
    )
  })
})
