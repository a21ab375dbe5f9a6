/**
 * The demo's user journeys in real Chromium, on both pages: a visitor updates their profile
 * anonymously, logs in (the anonymous properties follow them), sees the stored profile, logs out;
 * the panels never look broken (a placeholder where there is no profile, a retry error marked
 * resolved once delivery resumed).
 * Runs against the real builds in dist/ (`npm run build` first) under the pages' strict CSP.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/chromium.ts'
import { createApiServer } from '../../demo/api/server.js'
import { createDemoServer } from '../../demo/site/server.js'

const READ_WRITE_KEY = 'demo-read-write-key'
// Generous: a loaded machine may be slow, and polling returns as soon as the value is there.
const POLL = { timeout: 15_000 }
let api, apiUrl, demo, site, browser

beforeAll(async () => {
  api = createApiServer({ control: true, log: () => {} })
  apiUrl = (await api.listen()).url
  demo = createDemoServer({ apiUrl })
  site = (await demo.listen()).url
  browser = await launchChromium()
})
afterAll(async () => {
  await browser?.close()
  await demo?.close()
  await api?.close()
})

const requests = async () => (await fetch(`${apiUrl}/__test/requests`, { headers: { 'x-uf-test-token': api.testToken } })).json()

/** Opens a page in a fresh profile, collecting console errors and everything the browser sent. */
async function open(path) {
  const context = await browser.newContext()
  const page = await context.newPage()
  const problems = []
  const sent = []
  page.on('console', (message) => message.type() == 'error' && problems.push(message.text()))
  page.on('pageerror', (error) => problems.push(String(error)))
  page.on('request', (request) => sent.push({ url: request.url(), headers: request.headers() }))
  await page.goto(site + path)
  await page.waitForSelector('html[data-uf-ready="true"]')
  return { context, page, problems, sent }
}

const text = (page, testId) => page.getByTestId(testId).textContent()
/** Whether the element is rendered (not hidden, not display: none). */
const shown = (page, testId) => page.getByTestId(testId).isVisible()
/** Queues faults for the next POST /profile requests (the API's test routes, as the fault switches use them). */
const faults = (list) =>
  fetch(`${apiUrl}/__test/faults`, { method: 'POST', headers: { 'x-uf-test-token': api.testToken, 'content-type': 'application/json' }, body: JSON.stringify({ faults: list }) })

describe.each([
  ['script tag', '/script-tag.html', { lastDemoPage: 'script-tag' }],
  ['ESM', '/spa.html', {}],
])('%s page', (_name, path, early) => {
  it('anonymous update, log in, stored profile, log out', async () => {
    const userId = `user-${path.slice(1, 4)}-${Date.now()}`
    const { context, page, problems, sent } = await open(path)
    const anonymousId = await text(page, 'anonymous-id')
    expect(anonymousId).toMatch(/^[\w-]{21}$/)
    expect(await text(page, 'user-id')).toBe('(anonymous)')

    // Anonymous: the update is sent, and the panel says why it cannot show it yet.
    await page.getByTestId('theme-select').selectOption('dark')
    await page.getByTestId('update-submit').click()
    await expect.poll(() => text(page, 'profile-status'), POLL).toMatch(/^Anonymous/)
    // No empty dark box while anonymous: a sentence in its place.
    expect(await shown(page, 'stored-profile')).toBe(false)
    expect(await shown(page, 'stored-profile-placeholder')).toBe(true)
    expect(await text(page, 'stored-profile-placeholder')).toMatch(/while anonymous: log in/)

    // Log in: the stored profile carries the anonymous properties, the plan and the link.
    await page.getByTestId('login-user-id').fill(userId)
    await page.getByTestId('login-plan').selectOption('enterprise')
    await page.getByTestId('login-submit').click()
    await expect.poll(() => text(page, 'profile-status'), POLL).toBe(`GET /profile/${userId} → 200`)
    expect(await text(page, 'user-id')).toBe(userId)
    expect(await shown(page, 'stored-profile')).toBe(true)
    expect(await shown(page, 'stored-profile-placeholder')).toBe(false)
    const stored = JSON.parse(await text(page, 'stored-profile'))
    expect(stored).toMatchObject({ id: userId, anonymousIds: [anonymousId], properties: { theme: 'dark', plan: 'enterprise', ...early } })
    expect(stored.locationData).toMatchObject({ ip: '127.0.0.1', source: 'loopback' })
    // Sent by the client in UserFlux's own SDK's vocabulary (SPEC §8).
    expect(stored.deviceData).toMatchObject({ browser: 'Chrome', deviceType: 'Desktop' })

    // Identified update.
    await page.getByTestId('theme-select').selectOption('light')
    await page.getByTestId('update-submit').click()
    await expect.poll(async () => JSON.parse((await text(page, 'stored-profile')) || '{}').properties?.theme, POLL).toBe('light')

    // Log out: a new anonymous id, no user.
    await page.getByTestId('logout').click()
    await expect.poll(() => text(page, 'user-id'), POLL).toBe('(anonymous)')
    const next = await text(page, 'anonymous-id')
    expect(next).toMatch(/^[\w-]{21}$/)
    expect(next).not.toBe(anonymousId)
    expect(await shown(page, 'stored-profile')).toBe(false)
    expect(await shown(page, 'stored-profile-placeholder')).toBe(true)
    // Nothing went wrong, and the list says so rather than show nothing.
    expect(await shown(page, 'error-log-empty')).toBe(true)
    expect(await page.getByTestId('error-entry').count()).toBe(0)

    // Across origins with real preflights; the Read + Write key never left the server.
    const { posts, preflights } = await requests()
    expect(posts.filter((post) => post.body?.anonymousId == anonymousId).every((post) => post.status == 204 && post.query.locationEnrichment == 'true')).toBe(true)
    expect(preflights).toBeGreaterThan(0)
    expect(JSON.stringify(sent)).not.toContain(READ_WRITE_KEY)
    expect(problems).toEqual([])
    await context.close()
  })

  it('a retry error is marked resolved once the API recovered and the update arrived', async () => {
    const { context, page } = await open(path)
    const anonymousId = await text(page, 'anonymous-id')
    // What the page sent at load is delivered first, so that the faults meet the update below.
    await page.getByTestId('refresh-profile').click()
    await expect.poll(() => text(page, 'profile-status'), POLL).toMatch(/^Anonymous/)
    // The API unavailable for three tries: the client reports the third failure, then the fourth gets
    // through. 503s rather than dropped connections: Chromium silently retries a POST whose reused
    // connection was dropped, which would take a fault without the client seeing a failure.
    await faults([{ status: 503, times: 3 }])
    await page.getByTestId('theme-select').selectOption('system')
    await page.getByTestId('update-submit').click()
    const entry = page.getByTestId('error-entry')
    await expect.poll(() => entry.count(), { timeout: 30_000 }).toBe(1)
    expect(await entry.getAttribute('data-code')).toBe('retrying')
    expect(await entry.textContent()).toMatch(/retrying: failed \(503\b.*\): retry 3 in \d+ ms/)
    expect(await shown(page, 'error-log-empty')).toBe(false)
    await expect.poll(() => entry.getAttribute('data-resolved'), { timeout: 30_000 }).toBe('true')
    expect(await page.getByTestId('error-resolved').textContent()).toMatch(/Resolved at [\d:.]+: the client delivered again/)
    // It is resolved because the update did arrive.
    const { posts } = await requests()
    expect(posts.some((post) => post.status == 204 && post.body?.anonymousId == anonymousId && post.body.properties?.theme == 'system')).toBe(true)
    await context.close()
  })
})

it('the script tag page replays the call made before the snippet loaded', async () => {
  const { context, page } = await open('/script-tag.html')
  const anonymousId = await text(page, 'anonymous-id')
  await page.getByTestId('refresh-profile').click() // flushes
  await expect
    .poll(async () => (await requests()).posts.find((post) => post.body?.anonymousId == anonymousId && post.body.properties?.lastDemoPage)?.status, POLL)
    .toBe(204)
  await context.close()
})
