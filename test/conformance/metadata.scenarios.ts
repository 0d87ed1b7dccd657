/** RFC 9728 protected resource metadata over real HTTP, for every adapter (RFC 9728 §3, §5.1). */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import request from 'supertest'
import type { RequireTokenOptions } from '@portcullis/core'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { NOW } from './helpers.js'
import { lifecycleApps } from './lifecycle-harness.js'
import type { AdapterUnderTest } from './suite.js'

const RESOURCE = 'https://api.example.com'
const METADATA_URL = 'https://api.example.com/.well-known/oauth-protected-resource'

export function runMetadataScenarios(adapter: AdapterUnderTest): void {
  describe('RFC 9728 protected resource metadata over HTTP', () => {
    let issuer: LocalIssuer
    const start = lifecycleApps(adapter)
    beforeAll(async () => {
      issuer = await createIssuer({ clock: () => NOW })
    })
    afterAll(() => issuer.close())

    function options(overrides: Partial<RequireTokenOptions> = {}): RequireTokenOptions {
      return { issuer: issuer.issuer, audience: issuer.audience, jwksUri: issuer.jwksUri, clock: () => NOW, ...overrides }
    }

    it('RFC 9728 §3: GET /.well-known/oauth-protected-resource -> 200 JSON from the configuration, no token needed', async () => {
      const tokenOptions = options({ bearerMethods: ['header', 'body'], mtls: true } as Partial<RequireTokenOptions>)
      const h = await start(tokenOptions, {
        metadata: { resource: RESOURCE, tokenOptions, scopesSupported: ['orders:read', 'orders:write'], resourceName: 'Orders API' },
      })
      const res = await request(h.server).get('/.well-known/oauth-protected-resource')
      expect(res.status).toBe(200)
      expect(res.headers['content-type']).toMatch(/^application\/json/)
      expect(res.body).toEqual({
        resource: RESOURCE,
        authorization_servers: [issuer.issuer],
        scopes_supported: ['orders:read', 'orders:write'],
        bearer_methods_supported: ['header', 'body'],
        resource_name: 'Orders API',
        tls_client_certificate_bound_access_tokens: true,
      })
      expect((await request(h.server).post('/.well-known/oauth-protected-resource')).status).toBe(405)
    })

    it('RFC 9728 §3: a resource with a path is served under the well-known segment inserted before it', async () => {
      const h = await start(options(), { metadata: { resource: `${RESOURCE}/tenant-1`, authorizationServers: [issuer.issuer] } })
      const res = await request(h.server).get('/.well-known/oauth-protected-resource/tenant-1')
      expect({ status: res.status, resource: res.body.resource }).toEqual({ status: 200, resource: `${RESOURCE}/tenant-1` })
    })

    it('RFC 9728 §2: dpop_signing_alg_values_supported is listed when DPoP is on', async () => {
      const tokenOptions = options({ dpop: { origin: RESOURCE, algorithms: ['ES256', 'EdDSA'] } } as Partial<RequireTokenOptions>)
      const h = await start(tokenOptions, { metadata: { resource: RESOURCE, tokenOptions } })
      const res = await request(h.server).get('/.well-known/oauth-protected-resource')
      expect(res.body.dpop_signing_alg_values_supported).toEqual(['ES256', 'EdDSA'])
    })

    it('RFC 9728 §5.1: challenges carry resource_metadata when configured', async () => {
      const h = await start(options({ resourceMetadata: METADATA_URL }))
      const bare = await h.get()
      expect(bare.status).toBe(401)
      expect(bare.headers['www-authenticate']).toBe(`Bearer realm="api", resource_metadata="${METADATA_URL}"`)
      const invalid = await h.get(await issuer.mint({}, { expiresIn: -60 }))
      expect(invalid.headers['www-authenticate']).toMatch(new RegExp(`^Bearer realm="api", error="invalid_token", .*, resource_metadata="${METADATA_URL}"$`))
    })
  })
}
