/**
 * The demo shows the delivery guarantees (issue 14), in real Chromium on both pages under their
 * strict CSP: the API is switched down from the page (keyboard), an update waits under "Pending"
 * while the live log shows the dropped attempts, and once switched off the log shows it delivered.
 * Then a screenshot of each page at desktop and phone width (test-results/screenshots/).
 */
import { mkdirSync, readFileSync, statSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/chromium.ts'
import { createApiServer } from '../../demo/api/server.js'
import { createDemoServer } from '../../demo/site/server.js'

const SCREENSHOTS = fileURLToPath(new URL('../../test-results/screenshots/', import.meta.url))
// Generous: the client backs off (up to a few seconds here) and the machine may be loaded.
const POLL = { timeout: 30_000, interval: 200 }
let api, apiUrl, demo, site, browser

beforeAll(async () => {
  api = createApiServer({ control: true, log: () => {} })
  apiUrl = (await api.listen()).url
  demo = createDemoServer({ apiUrl, testToken: api.testToken })
  site = (await demo.listen()).url
  browser = await launchChromium()
  mkdirSync(SCREENSHOTS, { recursive: true })
})
// A failed test must not leave the next one with the API down.
afterEach(() => fetch(`${site}/api/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"mode":"off"}' }))
afterAll(async () => {
  await browser?.close()
  await demo?.close()
  await api?.close()
})

const posts = async () => (await (await fetch(`${apiUrl}/__test/requests`, { headers: { 'x-uf-test-token': api.testToken } })).json()).posts
const text = (page, testId) => page.getByTestId(testId).first().textContent()
/** The bodies and answers the page's live log shows. */
const shownLog = (page) =>
  page.getByTestId('log-entry').evaluateAll((items) =>
    items.map((item) => ({ status: item.dataset.status, body: JSON.parse(item.querySelector('[data-testid="log-body"]').textContent) })),
  )

/** Width and height from a PNG's IHDR chunk. */
const pngSize = (file) => {
  const bytes = readFileSync(file)
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG')
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) }
}

describe.each([
  ['script-tag', '/script-tag.html'],
  ['spa', '/spa.html'],
])('%s page', (name, path) => {
  it('one outage end to end: switched on, the update waits; switched off, the log shows it delivered', async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 } })
    const page = await context.newPage()
    const problems = []
    page.on('console', (message) => message.type() == 'error' && /Content.Security.Policy|Refused/i.test(message.text()) && problems.push(message.text()))
    page.on('pageerror', (error) => problems.push(String(error)))
    await page.goto(site + path)
    await page.waitForSelector('html[data-uf-ready="true"][data-log-live="true"]')
    const anonymousId = await text(page, 'anonymous-id')
    expect(anonymousId).toMatch(/^[\w-]{21}$/)

    // Switched on with the keyboard: a real button, reachable and pressed by Enter.
    await page.getByTestId('fault-down').focus()
    // Focus is visible: the stylesheet's outline, not only the browser's default.
    expect(await page.getByTestId('fault-down').evaluate((button) => button.matches(':focus-visible') && getComputedStyle(button).outlineStyle)).toBe('solid')
    await page.keyboard.press('Enter')
    await expect.poll(() => page.getByTestId('fault-down').getAttribute('aria-pressed'), POLL).toBe('true')
    await expect.poll(() => text(page, 'fault-status'), POLL).toMatch(/API down/)

    // An update during the outage waits, and the log shows its attempts dropped.
    await page.getByTestId('theme-select').selectOption('system')
    await page.getByTestId('update-submit').click()
    await expect.poll(() => page.getByTestId('pending-entry').allTextContents(), POLL).toEqual([expect.stringContaining('"theme": "system"')])
    await expect.poll(async () => (await shownLog(page)).some((row) => row.status == 'dropped' && row.body.properties?.theme == 'system'), POLL).toBe(true)
    await expect.poll(() => text(page, 'client-word'), POLL).toMatch(/failed \(network error|retry/)
    // Five more calls: they wait too, after it (merged into it unless it was on the wire just then).
    await page.getByTestId('burst').click()
    await expect.poll(() => text(page, 'pending-summary'), POLL).toMatch(/^6 calls waiting, in [12] requests?\.$/)
    await expect.poll(async () => (await page.getByTestId('pending-entry').allTextContents()).at(-1), POLL).toContain('"clicks": 5')
    const before = (await posts()).filter((post) => post.body?.anonymousId == anonymousId)
    expect(before.some((post) => post.status == 204 && post.body.properties?.theme)).toBe(false)

    // Switched off: the retry delivers it, the log says 204, nothing is pending any more.
    await page.getByTestId('fault-off').click()
    await expect.poll(() => page.getByTestId('fault-off').getAttribute('aria-pressed'), POLL).toBe('true')
    await expect.poll(async () => (await shownLog(page)).find((row) => row.status == '204' && row.body.properties?.clicks)?.body.properties.clicks, POLL).toBe(5)
    await expect.poll(() => text(page, 'pending-summary'), POLL).toBe('Nothing pending from this page.')
    const delivered = (await shownLog(page)).filter((row) => row.status == '204' && row.body.anonymousId == anonymousId)
    expect(Object.assign({}, ...[...delivered].reverse().map((row) => row.body.properties))).toMatchObject({ theme: 'system', clicks: 5 })
    // Bodies as the API received them: the visitor's first request carried the device data.
    expect((await shownLog(page)).some((row) => row.body.anonymousId == anonymousId && row.body.deviceData?.browser == 'Chrome')).toBe(true)
    // The row with the clicks says how many of this page's calls it carried: the 5 (and the theme's, if merged).
    const row = page.locator('[data-testid="log-entry"][data-status="204"]').filter({ hasText: '"clicks": 5' })
    await expect.poll(() => row.first().textContent(), POLL).toMatch(/(?:^|\D)(5|6) calls made on this page/)

    // What the API got, in order: dropped attempts only while down, then 204s, the clicks last.
    const mine = (await posts()).filter((post) => post.body?.anonymousId == anonymousId && (post.body.properties?.theme || post.body.properties?.clicks))
    const firstDelivered = mine.findIndex((post) => post.status == 204)
    expect(firstDelivered).toBeGreaterThan(0)
    expect(mine.slice(0, firstDelivered).every((post) => post.status == 'dropped')).toBe(true)
    expect(mine.at(-1)).toMatchObject({ status: 204, body: { properties: { clicks: 5 } } })
    expect(problems).toEqual([])

    // Screenshots for a human to look at, desktop and phone width.
    for (const width of [1280, 375]) {
      await page.setViewportSize({ width, height: width == 375 ? 740 : 900 })
      // Nothing may overflow sideways at phone width.
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width)
      const file = `${SCREENSHOTS}${name}-${width}.png`
      await page.screenshot({ path: file, fullPage: true })
      expect(statSync(file).size).toBeGreaterThan(20_000)
      expect(pngSize(file).width).toBe(width)
      expect(pngSize(file).height).toBeGreaterThan(900)
    }
    await context.close()
  }, 120_000)
})

it('the walkthrough: API down, update, close the tab; the next visit delivers it', async () => {
  const context = await browser.newContext()
  const first = await context.newPage()
  await first.goto(`${site}/spa.html`)
  await first.waitForSelector('html[data-uf-ready="true"][data-log-live="true"]')
  expect(await first.getByTestId('walkthrough').locator('li').count()).toBe(3)
  const anonymousId = await text(first, 'anonymous-id')
  await first.getByTestId('fault-down').click()
  await expect.poll(() => first.getByTestId('fault-down').getAttribute('aria-pressed'), POLL).toBe('true')
  await first.getByTestId('theme-select').selectOption('dark')
  await first.getByTestId('update-submit').click()
  await expect.poll(() => text(first, 'pending-summary'), POLL).toMatch(/^1 call waiting/)
  await expect.poll(async () => (await shownLog(first)).some((row) => row.status == 'dropped' && row.body.properties?.theme == 'dark'), POLL).toBe(true)
  await first.close({ runBeforeUnload: true })

  const next = await context.newPage()
  await next.goto(`${site}/spa.html`)
  await next.waitForSelector('html[data-uf-ready="true"][data-log-live="true"]')
  expect(await text(next, 'anonymous-id')).toBe(anonymousId)
  expect(await next.getByTestId('fault-down').getAttribute('aria-pressed')).toBe('true') // the switch is the server's
  // Nothing of it got through before the switch goes off: the closed tab could not have sent it.
  expect((await posts()).some((post) => post.status == 204 && post.body?.properties?.theme == 'dark')).toBe(false)
  await next.getByTestId('fault-off').click()
  await expect.poll(async () => (await shownLog(next)).some((row) => row.status == '204' && row.body.properties?.theme == 'dark'), POLL).toBe(true)
  await expect.poll(() => text(next, 'pending-earlier'), POLL).toMatch(/left by an earlier visit: \{"theme":"dark"\}/)
  await context.close()
}, 120_000)

it('503 with Retry-After spaces the tries; 401 pauses the page until a reload', async () => {
  const context = await browser.newContext()
  const page = await context.newPage()
  await page.goto(`${site}/spa.html`)
  await page.waitForSelector('html[data-uf-ready="true"][data-log-live="true"]')
  const anonymousId = await text(page, 'anonymous-id')

  await page.getByTestId('fault-retry-after').click()
  await expect.poll(() => page.getByTestId('fault-retry-after').getAttribute('aria-pressed'), POLL).toBe('true')
  await page.getByTestId('theme-select').selectOption('dark')
  await page.getByTestId('update-submit').click()
  await expect.poll(() => text(page, 'client-word'), POLL).toMatch(/failed \(503: .*\): retry 1 in 5000 ms/)
  await expect.poll(async () => (await shownLog(page)).filter((row) => row.status == '503' && row.body.properties?.theme == 'dark').length, POLL).toBe(1)

  await page.getByTestId('fault-unauthorized').click()
  await expect.poll(() => text(page, 'client-word'), POLL).toMatch(/unauthorized \(401.*\): sending paused/)
  await page.getByTestId('fault-off').click()
  await expect.poll(() => page.getByTestId('fault-off').getAttribute('aria-pressed'), POLL).toBe('true')
  // Still paused: no further try from this page, whatever the switch says.
  const tries = (await posts()).filter((post) => post.body?.anonymousId == anonymousId && post.body.properties?.theme).length
  await new Promise((resolve) => setTimeout(resolve, 3000))
  expect((await posts()).filter((post) => post.body?.anonymousId == anonymousId && post.body.properties?.theme).length).toBe(tries)
  expect(await text(page, 'pending-summary')).toMatch(/^1 call waiting/)

  await page.reload()
  await page.waitForSelector('html[data-uf-ready="true"][data-log-live="true"]')
  await expect.poll(async () => (await shownLog(page)).some((row) => row.status == '204' && row.body.properties?.theme == 'dark'), POLL).toBe(true)
  await context.close()
}, 120_000)

describe('the demo server', () => {
  it('flips the switches only for its own pages, and only with JSON', async () => {
    const post = (headers, body = '{"mode":"down"}') => fetch(`${site}/api/faults`, { method: 'POST', headers, body })
    expect((await post({ 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(403)
    expect((await post({ 'content-type': 'text/plain' })).status).toBe(415)
    expect((await post({ 'content-type': 'application/json' }, '{"mode":"melt"}')).status).toBe(400)
    expect((await fetch(`${site}/api/faults`, { method: 'OPTIONS' })).headers.get('access-control-allow-origin')).toBeNull()
    const snapshot = await (await fetch(`${site}/api/requests`)).json()
    expect(snapshot).toMatchObject({ available: true, mode: 'off' })
  })

  it('turning a switch off leaves no fault queued in the API, and hides its own drains from the log', async () => {
    const set = (mode) => fetch(`${site}/api/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ mode }) })
    expect(await (await set('unauthorized')).json()).toEqual({ mode: 'unauthorized' })
    const pending = async () => (await (await fetch(`${apiUrl}/__test/faults`, { method: 'POST', headers: { 'x-uf-test-token': api.testToken, 'content-type': 'application/json' }, body: '{"faults":[]}' })).json()).pending
    expect(await pending()).toBeGreaterThan(0)
    expect(await (await set('off')).json()).toEqual({ mode: 'off' })
    expect(await pending()).toBe(0)
    // The drains the switch used are not in the pages' log.
    const snapshot = await (await fetch(`${site}/api/requests`)).json()
    expect(snapshot.posts.every((post) => post.body && Object.keys(post.body).length)).toBe(true)
  })
})
