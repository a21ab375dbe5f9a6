/**
 * A Next.js 16 App Router app (tests/apps/next), with userflux-snippet installed from its packed
 * tarball, built with `next build` (TypeScript, strict + exactOptionalPropertyTypes) and served by
 * `next start`, driven in Chromium: the provider in a client layout, the README's rewrite in front of
 * the local Integration API, and a server that never creates a client nor reads storage (issue 21).
 */
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright'
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest'
import { WRITE_KEY } from '../e2e/harness.js'
import { launchChromium } from '../support/chromium.js'
import { buildKey, consoleProblems, freePort, installApp, posts, startApi, startProcess, timed, timings } from './support.js'

const app = new URL('./next/', import.meta.url).pathname
const NEXT = 'node_modules/next/dist/bin/next'
let api: Awaited<ReturnType<typeof startApi>>
let server: ReturnType<typeof startProcess>
let browser: Browser
let site: string
const contexts: BrowserContext[] = []
/** Generous: a loaded 2-core machine, a flushInterval to wait out, a server between page and API. */
const POLL = { timeout: 15_000 }

/** What the last build was made of (buildKey) and the API port it points at. */
const STAMP = app + '.next/userflux-build.json'

beforeAll(async () => {
  const tarball = await installApp(app)
  const last = existsSync(STAMP) ? JSON.parse(readFileSync(STAMP, 'utf8')) : {}
  // The last build's API port if free: the rewrite's destination is fixed at build time.
  api = await startApi(last.port)
  // NEXT_PUBLIC_ variables are inlined at build time; USERFLUX_API is the rewrite's destination.
  const env = { NEXT_TELEMETRY_DISABLED: '1', NEXT_PUBLIC_USERFLUX_WRITE_KEY: WRITE_KEY, USERFLUX_API: api.url }
  const key = buildKey(app, tarball, env)
  // `next build` takes a minute or two here: made again only when something it is made of changed.
  if (last.key != key) {
    await timed('next build', () => execFileSync(process.execPath, [NEXT, 'build'], { cwd: app, env: { ...process.env, ...env }, stdio: 'pipe' }))
    writeFileSync(STAMP, JSON.stringify({ key, port: Number(new URL(api.url).port) }))
  }
  const port = await freePort()
  server = startProcess(process.execPath, [NEXT, 'start', '-p', String(port), '-H', '127.0.0.1'], app, { ...env, NODE_OPTIONS: '--require ./server-spy.cjs' }, /Ready in/)
  await timed('next start', () => server.started)
  site = `http://127.0.0.1:${port}`
  browser = await launchChromium()
}, 600_000)
afterAll(async () => {
  await browser?.close()
  await server?.stop()
  await api?.close()
  console.log('next app test, seconds per step:', JSON.stringify(timings))
})
beforeEach(() => api.api.reset())
afterEach(async () => {
  await Promise.all(contexts.splice(0).map((context) => context.close()))
})

async function open(path = '/') {
  const context = await browser.newContext()
  contexts.push(context)
  const page = await context.newPage()
  const problems = consoleProblems(page)
  // Where the page's updates go: its own origin's /uf/, which next.config.js rewrites to the API.
  const sentTo: string[] = []
  page.on('request', (request) => request.method() == 'POST' && sentTo.push(request.url()))
  await page.goto(site + path)
  await expect.poll(() => page.textContent('#anonymous'), { timeout: 30_000 }).toMatch(/^[\w-]{21}$/)
  return { page, problems, sentTo }
}
const text = (page: Page, selector: string) => page.textContent(selector)
const count = () => posts(api.api).then((sent) => sent.length)
const clients = (page: Page) => page.evaluate(() => (globalThis as any)[Symbol.for('userflux-snippet.clients')]?.size)

describe('Next.js App Router app (next build + next start)', () => {
  it('server rendering shows the empty identity: no client, no id made on the server', async () => {
    const html = await (await fetch(site + '/')).text()
    expect(html).toContain('<output id="user">anonymous</output> <output id="anonymous"></output>')
    expect(server.output.log).not.toContain('[server-spy] localStorage read')
  })

  it('log in, settings, log out, navigation: through the /uf rewrite, one request each, no hydration warning', async () => {
    const { page, problems, sentTo } = await open()
    const anonymous = await text(page, '#anonymous')
    await page.click('#login')
    await expect.poll(() => text(page, '#user'), POLL).toBe('ada')
    await expect.poll(count, POLL).toBe(1)
    await page.selectOption('#theme', 'dark')
    await expect.poll(count, POLL).toBe(2)
    await page.click('#about-link')
    await expect.poll(() => text(page, '#about'), POLL).toBe('About')
    expect(await text(page, '#user')).toBe('ada')
    await page.click('#home-link')
    await page.click('#logout')
    await expect.poll(() => text(page, '#user'), POLL).toBe('anonymous')
    await expect.poll(() => text(page, '#anonymous'), POLL).not.toBe(anonymous)
    await new Promise((resolve) => setTimeout(resolve, 1500))

    expect(await posts(api.api)).toEqual([
      { userId: 'ada', anonymousId: anonymous, properties: { plan: 'pro' } },
      { userId: 'ada', anonymousId: anonymous, properties: { theme: 'dark' } },
    ])
    // Same-origin, through the rewrite: no request of the page's went to the API's own origin.
    const updates = sentTo.filter((url) => url.includes('/profile'))
    expect(updates).toEqual([`${site}/uf/profile?locationEnrichment=false`, `${site}/uf/profile?locationEnrichment=false`])
    expect((await api.api.requests()).preflights).toBe(0)
    expect(await clients(page)).toBe(1)
    expect(problems).toEqual([])
  })

  it('a reload of a signed-in page keeps the same visitor and sends nothing again (no reset, no second identity)', async () => {
    const { page, problems } = await open()
    await page.click('#login')
    await expect.poll(count, POLL).toBe(1)
    const anonymous = await text(page, '#anonymous')
    await page.reload()
    await expect.poll(() => text(page, '#user'), POLL).toBe('ada')
    expect(await text(page, '#anonymous')).toBe(anonymous)
    // Longer than flushInterval (1 s): anything queued would have been sent by now.
    await new Promise((resolve) => setTimeout(resolve, 2500))
    // The same user on a new page load: <UserFluxUser> sets the plan again. This page has not
    // queued it (setUser's own check, src/core/unchanged.ts), but this browser delivered it already
    // (the record of delivered values, `resendAfter`): nothing is sent.
    expect(await posts(api.api)).toEqual([{ userId: 'ada', anonymousId: anonymous, properties: { plan: 'pro' } }])
    expect(problems).toEqual([])
  })

  it("app/providers.tsx is the README's, as it is there", () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8')
    const sample = /```tsx\n\/\/ app\/providers\.tsx\n([\s\S]*?)```/.exec(readme)?.[1]
    expect(readFileSync(app + 'app/providers.tsx', 'utf8')).toBe(sample)
  })

  it('the server never read storage nor created a client, and logged no error of ours', () => {
    expect(server.output.log).toContain('[server-spy] watching localStorage')
    expect(server.output.log).not.toContain('[server-spy] localStorage read')
    expect(server.output.log).not.toMatch(/userflux|Error/i)
  })
})
