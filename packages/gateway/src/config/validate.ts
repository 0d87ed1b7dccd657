import type { FieldPath } from './config-error.js'
import { TOKEN_KEYS, type GatewayConfig } from './config.js'
import { checkMetrics, checkRateLimit, checkRuleUpstreamToken, checkUpstreamToken } from './validate-sections.js'

/** A problem found in the parsed document, addressed by its field path. */
export interface PathIssue {
  readonly path: FieldPath
  readonly message: string
}

const TOP_KEYS = ['token', 'trustedProxies', 'noMatchStatus', 'identityHeaders', 'protocols', 'rateLimit', 'metrics', 'tracing', 'upstreamToken', 'rules']
const RULE_KEYS = ['name', 'host', 'methods', 'path', 'token', 'scopes', 'stepUp', 'policy', 'rateLimit', 'upstreamToken']
const IDENTITY_KEYS = ['subject', 'client', 'scopes', 'claims', 'maxLength']
const PROTOCOL_KEYS = ['method', 'uri', 'host', 'proto']
// RFC 9110 §5.1 field-name (token); kept to the characters every proxy accepts in a name.
const HEADER_NAME = /^[A-Za-z0-9][A-Za-z0-9-]{0,63}$/
const METHOD = /^[A-Z]{1,20}$/
const HOST = /^(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/
const MAX_RULES = 10_000

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function isStringList(value: unknown, min = 1): value is string[] {
  return Array.isArray(value) && value.length >= min && value.every((v) => typeof v === 'string' && v !== '')
}

/**
 * Checks the shape of a parsed configuration document. Values the core or the policy package
 * validate themselves (token options, scope grammar, policy documents) are checked when the
 * configuration is compiled; this pass catches unknown keys, wrong types and bad rule fields.
 */
export function validateConfig(value: unknown): { config: GatewayConfig | undefined; issues: PathIssue[] } {
  const issues: PathIssue[] = []
  const issue = (path: FieldPath, message: string): void => {
    if (issues.length < 100) issues.push({ path, message })
  }
  const unknownKeys = (object: Record<string, unknown>, allowed: readonly string[], path: FieldPath): void => {
    for (const key of Object.keys(object)) if (!allowed.includes(key)) issue([...path, key], `is not a setting (expected one of: ${allowed.join(', ')})`)
  }

  if (!isObject(value)) {
    issue([], 'the document must be a mapping with token and rules')
    return { config: undefined, issues }
  }
  unknownKeys(value, TOP_KEYS, [])

  const token = value['token']
  if (!isObject(token)) {
    issue(['token'], 'is required: { issuer, audience, ... } (the requireToken options)')
  } else {
    unknownKeys(token, TOKEN_KEYS, ['token'])
    if (token['issuer'] === undefined) issue(['token'], 'issuer is required')
    if (token['audience'] === undefined) issue(['token'], 'audience is required')
  }

  const proxies = value['trustedProxies']
  if (proxies !== undefined && !isStringList(proxies, 0)) issue(['trustedProxies'], 'must be a list of IP addresses or CIDR ranges')

  const noMatch = value['noMatchStatus']
  if (noMatch !== undefined && noMatch !== 401 && noMatch !== 403 && noMatch !== 404) issue(['noMatchStatus'], 'must be 401, 403 or 404')

  const identity = value['identityHeaders']
  if (identity !== undefined) {
    if (!isObject(identity)) {
      issue(['identityHeaders'], 'must be a mapping')
    } else {
      unknownKeys(identity, IDENTITY_KEYS, ['identityHeaders'])
      for (const key of ['subject', 'client', 'scopes']) {
        const name = identity[key]
        if (name !== undefined && name !== false && (typeof name !== 'string' || !HEADER_NAME.test(name))) {
          issue(['identityHeaders', key], 'must be a header name or false')
        }
      }
      const claims = identity['claims']
      if (claims !== undefined) {
        if (!isObject(claims)) issue(['identityHeaders', 'claims'], 'must map claim names to header names')
        else {
          for (const [claim, name] of Object.entries(claims)) {
            if (typeof name !== 'string' || !HEADER_NAME.test(name)) issue(['identityHeaders', 'claims', claim], 'must be a header name')
          }
        }
      }
      const max = identity['maxLength']
      if (max !== undefined && (typeof max !== 'number' || !Number.isInteger(max) || max < 16 || max > 8192)) {
        issue(['identityHeaders', 'maxLength'], 'must be an integer from 16 to 8192')
      }
    }
  }

  const protocols = value['protocols']
  if (protocols !== undefined) {
    if (!isObject(protocols)) issue(['protocols'], 'must be a mapping')
    else {
      unknownKeys(protocols, ['nginx', 'forward'], ['protocols'])
      for (const name of ['nginx', 'forward']) {
        const headers = protocols[name]
        if (headers === undefined) continue
        if (!isObject(headers)) {
          issue(['protocols', name], 'must map method, uri, host, proto to header names')
          continue
        }
        unknownKeys(headers, PROTOCOL_KEYS, ['protocols', name])
        for (const [key, header] of Object.entries(headers)) {
          if (typeof header !== 'string' || !HEADER_NAME.test(header)) issue(['protocols', name, key], 'must be a header name')
        }
      }
    }
  }

  if (value['rateLimit'] !== undefined) checkRateLimit(value['rateLimit'], ['rateLimit'], issue, false)
  if (value['metrics'] !== undefined) checkMetrics(value['metrics'], issue)
  if (value['tracing'] !== undefined && typeof value['tracing'] !== 'boolean') issue(['tracing'], 'must be true or false')
  if (value['upstreamToken'] !== undefined) checkUpstreamToken(value['upstreamToken'], issue)

  const rules = value['rules']
  if (!Array.isArray(rules)) {
    issue(['rules'], 'is required: a list of access rules (the first that matches decides)')
  } else if (rules.length > MAX_RULES) {
    issue(['rules'], `has more than ${MAX_RULES} rules`)
  } else {
    rules.forEach((rule: unknown, index) => {
      const at: FieldPath = ['rules', index]
      if (!isObject(rule)) {
        issue(at, 'must be a mapping with at least path')
        return
      }
      unknownKeys(rule, RULE_KEYS, at)
      if (rule['name'] !== undefined && typeof rule['name'] !== 'string') issue([...at, 'name'], 'must be a string')
      if (typeof rule['path'] !== 'string') issue([...at, 'path'], 'is required: a path template such as /docs/:id')
      const host = rule['host']
      if (host !== undefined) {
        const hosts = typeof host === 'string' ? [host] : host
        if (!isStringList(hosts) || !hosts.every((h) => HOST.test(h))) issue([...at, 'host'], 'must be a lower-case host name or list of them (*.example.com allowed)')
      }
      const methods = rule['methods']
      if (methods !== undefined && (!isStringList(methods) || !methods.every((m) => METHOD.test(m)))) {
        issue([...at, 'methods'], 'must be a list of upper-case methods (GET, POST, ...)')
      }
      const mode = rule['token']
      if (mode !== undefined && mode !== 'required' && mode !== 'optional' && mode !== 'none') issue([...at, 'token'], 'must be required, optional or none')
      const scopes = rule['scopes']
      if (scopes !== undefined) {
        const list = Array.isArray(scopes) ? scopes : isObject(scopes) && Object.keys(scopes).length === 1 ? (scopes['all'] ?? scopes['any']) : undefined
        if (!isStringList(list)) issue([...at, 'scopes'], 'must be a list of scopes, { all: [...] } or { any: [...] }')
      }
      const stepUp = rule['stepUp']
      if (stepUp !== undefined) {
        if (!isObject(stepUp)) issue([...at, 'stepUp'], 'must be { acr?, maxAge? }')
        else unknownKeys(stepUp, ['acr', 'maxAge'], [...at, 'stepUp'])
      }
      const policy = rule['policy']
      if (policy !== undefined) {
        if (!isObject(policy)) issue([...at, 'policy'], 'must be { file, action, resourceType? }')
        else {
          unknownKeys(policy, ['file', 'action', 'resourceType'], [...at, 'policy'])
          if (typeof policy['file'] !== 'string' || policy['file'] === '') issue([...at, 'policy', 'file'], 'is required: the path of a JSON policy document')
          if (typeof policy['action'] !== 'string') issue([...at, 'policy', 'action'], 'is required: the action the rule performs (read, update, ...)')
        }
      }
      if (rule['rateLimit'] !== undefined) checkRateLimit(rule['rateLimit'], [...at, 'rateLimit'], issue, true)
      if (rule['upstreamToken'] !== undefined) checkRuleUpstreamToken(rule['upstreamToken'], [...at, 'upstreamToken'], issue, value['upstreamToken'] !== undefined)
      const protectedRule = scopes !== undefined || stepUp !== undefined || policy !== undefined
      if (mode === 'none' && protectedRule) issue([...at, 'token'], 'none (public) cannot be combined with scopes, stepUp or policy')
    })
  }
  return { config: issues.length === 0 ? (value as unknown as GatewayConfig) : undefined, issues }
}
