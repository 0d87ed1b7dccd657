/**
 * The documents policy the policy and decorator scenarios run against every adapter, and the
 * harness that serves an adapter's policy app. Framework-free: only the core and the issuer.
 */
import type http from 'node:http'
import request from 'supertest'
import type { Response, Test } from 'supertest'
import {
  type AuditEvent,
} from '@portcullis/core'
import {
  createPolicyEngine,
  deny,
  permit,
  policy,
  responseHeaders,
  stepUp,
  type AttributeProvider,
  type PolicyAttributes,
  type PolicyEngine,
} from '@portcullis/policy'
import type { LocalIssuer } from '@portcullis/testing'
import { listen, NOW } from './helpers.js'
import type { AdapterUnderTest, AppHooks } from './suite.js'

/** A document of the scenarios' store. */
export interface Doc {
  id: string
  kind: 'plain' | 'public' | 'secret' | 'export' | 'watermarked' | 'directory'
  department?: string
  owner: string
  frozen?: boolean
}

type A = PolicyAttributes<Doc, { directory: { department: string } }>

export const DOCS: Record<string, Doc> = {
  'eng-1': { id: 'eng-1', kind: 'plain', department: 'eng', owner: 'user-123' },
  'hr-1': { id: 'hr-1', kind: 'plain', department: 'hr', owner: 'someone-else' },
  'frozen-1': { id: 'frozen-1', kind: 'plain', department: 'eng', owner: 'user-123', frozen: true },
  'public-1': { id: 'public-1', kind: 'public', department: 'comms', owner: 'someone-else' },
  'secret-1': { id: 'secret-1', kind: 'secret', department: 'eng', owner: 'user-123' },
  'export-1': { id: 'export-1', kind: 'export', department: 'eng', owner: 'user-123' },
  'export-frozen': { id: 'export-frozen', kind: 'export', department: 'eng', owner: 'user-123', frozen: true },
  'marked-1': { id: 'marked-1', kind: 'watermarked', department: 'eng', owner: 'user-123' },
  'dir-1': { id: 'dir-1', kind: 'directory', department: 'eng', owner: 'user-123' },
  'dir-frozen': { id: 'dir-frozen', kind: 'directory', department: 'eng', owner: 'user-123', frozen: true },
  'nodept-1': { id: 'nodept-1', kind: 'plain', owner: 'someone-else' },
}

/** Rule ids: none of them may reach a client. */
export const RULE_IDS = ['public-read', 'department-read', 'secret-read', 'export-read', 'watermarked-read', 'directory-read', 'owner-update', 'frozen']

/** The scenarios' policy (deny-overrides); `directory` is the subject provider of the directory rule. */
export function documentsEngine(directory?: AttributeProvider): PolicyEngine {
  const documents = policy({
    id: 'conformance-documents',
    rules: [
      permit<A>('public-read', { actions: ['read'], when: (a) => a.resource.kind === 'public' }),
      permit<A>('department-read', { actions: ['read'], when: (a) => a.resource.kind === 'plain' && a.require('subject.claims.department') === a.require('resource.department') }),
      permit<A>('secret-read', { actions: ['read'], when: (a) => a.resource.kind === 'secret', obligations: [stepUp({ acrValues: ['mfa'], maxAge: 300 })] }),
      permit<A>('export-read', { actions: ['read'], when: (a) => a.resource.kind === 'export', obligations: [responseHeaders({ 'Cache-Control': 'no-store', 'X-Content-Classification': 'internal' })] }),
      permit<A>('watermarked-read', { actions: ['read'], when: (a) => a.resource.kind === 'watermarked', obligations: [{ id: 'watermark', params: { text: 'internal' } }] }),
      permit<A>('directory-read', { actions: ['read'], when: (a) => a.resource.kind === 'directory' && a.require('subject.directory.department') === a.require('resource.department') }),
      permit<A>('owner-update', { actions: ['update'], when: (a) => a.resource.owner === a.subject.id }),
      deny<A>('frozen', { when: (a) => a.resource.frozen === true }),
    ],
  })
  return createPolicyEngine(documents, { clock: () => NOW, ...(directory === undefined ? {} : { providers: { directory } }) })
}

/** The options of the payments controller's `@RequireAuthentication` (on the scenarios' clock). */
export const PAYMENTS_STEP_UP = { acr: ['mfa', 'hwk'], maxAge: 300, clock: () => NOW }

/** A started policy app and what it recorded. */
export interface PolicyHarness {
  readonly agent: ReturnType<typeof request>
  /** Errors recorded by the app (hooks.onError). */
  readonly errors: unknown[]
  readonly audit: AuditEvent[]
  /** Ids the resource loader was called with. */
  readonly loads: string[]
  send(test: Test): Promise<Response>
}

export interface StartPolicyApp {
  engine?: PolicyEngine
  jsonErrors?: boolean
  /** Overrides the document store (e.g. a loader that throws). */
  load?: (id: string) => unknown
}

/** Serves `adapter`'s policy app; the returned server must be closed by the caller. */
export async function startPolicyApp(adapter: AdapterUnderTest, issuer: LocalIssuer, servers: http.Server[], options: StartPolicyApp = {}): Promise<PolicyHarness> {
  const errors: unknown[] = []
  const audit: AuditEvent[] = []
  const loads: string[] = []
  const hooks: AppHooks = { onError: (err) => errors.push(err), ...(options.jsonErrors === true ? { jsonErrors: { onServerError: (err) => errors.push(err) } } : {}) }
  const listener = adapter.createPolicyApp(
    {
      tokenOptions: {
        issuer: issuer.issuer,
        audience: issuer.audience,
        jwksUri: issuer.jwksUri,
        clock: () => NOW,
        audit: (event: AuditEvent) => {
          audit.push(event)
        },
      },
      engine: options.engine ?? documentsEngine(),
      load: (id) => {
        loads.push(id)
        if (options.load !== undefined) return options.load(id)
        return DOCS[id]
      },
    },
    hooks,
  )
  const server = await listen(listener)
  servers.push(server)
  const agent = request(server)
  return {
    agent,
    errors,
    audit,
    loads,
    async send(test) {
      errors.length = 0
      loads.length = 0
      audit.length = 0
      return await test
    },
  }
}
