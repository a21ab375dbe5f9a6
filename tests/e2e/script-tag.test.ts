/**
 * Issue 11, "the script tag on par with npm": data-* attributes for the options that make sense
 * without code, the loader stub's flush() and ready(), and an element with id="userflux" on the page.
 * Real Chromium, the built dist/userflux.min.js and dist/stub.js, the local Integration API.
 */
import type { Page } from 'playwright'
import { HIDDEN } from '../../src/core/log.js'
import { describe, expect, it } from 'vitest'
import type { ScriptTagClient } from '../../src/global.js'
import { sleep, useStack, waitInPage, WRITE_KEY } from './harness.js'

const stack = useStack()
let pages = 0

/** Serves a page of `body` (external scripts only: the site's CSP forbids inline ones) and opens it. */
async function openPage(head: string, scripts: Record<string, string> = {}, init?: string, body = 'page') {
  const name = `/script-tag-${++pages}`
  for (const [file, code] of Object.entries(scripts)) stack.serve(`${name}-${file}.js`, code)
  const html = `<!doctype html><html><head><meta charset="utf-8"><title>t</title>\n${head.replaceAll('$page', name)}\n</head><body>${body.replaceAll('$page', name)}</body></html>`
  stack.serve(name + '.html', html)
  const context = await stack.newContext()
  const page = await context.newPage()
  if (init) await page.addInitScript(init)
  const errors: string[] = []
  page.on('console', (message) => message.type() == 'error' && !message.location().url.endsWith('/favicon.ico') && errors.push(message.text()))
  page.on('pageerror', (error) => errors.push('pageerror: ' + error.message))
  await page.goto(stack.site + name + '.html')
  return { page, errors }
}

const tag = (attributes: string, delay = 0) =>
  `<script async src="/userflux.min.js?delay=${delay}" data-write-key="${WRITE_KEY}" data-endpoint="${stack.api.url}" ${attributes}></script>`
const loaded = (page: Page) => waitInPage(page, () => window.userflux && !Array.isArray(window.userflux), 15_000)

describe('data-* attributes', () => {
  it('data-opted-out starts opted out (a consent-first site); data-storage-prefix, data-flush-interval, data-location-enrichment apply', async () => {
    const { page, errors } = await openPage(tag('data-opted-out data-storage-prefix="site" data-flush-interval="60000" data-location-enrichment="true"'))
    await loaded(page)
    expect(await page.evaluate(() => (userflux as ScriptTagClient).hasOptedOut)).toBe(true)
    await page.evaluate(() => userflux.updateProfile({ before: 'consent' }))
    expect(await page.evaluate(() => userflux.flush())).toEqual({ ok: true })
    await sleep(1500)
    expect((await stack.api.requests()).posts).toHaveLength(0)

    // Consent given: an update waits for the 60 s flush interval, unless flushed.
    await page.evaluate(() => userflux.optIn())
    await page.evaluate(() => userflux.updateProfile({ after: 'consent' }))
    await sleep(2000)
    expect((await stack.api.requests()).posts).toHaveLength(0)
    expect(await page.evaluate(() => userflux.flush())).toEqual({ ok: true })
    const [post] = (await stack.api.requests()).posts
    expect(post!.body.properties).toEqual({ after: 'consent' })
    expect(post!.query).toEqual({ locationEnrichment: 'true' })
    const keys = await page.evaluate(() => Object.keys(localStorage))
    expect(keys).toContain('site-anonymousId')
    expect(keys).not.toContain('uf-anonymousId')
    expect(errors).toEqual([])
  })

  it('data-max-queue-size bounds the queue', async () => {
    const { page, errors } = await openPage(tag('data-max-queue-size="2" data-flush-interval="60000"'))
    await loaded(page)
    // Three requests that cannot merge (the enrichment flag differs from one to the next).
    await page.evaluate(() => {
      userflux.updateProfile({ n: 1 }, { locationEnrichment: true })
      userflux.updateProfile({ n: 2 }, { locationEnrichment: false })
      userflux.updateProfile({ n: 3 }, { locationEnrichment: true })
    })
    expect(errors).toEqual(['userflux: queue full: oldest update dropped'])
    await page.evaluate(() => userflux.flush())
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{ n: 2 }, { n: 3 }])
  })

  it('data-respect-global-privacy-control: the browser signal opts out; without the attribute it does not', async () => {
    const gpc = `Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true })`
    const respecting = await openPage(tag('data-respect-global-privacy-control="true"'), {}, gpc)
    await loaded(respecting.page)
    expect(await respecting.page.evaluate(() => (userflux as ScriptTagClient).hasOptedOut)).toBe(true)
    const ignoring = await openPage(tag(''), {}, gpc)
    await loaded(ignoring.page)
    expect(await ignoring.page.evaluate(() => (userflux as ScriptTagClient).hasOptedOut)).toBe(false)
  })

  it('a bad value is reported naming the attribute, and its default used', async () => {
    const { page, errors } = await openPage(tag('data-flush-interval="-1" data-max-queue-size="none"'))
    await loaded(page)
    expect(errors).toEqual([
      'userflux: data-flush-interval must be a number ≥ 0, not -1; using 1000',
      'userflux: data-max-queue-size must be an integer ≥ 1, not "none"; using 100',
    ])
    await page.evaluate(() => userflux.updateProfile({ still: 'works' }))
    expect((await stack.api.waitFor((accepted) => accepted.length == 1 && accepted))[0].properties).toEqual({ still: 'works' })
  })
})

describe('loader stub: flush() and ready() before the script has loaded', () => {
  it('flush() returns a promise that settles once the real client has flushed; ready(callback) gets the client', async () => {
    const early = `
      window.__log = [['stub', Array.isArray(userflux)]]
      userflux.updateProfile({ early: true })
      userflux.flush().then((result) => __log.push(['flushed', result, window.__accepted]))
      userflux.ready((client) => __log.push(['ready', client === window.userflux, typeof client.identify]))`
    const { page, errors } = await openPage(`<script src="/stub.js"></script><script src="$page-early.js"></script>${tag('', 1000)}`, { early })
    await loaded(page)
    await waitInPage(page, () => (window as any).__log.length == 3, 15_000)
    const log = await page.evaluate(() => (window as any).__log)
    expect(log).toEqual([
      ['stub', true], // the calls were made before the script had loaded
      ['ready', true, 'function'], // replayed in call order: flush() settles later, over the network
      ['flushed', { ok: true }, undefined],
    ])
    // "once flushed": the update had arrived by the time the promise settled
    expect((await stack.api.accepted()).map((body) => body.properties)).toEqual([{ early: true }])
    // After load, ready() runs its callback at once.
    expect(await page.evaluate(() => { let now = false; userflux.ready(() => (now = true)); return now })).toBe(true)
    expect(errors).toEqual([])
  })
})

describe('setUser and subscribe on window.userflux (issue 21)', () => {
  it('setUser made before the script loaded is replayed; subscribe() on the client hears the log-out', async () => {
    const early = `
      window.__seen = []
      userflux.setUser('user-9', { plan: 'pro' })
      userflux.setUser('user-9', { plan: 'pro' })
      userflux.ready((client) => client.subscribe((state) => __seen.push(state.userId)))`
    const { page, errors } = await openPage(`<script src="/stub.js"></script><script src="$page-early.js"></script>${tag('', 500)}`, { early })
    await loaded(page)
    await stack.api.waitFor((accepted) => accepted.length == 1)
    await page.evaluate(() => userflux.setUser(null))
    await waitInPage(page, () => (window as any).__seen.length == 1, 15_000)
    expect(await page.evaluate(() => (window as any).__seen)).toEqual([null])
    expect((await stack.api.accepted()).map((body) => [body.userId, body.properties])).toEqual([['user-9', { plan: 'pro' }]])
    expect(errors).toEqual([])
  })
})

describe('an element with id="userflux" on the page (browsers expose it as window.userflux)', () => {
  const element = '<div id="userflux">our widget</div>'

  it('without the stub: reported clearly, and the client created anyway', async () => {
    const { page, errors } = await openPage(tag('', 500), {}, undefined, element)
    await loaded(page)
    expect(errors).toEqual(['userflux: window.userflux was taken (by <div id="userflux">); it now holds the client'])
    await page.evaluate(() => userflux.updateProfile({ despite: 'the element' }))
    expect((await stack.api.waitFor((accepted) => accepted.length == 1 && accepted))[0].properties).toEqual({ despite: 'the element' })
    expect(await page.evaluate(() => document.getElementById('userflux')?.textContent)).toBe('our widget')
  })

  it('with the stub: calls made before load are kept and replayed', async () => {
    const { page, errors } = await openPage(`${tag('', 800)}`, { early: `userflux.updateProfile({ early: 1 })` }, undefined, `${element}<script src="/stub.js"></script><script src="$page-early.js"></script>`)
    await loaded(page)
    expect((await stack.api.waitFor((accepted) => accepted.length == 1 && accepted))[0].properties).toEqual({ early: 1 })
    expect(errors).toEqual([])
  })

  it('a loaded client is recognised as one: loading the script again creates no second client', async () => {
    const { page, errors } = await openPage(`${tag('')}`)
    await loaded(page)
    const first = await page.evaluate(() => (userflux as ScriptTagClient).anonymousId)
    await page.evaluate((src) => new Promise((resolve) => {
      const again = document.createElement('script')
      again.src = src
      again.dataset.writeKey = 'another-key'
      again.onload = resolve
      document.head.append(again)
    }), '/userflux.min.js?again=1')
    expect(await page.evaluate(() => (userflux as ScriptTagClient).anonymousId)).toBe(first)
    expect(errors).toEqual([])
  })
})

describe('debug without a rebuild', () => {
  /** The console.log calls of the page, each as the JSON of its arguments. */
  const logs = (page: Page) => {
    const calls: Promise<unknown[]>[] = []
    page.on('console', (message) => message.type() == 'log' && calls.push(Promise.all(message.args().map((arg) => arg.jsonValue()))))
    return () => Promise.all(calls)
  }

  it.each([
    ['?uf_debug=1 in the URL', '?uf_debug=1', undefined],
    ["localStorage 'uf-debug' = '1'", '', `localStorage.setItem('uf-debug', '1')`],
  ])('%s: readable lines (userId, anonymousId, properties), no data-debug needed', async (_, query, init) => {
    const { page } = await openPage(tag(''), {}, init)
    await loaded(page)
    const lines = logs(page)
    if (query) await page.goto(page.url() + query)
    await loaded(page)
    await page.evaluate(() => {
      userflux.identify('user-5', { plan: 'pro' })
      return userflux.flush()
    })
    const calls = await lines()
    const sent = calls.find((args) => args[0] == '[userflux]' && args[1] == 'sent')
    expect(sent, JSON.stringify(calls)).toBeDefined()
    // A link is anyone's to craft: switched on from the URL, the lines name properties but hide their values (SPEC §14).
    const value = query ? HIDDEN : 'pro'
    expect(sent![2]).toEqual({ userId: 'user-5', anonymousId: expect.any(String), properties: { plan: value }, locationEnrichment: false })
    expect(calls.find((args) => args[1] == 'queued')![2]).toMatchObject({ userId: 'user-5', properties: { plan: value } })
  })

  it('without a switch, nothing is logged', async () => {
    const { page } = await openPage(tag(''))
    const lines = logs(page)
    await loaded(page)
    await page.evaluate(() => {
      userflux.updateProfile({ a: 1 })
      return userflux.flush()
    })
    expect(await lines()).toEqual([])
  })
})

