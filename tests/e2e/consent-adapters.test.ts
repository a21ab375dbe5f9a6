/**
 * Issue 22, SPEC §11: each consent tool's adapter in real Chromium, against a stand-in that implements
 * the tool's documented browser API (consent-pages.ts), for both ways a site attaches it: the script
 * tag file (dist/consent-<tool>.min.js, before a client that loads later) and the npm entry.
 */
import type { Page } from 'playwright'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { inPage, ready, sleep, useStack } from './harness.js'
import { consentPage, TOOLS, type ConsentPageOptions, type Tool } from './consent-pages.js'

const stack = useStack()

// Nothing may throw into the host page: not the adapters, not the client, whatever the tool does.
let pageErrors: string[] = []
beforeEach(() => {
  pageErrors = []
})
afterEach(() => expect(pageErrors).toEqual([]))

const stored = (page: Page) => page.evaluate(() => Object.keys(localStorage).filter((key) => key.startsWith('uf-')).sort())
const consent = (page: Page) => inPage<string>(page, `return uf.consent`)
const properties = async () => (await stack.api.accepted()).map((body) => body.properties)
/** Runs the tool's own page code, then answers the client's state right after, in the same task. */
const tool = (page: Page, code: string) => inPage<string>(page, `${code}; return uf.consent`)
const open = async (config: ConsentPageOptions) => {
  const page = await (await stack.newContext()).newPage()
  page.on('pageerror', (error) => pageErrors.push(String(error)))
  await page.goto(consentPage(stack, config))
  await ready(page)
  return page
}
/** Nothing was posted (after ten flush intervals, so that a send would have happened). */
const nothingSent = async () => {
  await sleep(500)
  return (await stack.api.requests()).posts.length == 0
}

describe.each(TOOLS)('$name', (t: Tool) => {
  it('script tag: pending until the tool answers; a grant delivers, a withdrawal opts out at once, a late grant resumes', async () => {
    const page = await open({ build: 'iife', tool: t, setup: t.unanswered ?? '', adapter: {}, options: { consent: 'pending' } })
    const shown = await inPage<string>(page, `uf.updateProfile({ step: 'before' }); uf.identify('user-1', { plan: 'pro' }); return uf.anonymousId`)
    expect(await consent(page)).toBe('pending')
    expect(await nothingSent()).toBe(true)
    expect(await stored(page)).toEqual([])

    expect(await tool(page, t.grant)).toBe('granted')
    await stack.api.waitFor((accepted) => accepted.length == 2)
    expect(await stack.api.accepted()).toEqual([
      expect.objectContaining({ anonymousId: shown, properties: { step: 'before' } }),
      expect.objectContaining({ userId: 'user-1', anonymousId: shown, properties: { plan: 'pro' } }),
    ])

    // Opted out in the same task as the tool's change: nothing queued after it can leave.
    expect(await tool(page, `${t.withdraw}; uf.updateProfile({ step: 'withdrawn' })`)).toBe('denied')
    expect(await stored(page)).toEqual(['uf-optOut'])
    await sleep(500)

    expect(await tool(page, t.grant)).toBe('granted')
    await inPage(page, `uf.updateProfile({ step: 'again' }); await uf.flush()`)
    await sleep(200)
    expect(await properties()).toEqual([{ step: 'before' }, { plan: 'pro' }, { step: 'again' }])
  })

  it('npm entry: a returning visitor who said yes is granted at once; dispose() stops following the tool', async () => {
    const page = await open({ build: 'esm', tool: t, setup: t.returning, adapter: {}, options: { consent: 'pending' } })
    expect(await consent(page)).toBe('granted')
    await inPage(page, `uf.updateProfile({ visit: 2 }); await uf.flush()`)
    expect(await properties()).toEqual([{ visit: 2 }])
    expect(await tool(page, `window.__dispose(); ${t.withdraw}`)).toBe('granted')
  })
})

describe('tool specifics', () => {
  const [tcf, consentMode, oneTrust, cookiebot] = TOOLS as [Tool, Tool, Tool, Tool]

  it('TCF: every purpose named must have consent (data-purposes); outside GDPR it is granted; removeEventListener on dispose', async () => {
    const page = await open({ build: 'iife', tool: tcf, adapter: { attributes: { purposes: '1,7' } }, options: { consent: 'pending' } })
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    expect(await tool(page, `__standin.act({ 1: true, 7: false })`)).toBe('denied')
    expect(await tool(page, `__standin.act({ 1: true, 7: true })`)).toBe('granted')
    // Inherited values are not consent: a purpose polluted onto Object.prototype by another script.
    expect(await tool(page, `Object.prototype[7] = true; __standin.act({ 1: true })`)).toBe('denied')
    await page.evaluate(() => delete (Object.prototype as any)[7])

    const outside = await open({ build: 'esm', tool: tcf, setup: '__standin.outsideGdpr()', adapter: {}, options: { consent: 'pending' } })
    expect(await consent(outside)).toBe('granted')
    expect(await inPage(outside, `const before = __standin.listeners(); window.__dispose(); return [before, __standin.listeners()]`)).toEqual([1, 0])
  })

  it("Consent Mode: arrays and gtag's arguments; a tag manager hooked before or after ours sees every push and keeps push's return value; a regional default lifts nothing", async () => {
    // A tag manager already hooked before the adapter (script tag), and one hooking after it (npm).
    const before = await open({ build: 'iife', tool: consentMode, setup: '__standin.loadTagManager()', adapter: {}, options: { consent: 'pending' } })
    const after = await open({ build: 'esm', tool: consentMode, adapter: {}, options: { consent: 'pending' } })
    await inPage(after, `__standin.loadTagManager()`)
    for (const page of [before, after]) {
      expect(await inPage(page, `return dataLayer.push({ event: 'page_view' }) == dataLayer.length`)).toBe(true)
      expect(await tool(page, `dataLayer.push(['consent', 'update', { analytics_storage: 'granted' }])`)).toBe('granted')
      expect(await tool(page, `gtag('consent', 'update', { analytics_storage: 'denied' })`)).toBe('denied')
      expect(await inPage(page, `return __standin.seen.filter((entry) => entry.event == 'page_view' || entry[0] == 'consent').length`)).toBe(3)
      // Whatever else a page pushes, the push goes through and returns what it always did.
      expect(await inPage(page, `return dataLayer.push(null, 7, Object.create(null), { get 0() { throw new Error('hostile') } }) == dataLayer.length`)).toBe(true)
      expect(await tool(page, `gtag('consent', 'update', { analytics_storage: 'granted' })`)).toBe('granted')
    }
    const regional = await open({
      build: 'esm',
      tool: consentMode,
      setup: "gtag('consent', 'default', { analytics_storage: 'denied', region: ['FR', 'DE'] }); gtag('consent', 'default', { analytics_storage: 'granted' })",
      adapter: {},
      options: { consent: 'pending' },
    })
    expect(await consent(regional)).toBe('pending')
    const worldwide = await open({ build: 'esm', tool: consentMode, setup: "gtag('consent', 'default', { analytics_storage: 'granted' })", adapter: {}, options: { consent: 'pending' } })
    expect(await consent(worldwide)).toBe('granted')
  })

  it('OneTrust: a site without a banner (the category active at load) is granted; the category is the one named (data-category)', async () => {
    const noBanner = await open({ build: 'esm', tool: oneTrust, setup: "window.OnetrustActiveGroups = ',C0001,C0002,C0003,'", adapter: {}, options: { consent: 'pending' } })
    expect(await consent(noBanner)).toBe('granted')
    const named = await open({ build: 'iife', tool: oneTrust, adapter: { attributes: { category: 'C0004' } }, options: { consent: 'pending' } })
    expect(await tool(named, `__standin.set(['C0001', 'C0002'])`)).toBe('denied')
    expect(await tool(named, `__standin.set(['C0001', 'C0004'])`)).toBe('granted')
  })

  it('Cookiebot: no answer yet stays pending; Decline denies; another category can be named', async () => {
    const page = await open({ build: 'iife', tool: cookiebot, setup: '__standin.load()', adapter: {}, options: { consent: 'pending' } })
    await inPage(page, `uf.updateProfile({ a: 1 })`)
    expect(await consent(page)).toBe('pending')
    expect(await tool(page, `__standin.decline()`)).toBe('denied')
    expect(await nothingSent()).toBe(true)
    const marketing = await open({ build: 'esm', tool: cookiebot, setup: '__standin.accept()', adapter: { options: { category: 'marketing' } }, options: { consent: 'pending' } })
    // Accepting statistics is not marketing consent, and the visitor has answered.
    expect(await consent(marketing)).toBe('denied')
  })
})
