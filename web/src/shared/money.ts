// Money: people enter and read yuan (元), the API takes and gives fen (分),
// always as integers. No floating point on the way: "12500.5" is parsed as
// text, so 0.1 + 0.2 never shows up in a court record.

/** MAX_FEN keeps amounts within JavaScript's exact integers. */
const MAX_FEN = Number.MAX_SAFE_INTEGER

/** yuanToFen parses an amount in yuan ("12,500.50", "12500", "0.5") to fen, or null. */
export function yuanToFen(text: string): number | null {
  const s = text.trim().replace(/[,，\s]/g, '').replace(/^[¥￥]/, '')
  const m = /^(\d+)(?:\.(\d{0,2}))?$/.exec(s)
  if (!m) return null
  const fen = Number(m[1]) * 100 + Number((m[2] ?? '').padEnd(2, '0'))
  return Number.isSafeInteger(fen) && fen <= MAX_FEN ? fen : null
}

/** fenToYuan formats fen as yuan with two decimals and thousands separators: 1250000 → "12,500.00". */
export function fenToYuan(fen: number): string {
  const neg = fen < 0
  const abs = Math.abs(Math.trunc(fen))
  const yuan = Math.floor(abs / 100).toLocaleString('en-US')
  const cents = String(abs % 100).padStart(2, '0')
  return `${neg ? '-' : ''}${yuan}.${cents}`
}
