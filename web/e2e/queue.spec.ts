// The queue's filters and keyset paging, on more leads than fit a page.
import { randomUUID } from 'node:crypto'
import { test, expect } from './fixtures'
import { ApiUser } from './api'

test('the queue pages by cursor and filters by kind and keyword', async ({ page, server, audit }) => {
  const assistant = await ApiUser.as(server.url, server.accounts.assistant!)
  const tag = `批次${Date.now() % 100000}`
  for (let i = 0; i < 23; i++) {
    await assistant.call('POST', '/v1/leads', { kind: 'other', description: `${tag} 第${i + 1}条线索`, details: { note: '测试' } }, { 'Idempotency-Key': randomUUID() })
  }

  await page.goto('/leads')
  await page.getByLabel('手机号').fill(server.accounts.officer!.phone)
  await page.getByLabel('密码').fill(server.accounts.officer!.password)
  await page.getByRole('button', { name: '登录' }).click()
  await expect(page).toHaveURL(/\/leads/)

  // Only this test's leads: the keyword.
  await page.getByLabel('关键词').fill(tag)
  await page.getByRole('button', { name: '搜索' }).click()
  await expect(page).toHaveURL(new RegExp(`q=${encodeURIComponent(tag)}`))
  const rows = page.getByTestId('queue').locator('tbody tr')
  await expect(rows).toHaveCount(20)
  await expect(page.getByRole('tab', { name: '全部 (23)' })).toBeVisible()
  await expect(page.getByText('第 1 页')).toBeVisible()

  // The next page holds the other three; back again gives the first twenty.
  const firstRef = await rows.first().getByRole('link').textContent()
  await page.getByRole('button', { name: '下一页' }).click()
  await expect(rows).toHaveCount(3)
  await expect(page.getByText('第 2 页')).toBeVisible()
  await expect(page.getByRole('button', { name: '下一页' })).toBeDisabled()
  await audit(page, 'queue (page 2)')
  await page.getByRole('button', { name: '上一页' }).click()
  await expect(rows).toHaveCount(20)
  await expect(rows.first().getByRole('link')).toHaveText(firstRef!)

  // A kind with none of them: the empty text.
  await page.getByTestId('f-kind').click()
  await page.getByRole('option', { name: '车辆' }).click()
  await expect(page.getByText('没有符合条件的线索')).toBeVisible()

  // The filters live in the URL: a reload keeps them.
  await page.reload()
  await expect(page.getByText('没有符合条件的线索')).toBeVisible()
  await expect(page.getByLabel('关键词')).toHaveValue(tag)
})
