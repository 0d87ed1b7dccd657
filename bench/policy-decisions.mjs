/* global process, console */
// In-process policy decision micro-benchmark (issue 3, item 9). Runs the built package:
//   npm run build && npm run bench:policy
// Reports p50 / p99 / mean per decision in microseconds, after warm-up, for:
//   - a 20-rule JSON policy (deny-overrides, targets by action),
//   - a 1,000-rule policy set (50 policies x 20 rules, targets by resource type and action).
import { createPolicyEngine, loadPolicyDocument } from '../packages/policy/dist/index.js'

const WARMUP = Number(process.env.WARMUP ?? 20_000)
const ITERATIONS = Number(process.env.ITERATIONS ?? 200_000)
const ACTIONS = ['read', 'list', 'update', 'delete', 'share']

function rules(prefix) {
  const out = []
  for (let i = 0; i < 20; i++) {
    const action = ACTIONS[i % ACTIONS.length]
    const effect = i % 4 === 3 ? 'Deny' : 'Permit'
    const when = effect === 'Deny'
      ? { op: 'eq', attribute: 'environment.zone', value: 'blocked' }
      : i % 5 === 0
        ? { all: [{ op: 'eq', attribute: 'subject.claims.department', ref: 'resource.department' }, { op: 'levelAtLeast', scale: 'classification', attribute: 'subject.claims.clearance', ref: 'resource.classification' }] }
        : i % 5 === 1
          ? { op: 'in', attribute: 'subject.claims.role', value: ['editor', 'admin'] }
          : i % 5 === 2
            ? { op: 'eq', attribute: 'resource.owner', ref: 'subject.id' }
            : i % 5 === 3
              ? { op: 'eq', attribute: 'environment.zone', value: 'blocked' }
              : { op: 'containsAny', attribute: 'subject.scopes', value: ['documents:admin'] }
    out.push({ id: `${prefix}r${i}`, effect, target: { actions: [action] }, when })
  }
  return out
}

const levels = { classification: ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] }
const small = loadPolicyDocument({ id: 'documents', levels, rules: rules('') })
const large = loadPolicyDocument({
  id: 'all',
  levels,
  policies: Array.from({ length: 50 }, (_, p) => ({ id: `type${p}`, target: { resourceTypes: [`type${p}`] }, rules: rules(`t${p}-`) })),
})

const identity = {
  subject: 'alice', issuer: 'https://id.example.com/', audience: ['api'], clientId: 'app', scopes: ['documents:read'],
  claims: { sub: 'alice', department: 'eng', clearance: 'RESTRICTED', role: 'editor' }, tokenType: 'jwt',
  expiresAt: undefined, confirmation: undefined, actor: [], acr: undefined, amr: undefined, authTime: undefined,
}
const request = { method: 'GET', url: '/docs/1', headers: {}, remoteAddress: '10.1.2.3' }
const resource = { owner: 'alice', department: 'eng', classification: 'CONFIDENTIAL' }
const load = () => resource

function percentile(sorted, p) {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
}

async function run(name, engine, resourceType) {
  const input = { action: 'read', resourceType, identity, request, resource: load }
  let permits = 0
  for (let i = 0; i < WARMUP; i++) if ((await engine.decide(input)).decision === 'Permit') permits++
  const samples = new Float64Array(ITERATIONS)
  for (let i = 0; i < ITERATIONS; i++) {
    const start = process.hrtime.bigint()
    const result = await engine.decide(input)
    samples[i] = Number(process.hrtime.bigint() - start) / 1000
    if (result.decision === 'Permit') permits++
  }
  if (permits !== WARMUP + ITERATIONS) throw new Error(`${name}: expected Permit on every decision`)
  const sorted = Array.from(samples).sort((a, b) => a - b)
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length
  return { scenario: name, 'p50 µs': +percentile(sorted, 50).toFixed(2), 'p99 µs': +percentile(sorted, 99).toFixed(2), 'mean µs': +mean.toFixed(2), iterations: ITERATIONS }
}

// Engine defaults unless KEEP_EXPLANATIONS is set (the default keeps the last 100 explanations).
const options = process.env.KEEP_EXPLANATIONS === undefined ? {} : { keepExplanations: Number(process.env.KEEP_EXPLANATIONS) }
const rows = [
  await run('20 rules (policy)', createPolicyEngine(small, options), undefined),
  await run('1,000 rules (set of 50 x 20)', createPolicyEngine(large, options), 'type37'),
]
console.log(`Node ${process.version}, ${ITERATIONS} decisions after ${WARMUP} warm-up, keepExplanations=${options.keepExplanations ?? 'default (100)'}`)
console.table(rows)
console.log('targets: 20 rules p50 <= 5 µs, p99 <= 25 µs; 1,000 rules p50 <= 20 µs')
