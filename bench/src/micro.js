// Micro-benchmark of token verification on one core, in process (no HTTP):
// Portcullis (createAuthenticator, cache off and cache hits) against jose jwtVerify.
import { createAuthenticator } from '@portcullis/core'
import { createLocalJWKSet, jwtVerify } from 'jose'

async function rate(fn, tokens, ms) {
  // Warm up the JIT, then count completed verifications in a fixed time.
  for (let i = 0; i < 200; i++) await fn(tokens[i % tokens.length])
  let count = 0
  const end = performance.now() + ms
  while (performance.now() < end) {
    for (let i = 0; i < 50; i++) await fn(tokens[count++ % tokens.length])
  }
  return (count / ms) * 1000
}

/** Verifications per second for each algorithm: returns rows for the report. */
export async function runMicro(issuer, pools, ms) {
  const jwks = { keys: issuer.keys.map((key) => key.publicJwk) }
  const rows = []
  for (const alg of Object.keys(pools)) {
    const tokens = pools[alg].slice(0, 1000)
    const options = { issuer: issuer.issuer, audience: issuer.audience, keys: jwks, algorithms: [alg] }
    const uncached = createAuthenticator({ ...options, cache: false })
    const cached = createAuthenticator(options)
    const request = (token) => ({ method: 'GET', url: '/', headers: { authorization: `Bearer ${token}` } })
    const localSet = createLocalJWKSet(jwks)
    const joseOptions = { issuer: issuer.issuer, audience: issuer.audience, algorithms: [alg] }
    const portcullis = await rate((t) => uncached.authenticate(request(t)), tokens, ms)
    const hit = await rate((t) => cached.authenticate(request(t)), tokens, ms)
    const jose = await rate((t) => jwtVerify(t, localSet, joseOptions), tokens, ms)
    rows.push({ alg, portcullis, portcullisCached: hit, jose })
    process.stderr.write(`micro ${alg}: portcullis ${portcullis.toFixed(0)}/s, cached ${hit.toFixed(0)}/s, jose ${jose.toFixed(0)}/s\n`)
  }
  return rows
}
