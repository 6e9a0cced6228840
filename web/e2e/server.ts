// A real `xiezhi serve` for the browser tests: the embedded default (SQLite
// and a local photo store) in a temporary data dir, on a free port. The demo
// accounts' passwords are read from what the server prints on its first
// start.
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = fileURLToPath(new URL('.', import.meta.url))

/** A demo account as printed by the server. */
export interface Account {
  role: string
  phone: string
  password: string
}

/** A running server. */
export interface Server {
  url: string
  accounts: Record<string, Account>
  stop(): Promise<void>
}

function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const s = createServer()
    s.once('error', fail)
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address()
      const port = typeof addr === 'object' && addr ? addr.port : 0
      s.close(() => ok(port))
    })
  })
}

/** parseAccounts reads the "Demo accounts" lines of the server's stdout. */
export function parseAccounts(out: string): Record<string, Account> {
  const acc: Record<string, Account> = {}
  for (const m of out.matchAll(/^\s+(\w+)\s+\S+\s+phone (\d{11})\s+password (\S+)/gm)) {
    acc[m[1]!] = { role: m[1]!, phone: m[2]!, password: m[3]! }
  }
  return acc
}

/** startServer starts bin/xiezhi (XIEZHI_BIN) and waits until it is healthy. */
export async function startServer(): Promise<Server> {
  const bin = process.env.XIEZHI_BIN || resolve(HERE, '../../bin/xiezhi')
  const dir = mkdtempSync(join(tmpdir(), 'xiezhi-e2e-'))
  const port = await freePort()
  const url = `http://127.0.0.1:${port}`
  const child: ChildProcess = spawn(bin, ['serve'], {
    env: { ...process.env, XIEZHI_DATA_DIR: dir, XIEZHI_ADDR: `127.0.0.1:${port}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  child.stdout!.on('data', (b: Buffer) => (out += b.toString()))
  child.stderr!.on('data', (b: Buffer) => (err += b.toString()))
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()))

  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`xiezhi serve exited (${child.exitCode}):\n${err}`)
    if (Date.now() > deadline) {
      child.kill('SIGTERM')
      throw new Error(`xiezhi serve did not become healthy:\n${err}`)
    }
    const healthy = await fetch(`${url}/healthz`).then((r) => r.ok, () => false)
    if (healthy && /Demo accounts/.test(out) && Object.keys(parseAccounts(out)).length >= 5) break
    await new Promise((r) => setTimeout(r, 200))
  }
  return {
    url,
    accounts: parseAccounts(out),
    async stop() {
      child.kill('SIGTERM')
      await exited
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
