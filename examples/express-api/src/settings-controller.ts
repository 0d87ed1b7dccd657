import type { Request, Response } from 'express'
import { RequireAuthentication, RequireScope } from '@portcullis/express'

/**
 * A controller whose routes carry their requirements as standard (TC39) decorators: reading
 * settings needs a scope; signing out every session also needs a recent MFA (RFC 9470 step-up:
 * a token without `acr: "mfa"` from the last 5 minutes is answered 401
 * `insufficient_user_authentication` with `acr_values` and `max_age` in the challenge).
 */
export class SettingsController {
  private readonly sessions = new Map<string, number>()

  @RequireScope('settings:read')
  show(req: Request, res: Response): void {
    res.json({ subject: req.auth?.subject, sessions: this.sessions.get(req.auth?.subject ?? '') ?? 1 })
  }

  @RequireScope('settings:write')
  @RequireAuthentication({ acr: ['mfa'], maxAge: 300 })
  signOutEverywhere(req: Request, res: Response): void {
    this.sessions.set(req.auth?.subject ?? '', 0)
    res.status(204).end()
  }
}
