// The 20-rule policy of the "-policy" scenarios (issue 5): the same shape as the decision
// micro-benchmark (bench/policy-decisions.mjs), deny-overrides, targets by action, so that a
// GET /orders request evaluates the 4 "read" rules: three permits and one deny that does not apply.
const ACTIONS = ['read', 'list', 'update', 'delete', 'share']

function condition(i, effect) {
  if (effect === 'Deny') return { op: 'eq', attribute: 'environment.zone', value: 'blocked' }
  switch (i % 5) {
    case 0:
      return { all: [{ op: 'eq', attribute: 'resource.department', value: 'sales' }, { op: 'levelAtLeast', scale: 'classification', attribute: 'resource.classification', value: 'INTERNAL' }] }
    case 1:
      return { op: 'containsAny', attribute: 'subject.scopes', value: ['bench:read'] }
    case 2:
      return { op: 'eq', attribute: 'resource.owner', ref: 'subject.id' }
    case 3:
      return { op: 'in', attribute: 'subject.clientId', value: ['bench-client'] }
    default:
      return { op: 'containsAny', attribute: 'subject.scopes', value: ['orders:admin'] }
  }
}

export function benchPolicyDocument() {
  const rules = []
  for (let i = 0; i < 20; i++) {
    const effect = i % 4 === 3 ? 'Deny' : 'Permit'
    rules.push({ id: `r${i}`, effect, target: { actions: [ACTIONS[i % ACTIONS.length]] }, when: condition(i, effect) })
  }
  return { id: 'orders', levels: { classification: ['PUBLIC', 'INTERNAL', 'CONFIDENTIAL', 'RESTRICTED'] }, rules }
}

const ORDER = Object.freeze({ owner: 'nobody', department: 'sales', classification: 'INTERNAL' })
/** The route's resource loader: a constant order, so the bench measures the decision. */
export function loadOrder() {
  return ORDER
}
