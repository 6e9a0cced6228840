// Out of scope stays invisible: an officer of another grid who opens a
// lead's URL gets "未找到", as the API's 404. And the refresh cookie is no
// use without the CSRF header.
import { test, expect } from './fixtures'
import { ApiUser, reportLead } from './api'

type Grid = { id: string }
type Team = { id: string; grid_ids: string[] }

test('an officer of another grid gets 未找到 for a lead URL', async ({ page, server, audit, shot }) => {
  const assistant = await ApiUser.as(server.url, server.accounts.assistant!)
  const lead = await reportLead(assistant, '被执行人在村里开了一家小卖部。')

  // The admin makes a team for another grid and an officer in it.
  const admin = await ApiUser.as(server.url, server.accounts.admin!)
  const officer = await ApiUser.as(server.url, server.accounts.officer!)
  const mine = (await officer.call<{ grid_ids: string[] }>('GET', '/v1/me')).grid_ids
  const { grids } = await admin.call<{ grids: Grid[] }>('GET', '/v1/grids')
  const { teams } = await admin.call<{ teams: Team[] }>('GET', '/v1/teams')
  const other = grids.find((g) => !mine.includes(g.id))!
  let team = teams.find((t) => t.grid_ids.includes(other.id))
  team ??= await admin.call<Team>('POST', '/v1/teams', { name: 'e2e 外网格执行团队', grid_ids: [other.id] })
  const phone = '13900009876'
  const created = await admin.call<{ one_time_password: string }>('POST', '/v1/users', {
    phone, name: '外网格干警', role: 'officer', team_id: team.id,
  })
  const first = await ApiUser.login(server.url, phone, created.one_time_password)
  const password = 'Outside-grid-2026'
  await first.call('POST', '/v1/me/password', { current_password: created.one_time_password, new_password: password })

  await page.goto(`/leads/${lead.id}`)
  await expect(page).toHaveURL(/\/login\?next=/)
  await page.getByLabel('手机号').fill(phone)
  await page.getByLabel('密码').fill(password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page).toHaveURL(new RegExp(`/leads/${lead.id}$`))
  await expect(page.getByTestId('not-found')).toContainText('未找到')
  await expect(page.getByText(lead.ref)).toHaveCount(0)
  await audit(page, 'not found')
  await shot(page, 'not-found')

  // The same officer's queue does not list it either.
  await page.goto('/leads')
  await expect(page.getByTestId('who')).toContainText('外网格干警')
  await expect(page.getByText(lead.ref)).toHaveCount(0)
})

test('the refresh cookie does not work without the CSRF header', async ({ page, server }) => {
  await page.goto('/login')
  await page.getByLabel('手机号').fill(server.accounts.grid_lead!.phone)
  await page.getByLabel('密码').fill(server.accounts.grid_lead!.password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page).toHaveURL(/\/leads$/)

  const cookies = await page.context().cookies()
  const ck = cookies.find((c) => c.name === 'xiezhi_refresh')
  expect(ck).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict', path: '/v1/auth' })
  expect(await page.evaluate(() => document.cookie)).toBe('')

  // The context's request client sends the cookie like a forged cross-site form would.
  const forged = await page.request.post('/v1/auth/refresh')
  expect(forged.status()).toBe(403)
  expect((await forged.json()).code).toBe('forbidden')
  const real = await page.request.post('/v1/auth/refresh', { headers: { 'X-Xiezhi-CSRF': '1' } })
  expect(real.status()).toBe(200)
  expect(await real.json()).not.toHaveProperty('refresh_token')
})

test('a session that ends under the page goes back to the sign-in screen', async ({ page, server }) => {
  await page.goto('/login')
  await page.getByLabel('手机号').fill(server.accounts.officer!.phone)
  await page.getByLabel('密码').fill(server.accounts.officer!.password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page).toHaveURL(/\/leads$/)
  // The server would answer 401 within a minute of the session ending
  // elsewhere; the test does not wait for that and answers it itself.
  await page.route('**/v1/leads?*', (route) =>
    route.fulfill({
      status: 401,
      contentType: 'application/problem+json',
      body: JSON.stringify({ type: 'urn:xiezhi:problem:unauthorized', title: 'Unauthorized', status: 401, detail: '需要有效的登录凭证。', instance: '/v1/leads', code: 'unauthorized', request_id: 'e2e' }),
    }),
  )
  await page.getByRole('tab', { name: /已受理/ }).click()
  await expect(page).toHaveURL(/\/login\?next=.*expired=1/)
  await expect(page.getByRole('alert')).toContainText('登录已过期')
})
