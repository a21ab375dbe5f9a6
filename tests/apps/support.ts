/**
 * For the app tests (tests/apps/*.test.ts): each app has its own package.json and lockfile, installed
 * here on first use (`npm ci`), and gets userflux-snippet as a user would, from the packed tarball of
 * this repository's build. The package's own install stays free of Vite, Next.js and their kin.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Page } from 'playwright'
// @ts-expect-error: plain JavaScript (typed with JSDoc), no declaration file
import { createApiServer } from '../../demo/api/server.js'
import { Api } from '../e2e/harness.js'

export const root = new URL('../../', import.meta.url).pathname
const npm = (args: string[], cwd: string) => execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_update_notifier: 'false', npm_config_fund: 'false', npm_config_audit: 'false' } })

/** Seconds each step of an app test took, printed at its end: what the app tests add to `npm test`. */
export const timings: Record<string, number> = {}
export async function timed<T>(step: string, work: () => T | Promise<T>): Promise<T> {
  const start = Date.now()
  try {
    return await work()
  } finally {
    timings[step] = (Date.now() - start) / 1000
  }
}

/**
 * `dir`'s dependencies from its lockfile (only when node_modules is missing: a later run reuses
 * them), then userflux-snippet from a tarball packed from dist/ now (run `npm run build` first), as
 * `npm install <tarball>` would put it, without writing it into the app's package.json or lockfile.
 */
export async function installApp(dir: string): Promise<string> {
  if (!existsSync(join(dir, 'node_modules'))) await timed('npm ci', () => npm(['ci', '--no-audit'], dir))
  return timed('pack + install userflux-snippet', () => {
    const packed = mkdtempSync(join(tmpdir(), 'userflux-app-pack-'))
    try {
      const [{ filename, integrity }] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', packed], root))
      npm(['install', '--no-save', '--no-audit', join(packed, filename)], dir)
      // npm packs reproducibly (fixed mtimes): the same dist/ gives the same integrity.
      return integrity as string
    } finally {
      rmSync(packed, { recursive: true, force: true })
    }
  })
}

/**
 * A digest of what an app's build is made of: its own files (not node_modules nor build output),
 * the tarball installed, and `extra` (its build-time environment). A build made of the same is reused.
 */
export function buildKey(dir: string, tarball: string, extra: unknown): string {
  const hash = createHash('sha256').update(tarball).update(JSON.stringify(extra))
  const walk = (folder: string) => {
    for (const name of readdirSync(folder).sort()) {
      if (['node_modules', '.next', 'dist', 'next-env.d.ts', 'tsconfig.tsbuildinfo'].includes(name)) continue
      const path = join(folder, name)
      if (statSync(path).isDirectory()) walk(path)
      else hash.update(path).update(readFileSync(path))
    }
  }
  walk(dir)
  return hash.digest('hex')
}

/**
 * The local Integration API (demo/api) in this process, with its test routes; on `port` if it is
 * free (a build that has the API's URL in it can then be reused), else on any free port.
 */
export async function startApi(port = 0) {
  let server = createApiServer({ control: true })
  let url: string
  try {
    ;({ url } = await server.listen(port, '127.0.0.1'))
  } catch {
    server = createApiServer({ control: true })
    ;({ url } = await server.listen(0, '127.0.0.1'))
  }
  return { api: new Api(url), url, close: () => server.close() as Promise<void> }
}

export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** Starts `args` in `cwd` and resolves once its output matches `ready`; its output is kept in `log`. */
export function startProcess(command: string, args: string[], cwd: string, env: Record<string, string>, ready: RegExp, timeout = 120_000) {
  const child: ChildProcess = spawn(command, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: false })
  const output = { log: '' }
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${command} ${args.join(' ')} not ready within ${timeout} ms:\n${output.log}`)), timeout)
    const seen = (chunk: Buffer) => {
      output.log += chunk
      if (ready.test(output.log)) clearTimeout(timer), resolve()
    }
    child.stdout!.on('data', seen)
    child.stderr!.on('data', seen)
    child.on('exit', (code) => reject(new Error(`${command} exited (${code}):\n${output.log}`)))
  })
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode != null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return { child, output, started, stop }
}

/** Console errors and uncaught exceptions of `page`, as the tests assert there are none. */
export function consoleProblems(page: Page): string[] {
  const problems: string[] = []
  page.on('console', (message) => {
    if (message.type() == 'error' || message.type() == 'warning') problems.push(`${message.type()}: ${message.text()} (${message.location().url})`)
  })
  page.on('pageerror', (error) => problems.push(`uncaught: ${error.message}`))
  return problems
}

/** The POSTs the API accepted, as [userId, properties] pairs (deviceData aside), in arrival order. */
export async function posts(api: Api) {
  return (await api.accepted()).map((body: any) => ({ userId: body.userId, anonymousId: body.anonymousId, properties: body.properties }))
}
