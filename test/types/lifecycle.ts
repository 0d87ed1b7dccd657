/**
 * Type tests of the token-lifecycle API (checked by `npm run typecheck`, never run).
 */
import { createRevocationStore, createTokenPropagator, type Identity, type RevocationStore } from '@portcullis/core'
import { protectedResourceMetadata, requireAuthentication, requireToken } from '@portcullis/express'
import * as koa from '@portcullis/koa'

export const introspected = requireToken({
  issuer: 'https://id.example.com/',
  audience: 'https://api.example.com',
  introspection: { clientId: 'api', clientSecret: 's', mode: 'all', cache: { ttl: 30 } },
  revocation: { store: createRevocationStore() },
  acr: ['urn:example:mfa'],
  maxAge: 300,
  delegation: { maxDepth: 1, actors: [{ subject: 'gateway' }] },
  resourceMetadata: 'https://api.example.com/.well-known/oauth-protected-resource',
})

requireToken({
  issuer: 'https://id.example.com/',
  audience: 'https://api.example.com',
  // @ts-expect-error introspection needs a clientId
  introspection: { clientSecret: 's' },
})

requireToken({
  issuer: 'https://id.example.com/',
  audience: 'https://api.example.com',
  // @ts-expect-error mode is 'opaque' or 'all'
  introspection: { clientId: 'api', clientSecret: 's', mode: 'jwt' },
})

export async function revoke(store: RevocationStore): Promise<void> {
  await store.revokeToken({ jti: 'a' })
  await store.revokeToken({ token: 'opaque' })
  // @ts-expect-error one of jti or token, not both
  await store.revokeToken({ jti: 'a', token: 'b' })
  await store.revokeSubject('user-123', { before: new Date() })
}

export const stepUp = [requireAuthentication({ acr: 'urn:example:mfa' }), koa.requireAuthentication({ maxAge: 60 })]
// @ts-expect-error maxAge is a number of seconds
requireAuthentication({ maxAge: '5m' })

export const metadata = [
  protectedResourceMetadata({ resource: 'https://api.example.com', scopesSupported: ['orders:read'] }),
  koa.protectedResourceMetadata({ resource: 'https://api.example.com' }),
]
// @ts-expect-error resource is required
protectedResourceMetadata({ scopesSupported: ['a'] })

export async function propagate(token: string, identity: Identity): Promise<Response> {
  const downstream = createTokenPropagator({ downstreams: [{ url: 'https://billing.internal/', audience: 'https://billing.internal' }] })
  // @ts-expect-error the caller needs the identity too
  await downstream.fetch({ token }, 'https://billing.internal/x')
  return downstream.fetch({ token, identity }, 'https://billing.internal/x')
}
