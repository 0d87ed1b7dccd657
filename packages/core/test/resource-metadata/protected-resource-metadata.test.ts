import { describe, expect, it } from '@jest/globals'
import { createAuthenticator, createProtectedResourceMetadata } from '@portcullis/core'
import { rejection } from '../helpers.js'

describe('RFC 9728 protected resource metadata', () => {
  it('RFC 9728 §3: builds the document, omitting empty members, with the well-known path inserted before the resource path', () => {
    const metadata = createProtectedResourceMetadata({
      resource: 'https://api.example.com/v1/',
      authorizationServers: ['https://id.example.com/'],
      scopesSupported: [],
      resourceDocumentation: 'https://docs.example.com/api',
    })
    expect(metadata.path).toBe('/.well-known/oauth-protected-resource/v1')
    expect(metadata.url).toBe('https://api.example.com/.well-known/oauth-protected-resource/v1')
    expect(metadata.document).toEqual({
      resource: 'https://api.example.com/v1/',
      authorization_servers: ['https://id.example.com/'],
      bearer_methods_supported: ['header'],
      resource_documentation: 'https://docs.example.com/api',
    })
    expect(JSON.parse(metadata.body)).toEqual(metadata.document)
  })

  it('defaults from the requireToken options: issuers, bearer methods, DPoP algorithms and requirement, mTLS', () => {
    const metadata = createProtectedResourceMetadata({
      resource: 'https://api.example.com',
      tokenOptions: {
        issuer: ['https://a.example', 'https://b.example'],
        audience: 'https://api.example.com',
        bearerMethods: ['header', 'query'],
        dpop: { origin: 'https://api.example.com', required: true, algorithms: ['ES256'] },
        mtls: true,
      },
    })
    expect(metadata.path).toBe('/.well-known/oauth-protected-resource')
    expect(metadata.document).toMatchObject({
      authorization_servers: ['https://a.example', 'https://b.example'],
      bearer_methods_supported: ['header', 'query'],
      dpop_signing_alg_values_supported: ['ES256'],
      dpop_bound_access_tokens_required: true,
      tls_client_certificate_bound_access_tokens: true,
    })
  })

  it.each([
    [{}, /resource must be a URL string/],
    [{ resource: 'http://api.example.com' }, /must use https/],
    [{ resource: 'https://api.example.com#x' }, /fragment/],
    [{ resource: 'https://api.example.com/?a=1' }, /query/],
    [{ resource: 'https://api.example.com', scopesSupported: ['a b'] }, /RFC 6749 scopes/],
    [{ resource: 'https://api.example.com', bearerMethodsSupported: ['cookie'] }, /bearerMethodsSupported/],
    [{ resource: 'https://api.example.com', extra: 1 }, /extra is not an option/],
  ])('configuration: %j is refused', (options, message) => {
    expect(() => createProtectedResourceMetadata(options as never)).toThrow(message)
  })

  it('RFC 9728 §5.1: requireToken({ resourceMetadata }) puts resource_metadata in challenges; it must be an https URL', async () => {
    const url = 'https://api.example.com/.well-known/oauth-protected-resource'
    const auth = createAuthenticator({ issuer: 'https://id.example.com', audience: 'https://api.example.com', jwksUri: 'https://id.example.com/jwks', resourceMetadata: url })
    const error = await rejection(() => auth.authenticate({ method: 'GET', url: '/', headers: {} }))
    expect(error.headers['WWW-Authenticate']).toBe(`Bearer realm="api", resource_metadata="${url}"`)
    expect(() => createAuthenticator({ issuer: 'https://id.example.com', audience: 'x', jwksUri: 'https://id.example.com/jwks', resourceMetadata: 'http://x.example/' })).toThrow(/resourceMetadata/)
  })
})
