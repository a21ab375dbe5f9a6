/**
 * A React 19 + Vite 8 app in StrictMode (tests/apps/react-vite), with userflux-snippet installed from
 * its packed tarball, on Vite's dev server (with HMR), driven in Chromium against the local
 * Integration API: the provider, the hooks and <UserFluxUser> as the README shows them (issue 21).
 */
import { readFileSync, writeFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { WRITE_KEY } from '../e2e/harness.js'
import { launchChromium } from '../support/chromium.js'
import { consoleProblems, freePort, installApp, posts, startApi, startProcess, timed, timings } from './support.js'

const app = new URL('./react-vite/', import.meta.url).pathname
let api: Awaited<ReturnType<typeof startApi>>
let vite: ReturnType<typeof startProcess>
let browser: Browser
let site: string
const contexts: BrowserContext[] = []
/** Generous: a loaded 2-core machine, a flushInterval to wait out, a server between page and API. */
const POLL = { timeout: 15_000 }

beforeAll(async () => {
  await installApp(app)
  api = await startApi()
  const port = await freePort()
  // --force: the tarball was just installed, and Vite's optimized copy of the last one must not stay.
  vite = startProcess(process.execPath, ['node_modules/vite/bin/vite.js', '--port', String(port), '--strictPort', '--host', '127.0.0.1', '--force'], app, { VITE_USERFLUX_WRITE_KEY: WRITE_KEY, VITE_USERFLUX_ENDPOINT: api.url }, /ready in/)
  await timed('vite dev server start', () => vite.started)
  site = `http://127.0.0.1:${port}`
  browser = await launchChromium()
}, 300_000)
afterAll(async () => {
  await browser?.close()
  await vite?.stop()
  await api?.close()
  console.log('react-vite app test, seconds per step:', JSON.stringify(timings))
})
beforeEach(() => api.api.reset())
// A page left open would go on sending into the next test.
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()))
})

/** A page of the app in a fresh profile (a new visitor), once the client's identity shows. */
async function open(path = '/', context?: BrowserContext) {
  if (!context) contexts.push((context = await browser.newContext()))
  const page = await context.newPage()
  const problems = consoleProblems(page)
  await page.goto(site + path)
  await expect.poll(() => page.textContent('#anonymous'), { timeout: 30_000 }).toMatch(/^[\w-]{21}$/)
  return { page, problems }
}

const text = (page: Page, selector: string) => page.textContent(selector)
/** Long enough for anything queued to go out (flushInterval 200 ms in the app) and be seen. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 1500))
const clients = (page: Page) => page.evaluate(() => (globalThis as any)[Symbol.for('userflux-snippet.clients')]?.size)

describe('React + Vite app in StrictMode', () => {
  it('log in, settings, log out: one request each, identity through the hook, no console error', async () => {
    const { page, problems } = await open()
    const anonymous = await text(page, '#anonymous')
    await expect.poll(() => posts(api.api), POLL).toEqual([{ userId: undefined, anonymousId: anonymous, properties: { landing: 'welcome' } }])

    await page.click('#login')
    await expect.poll(() => text(page, '#user'), POLL).toBe('ada')
    // Each step once the one before was sent: updates within flushInterval would go as one request.
    await expect.poll(() => posts(api.api).then((sent) => sent.length), POLL).toBe(2)
    await page.selectOption('#theme', 'dark')
    await expect.poll(() => posts(api.api).then((sent) => sent.length), POLL).toBe(3)
    await page.click('#logout')
    await expect.poll(() => text(page, '#user'), POLL).toBe('anonymous')
    const next = await text(page, '#anonymous')
    await settle()

    expect(next).not.toBe(anonymous)
    expect(await posts(api.api)).toEqual([
      { userId: undefined, anonymousId: anonymous, properties: { landing: 'welcome' } },
      // StrictMode runs every effect twice: <UserFluxUser> still sends once.
      { userId: 'ada', anonymousId: anonymous, properties: { plan: 'pro' } },
      { userId: 'ada', anonymousId: anonymous, properties: { theme: 'dark' } },
    ])
    expect((await api.api.profile('ada'))?.properties).toMatchObject({ plan: 'pro', theme: 'dark', landing: 'welcome' })
    expect(await clients(page)).toBe(1)
    expect(problems).toEqual([])
  })

  it('a child that identifies in its mount effect (before the provider made the client) sends one request', async () => {
    // <UserFluxUser id="grace"> and <Welcome>'s identify('grace', …), both in mount effects that
    // StrictMode runs twice, before the provider's: one request.
    const { page, problems } = await open('/?user=grace')
    await expect.poll(() => text(page, '#user'), POLL).toBe('grace')
    await settle()
    expect(await posts(api.api)).toEqual([{ userId: 'grace', anonymousId: await text(page, '#anonymous'), properties: { plan: 'free', source: 'session' } }])
    expect(problems).toEqual([])
  })

  it('another tab of the app follows a log-in and a log-out (storage events through subscribe)', async () => {
    const context = await browser.newContext()
    contexts.push(context)
    const first = await open('/', context)
    const second = await open('/', context)
    await first.page.click('#login')
    await expect.poll(() => text(second.page, '#user'), POLL).toBe('ada')
    await first.page.click('#logout')
    await expect.poll(() => text(second.page, '#user'), POLL).toBe('anonymous')
    await expect.poll(() => text(second.page, '#anonymous'), POLL).toBe(await text(first.page, '#anonymous'))
    expect([...first.problems, ...second.problems]).toEqual([])
  })

  it('an HMR edit of the module with the provider keeps one client, and sends nothing twice', async () => {
    const file = app + 'src/App.jsx'
    const source = readFileSync(file, 'utf8')
    const { page, problems } = await open()
    await page.click('#login')
    await expect.poll(() => posts(api.api).then((sent) => sent.length), POLL).toBe(2)
    try {
      for (const title of ['Shop 1', 'Shop 2', 'Shop 3']) {
        writeFileSync(file, source.replace('>Shop<', `>${title}<`))
        await expect.poll(() => text(page, '#title'), { timeout: 30_000 }).toBe(title)
      }
    } finally {
      writeFileSync(file, source)
    }
    // Hot-updated in place, not reloaded: the log-in state (React state) survived the edits.
    expect(await text(page, '#user')).toBe('ada')
    expect(await clients(page)).toBe(1)
    await page.selectOption('#theme', 'dark')
    await settle()
    const sent = await posts(api.api)
    expect(sent.map(({ userId, properties }) => [userId, properties])).toEqual([
      [undefined, { landing: 'welcome' }],
      ['ada', { plan: 'pro' }],
      ['ada', { theme: 'dark' }],
    ])
    expect(problems).toEqual([])
  })
})
