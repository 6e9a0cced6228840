// Times are shown in China Standard Time (UTC+8), whatever the browser's
// zone, and sent as RFC 3339.

const fmt = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
  hour: '2-digit',
  minute: '2-digit',
  hour12: false,
})

/** chinaTime formats an RFC 3339 time as "2026/02/14 17:40" in UTC+8; '' for null. */
export function chinaTime(iso: string | null | undefined): string {
  if (!iso) return ''
  const d = new Date(iso)
  return Number.isNaN(d.getTime()) ? iso : fmt.format(d)
}

/** chinaToday is today's date in UTC+8 as YYYY-MM-DD. */
export function chinaToday(now = new Date()): string {
  const d = new Date(now.getTime() + 8 * 3600 * 1000)
  return d.toISOString().slice(0, 10)
}
