/* global document */
// The approvals page: calls the grants admin routes with the viewer's token. Every value from
// the server is rendered with textContent, never as HTML: justifications are user input.
'use strict'

const state = { token: '' }
const $ = (selector) => document.querySelector(selector)

function setStatus(text, error) {
  const status = $('#status')
  status.textContent = text
  status.className = error ? 'error' : ''
}

// One key per button as rendered: a repeated click (or a retry after a network error) of the
// same decision is answered once. getRandomValues also works outside secure contexts.
function newKey() {
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('')
}

async function call(method, path, body, key) {
  const response = await fetch(`/grants${path}`, {
    method,
    headers: { authorization: `Bearer ${state.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json', 'idempotency-key': key ?? newKey() }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  })
  const data = await response.json().catch(() => ({}))
  if (!response.ok) throw new Error(`${response.status} ${data.error ?? ''} ${data.error_description ?? ''}`.trim())
  return data
}

function cell(row, text, className) {
  const td = document.createElement('td')
  td.textContent = text
  if (className) td.className = className
  row.append(td)
  return td
}

function timeLeft(expiresAt, now) {
  const ms = Date.parse(expiresAt) - Date.parse(now)
  if (ms <= 0) return 'expired'
  const minutes = Math.floor(ms / 60000)
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`
}

function button(label, onClick) {
  let key = newKey()
  const b = document.createElement('button')
  b.type = 'button'
  b.textContent = label
  b.addEventListener('click', () => {
    b.disabled = true
    onClick(key).then(load, (error) => {
      // The body may change before the next click (a new comment); decisions and revocations
      // are idempotent on the server anyway, so a fresh key is safe.
      key = newKey()
      setStatus(error.message, true)
      b.disabled = false
    })
  })
  return b
}

function renderPending(data) {
  const body = $('#pending tbody')
  body.replaceChildren()
  for (const grant of data.grants) {
    const row = document.createElement('tr')
    row.dataset.id = grant.id
    cell(row, grant.requester.subject)
    cell(row, `${grant.actions.join(', ')} on ${grant.resource} for ${Math.round(grant.grantedDuration / 60000)} min`)
    cell(row, grant.urgency + (grant.escalated ? ' (escalated)' : ''), `urgency-${grant.urgency}`)
    cell(row, grant.pendingExtension ? `Extension: ${grant.pendingExtension.justification}` : grant.justification, 'justification')
    const decide = cell(row, '')
    const comment = document.createElement('input')
    comment.placeholder = 'comment'
    comment.className = 'comment'
    decide.append(
      comment,
      button('Approve', (key) => call('POST', `/requests/${encodeURIComponent(grant.id)}/approve`, comment.value ? { comment: comment.value } : {}, key)),
      button('Reject', (key) => call('POST', `/requests/${encodeURIComponent(grant.id)}/reject`, comment.value ? { comment: comment.value } : {}, key)),
    )
    body.append(row)
  }
}

function renderActive(data) {
  const body = $('#active tbody')
  body.replaceChildren()
  for (const grant of data.grants) {
    const row = document.createElement('tr')
    row.dataset.id = grant.id
    cell(row, grant.requester.subject)
    cell(row, `${grant.actions.join(', ')} on ${grant.resource}`)
    cell(row, grant.urgency, `urgency-${grant.urgency}`)
    cell(row, timeLeft(grant.expiresAt, data.now), 'time-left')
    cell(row, '').append(button('Revoke', (key) => call('POST', `/requests/${encodeURIComponent(grant.id)}/revoke`, { reason: 'revoked from the approvals page' }, key)))
    body.append(row)
  }
}

async function load() {
  try {
    const [pending, active] = await Promise.all([call('GET', '/requests/approvable'), call('GET', '/requests/supervised')])
    renderPending(pending)
    renderActive(active)
    setStatus(`${pending.grants.length} pending, ${active.grants.length} active`, false)
  } catch (error) {
    setStatus(error.message, true)
  }
}

$('#login').addEventListener('submit', (event) => {
  event.preventDefault()
  state.token = $('#token').value.trim()
  void load()
})
