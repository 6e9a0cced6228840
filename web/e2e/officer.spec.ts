// The officer's journey in the console, against a real server: a lead an
// assistant reported through the API is found in the queue, its photo
// viewed, and it is accepted, verified, given a measure and closed with an
// amount; the assistant's timeline (through the API) shows the public steps.
import { test, expect } from './fixtures'
import { ApiUser, reportLead } from './api'

type Event = { type: string; to_status: string | null; note: string | null; public: boolean }

test('an officer takes a lead from the queue to closed', async ({ page, server, audit, shot }) => {
  const assistant = await ApiUser.as(server.url, server.accounts.assistant!)
  const lead = await reportLead(assistant, '被执行人的白色越野车停在村口，人回村过年了。')

  // Sign in.
  await page.goto('/')
  await expect(page).toHaveURL(/\/login$/)
  await expect(page.getByRole('heading', { name: '登录' })).toBeVisible()
  await audit(page, 'sign-in')
  await shot(page, 'login')
  await page.getByLabel('手机号').fill(server.accounts.officer!.phone)
  await page.getByLabel('密码').fill(server.accounts.officer!.password)
  await page.getByRole('button', { name: '登录' }).click()

  // The queue: the lead is in the 待受理 tab.
  await expect(page).toHaveURL(/\/leads$/)
  await expect(page.getByTestId('who')).toContainText('执行干警')
  const row = page.getByRole('link', { name: lead.ref })
  await expect(row).toBeVisible()
  await expect(page.getByRole('tab', { name: /待受理 \(1\)/ })).toBeVisible()
  await audit(page, 'queue')
  await shot(page, 'queue')

  // The lead's page, with its photo.
  await row.click()
  await expect(page).toHaveURL(new RegExp(`/leads/${lead.id}$`))
  await expect(page.getByTestId('lead-title')).toContainText(lead.ref)
  await expect(page.getByTestId('lead-status')).toHaveText('待受理')
  await expect(page.getByText('甘M12345')).toBeVisible()
  const thumb = page.getByTestId('photo-thumb').locator('img')
  await expect(thumb).toBeVisible({ timeout: 20_000 })
  await audit(page, 'lead')
  await shot(page, 'lead')
  await page.getByTestId('photo-thumb').click()
  const original = page.getByTestId('photo-original')
  await expect(original).toBeVisible()
  expect(await original.evaluate((img: HTMLImageElement) => img.naturalWidth)).toBe(480)
  await audit(page, 'photo')
  await shot(page, 'photo')
  await page.keyboard.press('Escape')
  await expect(original).toBeHidden()

  // Only the steps of a submitted lead are offered.
  const steps = page.getByTestId('steps')
  for (const name of ['受理并指派', '请报告人补充', '不予受理', '标记为重复']) {
    await expect(steps.getByRole('radio', { name })).toHaveCount(1)
  }
  await expect(steps.getByRole('radio', { name: '办结' })).toHaveCount(0)

  const submit = page.getByTestId('step-submit')
  const status = page.getByTestId('lead-status')

  // Accept, assigning it to oneself.
  await expect(submit).toHaveText('受理并指派')
  await submit.click()
  await expect(status).toHaveText('已受理')

  // Verify.
  await expect(submit).toHaveText('核实属实')
  await page.getByLabel('备注').fill('经现场核实，车辆登记在被执行人名下。')
  await submit.click()
  await expect(status).toHaveText('线索属实')

  // Record a measure.
  await steps.getByRole('radio', { name: '记录执行措施' }).check({ force: true })
  await expect(submit).toHaveText('记录执行措施')
  await page.getByTestId('measure').click()
  await page.getByRole('option', { name: '扣押' }).click()
  await submit.click()
  await expect(status).toHaveText('已采取措施')

  // Close with an amount in yuan: a bad amount is refused next to its field first.
  await expect(submit).toHaveText('办结')
  await page.getByLabel('办理结果').fill('已扣押车辆，被执行人履行全部款项。')
  await page.getByLabel('执行到位金额（元）').fill('12500.505')
  await submit.click()
  await expect(page.getByText('请输入金额，最多两位小数')).toBeVisible()
  await page.getByLabel('执行到位金额（元）').fill('12,500.50')
  await page.getByLabel('备注').fill('感谢您提供的线索。')
  await page.getByText('报告人可见').click()
  await submit.click()
  await expect(status).toHaveText('已办结')
  await expect(page.getByTestId('amount')).toHaveText('12,500.50 元')
  await expect(steps).toContainText('当前没有您可以办理的步骤')
  await audit(page, 'lead (closed)')
  await shot(page, 'lead-closed')

  // A reload signs in again from the refresh cookie; the token was in memory only.
  await page.reload()
  await expect(page.getByTestId('lead-status')).toHaveText('已办结')
  expect(await page.evaluate(() => JSON.stringify(localStorage) + JSON.stringify(sessionStorage) + document.cookie)).not.toMatch(/eyJ|rt_/)

  // What the assistant sees: every step, and the public note.
  const officer = await ApiUser.as(server.url, server.accounts.officer!)
  const asOfficer = await officer.call<{ amount_recovered_fen: number; measure: string }>('GET', `/v1/leads/${lead.id}`)
  expect(asOfficer.amount_recovered_fen).toBe(1250050)
  expect(asOfficer.measure).toBe('seize')
  const { events } = await assistant.call<{ events: Event[] }>('GET', `/v1/leads/${lead.id}/events`)
  const steps2 = events.filter((e) => e.type === 'status_changed').map((e) => e.to_status)
  expect(steps2).toEqual(['accepted', 'verified', 'measures_taken', 'closed'])
  expect(events.every((e) => e.public)).toBe(true)
  expect(events.find((e) => e.to_status === 'closed')?.note).toBe('感谢您提供的线索。')
  expect(events.find((e) => e.to_status === 'verified')?.note).toBeNull()
})
