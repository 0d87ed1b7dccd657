import type { GrantRecord } from '@portcullis/policy'

/** One hour in ms. */
export const HOUR = 3_600_000
/** The issuer of the requesters. */
export const ISSUER = 'https://id.example.com/'

/** A grant record as the grant service writes it, pending by default. */
export function grant(id: string, overrides: Partial<GrantRecord> = {}): GrantRecord {
  return {
    id,
    version: 1,
    status: 'pending',
    requester: { subject: 'alice', issuer: ISSUER },
    resource: 'db:prod/orders',
    resourceKey: 'db:prod/*',
    actions: ['read'],
    justification: 'INC-42',
    urgency: 'HIGH',
    requestedDuration: HOUR,
    grantedDuration: HOUR,
    requestedAt: 1_000,
    escalatedAt: undefined,
    approvals: [],
    rejection: undefined,
    autoApproved: false,
    startsAt: undefined,
    expiresAt: undefined,
    extensions: [],
    pendingExtension: undefined,
    endedAt: undefined,
    endedBy: undefined,
    endReason: undefined,
    warned: false,
    ...overrides,
  }
}
