// The decision path, in process: one 20-rule "documents" policy and the same 10,000 requests
// decided by Portcullis (TypeScript rules and the JSON document), CASL (ability cached per user,
// and built per request) and Casbin (ABAC matcher). Every engine must agree with a plain
// reference function on every request before anything is timed.
//   npm run build && npm run bench:decisions
// Knobs: BENCH_DECISIONS (10000 requests), BENCH_DECISION_PASSES (3 measured passes).
import { hrtime, env } from 'node:process'
import { AbilityBuilder, createMongoAbility, subject as caslSubject } from '@casl/ability'
import { newEnforcer, newModelFromString } from 'casbin'
import { createPolicyEngine, deny, loadPolicyDocument, permit, policy } from '@portcullis/policy'

const REQUESTS = Number(env.BENCH_DECISIONS ?? 10_000)
const PASSES = Number(env.BENCH_DECISION_PASSES ?? 3)
const ACTIONS = ['read', 'list', 'update', 'delete', 'share']
// Per action, the roles allowed whatever the document (rule "roles-<action>").
const ROLES = { read: ['viewer', 'editor', 'admin'], list: ['viewer', 'editor', 'admin'], update: ['editor', 'admin'], delete: ['admin'], share: ['editor', 'admin'] }
const DEPARTMENTS = ['sales', 'eng', 'ops', 'legal']
const USER_ROLES = ['guest', 'viewer', 'editor', 'admin']

// The policy, per action (5 actions x 4 rules = 20 rules, deny-overrides):
//   permit when the document is in the user's department,
//   permit when the user's role is in ROLES[action],
//   permit when the user owns the document,
//   deny when the document is locked.
function reference(user, doc, action) {
  if (doc.locked) return false
  return doc.department === user.department || ROLES[action].includes(user.role) || doc.owner === user.id
}

// A seeded generator, so every run decides the same requests.
function random(seed) {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
const rand = random(5)
const pick = (list) => list[Math.floor(rand() * list.length)]
const users = Array.from({ length: 100 }, (_, i) => ({ id: `user-${i}`, department: pick(DEPARTMENTS), role: pick(USER_ROLES) }))
const docs = Array.from({ length: 1000 }, (_, i) => ({ id: `doc-${i}`, owner: pick(users).id, department: pick(DEPARTMENTS), locked: rand() < 0.1 }))
const requests = Array.from({ length: REQUESTS }, () => ({ user: pick(users), doc: pick(docs), action: pick(ACTIONS) }))

// ---- Portcullis -------------------------------------------------------------------------------
function tsPolicy() {
  const rules = []
  for (const action of ACTIONS) {
    const roles = ROLES[action]
    rules.push(permit(`department-${action}`, { actions: [action], when: (a) => a.require('subject.claims.department') === a.require('resource.department') }))
    rules.push(permit(`roles-${action}`, { actions: [action], when: (a) => roles.includes(a.require('subject.claims.role')) }))
    rules.push(permit(`owner-${action}`, { actions: [action], when: (a) => a.require('resource.owner') === a.require('subject.id') }))
    rules.push(deny(`locked-${action}`, { actions: [action], when: (a) => a.require('resource.locked') === true }))
  }
  return policy({ id: 'documents', rules })
}

function jsonPolicy() {
  const rules = []
  for (const action of ACTIONS) {
    const target = { actions: [action] }
    rules.push({ id: `department-${action}`, effect: 'Permit', target, when: { op: 'eq', attribute: 'subject.claims.department', ref: 'resource.department' } })
    rules.push({ id: `roles-${action}`, effect: 'Permit', target, when: { op: 'in', attribute: 'subject.claims.role', value: ROLES[action] } })
    rules.push({ id: `owner-${action}`, effect: 'Permit', target, when: { op: 'eq', attribute: 'resource.owner', ref: 'subject.id' } })
    rules.push({ id: `locked-${action}`, effect: 'Deny', target, when: { op: 'eq', attribute: 'resource.locked', value: true } })
  }
  return loadPolicyDocument({ id: 'documents', rules })
}

// What the token path hands the engine: one identity per user, built once (as after verification).
const identities = new Map(users.map((u) => [u.id, {
  subject: u.id, issuer: 'https://id.example.com/', audience: ['api'], clientId: 'app', scopes: ['documents:read'],
  claims: { sub: u.id, department: u.department, role: u.role }, tokenType: 'jwt',
  expiresAt: undefined, confirmation: undefined, actor: [], acr: undefined, amr: undefined, authTime: undefined,
}]))
const httpRequest = { method: 'GET', url: '/docs/1', headers: {}, remoteAddress: '10.1.2.3' }

function portcullis(engine) {
  return async ({ user, doc, action }) =>
    (await engine.decide({ action, identity: identities.get(user.id), request: httpRequest, resource: () => doc })).decision === 'Permit'
}

// ---- CASL -------------------------------------------------------------------------------------
function defineAbility(user) {
  const { can, cannot, build } = new AbilityBuilder(createMongoAbility)
  for (const action of ACTIONS) {
    can(action, 'Document', { department: user.department })
    if (ROLES[action].includes(user.role)) can(action, 'Document')
    can(action, 'Document', { owner: user.id })
    // Defined last, so it overrides the permits (CASL: later rules take precedence).
    cannot(action, 'Document', { locked: true })
  }
  return build()
}
const caslCached = () => {
  const abilities = new Map()
  return ({ user, doc, action }) => {
    let ability = abilities.get(user.id)
    if (ability === undefined) abilities.set(user.id, (ability = defineAbility(user)))
    return ability.can(action, caslSubject('Document', doc))
  }
}
const caslPerRequest = () => ({ user, doc, action }) => defineAbility(user).can(action, caslSubject('Document', doc))

// ---- Casbin -----------------------------------------------------------------------------------
const CASBIN_MODEL = `
[request_definition]
r = sub, obj, act
[policy_definition]
p = rule, act, eft
[policy_effect]
e = some(where (p.eft == allow)) && !some(where (p.eft == deny))
[matchers]
m = r.act == p.act && eval(p.rule)
`
async function casbin() {
  const enforcer = await newEnforcer(newModelFromString(CASBIN_MODEL))
  for (const action of ACTIONS) {
    const roles = ROLES[action].map((r) => `r.sub.role == '${r}'`).join(' || ')
    await enforcer.addPolicy('r.obj.department == r.sub.department', action, 'allow')
    await enforcer.addPolicy(roles, action, 'allow')
    await enforcer.addPolicy('r.obj.owner == r.sub.id', action, 'allow')
    await enforcer.addPolicy('r.obj.locked == true', action, 'deny')
  }
  return ({ user, doc, action }) => enforcer.enforceSync(user, doc, action)
}

// ---- Run --------------------------------------------------------------------------------------
const engines = [
  ['Portcullis, TypeScript rules', portcullis(createPolicyEngine(tsPolicy()))],
  ['Portcullis, JSON document', portcullis(createPolicyEngine(jsonPolicy()))],
  ['CASL, ability cached per user', caslCached()],
  ['CASL, ability built per request', caslPerRequest()],
  ['Casbin (ABAC eval matcher)', await casbin()],
]

const expected = requests.map((r) => reference(r.user, r.doc, r.action))
const permits = expected.filter(Boolean).length
if (permits === 0 || permits === REQUESTS) throw new Error('the request mix must hold both permits and denials')
// Agreement first: an engine that decides differently measures nothing comparable.
for (const [name, decide] of engines) {
  for (let i = 0; i < REQUESTS; i++) {
    const got = await decide(requests[i])
    if (got !== expected[i]) throw new Error(`${name} disagrees on request ${i} (${JSON.stringify(requests[i])}): ${got}, expected ${expected[i]}`)
  }
}

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]
const rows = []
for (const [name, decide] of engines) {
  const samples = new Float64Array(REQUESTS * PASSES)
  let n = 0
  for (let pass = 0; pass < PASSES; pass++) {
    for (const request of requests) {
      const start = hrtime.bigint()
      await decide(request)
      samples[n++] = Number(hrtime.bigint() - start) / 1000
    }
  }
  const sorted = Array.from(samples).sort((a, b) => a - b)
  rows.push({ engine: name, p50: percentile(sorted, 50), p99: percentile(sorted, 99), mean: sorted.reduce((s, v) => s + v, 0) / sorted.length })
}

const fixed = (v) => v.toFixed(2)
console.log(`# Decisions: Node ${process.version}, ${REQUESTS.toLocaleString('en-US')} requests (${permits} permitted), ` +
  `20 rules, all engines agree on every decision; ${PASSES} measured passes after one checking pass`)
console.log('\n| engine | p50 µs | p99 µs | mean µs |\n|---|---:|---:|---:|')
for (const r of rows) console.log(`| ${r.engine} | ${fixed(r.p50)} | ${fixed(r.p99)} | ${fixed(r.mean)} |`)
