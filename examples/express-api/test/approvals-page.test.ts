import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import type { Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import playwright, { type Browser } from 'playwright-core'
import request from 'supertest'
import { createIssuer, type LocalIssuer } from '@portcullis/testing'
import { createGrantsApp } from '../src/grants-app.js'

const MINUTE = 60_000

// A real headless Chromium (Debian's /usr/bin/chromium) drives the approvals page against the
// example app over real HTTP.
describe('example: the approvals page in a real browser', () => {
  let issuer: LocalIssuer
  let server: Server
  let base: string
  let browser: Browser
  let built: ReturnType<typeof createGrantsApp>
  const offset = { ms: 0 }

  beforeAll(async () => {
    issuer = await createIssuer({ audience: 'https://orders.example.test' })
    built = createGrantsApp({ issuer: issuer.issuer, audience: issuer.audience }, { clock: () => Date.now() + offset.ms })
    server = built.app.listen(0, '127.0.0.1')
    await new Promise((resolve) => server.once('listening', resolve))
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
    browser = await playwright.chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    })
  }, 60_000)
  afterAll(async () => {
    await browser?.close()
    server?.closeAllConnections()
    await new Promise((resolve) => server?.close(resolve))
    await issuer?.close()
  })

  it('shows pending requests with justification and urgency, approves with a comment, shows time left, revokes', async () => {
    const requester = await issuer.mint({ sub: 'dev-7', scope: 'grants:request' })
    const approver = await issuer.mint({ sub: 'oncall-1', scope: 'grants:approve', groups: ['oncall'] })
    const hostile = '<img src=x onerror="document.title=\'pwned\'"> fix orders index'
    const asked = await request(built.app).post('/grants/requests').set('Authorization', `Bearer ${requester}`)
      .send({ resource: 'prod-db/orders', actions: ['write'], justification: hostile, duration: 40 * MINUTE, urgency: 'HIGH' })
    expect(asked.status).toBe(201)
    const id = asked.body.grant.id as string

    const page = await browser.newPage()
    await page.goto(`${base}/approvals`)
    await page.fill('#token', approver)
    await page.click('#login button[type=submit]')
    const row = page.locator(`#pending tr[data-id="${id}"]`)
    await row.waitFor()
    // The justification is shown as text: no markup from user input runs in the approver's page.
    await expect(row.locator('.justification').textContent()).resolves.toBe(hostile)
    expect(await page.title()).toBe('Access approvals')
    await expect(row.locator('td').nth(2).textContent()).resolves.toBe('HIGH')
    await expect(row.locator('td').nth(0).textContent()).resolves.toBe('dev-7')

    await row.locator('.comment').fill('ok, pair with me')
    await row.getByRole('button', { name: 'Approve' }).click()
    const active = page.locator(`#active tr[data-id="${id}"]`)
    await active.waitFor()
    await expect(page.locator(`#pending tr[data-id="${id}"]`).count()).resolves.toBe(0)
    await expect(active.locator('.time-left').textContent()).resolves.toMatch(/^(40|39) min$/)

    const record = await built.grants.get(id, { subject: 'dev-7', issuer: issuer.issuer } as never)
    expect(record.status).toBe('active')
    expect(record.approvals[0]).toMatchObject({ approver: { subject: 'oncall-1' }, comment: 'ok, pair with me' })
    const write = (): ReturnType<ReturnType<typeof request>['post']> => request(built.app).post('/prod-db/orders').set('Authorization', `Bearer ${requester}`)
    expect((await write()).status).toBe(200)

    await active.getByRole('button', { name: 'Revoke' }).click()
    await page.locator(`#active tr[data-id="${id}"]`).waitFor({ state: 'detached' })
    await expect(page.locator('#status').textContent()).resolves.toBe('0 pending, 0 active')
    expect((await write()).status).toBe(403)
    await page.close()
  })

  it('a viewer without the approver scope sees the refusal, not data', async () => {
    const requester = await issuer.mint({ sub: 'dev-8', scope: 'grants:request' })
    const page = await browser.newPage()
    await page.goto(`${base}/approvals`)
    await page.fill('#token', requester)
    await page.click('#login button[type=submit]')
    await page.locator('#status.error').waitFor()
    await expect(page.locator('#status').textContent()).resolves.toMatch(/^403 insufficient_scope/)
    await expect(page.locator('#pending tbody tr').count()).resolves.toBe(0)
    await page.close()
  })
})
