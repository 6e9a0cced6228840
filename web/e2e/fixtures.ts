// Test fixtures: one server per worker, and checks every test gets for free:
// no Content-Security-Policy violation and no page error in the console, and
// `audit(page)`, axe-core with no serious or critical violation.
import { test as base, expect, type Page } from '@playwright/test'
import { AxeBuilder } from '@axe-core/playwright'
import { resolve } from 'node:path'
import { startServer, type Server } from './server'
import { fileURLToPath } from 'node:url'

const HERE = fileURLToPath(new URL('.', import.meta.url))

type WorkerFixtures = { server: Server }
type TestFixtures = { audit: (page: Page, screen: string) => Promise<void>; shot: (page: Page, name: string) => Promise<void> }

export const test = base.extend<TestFixtures, WorkerFixtures>({
  server: [
    // eslint-disable-next-line no-empty-pattern
    async ({}, use) => {
      const s = await startServer()
      await use(s)
      await s.stop()
    },
    { scope: 'worker' },
  ],
  baseURL: async ({ server }, use) => {
    await use(server.url)
  },
  page: async ({ page }, use) => {
    const problems: string[] = []
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy|Refused to/.test(m.text())) problems.push(m.text())
    })
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`))
    await use(page)
    expect(problems, 'CSP violations or page errors').toEqual([])
  },
  audit: async ({}, use) => {
    await use(async (page, screen) => {
      const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze()
      const bad = r.violations
        .filter((v) => v.impact === 'serious' || v.impact === 'critical')
        .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`)
      expect(bad, `axe on ${screen}`).toEqual([])
    })
  },
  shot: async ({}, use) => {
    // Screenshots for docs/console.md, only when asked (make web-screenshots):
    // they differ on every run (times, ids) and would dirty the tree.
    await use(async (page, name) => {
      if (!process.env.XIEZHI_SCREENSHOTS) return
      await page.screenshot({ path: resolve(HERE, `../../docs/console/${name}.png`), fullPage: true })
    })
  },
})

export { expect }
