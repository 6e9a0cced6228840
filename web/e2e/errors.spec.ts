// Errors in place: a field error of the API's 422 is shown next to its field,
// and a stale edit (someone moved the lead meanwhile: 412) offers to reload
// the lead, keeping what was typed.
import { test, expect } from './fixtures'
import { ApiUser, reportLead } from './api'

test('a 422 shows under its field; a stale step gets the reload dialog', async ({ page, server, audit, shot }) => {
  const assistant = await ApiUser.as(server.url, server.accounts.assistant!)
  const lead = await reportLead(assistant, '被执行人家里新买了一台拖拉机。')

  await page.goto(`/leads/${lead.id}`)
  await page.getByLabel('手机号').fill(server.accounts.officer!.phone)
  await page.getByLabel('密码').fill(server.accounts.officer!.password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page.getByTestId('lead-status')).toHaveText('待受理')

  // Assign to a user id that does not exist: the server's reason appears under 承办人.
  const steps = page.getByTestId('steps')
  await steps.getByRole('radio', { name: '其他干警（用户 ID）' }).check({ force: true })
  await page.getByRole('textbox', { name: '用户 ID' }).fill('no-such-user')
  await page.getByTestId('step-submit').click()
  const fieldError = steps.locator('.el-form-item.is-error .el-form-item__error')
  await expect(fieldError).toHaveCount(1)
  await expect(fieldError).not.toBeEmpty()
  await expect(steps.locator('.el-form-item.is-error')).toContainText('承办人')
  await expect(page.getByTestId('lead-status')).toHaveText('待受理')
  await audit(page, 'lead (field error)')

  // Meanwhile another officer accepts it through the API.
  const officer = await ApiUser.as(server.url, server.accounts.officer!)
  await officer.call('POST', `/v1/leads/${lead.id}/transitions`, { to: 'accepted', assignee_id: officer.id, public_note: false })

  // The page still holds the old ETag: the step is refused with 412 and the dialog offers a reload.
  await steps.getByRole('radio', { name: /我自己/ }).check({ force: true })
  await page.getByLabel('备注').fill('我来受理。')
  await page.getByTestId('step-submit').click()
  const dialog = page.getByRole('dialog', { name: '线索已更新' })
  await expect(dialog).toBeVisible()
  await audit(page, 'stale dialog')
  await shot(page, 'stale')
  await dialog.getByRole('button', { name: '重新加载' }).click()
  await expect(page.getByTestId('lead-status')).toHaveText('已受理')
  await expect(page.getByLabel('备注')).toHaveValue('我来受理。')
})
