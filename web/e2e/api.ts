// The API as a phone or an administrator uses it, for the parts of a journey
// that happen outside the console (an assistant reporting a lead, an admin
// creating an account). Body-token mode, no cookies.
import { createHash, randomUUID } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import type { Account } from './server'
import { fileURLToPath } from 'node:url'

const HERE = fileURLToPath(new URL('.', import.meta.url))

/** A signed-in API user. */
export class ApiUser {
  constructor(readonly base: string, readonly token: string, readonly id: string) {}

  static async login(base: string, phone: string, password: string): Promise<ApiUser> {
    const r = await fetch(`${base}/v1/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ phone, password, device: 'e2e' }),
    })
    if (!r.ok) throw new Error(`login ${phone}: ${r.status} ${await r.text()}`)
    const t = (await r.json()) as { access_token: string }
    const me = await fetch(`${base}/v1/me`, { headers: { Authorization: `Bearer ${t.access_token}` } })
    const m = (await me.json()) as { id: string }
    return new ApiUser(base, t.access_token, m.id)
  }

  static as(base: string, a: Account): Promise<ApiUser> {
    return ApiUser.login(base, a.phone, a.password)
  }

  async call<T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const r = await fetch(`${this.base}${path}`, {
      method,
      headers: {
        Authorization: `Bearer ${this.token}`,
        ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    })
    const text = await r.text()
    if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`)
    return (text ? JSON.parse(text) : undefined) as T
  }
}

/** The photo the journeys attach: a small JPEG. */
export const PHOTO = readFileSync(resolve(HERE, 'fixtures/photo.jpg'))

/** reportLead reports a vehicle lead with one photo, as the field app would. */
export async function reportLead(assistant: ApiUser, description: string): Promise<{ id: string; ref: string }> {
  const lead = await assistant.call<{ id: string; ref: string }>(
    'POST',
    '/v1/leads',
    {
      kind: 'vehicle',
      description,
      debtor_name: '赵建国',
      details: { plate: '甘M12345', colour: '白色', seen_at: '村口' },
      photos_expected: 1,
    },
    { 'Idempotency-Key': randomUUID() },
  )
  const digest = createHash('sha256').update(PHOTO).digest('base64')
  const r = await fetch(`${assistant.base}/v1/leads/${lead.id}/photos/${randomUUID()}`, {
    method: 'PUT',
    headers: {
      Authorization: `Bearer ${assistant.token}`,
      'Content-Type': 'image/jpeg',
      'Content-Digest': `sha-256=:${digest}:`,
    },
    body: PHOTO,
  })
  if (!r.ok) throw new Error(`photo: ${r.status} ${await r.text()}`)
  return lead
}
