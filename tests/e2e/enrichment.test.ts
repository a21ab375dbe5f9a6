/**
 * SPEC §8 end to end, both builds, in real Chromium against the local Integration API: device data,
 * the bot filter, the bootstrap id, the external id, first-touch attribution, and one visitor across
 * two subdomains through cookies. The API's current version does not store deviceData / externalId,
 * so these tests read the request bodies it logged.
 */
import { chromium, type Browser } from 'playwright'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CHROMIUM_ARGS, findChromium } from '../support/chromium.js'
import { BUILDS, inPage, pageUrl, ready, sleep, useStack, type Build } from './harness.js'

const stack = useStack()
const fast = { flushInterval: 50 }
const bodies = async () => (await stack.api.requests()).posts.map((post) => post.body)

describe.each(BUILDS)('%s build', (build: Build) => {
  it('deviceData goes with the first request of a page view and again after identify and reset only', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build, options: fast })
    await inPage(page, `
      for (const call of [
        () => uf.updateProfile({ n: 1 }), () => uf.updateProfile({ n: 2 }), () => uf.identify('user-1'),
        () => uf.updateProfile({ n: 3 }), () => uf.reset(), () => uf.updateProfile({ n: 4 }), () => uf.updateProfile({ n: 5 }),
      ]) { call(); await uf.flush() }`)
    const sent = await bodies()
    expect(sent.map((body) => [body.properties.n, !!body.deviceData])).toEqual([
      [1, true],
      [2, false],
      [undefined, true],
      [3, false],
      [4, true],
      [5, false],
    ])
    expect(sent[0].deviceData).toEqual({
      userAgent: expect.stringContaining('Chrome/'),
      browser: 'Chrome',
      browserVersion: expect.stringMatching(/^\d+$/),
      deviceType: 'Desktop',
      os: 'Linux',
      screenWidth: expect.any(Number),
      screenHeight: expect.any(Number),
      browserWidth: expect.any(Number),
      browserHeight: expect.any(Number),
      browserLanguage: expect.any(String),
    })
    // A new page view of the same visitor: once more.
    await page.reload()
    await ready(page)
    await inPage(page, `uf.updateProfile({ n: 6 }); await uf.flush(); uf.updateProfile({ n: 7 }); await uf.flush()`)
    expect((await bodies()).slice(-2).map((body) => !!body.deviceData)).toEqual([true, false])
  })

  it('deviceData: false sends none', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build, options: { ...fast, deviceData: false } })
    await inPage(page, `uf.updateProfile({ n: 1 }); await uf.flush()`)
    expect((await bodies()).map((body) => 'deviceData' in body)).toEqual([false])
  })

  it('a crawler stores and sends nothing; its calls are silent; blockBots: false lets it through', async () => {
    for (const blockBots of [true, false]) {
      const context = await stack.browser.newContext({ userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' })
      try {
        const page = await context.newPage()
        const problems: string[] = []
        page.on('console', (message) => message.type() == 'error' && problems.push(message.text()))
        page.on('pageerror', (error) => problems.push(error.message))
        await page.goto(pageUrl(stack.site, { build, options: { ...fast, blockBots } }))
        await ready(page)
        const result = await inPage<any>(page, `uf.identify('user-1', { a: 1 }); uf.updateProfile({ b: 2 }); uf.reset(); uf.optOut(); uf.optIn(); uf.updateProfile({ c: 3 }); return uf.flush()`)
        await sleep(500)
        if (blockBots) {
          expect(result.ok).toBe(false)
          expect(await page.evaluate(() => localStorage.length)).toBe(0)
          expect(await page.evaluate(() => document.cookie)).toBe('')
          expect(await bodies()).toEqual([])
          expect(problems).toEqual([])
        } else {
          expect((await bodies()).length).toBeGreaterThan(0)
        }
      } finally {
        await context.close()
      }
      await stack.api.reset()
    }
  })

  it('anonymousId bootstraps the visitor and persists; an invalid one is reported and ignored', async () => {
    const context = await stack.newContext()
    const page = await stack.open(context, { build, options: { ...fast, anonymousId: 'from-native-app-1' } })
    expect(await inPage(page, `uf.updateProfile({ a: 1 }); await uf.flush(); return uf.anonymousId`)).toBe('from-native-app-1')
    expect(await page.evaluate(() => localStorage.getItem('uf-anonymousId'))).toBe('from-native-app-1')
    expect((await bodies())[0].anonymousId).toBe('from-native-app-1')

    const other = await stack.newContext()
    const errors: string[] = []
    const bad = await other.newPage()
    bad.on('console', (message) => message.type() == 'error' && errors.push(message.text()))
    // Any non-empty string of up to 256 characters is somebody's id (issue 12 case 16); longer is not.
    await bad.goto(pageUrl(stack.site, { build, options: { ...fast, anonymousId: 'x'.repeat(300) } }))
    await ready(bad)
    const id = await inPage<string>(bad, `return uf.anonymousId`)
    expect(id).toMatch(/^[\w-]{21}$/)
    // The script tag names its attribute; the ESM page has an onError, which then gets the report.
    const reports = build == 'iife' ? errors : (await bad.evaluate(() => window.__ufErrors)).map((error) => error.message)
    expect(reports).toEqual([expect.stringContaining(build == 'iife' ? 'data-anonymous-id' : 'options.anonymousId')])
  })

  it('the landing URL’s ufeid goes as externalId with every request until reset', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    await page.goto(pageUrl(stack.site, { build, options: fast }) + '&ufeid=ext-42')
    await ready(page)
    await inPage(page, `uf.updateProfile({ n: 1 }); await uf.flush(); uf.updateProfile({ n: 2 }); await uf.flush()`)
    // A later page without the parameter.
    const later = await stack.open(context, { build, options: fast })
    await inPage(later, `uf.updateProfile({ n: 3 }); await uf.flush(); uf.reset(); uf.updateProfile({ n: 4 }); await uf.flush()`)
    expect((await bodies()).map((body) => [body.properties.n, body.externalId])).toEqual([
      [1, 'ext-42'],
      [2, 'ext-42'],
      [3, 'ext-42'],
      [4, undefined],
    ])
    expect(await later.evaluate(() => localStorage.getItem('uf-externalId'))).toBeNull()
  })

  it('attribution: first-touch properties on the first page view only', async () => {
    const context = await stack.newContext()
    const page = await context.newPage()
    await page.goto(pageUrl(stack.site, { build, options: { ...fast, attribution: true } }) + '&utm_source=news&utm_campaign=spring&gclid=g-1')
    await ready(page)
    await inPage(page, `await uf.flush()`)
    await page.goto(pageUrl(stack.site, { build, options: { ...fast, attribution: true } }) + '&utm_source=later')
    await ready(page)
    await inPage(page, `uf.updateProfile({ n: 2 }); await uf.flush()`)
    const sent = await bodies()
    expect(sent.map((body) => body.properties)).toEqual([
      {
        initial_referrer: '$direct',
        initial_referring_domain: '$direct',
        initial_landing_page: stack.site + '/page.html',
        initial_utm_source: 'news',
        initial_utm_campaign: 'spring',
        initial_gclid: 'g-1',
      },
      { n: 2 },
    ])
  })
})

describe('cookieDomain: one visitor across subdomains', () => {
  let browser: Browser
  const port = () => new URL(stack.site).port
  const at = (host: string, build: Build, options: Record<string, unknown> = {}) =>
    pageUrl(`http://${host}:${port()}`, { build, options: { ...fast, cookieDomain: true, ...options } })
  beforeAll(async () => {
    // Real host names for one local server: cookies are shared by domain, not by port.
    browser = await chromium.launch({
      executablePath: findChromium(),
      args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP *.example.test 127.0.0.1, MAP *.example.co.uk 127.0.0.1'],
    })
  })
  afterAll(() => browser?.close())

  it.each(BUILDS)('%s build: www and app share the visitor; identify and reset on one reach the other', async (build) => {
    const context = await browser.newContext()
    try {
      const www = await context.newPage()
      await www.goto(at('www.example.test', build))
      await ready(www)
      const first = await inPage<string>(www, `return uf.anonymousId`)
      const app = await context.newPage()
      await app.goto(at('app.example.test', build))
      await ready(app)
      expect(await inPage(app, `return uf.anonymousId`)).toBe(first)
      const cookies = await context.cookies()
      expect(cookies.find((cookie) => cookie.name == 'uf-anonymousId')).toMatchObject({ value: first, domain: '.example.test', path: '/', sameSite: 'Lax' })

      await inPage(www, `uf.identify('alice'); await uf.flush()`)
      await app.reload()
      await ready(app)
      expect(await inPage(app, `return [uf.userId, uf.anonymousId]`)).toEqual(['alice', first])

      const second = await inPage<string>(www, `uf.reset(); return uf.anonymousId`)
      expect(second).not.toBe(first)
      await app.reload()
      await ready(app)
      expect(await inPage(app, `return [uf.userId, uf.anonymousId]`)).toEqual([null, second])
      expect(await app.evaluate(() => [localStorage.getItem('uf-userId'), localStorage.getItem('uf-anonymousId')])).toEqual([null, second])
    } finally {
      await context.close()
    }
  })

  it('a reset reaches an open page of the other subdomain when it becomes visible again', async () => {
    const context = await browser.newContext()
    try {
      const app = await context.newPage()
      await app.goto(at('app.example.test', 'esm'))
      await ready(app)
      await inPage(app, `uf.identify('bob'); await uf.flush()`)
      const www = await context.newPage()
      await www.goto(at('www.example.test', 'esm'))
      await ready(www)
      const fresh = await inPage<string>(www, `uf.reset(); return uf.anonymousId`)
      // Headless pages do not hide: the event a tab switch would fire.
      await app.evaluate(() => document.dispatchEvent(new Event('visibilitychange')))
      expect(await inPage(app, `return [uf.userId, uf.anonymousId]`)).toEqual([null, fresh])
    } finally {
      await context.close()
    }
  })

  it('a public suffix is skipped: the cookie lands on example.co.uk, never co.uk', async () => {
    const context = await browser.newContext()
    try {
      const page = await context.newPage()
      await page.goto(at('www.example.co.uk', 'iife'))
      await ready(page)
      const id = await inPage<string>(page, `return uf.anonymousId`)
      const cookies = await context.cookies()
      expect(cookies.filter((cookie) => cookie.name.startsWith('uf-')).map((cookie) => [cookie.name, cookie.domain])).toEqual([['uf-anonymousId', '.example.co.uk']])
      expect(cookies.find((cookie) => cookie.name == 'uf-anonymousId')!.value).toBe(id)
    } finally {
      await context.close()
    }
  })

  it('optOut on one subdomain clears the ids and reaches the other', async () => {
    const context = await browser.newContext()
    try {
      const www = await context.newPage()
      await www.goto(at('www.example.test', 'esm'))
      await ready(www)
      await inPage(www, `uf.identify('carol'); await uf.flush()`)
      await inPage(www, `uf.optOut()`)
      const app = await context.newPage()
      await app.goto(at('app.example.test', 'esm'))
      await ready(app)
      expect(await inPage(app, `return uf.hasOptedOut`)).toBe(true)
      await stack.api.reset()
      await inPage(app, `uf.updateProfile({ after: 'opt-out' }); await uf.flush()`)
      await sleep(300)
      expect(await bodies()).toEqual([])
      const values = Object.fromEntries((await context.cookies()).map((cookie) => [cookie.name, cookie.value]))
      expect(values).toMatchObject({ 'uf-anonymousId': '', 'uf-userId': '', 'uf-optOut': '1' })
    } finally {
      await context.close()
    }
  })
})
