import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createPolicyEngine, isPolicyValidationError, loadPolicyFile, permit, policy, watchPolicyFile, type PolicyFileWatcher } from '@portcullis/policy'
import { identity, request } from '../fixtures.js'

const allowRead = { id: 'p', rules: [{ id: 'read', effect: 'Permit', target: { actions: ['read'] } }] }
const allowWrite = { id: 'p', rules: [{ id: 'write', effect: 'Permit', target: { actions: ['write'] } }] }
const decide = async (engine: ReturnType<typeof createPolicyEngine>, action: string): Promise<string> =>
  (await engine.decide({ action, identity: identity(), request: request() })).decision

describe('atomic policy swap', () => {
  it('update() swaps to a valid document and keeps the last good policy on a bad one', async () => {
    const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('read', { actions: ['read'] })] }))
    engine.update(JSON.stringify(allowWrite))
    expect(await decide(engine, 'write')).toBe('Permit')
    expect(await decide(engine, 'read')).toBe('NotApplicable')
    let error: unknown
    try {
      engine.update({ id: 'p', rules: [{ id: 'x', effect: 'Maybe' }] })
    } catch (e) {
      error = e
    }
    expect(isPolicyValidationError(error)).toBe(true)
    expect(await decide(engine, 'write')).toBe('Permit')
    expect(engine.policy.id).toBe('p')
  })

  it('a decision in flight finishes with the policy it started with', async () => {
    let release: (v: unknown) => void = () => undefined
    const engine = createPolicyEngine(policy({ id: 'old', rules: [permit('read', { actions: ['read'], when: (a) => a.resource !== undefined })] }))
    const pending = engine.decide({ action: 'read', identity: identity(), request: request(), resource: () => new Promise((r) => (release = r)) })
    await new Promise((r) => setTimeout(r, 5))
    engine.update(allowWrite)
    release({})
    const result = await pending
    expect(result.decision).toBe('Permit')
    expect(result.explanation.policy).toBe('old')
    expect(await decide(engine, 'read')).toBe('NotApplicable')
  })
})

describe('policy files and hot reload', () => {
  let dir = ''
  let watcher: PolicyFileWatcher | undefined
  afterEach(() => {
    watcher?.close()
    if (dir !== '') rmSync(dir, { recursive: true, force: true })
  })

  it('loads a file, reloads on change, keeps the last good policy on a bad change and reports it', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-policy-'))
    const file = join(dir, 'policy.json')
    writeFileSync(file, JSON.stringify(allowRead))
    const engine = createPolicyEngine(await loadPolicyFile(file))
    const errors: unknown[] = []
    let reloads = 0
    watcher = watchPolicyFile(engine, file, { debounceMs: 10, onError: (e) => errors.push(e), onReload: () => reloads++ })

    writeFileSync(file, JSON.stringify(allowWrite))
    expect(await watcher.reload()).toBe(true)
    expect(await decide(engine, 'write')).toBe('Permit')

    writeFileSync(file, '{"id": "p", "rules": [ {"id": "x", "effect": "Permit", "when": {"op": "nope"}} ]}')
    expect(await watcher.reload()).toBe(false)
    expect(await decide(engine, 'write')).toBe('Permit')
    expect(isPolicyValidationError(errors.at(-1))).toBe(true)

    // An editor-style atomic replace is picked up by the directory watcher.
    const temp = join(dir, 'policy.json.tmp')
    writeFileSync(temp, JSON.stringify(allowRead))
    const before = reloads
    renameSync(temp, file)
    for (let i = 0; i < 100 && reloads === before; i++) await new Promise((r) => setTimeout(r, 20))
    expect(await decide(engine, 'read')).toBe('Permit')
  })

  it('an unreadable file is reported, the engine keeps its policy', async () => {
    dir = mkdtempSync(join(tmpdir(), 'portcullis-policy-'))
    const engine = createPolicyEngine(policy({ id: 'p', rules: [permit('read', { actions: ['read'] })] }))
    const errors: unknown[] = []
    watcher = watchPolicyFile(engine, join(dir, 'missing.json'), { onError: (e) => errors.push(e) })
    expect(await watcher.reload()).toBe(false)
    expect((errors[0] as { code?: string }).code).toBe('ENOENT')
    expect(await decide(engine, 'read')).toBe('Permit')
  })
})
